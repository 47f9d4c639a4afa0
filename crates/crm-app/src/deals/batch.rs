//! Many deals created, updated or upserted by external id at once (the
//! batch endpoint, imports). A record that creates a deal is a `NewDeal`
//! body (customer by `customer_id` or `customer_external_id`); one that
//! changes a deal is a `DealPatch` — the same rule as the upsert by external
//! id. Pipelines, stages, customers, users and the deals named are read
//! once; each record is checked by the single-write rules
//! ([`rules::check`](super::rules::check)); rows, stage changes and
//! change-log entries go out as multi-row statements.

use std::collections::HashMap;

use crm_api_types::batch::{BatchMode, BatchRequest, BatchResponse, RecordStatus};
use crm_api_types::deals::{DealPatch, NewDeal};
use crm_db::AnyConnection;
use crm_db::batch::{BatchChange, record_changes};
use crm_db::change_log::{Op, changed_fields, field_names};
use crm_db::deals::DealRow;
use crm_domain::access::{Action, ObjectType, Ownership, Scope};
use serde_json::Value;
use uuid::Uuid;

use super::ENTITY;
use super::rules::{Known, as_patch, check};
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
    let (records, failed) = batches::parse::<Value>(mode, body.records, |v| {
        v.get("external_id")
            .and_then(Value::as_str)
            .map(str::to_owned)
    })?;
    let mut outcomes = write(conn, actor, mode, records)?;
    outcomes.extend(failed.into_iter().map(|(i, e)| (i, Err(e))));
    batches::answer(body.all_or_none, outcomes, |r: &DealRow| {
        (r.id.0, r.version)
    })
}

/// A record read as what it does: a new deal, or a patch of an existing
/// one (with the customer it names, which must be the deal's own).
enum Body {
    New(NewDeal),
    Change(DealRow, DealPatch, CustomerRef),
}

/// `customer_id` and `customer_external_id` as sent.
#[derive(Default)]
pub struct CustomerRef {
    pub id: Option<Value>,
    pub key: Option<String>,
}

/// Takes the customer fields out of a change's body: a full record resent
/// by a sync script names the deal's customer, which a patch cannot change.
pub fn take_customer(value: &mut Value) -> CustomerRef {
    match value {
        Value::Object(map) => CustomerRef {
            id: map.remove("customer_id").filter(|v| !v.is_null()),
            key: map
                .remove("customer_external_id")
                .and_then(|v| v.as_str().map(str::to_owned)),
        },
        _ => CustomerRef::default(),
    }
}

/// The customer named in a change must be the deal's own.
pub fn same_customer(
    known: &Known,
    current: &DealRow,
    named: &CustomerRef,
) -> Result<(), RecordError> {
    let own = current.fields.customer_id.0;
    if let Some(id) = &named.id
        && id.as_str().and_then(|s| s.parse::<Uuid>().ok()) != Some(own)
    {
        return Err(RecordError::invalid(
            "customer_id",
            "a deal's customer cannot be changed",
        ));
    }
    if let Some(key) = &named.key
        && known.customer_keys.get(key) != Some(&own)
    {
        return Err(RecordError::invalid(
            "customer_external_id",
            "a deal's customer cannot be changed",
        ));
    }
    Ok(())
}

/// Writes the records. Call inside a transaction holding the workspace lock.
pub fn write(
    conn: &mut AnyConnection,
    actor: &Actor,
    mode: BatchMode,
    records: Vec<Record<Value>>,
) -> Result<Vec<(usize, Outcome<DealRow>)>, AppError> {
    let ws = actor.workspace_id;
    let mut failed: Vec<(usize, RecordError)> = Vec::new();
    let records = reject_repeats(
        records,
        target_field,
        |r| match &r.target {
            Target::New => r
                .body
                .get("external_id")
                .and_then(Value::as_str)
                .map(|k| Target::Key(k.to_owned())),
            t => Some(t.clone()),
        },
        &mut failed,
    );
    let scopes =
        [Action::Read, Action::Create, Action::Update].map(|a| actor.scope(ObjectType::Deals, a));
    let widest = scopes.iter().copied().max().unwrap_or(Scope::None);

    // The deals the records name, and what each record does.
    let ids: Vec<Uuid> = records
        .iter()
        .filter_map(|r| match r.target {
            Target::Id(id) => Some(id),
            _ => None,
        })
        .collect();
    let keys: Vec<String> = records
        .iter()
        .filter_map(|r| match &r.target {
            Target::Key(k) => Some(k.clone()),
            _ => None,
        })
        .collect();
    let existing = crm_db::deals::find_many(conn, ws, &ids, &keys)?;
    let by_id: HashMap<Uuid, &DealRow> = existing.iter().map(|d| (d.id.0, d)).collect();
    let by_key: HashMap<&str, &DealRow> = existing
        .iter()
        .filter_map(|d| d.fields.external_id.as_deref().map(|k| (k, d)))
        .collect();
    let principal = actor.principal(conn, widest)?;
    let covers = |scope: Scope, row: &DealRow| {
        scope.covers(
            &principal,
            Ownership {
                owner_id: row.fields.owner_id.map(Uuid::from),
                team_id: row.fields.team_id.map(Uuid::from),
            },
        )
    };
    let mut bodies: Vec<(usize, Body)> = Vec::new();
    for record in records {
        let found = match &record.target {
            Target::New => None,
            Target::Id(id) => match by_id.get(id) {
                Some(row) if covers(scopes[0], row) => Some(*row),
                _ => {
                    failed.push((record.index, RecordError::NotFound("id")));
                    continue;
                }
            },
            Target::Key(k) => match (by_key.get(k.as_str()), mode) {
                (Some(row), _) if covers(scopes[0], row) => Some(*row),
                (Some(_), _) | (None, BatchMode::Update) => {
                    failed.push((record.index, RecordError::NotFound("external_id")));
                    continue;
                }
                (None, _) => None,
            },
        };
        let body = match found {
            None => batches::parse_body::<NewDeal>(record.body).map(|mut new| {
                if let Target::Key(k) = &record.target {
                    new.external_id = Some(k.clone());
                }
                Body::New(new)
            }),
            Some(row) => {
                let mut value = record.body;
                let named = take_customer(&mut value);
                batches::parse_body::<DealPatch>(value).map(|p| Body::Change(row.clone(), p, named))
            }
        };
        match body {
            Ok(body) => bodies.push((record.index, body)),
            Err(e) => failed.push((record.index, e)),
        }
    }

    // Everything the rules look up, in a few queries.
    let mut customer_ids = Vec::new();
    let mut customer_keys = Vec::new();
    let mut deal_keys: Vec<String> = keys;
    for (_, body) in &bodies {
        match body {
            Body::New(n) => {
                customer_ids.extend(n.customer_id);
                customer_keys.extend(n.customer_external_id.clone());
                deal_keys.extend(n.external_id.clone());
            }
            Body::Change(_, p, named) => {
                deal_keys.extend(p.external_id.clone().flatten());
                customer_keys.extend(named.key.clone());
            }
        }
    }
    let known = Known::load(
        conn,
        actor,
        &customer_ids,
        &customer_keys,
        &deal_keys,
        widest,
    )?;

    let by = Some(actor.user_id());
    let mut outcomes: Vec<(usize, Outcome<DealRow>)> =
        failed.into_iter().map(|(i, e)| (i, Err(e))).collect();
    let (mut rows, mut stage_changes, mut changes) = (Vec::new(), Vec::new(), Vec::new());
    for (index, body) in bodies {
        let outcome = match body {
            Body::New(new) => {
                if scopes[1] == Scope::None {
                    Err(RecordError::Forbidden(
                        "your role may not create deals".into(),
                    ))
                } else {
                    let (patch, create) = as_patch(new);
                    check(&known, None, patch, Some(create), scopes[1])
                        .map(|fields| {
                            let changed = field_names(&fields);
                            let row = DealRow::new(ws, by, fields);
                            stage_changes.push(row.stage_change(None, by));
                            changes.push(change(None, &row, Op::Create, changed));
                            rows.push(row.clone());
                            (RecordStatus::Created, row)
                        })
                        .map_err(RecordError::from)
                }
            }
            Body::Change(current, patch, named) => {
                if !covers(scopes[2], &current) {
                    Err(RecordError::Forbidden(
                        "your role may not update this deal".into(),
                    ))
                } else if let Err(e) = same_customer(&known, &current, &named) {
                    Err(e)
                } else {
                    check(&known, Some(&current), patch, None, scopes[2])
                        .map(|fields| {
                            let mut changed = changed_fields(&current.fields, &fields);
                            let moved = fields.stage_id != current.fields.stage_id;
                            if moved && !changed.iter().any(|f| f == "stage_id") {
                                changed.push("stage_id".into());
                            }
                            if changed.is_empty() {
                                return (RecordStatus::Unchanged, current.clone());
                            }
                            let row = current.changed(by, fields);
                            if moved {
                                stage_changes
                                    .push(row.stage_change(Some(current.fields.stage_id), by));
                            }
                            changes.push(change(Some(&current), &row, Op::Update, changed));
                            rows.push(row.clone());
                            (RecordStatus::Updated, row)
                        })
                        .map_err(RecordError::from)
                }
            }
        };
        outcomes.push((index, outcome));
    }
    crm_db::deals::write_many(conn, &rows, &stage_changes)?;
    record_changes(conn, ws, ENTITY, by, actor.via.as_str(), &changes)?;
    Ok(outcomes)
}

fn change(
    before: Option<&DealRow>,
    row: &DealRow,
    op: Op,
    changed_fields: Vec<String>,
) -> BatchChange {
    BatchChange {
        entity_id: row.id.0,
        op,
        values: crm_db::change_log::values(
            &changed_fields,
            before.map(|r| &r.fields),
            Some(&row.fields),
        )
        .map(Into::into),
        changed_fields,
    }
}
