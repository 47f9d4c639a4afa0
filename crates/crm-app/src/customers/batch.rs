//! Batch writes of customers: up to 1,000 created, updated or upserted by
//! external id in one transaction. Records are validated by the same rules
//! as single writes, against lookups fetched once; rows, tags and
//! change-log entries (with values before and after) go out as multi-row
//! statements. Imports run [`write`] on each chunk of a file.

use std::collections::{HashMap, HashSet};

use crm_api_types::batch::{BatchMode, BatchRequest, BatchResponse, RecordStatus};
use crm_api_types::customers::CustomerPatch;
use crm_db::AnyConnection;
use crm_db::batch::{BatchChange, record_changes};
use crm_db::change_log::{Op, changed_fields, lock_workspace, transaction};
use crm_db::customers::CustomerRow;
use crm_domain::FieldErrors;
use crm_domain::access::{Action, ObjectType, Ownership, Scope};
use uuid::Uuid;

use super::ENTITY;
use super::input::{Input, check_ownership, validate};
use super::upsert::to_new;
use super::write::Logged;
use crate::batch::{
    self as batches, Outcome, Record, RecordError, Target, reject_repeats, target_field,
};
use crate::lookups::Lookups;
use crate::{Actor, AppError};

/// Creates, updates or upserts the request's records in one transaction:
/// every record's result, or (with `all_or_none` and a failure) a
/// validation error naming `records[i].field` that writes nothing.
pub fn run(
    conn: &mut AnyConnection,
    actor: &Actor,
    request: BatchRequest,
) -> Result<BatchResponse, AppError> {
    transaction(conn, |conn| {
        lock_workspace(conn, actor.workspace_id)?;
        run_in(conn, actor, request)
    })
}

/// [`run`] inside the caller's transaction (the workspace lock taken).
pub fn run_in(
    conn: &mut AnyConnection,
    actor: &Actor,
    request: BatchRequest,
) -> Result<BatchResponse, AppError> {
    actor.require(ObjectType::Customers, Action::Read)?;
    let mode = request.mode;
    let (records, failed) = batches::parse::<CustomerPatch>(mode, request.records, |p| {
        p.external_id.clone().flatten()
    })?;
    let mut outcomes = write(conn, actor, mode, records)?;
    outcomes.extend(failed.into_iter().map(|(i, e)| (i, Err(e))));
    batches::answer(request.all_or_none, outcomes, |r: &CustomerRow| {
        (r.id.0, r.version)
    })
}

/// Current rows and tags the records refer to.
struct Current {
    by_id: HashMap<Uuid, CustomerRow>,
    by_key: HashMap<String, CustomerRow>,
    tags: HashMap<Uuid, Vec<Uuid>>,
    workspace_tags: HashSet<Uuid>,
}

fn load(
    conn: &mut AnyConnection,
    ws: Uuid,
    records: &[Record<CustomerPatch>],
) -> Result<Current, AppError> {
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
    let rows = crm_db::customers::find_many(conn, ws, None, &ids, &keys)?;
    let row_ids: Vec<Uuid> = rows.iter().map(|r| r.id.0).collect();
    let tags = crm_db::tags::of_customers(conn, ws, &row_ids)?
        .into_iter()
        .map(|(c, t)| {
            let mut ids: Vec<Uuid> = t.iter().map(|t| t.id.0).collect();
            ids.sort();
            (c, ids)
        })
        .collect();
    let mut sent_tags: Vec<Uuid> = records
        .iter()
        .filter_map(|r| r.body.tag_ids.clone())
        .flatten()
        .collect();
    sent_tags.sort();
    sent_tags.dedup();
    let workspace_tags = crm_db::tags::find_many(conn, ws, &sent_tags)?
        .into_iter()
        .map(|t| t.id.0)
        .collect();
    let mut current = Current {
        by_id: HashMap::new(),
        by_key: HashMap::new(),
        tags,
        workspace_tags,
    };
    for row in rows {
        if let Some(k) = row.fields.external_id.clone() {
            current.by_key.insert(k, row.clone());
        }
        current.by_id.insert(row.id.0, row);
    }
    Ok(current)
}

/// Writes the records. Call inside a transaction holding the workspace lock.
pub fn write(
    conn: &mut AnyConnection,
    actor: &Actor,
    mode: BatchMode,
    records: Vec<Record<CustomerPatch>>,
) -> Result<Vec<(usize, Outcome<CustomerRow>)>, AppError> {
    let ws = actor.workspace_id;
    let mut failed = Vec::new();
    let records = reject_repeats(
        records,
        target_field,
        |r| match &r.target {
            Target::New => r.body.external_id.clone().flatten().map(Target::Key),
            t => Some(t.clone()),
        },
        &mut failed,
    );
    let current = load(conn, ws, &records)?;
    let mut lookups = Lookups::default();
    lookups.load_people(conn, ws)?;
    let codes: Vec<String> = records
        .iter()
        .flat_map(|r| {
            let b = &r.body;
            [
                &b.country_code,
                &b.province_code,
                &b.city_code,
                &b.district_code,
            ]
            .into_iter()
            .filter_map(|c| c.clone().flatten())
        })
        .collect();
    let code_refs: Vec<&str> = codes.iter().map(String::as_str).collect();
    lookups.regions(conn, &code_refs)?;
    let scopes = [Action::Read, Action::Create, Action::Update]
        .map(|a| actor.scope(ObjectType::Customers, a));
    let principal = actor.principal(conn, scopes.iter().copied().max().unwrap_or(Scope::None))?;

    let mut outcomes: Vec<(usize, Outcome<CustomerRow>)> =
        failed.into_iter().map(|(i, e)| (i, Err(e))).collect();
    let (mut rows, mut changes, mut tag_sets) = (vec![], vec![], vec![]);
    // Customers this batch creates: appended without a conflict clause (COPY on PostgreSQL).
    let mut created = vec![];
    // Tags of customers this batch creates: nothing to delete first.
    let mut new_tags = vec![];
    let by = Some(actor.user_id());
    for record in records {
        let found = match &record.target {
            Target::New => Ok(None),
            Target::Id(id) => current.by_id.get(id).ok_or("id").map(Some),
            Target::Key(k) => match (current.by_key.get(k), mode) {
                (Some(row), _) => Ok(Some(row)),
                (None, BatchMode::Update) => Err("external_id"),
                (None, _) => Ok(None),
            },
        };
        let covers = |scope: Scope, row: &CustomerRow| {
            scope.covers(
                &principal,
                Ownership {
                    owner_id: row.fields.owner_id.map(Uuid::from),
                    team_id: row.fields.team_id.map(Uuid::from),
                },
            )
        };
        let found = match found {
            Ok(Some(row)) if !covers(scopes[0], row) => {
                Err(if matches!(record.target, Target::Id(_)) {
                    "id"
                } else {
                    "external_id"
                })
            }
            other => other,
        };
        let current_row = match found {
            Ok(row) => row,
            Err(field) => {
                outcomes.push((record.index, Err(RecordError::NotFound(field))));
                continue;
            }
        };
        let key = match &record.target {
            Target::Key(k) => Some(k.clone()),
            _ => None,
        };
        let tag_ids = record.body.tag_ids.clone();
        let (input, team_from_owner, scope) = match current_row {
            None => {
                if scopes[1] == Scope::None {
                    outcomes.push((
                        record.index,
                        Err(RecordError::Forbidden(
                            "your role may not create customers".into(),
                        )),
                    ));
                    continue;
                }
                match to_new(record.body.clone(), key) {
                    Ok(new) => {
                        let mut input = Input::from(new);
                        input.owner_id = input.owner_id.or(Some(actor.user_id()));
                        (input, false, scopes[1])
                    }
                    Err(e) => {
                        outcomes.push((record.index, Err(RecordError::from(e))));
                        continue;
                    }
                }
            }
            Some(row) => {
                if !covers(scopes[2], row) {
                    outcomes.push((
                        record.index,
                        Err(RecordError::Forbidden(
                            "your role may not update this customer".into(),
                        )),
                    ));
                    continue;
                }
                let (input, team_from_owner) = Input::from_row(row).apply(record.body.clone());
                (input, team_from_owner, scopes[2])
            }
        };
        let mut errors = FieldErrors::new();
        let mut fields = validate(conn, &mut lookups, ws, &input, &mut errors)?;
        let tags = tag_ids.map(|ids| {
            let mut ids = ids;
            ids.sort();
            ids.dedup();
            for id in &ids {
                if !current.workspace_tags.contains(id) {
                    errors.add("tag_ids", format!("{id} is not a tag of this workspace"));
                }
            }
            ids
        });
        match check_ownership(
            conn,
            &mut lookups,
            ws,
            &mut fields,
            team_from_owner,
            (scope, &principal),
            current_row.map(|row| row.fields.team_id.map(Uuid::from)),
            &mut errors,
        ) {
            Ok(()) => {}
            Err(AppError::Forbidden(m)) => {
                outcomes.push((record.index, Err(RecordError::Forbidden(m))));
                continue;
            }
            Err(e) => return Err(e),
        }
        if !errors.is_empty() {
            outcomes.push((record.index, Err(RecordError::Invalid(errors))));
            continue;
        }
        let self_id = current_row.map(|r| r.id.0);
        if let Some(ext) = &fields.external_id
            && current
                .by_key
                .get(ext)
                .is_some_and(|r| Some(r.id.0) != self_id)
        {
            outcomes.push((
                record.index,
                Err(RecordError::Conflict {
                    field: "external_id".into(),
                    detail: "is already taken".into(),
                }),
            ));
            continue;
        }
        let (status, row, mut changed) = match current_row {
            // A create's fields are named below, with its values.
            None => (
                RecordStatus::Created,
                CustomerRow::new(ws, by, fields),
                Vec::new(),
            ),
            Some(row) => {
                let changed = changed_fields(&row.fields, &fields);
                (RecordStatus::Updated, row.changed(by, fields), changed)
            }
        };
        let mut tags_logged = None;
        if let Some(tags) = tags {
            let before = current.tags.get(&row.id.0).cloned().unwrap_or_default();
            if status == RecordStatus::Created || before != tags {
                changed.push("tags".into());
                tags_logged = Some((
                    (status == RecordStatus::Updated).then_some(before),
                    tags.clone(),
                ));
                if status == RecordStatus::Created {
                    new_tags.push((row.id.0, tags));
                } else {
                    tag_sets.push((row.id.0, tags));
                }
            }
        }
        if status == RecordStatus::Updated && changed.is_empty() {
            if let Some(row) = current_row {
                outcomes.push((record.index, Ok((RecordStatus::Unchanged, row.clone()))));
            }
            continue;
        }
        let (tags_before, tags_after) = match &tags_logged {
            Some((before, after)) => (before.as_deref(), Some(after.as_slice())),
            None => (None, None),
        };
        let values = if status == RecordStatus::Created {
            let tags = tags_after.map(|tags| ("tags", serde_json::json!(tags)));
            let (names, values) = crm_db::batch::created(&row.fields, tags.into_iter().collect());
            changed = names;
            values
        } else {
            let before = current_row.map(|r| Logged {
                fields: &r.fields,
                tags: tags_before,
            });
            let after = Logged {
                fields: &row.fields,
                tags: tags_after,
            };
            crm_db::change_log::values(&changed, before.as_ref(), Some(&after)).map(Into::into)
        };
        changes.push(BatchChange {
            entity_id: row.id.0,
            values,
            op: if status == RecordStatus::Created {
                Op::Create
            } else {
                Op::Update
            },
            changed_fields: changed,
        });
        if status == RecordStatus::Created {
            created.push(row.clone());
        } else {
            rows.push(row.clone());
        }
        outcomes.push((record.index, Ok((status, row))));
    }
    crm_db::customers::insert_new(conn, &created)?;
    crm_db::customers::write_many(conn, &rows)?;
    crm_db::tags::set_for_customers(conn, ws, &tag_sets)?;
    crm_db::tags::add_for_new_customers(conn, ws, &new_tags)?;
    let new: Vec<Uuid> = created.iter().map(|r| r.id.0).collect();
    crm_db::rollups::counts::add(conn, ws, &new, crm_db::rollups::counts::Part::All)?;
    record_changes(conn, ws, ENTITY, by, actor.via.as_str(), &changes)?;
    Ok(outcomes)
}
