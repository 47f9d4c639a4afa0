//! `GET /products/export` and `/products/export.xlsx`: the filtered product catalogue,
//! oldest first on the `created_at` keyset index (paging in `crate::export`).

use actix_web::{HttpResponse, get, web};
use crm_api_types::Problem;
use crm_api_types::products::ProductQuery;
use crm_db::AnyConnection;
use crm_db::paging::{Direction, Keyset, SortValue};
use crm_db::products::{ProductFilter, ProductRow, ProductSort};
use crm_domain::access::{Action, ObjectType};
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::export::{PAGE, Table, time_text};
use crate::extract::ApiQuery;
use crate::state::AppState;
use crate::views::naive;

const HEADER: [&str; 12] = [
    "id",
    "sku",
    "name",
    "external_id",
    "category",
    "unit",
    "price_minor",
    "currency",
    "active",
    "description",
    "created_at",
    "updated_at",
];

/// The products a list with these filters shows, for the `export` scope.
#[derive(Clone)]
struct Products {
    caller: Caller,
    filter: ProductFilter,
}

impl Table for Products {
    type Row = ProductRow;
    const NAME: &'static str = "products";

    fn header(&self) -> &'static [&'static str] {
        &HEADER
    }

    fn page(
        &self,
        conn: &mut AnyConnection,
        after: Option<(SortValue, Uuid)>,
    ) -> Result<Vec<ProductRow>, crm_app::AppError> {
        self.caller.require(ObjectType::Products, Action::Export)?;
        let keyset = Keyset {
            field: ProductSort::CreatedAt,
            direction: Direction::Asc,
            after,
            limit: PAGE - 1,
        };
        Ok(crm_db::products::list(
            conn,
            self.caller.workspace_id,
            &self.filter,
            &keyset,
        )?)
    }

    fn key(row: &ProductRow) -> (SortValue, Uuid) {
        (SortValue::Time(row.created_at), row.id.0)
    }

    fn record(r: &ProductRow) -> Vec<String> {
        let f = &r.fields;
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        vec![
            r.id.to_string(),
            f.sku.clone(),
            f.name.clone(),
            text(&f.external_id),
            text(&f.category),
            text(&f.unit),
            f.price_minor.map(|p| p.to_string()).unwrap_or_default(),
            text(&f.currency),
            f.active.to_string(),
            text(&f.description),
            time_text(r.created_at),
            time_text(r.updated_at),
        ]
    }
}

fn table(caller: Caller, q: &ProductQuery) -> Result<Products, ApiError> {
    caller.require(ObjectType::Products, Action::Export)?;
    // The list's paging parameters are checked as the list checks them,
    // though an export always holds every matching row.
    crate::paging::keyset(
        q.sort.as_deref(),
        q.cursor.as_deref(),
        q.limit,
        &super::SORTS,
    )?;
    let filter = ProductFilter {
        q: q.q
            .as_deref()
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty()),
        category: q.category.clone(),
        active: q.active,
        external_id: q.external_id.clone(),
        updated_from: q.updated_since.map(naive),
    };
    Ok(Products { caller, filter })
}

/// Export the products a list with these filters shows, as CSV.
///
/// Needs the `export` permission on products; its scope limits the rows.
#[utoipa::path(
    tag = "products",
    params(ProductQuery),
    responses(
        (status = 200, description = "text/csv; UTF-8 with BOM", content_type = "text/csv"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role may not export products", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/products/export")]
pub async fn export(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<ProductQuery>,
) -> Result<HttpResponse, ApiError> {
    let table = table(caller, &query.0)?;
    crate::export::csv(state.get_ref().clone(), table).await
}

/// Export the products a list with these filters shows, as an Excel workbook.
#[utoipa::path(
    tag = "products",
    params(ProductQuery),
    responses(
        (status = 200, description = "An .xlsx workbook with one sheet", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The role may not export products", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Too many rows for one worksheet", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/products/export.xlsx")]
pub async fn export_xlsx(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<ProductQuery>,
) -> Result<HttpResponse, ApiError> {
    let table = table(caller, &query.0)?;
    crate::export::xlsx(state.get_ref().clone(), table).await
}
