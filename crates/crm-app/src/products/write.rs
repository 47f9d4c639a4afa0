//! The one write path of products: any number of records (a batch, or the
//! single record of POST, PATCH and PUT), checked against a few prefetched
//! lookups, written with one multi-row upsert and one change-log insert.

use std::collections::HashMap;

use crm_api_types::batch::{BatchMode, BatchRequest, BatchResponse, RecordStatus};
use crm_api_types::patch::apply;
use crm_api_types::products::ProductPatch;
use crm_db::AnyConnection;
use crm_db::batch::{BatchChange, record_changes};
use crm_db::change_log::{Op, changed_fields, field_names};
use crm_db::products::{ProductFields, ProductRow};
use crm_domain::FieldErrors;
use crm_domain::access::{Action, ObjectType, Scope};
use crm_domain::money::Money;
use crm_domain::validation::{bounded_text, multiline_text};
use uuid::Uuid;

use super::ENTITY;
use crate::batch::{
    self as batches, Outcome, Record, RecordError, Target, reject_repeats, target_field,
};
use crate::{Actor, AppError};

/// A whole batch request: its records parsed, written and answered.
/// Call inside a transaction holding the workspace lock.
pub fn run(
    conn: &mut AnyConnection,
    actor: &Actor,
    body: BatchRequest,
) -> Result<BatchResponse, AppError> {
    let mode = body.mode;
    let (records, failed) =
        batches::parse::<ProductPatch>(mode, body.records, |p| p.external_id.clone().flatten())?;
    let mut outcomes = write(conn, actor, mode, records, None)?;
    outcomes.extend(failed.into_iter().map(|(i, e)| (i, Err(e))));
    batches::answer(body.all_or_none, outcomes, |r: &ProductRow| {
        (r.id.0, r.version)
    })
}

/// Writes the records; `expected_version` is the single-record `If-Match`.
/// Call inside a transaction holding the workspace lock.
pub fn write(
    conn: &mut AnyConnection,
    actor: &Actor,
    mode: BatchMode,
    records: Vec<Record<ProductPatch>>,
    expected_version: Option<i32>,
) -> Result<Vec<(usize, Outcome<ProductRow>)>, AppError> {
    let ws = actor.workspace_id;
    let may_create = actor.scope(ObjectType::Products, Action::Create) == Scope::All;
    let may_update = actor.scope(ObjectType::Products, Action::Update) == Scope::All;
    let mut failed = Vec::new();
    let records = reject_repeats(
        records,
        target_field,
        |r| match &r.target {
            Target::New => None,
            t => Some(t.clone()),
        },
        &mut failed,
    );
    let records = reject_repeats(records, |_| "sku", |r| r.body.sku.clone(), &mut failed);

    // Everything the records refer to, in four queries.
    let ids: Vec<Uuid> = records
        .iter()
        .filter_map(|r| match r.target {
            Target::Id(id) => Some(id),
            _ => None,
        })
        .collect();
    let mut keys: Vec<String> = records
        .iter()
        .filter_map(|r| match &r.target {
            Target::Key(k) => Some(k.clone()),
            _ => None,
        })
        .collect();
    keys.extend(
        records
            .iter()
            .filter_map(|r| r.body.external_id.clone().flatten()),
    );
    let skus: Vec<String> = records.iter().filter_map(|r| r.body.sku.clone()).collect();
    let by_id: HashMap<Uuid, ProductRow> = crm_db::products::find_many(conn, ws, &ids)?
        .into_iter()
        .map(|r| (r.id.0, r))
        .collect();
    let by_key: HashMap<String, ProductRow> =
        crm_db::products::find_by_external_ids(conn, ws, &keys)?
            .into_iter()
            .filter_map(|r| r.fields.external_id.clone().map(|k| (k, r)))
            .collect();
    let sku_owner: HashMap<String, Uuid> = crm_db::products::find_by_skus(conn, ws, &skus)?
        .into_iter()
        .map(|r| (r.fields.sku, r.id.0))
        .collect();

    let mut outcomes: Vec<(usize, Outcome<ProductRow>)> =
        failed.into_iter().map(|(i, e)| (i, Err(e))).collect();
    let mut rows = Vec::new();
    let mut changes = Vec::new();
    for record in records {
        let current = match &record.target {
            Target::New => None,
            Target::Id(id) => match by_id.get(id) {
                Some(row) => Some(row),
                None => {
                    outcomes.push((record.index, Err(RecordError::NotFound("id"))));
                    continue;
                }
            },
            Target::Key(key) => match (by_key.get(key), mode) {
                (Some(row), _) => Some(row),
                (None, BatchMode::Update) => {
                    outcomes.push((record.index, Err(RecordError::NotFound("external_id"))));
                    continue;
                }
                (None, _) => None,
            },
        };
        let outcome = one(
            actor,
            current,
            &record,
            expected_version,
            (may_create, may_update),
            &sku_owner,
            &by_key,
        );
        match outcome {
            Ok((status, row, changed)) => {
                if status != RecordStatus::Unchanged {
                    let values = crm_db::change_log::values(
                        &changed,
                        current.map(|r| &r.fields),
                        Some(&row.fields),
                    );
                    changes.push(BatchChange {
                        values: values.map(Into::into),
                        entity_id: row.id.0,
                        op: if status == RecordStatus::Created {
                            Op::Create
                        } else {
                            Op::Update
                        },
                        changed_fields: changed,
                    });
                    rows.push(row.clone());
                }
                outcomes.push((record.index, Ok((status, row))));
            }
            Err(e) => outcomes.push((record.index, Err(e))),
        }
    }
    crm_db::products::write_many(conn, &rows)?;
    record_changes(
        conn,
        ws,
        ENTITY,
        Some(actor.user_id()),
        actor.via.as_str(),
        &changes,
    )?;
    Ok(outcomes)
}

/// One record against its current row: the row to write and what changed.
fn one(
    actor: &Actor,
    current: Option<&ProductRow>,
    record: &Record<ProductPatch>,
    expected_version: Option<i32>,
    (may_create, may_update): (bool, bool),
    sku_owner: &HashMap<String, Uuid>,
    by_key: &HashMap<String, ProductRow>,
) -> Result<(RecordStatus, ProductRow, Vec<String>), RecordError> {
    let patch = record.body.clone();
    let by = Some(actor.user_id());
    let (fields, self_id) = match current {
        None => {
            if !may_create {
                return Err(RecordError::Forbidden(
                    "your role may not create products".into(),
                ));
            }
            let mut errors = FieldErrors::new();
            if patch.sku.is_none() {
                errors.add("sku", "is required to create a product");
            }
            if patch.name.is_none() {
                errors.add("name", "is required to create a product");
            }
            if !errors.is_empty() {
                return Err(RecordError::Invalid(errors));
            }
            let key = match &record.target {
                Target::Key(k) => Some(k.clone()),
                _ => None,
            };
            let base = ProductFields {
                sku: String::new(),
                name: String::new(),
                external_id: key,
                category: None,
                unit: None,
                price_minor: None,
                currency: None,
                active: true,
                description: None,
                search_text: String::new(),
            };
            (apply_patch(base, patch)?, None)
        }
        Some(row) => {
            if !may_update {
                return Err(RecordError::Forbidden(
                    "your role may not update products".into(),
                ));
            }
            if expected_version.is_some_and(|v| v != row.version) {
                return Err(RecordError::Stale);
            }
            (apply_patch(row.fields.clone(), patch)?, Some(row.id.0))
        }
    };
    if sku_owner
        .get(&fields.sku)
        .is_some_and(|owner| Some(*owner) != self_id)
    {
        return Err(RecordError::Conflict {
            field: "sku".into(),
            detail: "is already taken".into(),
        });
    }
    if let Some(ext) = &fields.external_id
        && by_key.get(ext).is_some_and(|r| Some(r.id.0) != self_id)
    {
        return Err(RecordError::Conflict {
            field: "external_id".into(),
            detail: "is already taken".into(),
        });
    }
    Ok(match current {
        None => {
            let all = field_names(&fields);
            let row = ProductRow::new(actor.workspace_id, by, fields);
            (RecordStatus::Created, row, all)
        }
        Some(row) => {
            let changed = changed_fields(&row.fields, &fields);
            if changed.is_empty() {
                (RecordStatus::Unchanged, row.clone(), changed)
            } else {
                (RecordStatus::Updated, row.changed(by, fields), changed)
            }
        }
    })
}

fn optional_text(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<String>,
    max: usize,
) -> Option<String> {
    let value = value
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())?;
    errors.take(field, bounded_text(&value, 1, max))
}

/// [`optional_text`] for a field that may span lines.
fn multiline(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<String>,
    max: usize,
) -> Option<String> {
    let value = value
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())?;
    errors.take(field, multiline_text(&value, 1, max))
}

/// The fields with a patch applied, checked.
fn apply_patch(base: ProductFields, p: ProductPatch) -> Result<ProductFields, RecordError> {
    let mut errors = FieldErrors::new();
    let sku = p.sku.unwrap_or(base.sku);
    let sku = errors
        .take("sku", bounded_text(sku.trim(), 1, 64))
        .unwrap_or_default();
    let name = p.name.unwrap_or(base.name);
    let name = errors
        .take("name", bounded_text(name.trim(), 1, 200))
        .unwrap_or_default();
    let external_id = optional_text(
        &mut errors,
        "external_id",
        apply(base.external_id, p.external_id),
        100,
    );
    let category = optional_text(
        &mut errors,
        "category",
        apply(base.category, p.category),
        100,
    );
    let unit = optional_text(&mut errors, "unit", apply(base.unit, p.unit), 20);
    let description = multiline(
        &mut errors,
        "description",
        apply(base.description, p.description),
        2000,
    );
    let current_price = match (base.price_minor, base.currency) {
        (Some(amount_minor), Some(currency)) => Some(Money {
            amount_minor,
            currency,
        }),
        _ => None,
    };
    let price = apply(current_price, p.price)
        .and_then(|m| errors.take("price", Money::parse(m.amount_minor, &m.currency)));
    errors.into_result().map_err(RecordError::Invalid)?;
    Ok(ProductFields {
        sku,
        name,
        external_id,
        category,
        unit,
        price_minor: price.as_ref().map(|m| m.amount_minor),
        currency: price.map(|m| m.currency),
        active: p.active.unwrap_or(base.active),
        description,
        search_text: String::new(),
    }
    .with_search_text())
}
