//! What a job needs before it reads a row, read once: the entity and mode,
//! the header, the mapped columns and their fields, the workspace's
//! lookups (users, tags, regions, base currency, custom fields), and which
//! body key came from which column (so errors name the column).

use std::collections::{BTreeMap, HashMap};

use crm_api_types::batch::BatchMode;
use crm_api_types::imports::ImportEntity;
use crm_db::AnyConnection;
use crm_db::imports::ImportRow;
use crm_domain::custom_field::{FieldEntity, FieldType};
use uuid::Uuid;

use super::fields::{self, Context, Field};
use super::pipelines::PipelineIndex;
use crate::AppError;
use crm_domain::imports::regions::{Region, RegionIndex};

/// What the rows of one import need, read once per job.
pub struct Plan {
    pub entity: ImportEntity,
    pub mode: BatchMode,
    pub headers: Vec<String>,
    pub fields: Vec<Field>,
    /// Column index → field name.
    pub mapped: Vec<(usize, String)>,
    /// A body key (or its first segment) → the column it came from.
    pub column_of: HashMap<String, String>,
    pub ctx: Context,
    /// New customers without a mapped `kind` are organisations.
    pub default_kind: bool,
    /// Orders without a currency column are in the base currency.
    pub currency_mapped: bool,
    /// For orders: the column of the order number.
    pub key_column: Option<usize>,
}

impl Plan {
    /// The column an error about `field` (a body key such as
    /// `custom_fields.level` or `province_code`) is about.
    pub fn column_for(&self, field: &str) -> String {
        let field = field.split_once("].").map_or(field, |(_, rest)| rest);
        self.column_of
            .get(field)
            .or_else(|| self.column_of.get(field.split('.').next().unwrap_or(field)))
            .cloned()
            .unwrap_or_else(|| field.to_owned())
    }
}

pub fn plan(conn: &mut AnyConnection, row: &ImportRow) -> Result<Plan, AppError> {
    let ws = row.workspace_id.0;
    let entity = ImportEntity::parse(&row.entity).map_err(AppError::internal)?;
    let mode = BatchMode::parse(&row.mode).map_err(AppError::internal)?;
    let headers: Vec<String> =
        serde_json::from_value(row.header.0.clone()).map_err(AppError::internal)?;
    let mapping: BTreeMap<String, String> = row
        .mapping
        .as_ref()
        .map(|m| serde_json::from_value(m.0.clone()))
        .transpose()
        .map_err(AppError::internal)?
        .unwrap_or_default();
    let custom = custom_fields(conn, ws, entity)?;
    let fields = fields::fields_of(entity, &custom);
    let mut mapped = Vec::new();
    let mut column_of = HashMap::new();
    for (i, header) in headers.iter().enumerate() {
        if let Some(field) = mapping.get(header) {
            mapped.push((i, field.clone()));
            for key in body_keys(field) {
                column_of.insert(key, header.clone());
            }
        }
    }
    let default_kind = entity == ImportEntity::Customers
        && mode != BatchMode::Update
        && !mapping.values().any(|f| f == "kind");
    let key_column = mapped
        .iter()
        .find(|(_, f)| entity == ImportEntity::Orders && f == "external_id")
        .map(|(i, _)| *i);
    Ok(Plan {
        entity,
        mode,
        headers,
        fields,
        mapped,
        column_of,
        ctx: context(conn, ws)?,
        default_kind,
        currency_mapped: mapping.values().any(|f| f == "currency"),
        key_column,
    })
}

/// The body keys a field fills (errors name these).
fn body_keys(field: &str) -> Vec<String> {
    match field {
        "owner_email" => vec!["owner_id".into(), "team_id".into()],
        "tags" => vec!["tag_ids".into()],
        "country" | "province" | "city" | "district" => vec![format!("{field}_code")],
        "line.sku" | "line.product_external_id" | "line.quantity" => {
            vec![field.trim_start_matches("line.").to_owned()]
        }
        "line.unit_price" => vec!["unit_price_minor".into()],
        "pipeline" | "stage" => vec![format!("{field}_id")],
        "line.discount" => vec!["discount_minor".into()],
        f => match f.strip_prefix("custom.") {
            Some(key) => vec![format!("custom_fields.{key}")],
            None => vec![f.to_owned()],
        },
    }
}

/// The workspace's custom fields of an entity (customers and contacts have them).
pub fn custom_fields(
    conn: &mut AnyConnection,
    ws: Uuid,
    entity: ImportEntity,
) -> Result<Vec<(String, FieldType)>, AppError> {
    let of = match entity {
        ImportEntity::Customers => FieldEntity::Customer,
        ImportEntity::Contacts => FieldEntity::Contact,
        _ => return Ok(Vec::new()),
    };
    Ok(crm_db::custom_fields::list(conn, ws, Some(of.as_str()))?
        .iter()
        .map(|r| r.def())
        .map(|d| (d.key.clone(), d.field_type))
        .collect())
}

fn context(conn: &mut AnyConnection, ws: Uuid) -> Result<Context, AppError> {
    let settings = crm_db::metrics::settings(conn, ws)?;
    let users = crm_db::users::list(conn, ws, 100_000)?
        .into_iter()
        .map(|u| (u.email.to_lowercase(), u.id.0))
        .collect();
    let tags = crm_db::tags::list(conn, ws)?
        .into_iter()
        .map(|t| (t.name, t.id.0))
        .collect();
    let regions = crm_db::regions::list(
        conn,
        &crm_db::regions::RegionFilter {
            parent: None,
            level: None,
            after: None,
            limit: 100_000,
        },
    )?;
    let pipelines = PipelineIndex::new(
        crm_db::pipelines::list(conn, ws)?,
        crm_db::pipelines::stages(conn, ws, None)?,
    );
    Ok(Context {
        base_currency: settings.base_currency,
        users,
        tags,
        regions: RegionIndex::new(
            regions
                .into_iter()
                .map(|r| Region {
                    code: r.code,
                    level: r.level,
                    parent_code: r.parent_code,
                    name_zh: r.name_zh,
                    name_en: r.name_en,
                })
                .collect(),
        ),
        pipelines,
    })
}
