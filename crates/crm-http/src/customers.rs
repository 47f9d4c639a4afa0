//! `/customers`: create, read, list, merge-patch and soft-delete customers,
//! every query scoped by the caller's visibility.

pub mod batch;
pub mod export;
mod input;
pub mod upsert;

use actix_web::{HttpResponse, delete, get, patch, post, web};
use crm_api_types::customers::{Customer, CustomerPatch, CustomerQuery, NewCustomer};
use crm_api_types::{Page, Problem};
use crm_db::AnyConnection;
use crm_db::change_log::{Op, changed_fields, lock_workspace, transaction};
use crm_db::customers::{CustomerRow, CustomerSort};
use crm_db::paging::SortValue;
use crm_domain::access::{Action, ObjectType, Ownership, Principal, Scope};
use crm_domain::FieldErrors;
use uuid::Uuid;

use self::input::{Input, check_ownership, validate, view};
use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, IfMatch, etag};
use crate::idempotency::{self, IdempotencyKey};
use crate::lookups::Lookups;
use crate::paging::{keyset, page};
use crate::state::AppState;

pub const ENTITY: &str = crm_db::change_log::CUSTOMER;

const SORTS: [(&str, CustomerSort); 6] = [
    ("created_at", CustomerSort::CreatedAt),
    ("updated_at", CustomerSort::UpdatedAt),
    ("name", CustomerSort::Name),
    ("order_count", CustomerSort::OrderCount),
    ("revenue", CustomerSort::Revenue),
    ("last_order_on", CustomerSort::LastOrderOn),
];

/// Checks tag ids belong to the workspace; returns them de-duplicated.
fn check_tags(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    ids: &[Uuid],
    errors: &mut FieldErrors,
) -> Result<Vec<Uuid>, ApiError> {
    let mut unique: Vec<Uuid> = ids.to_vec();
    unique.sort();
    unique.dedup();
    let found = crm_db::tags::find_many(conn, workspace_id, &unique)?;
    for id in &unique {
        if !found.iter().any(|t| t.id.0 == *id) {
            errors.add("tag_ids", format!("{id} is not a tag of this workspace"));
        }
    }
    Ok(unique)
}

/// A customer visible for reading (else 404) whose ownership the action's
/// scope covers (else 403), with that scope and the caller's principal.
fn find_for(
    conn: &mut AnyConnection,
    caller: &Caller,
    id: Uuid,
    action: Action,
) -> Result<(CustomerRow, Scope, Principal), ApiError> {
    let read = caller.visibility(conn, ObjectType::Customers, Action::Read)?;
    let current = crm_db::customers::find(conn, &read, id)?;
    let scope = caller.require(ObjectType::Customers, action)?;
    let principal = caller.principal(conn, scope)?;
    let ownership = Ownership {
        owner_id: current.fields.owner_id.map(Uuid::from),
        team_id: current.fields.team_id.map(Uuid::from),
    };
    if !scope.covers(&principal, ownership) {
        return Err(ApiError::Forbidden(format!(
            "your role may not {action} this customer"
        )));
    }
    Ok((current, scope, principal))
}

fn with_tags(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    row: CustomerRow,
) -> Result<Customer, ApiError> {
    let mut tags = crm_db::tags::of_customers(conn, workspace_id, &[row.id.0])?;
    let refs = tags
        .remove(&row.id.0)
        .unwrap_or_default()
        .into_iter()
        .map(crate::tags::reference)
        .collect();
    let metrics = crm_db::rfm::of_customer(conn, workspace_id, row.id.0)?;
    let mut customer = view(row, refs);
    customer.metrics = metrics.as_ref().map(crate::analytics::profile::summary);
    Ok(customer)
}

/// Creates a customer inside the caller's transaction (the workspace lock taken).
pub(crate) fn create_in(
    conn: &mut AnyConnection,
    caller: &Caller,
    scope: Scope,
    body: NewCustomer,
) -> Result<Customer, ApiError> {
    let ws = caller.workspace_id;
    let tag_ids = body.tag_ids.clone();
    let mut input = Input::from(body);
    input.owner_id = input.owner_id.or(Some(caller.user_id()));
    let mut errors = FieldErrors::new();
    let lookups = &mut Lookups::default();
    let mut fields = validate(conn, lookups, ws, &input, &mut errors)?;
    let tags = check_tags(conn, ws, &tag_ids, &mut errors)?;
    let principal = caller.principal(conn, scope)?;
    check_ownership(
        conn,
        lookups,
        ws,
        &mut fields,
        false,
        (scope, &principal),
        None,
        &mut errors,
    )?;
    errors.into_result().map_err(ApiError::Validation)?;
    if let Some(ext) = &fields.external_id
        && crm_db::customers::external_id_taken(conn, ws, ext, None)?
    {
        return Err(ApiError::Conflict {
            field: "external_id".into(),
            detail: "is already taken".into(),
        });
    }
    let row = crm_db::customers::insert(conn, ws, Some(caller.user_id()), &fields)?;
    crm_db::tags::set_for_customer(conn, ws, row.id.0, &tags)?;
    let mut changed: Vec<String> = serde_json::to_value(&fields)
        .ok()
        .and_then(|v| v.as_object().map(|o| o.keys().cloned().collect()))
        .unwrap_or_default();
    changed.push("tags".into());
    let values = crm_db::change_log::values(&changed, None, Some(&fields));
    caller.record_change(conn, ENTITY, row.id.0, Op::Create, changed, values)?;
    with_tags(conn, ws, row)
}

/// Merge-patches a visible customer inside the caller's transaction.
pub(crate) fn update_in(
    conn: &mut AnyConnection,
    caller: &Caller,
    id: Uuid,
    if_match: IfMatch,
    patch: CustomerPatch,
) -> Result<Customer, ApiError> {
    let ws = caller.workspace_id;
    let (current, scope, principal) = find_for(conn, caller, id, Action::Update)?;
    let version = if_match.check(current.version)?;
    let tag_ids = patch.tag_ids.clone();
    let (input, team_from_owner) = Input::from_row(&current).apply(patch);
    let mut errors = FieldErrors::new();
    let lookups = &mut Lookups::default();
    let mut fields = validate(conn, lookups, ws, &input, &mut errors)?;
    let tags = match &tag_ids {
        Some(ids) => Some(check_tags(conn, ws, ids, &mut errors)?),
        None => None,
    };
    check_ownership(
        conn,
        lookups,
        ws,
        &mut fields,
        team_from_owner,
        (scope, &principal),
        Some(current.fields.team_id.map(Uuid::from)),
        &mut errors,
    )?;
    errors.into_result().map_err(ApiError::Validation)?;
    if let Some(ext) = &fields.external_id
        && crm_db::customers::external_id_taken(conn, ws, ext, Some(id))?
    {
        return Err(ApiError::Conflict {
            field: "external_id".into(),
            detail: "is already taken".into(),
        });
    }
    let mut changed = changed_fields(&current.fields, &fields);
    if let Some(tags) = &tags {
        let before: Vec<Uuid> = crm_db::tags::of_customers(conn, ws, &[id])?
            .remove(&id)
            .unwrap_or_default()
            .iter()
            .map(|t| t.id.0)
            .collect();
        let mut before = before;
        before.sort();
        if &before != tags {
            crm_db::tags::set_for_customer(conn, ws, id, tags)?;
            changed.push("tags".into());
        }
    }
    if changed.is_empty() {
        return with_tags(conn, ws, current);
    }
    let row = crm_db::customers::update(conn, ws, id, version, Some(caller.user_id()), &fields)?;
    let values = crm_db::change_log::values(&changed, Some(&current.fields), Some(&fields));
    caller.record_change(conn, ENTITY, id, Op::Update, changed, values)?;
    with_tags(conn, ws, row)
}

/// Create a customer. Owner defaults to the caller, team to the owner's team.
#[utoipa::path(
    tag = "customers",
    params(("Idempotency-Key" = Option<String>, Header, description = "Retry-safe: the same key and body replay the first answer for 24 h; another body with the key is 422")),
    request_body = NewCustomer,
    responses(
        (status = 201, description = "Created; `Location` names it", body = Customer),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not create customers, or not for that owner", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`external_id` is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Field errors", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/customers")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    body: ApiJson<NewCustomer>,
) -> Result<HttpResponse, ApiError> {
    let scope = caller.require(ObjectType::Customers, Action::Create)?;
    idempotency::create(
        &state,
        caller,
        key,
        "/api/v1/customers",
        body.0,
        move |conn, caller, body| create_in(conn, caller, scope, body),
    )
    .await
}

#[utoipa::path(
    tag = "customers",
    params(("id" = Uuid, Path, description = "Customer id")),
    responses(
        (status = 200, description = "The customer; `ETag` carries its version", body = Customer),
        (status = 404, description = "No such customer, or not visible to you", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/customers/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let customer = state
        .db(move |conn| {
            let vis = caller.visibility(conn, ObjectType::Customers, Action::Read)?;
            let row = crm_db::customers::find(conn, &vis, id)?;
            with_tags(conn, caller.workspace_id, row)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(customer.version))
        .json(customer))
}

pub(crate) use crm_app::customers::filter::filter_of;

/// List customers visible to the caller, newest first by default.
///
/// Keyset-paginated: pass `next_cursor` as `cursor` for the next page; rows
/// added meanwhile are neither skipped nor repeated. No total count is computed.
#[utoipa::path(
    tag = "customers",
    params(CustomerQuery),
    responses(
        (status = 200, body = Page<Customer>),
        (status = 400, description = "Bad filter, sort, limit or cursor", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/customers")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<CustomerQuery>,
) -> Result<web::Json<Page<Customer>>, ApiError> {
    let query = query.0;
    let filter = filter_of(&query)?;
    let (keyset, sort_key) = keyset(
        query.sort.as_deref(),
        query.cursor.as_deref(),
        query.limit,
        &SORTS,
    )?;
    let (field, limit) = (keyset.field, keyset.limit);
    let freshness = state.rfm_freshness();
    let (rows, tags, metrics) = state
        .db(move |conn| {
            let vis = caller.visibility(conn, ObjectType::Customers, Action::Read)?;
            let filter =
                crate::analytics::prepare_filter(conn, vis.workspace_id, filter, &freshness)?;
            let rows = crm_db::customers::list(conn, &vis, &filter, &keyset)?;
            let ids: Vec<Uuid> = rows.iter().map(|r| r.id.0).collect();
            let tags = crm_db::tags::of_customers(conn, caller.workspace_id, &ids)?;
            let metrics = crm_db::rfm::of_customers(conn, caller.workspace_id, &ids)?;
            Ok((rows, tags, metrics))
        })
        .await?;
    let tags = std::cell::RefCell::new(tags);
    let (items, next_cursor) = page(
        rows,
        limit,
        &sort_key,
        |r| {
            let v = match field {
                CustomerSort::CreatedAt => SortValue::Time(r.created_at),
                CustomerSort::UpdatedAt => SortValue::Time(r.updated_at),
                CustomerSort::Name => SortValue::Text(r.fields.name.clone()),
                CustomerSort::OrderCount => {
                    SortValue::Int(metrics.get(&r.id.0).map_or(0, |m| i64::from(m.order_count)))
                }
                CustomerSort::Revenue => {
                    SortValue::Int(metrics.get(&r.id.0).map_or(0, |m| m.revenue_minor))
                }
                CustomerSort::LastOrderOn => SortValue::Date(
                    metrics
                        .get(&r.id.0)
                        .map_or(crm_db::customers::NO_LAST_ORDER, |m| m.last_order_on),
                ),
            };
            (v, r.id.0)
        },
        |r| {
            let refs = tags
                .borrow_mut()
                .remove(&r.id.0)
                .unwrap_or_default()
                .into_iter()
                .map(crate::tags::reference)
                .collect();
            let summary = metrics.get(&r.id.0).map(crate::analytics::profile::summary);
            let mut customer = view(r, refs);
            customer.metrics = summary;
            customer
        },
    );
    Ok(web::Json(Page { items, next_cursor }))
}

/// Merge-patch a customer. Send `If-Match` with the `ETag` you read to be
/// told (412) when someone else changed it meanwhile.
#[utoipa::path(
    tag = "customers",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version you edited")),
    request_body = CustomerPatch,
    responses(
        (status = 200, body = Customer),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed by someone else since you read it", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/customers/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<CustomerPatch>,
) -> Result<HttpResponse, ApiError> {
    let (id, patch) = (id.into_inner(), body.0);
    let customer = state
        .db(move |conn| {
            transaction(conn, |conn| {
                lock_workspace(conn, caller.workspace_id)?;
                update_in(conn, &caller, id, if_match, patch)
            })
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(customer.version))
        .json(customer))
}

/// Soft-delete a customer and its contacts; the deletion appears in the change log.
#[utoipa::path(
    tag = "customers",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/customers/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state
        .db(move |conn| {
            transaction(conn, |conn| {
                let ws = caller.workspace_id;
                lock_workspace(conn, ws)?;
                let (current, _, _) = find_for(conn, &caller, id, Action::Delete)?;
                let version = if_match.check(current.version)?;
                crm_db::customers::soft_delete(conn, ws, id, version, Some(caller.user_id()))?;
                let actor = Some(caller.user_id());
                for contact in crm_db::contacts::soft_delete_of_customer(conn, ws, id, actor)? {
                    caller.record_change(
                        conn,
                        crate::contacts::ENTITY,
                        contact,
                        Op::Delete,
                        vec![],
                        None,
                    )?;
                }
                caller.record_change(conn, ENTITY, id, Op::Delete, vec![], None)?;
                Ok(())
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
