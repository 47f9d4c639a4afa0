//! Batch writes of contacts: up to 1,000 created, updated or upserted by
//! external id in one transaction, naming their customers by id or by
//! `customer_external_id`. The contacts and customers the records refer to
//! are read in a few queries; each record is checked by the single-write
//! rules against them; rows and change-log entries (with values before and
//! after) go out as multi-row statements. A contact is visible, creatable
//! and updatable exactly when its customer is, for the actor's `contacts`
//! scopes. Imports run [`write`] on each chunk of a file.

use std::collections::HashMap;

use crm_api_types::batch::{BatchMode, BatchRequest, BatchResponse, RecordStatus};
use crm_api_types::contacts::ContactPatch;
use crm_db::AnyConnection;
use crm_db::batch::{BatchChange, record_changes};
use crm_db::change_log::{Op, changed_fields, field_names, lock_workspace, transaction};
use crm_db::contacts::ContactRow;
use crm_db::customers::CustomerRow;
use crm_domain::access::{Action, ObjectType, Ownership, Principal, Scope};
use uuid::Uuid;

use super::{ENTITY, Input, check, contact_defs};
use crate::batch::{
    self as batches, Outcome, Record, RecordError, Target, reject_repeats, target_field,
};
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
    actor.require(ObjectType::Contacts, Action::Read)?;
    let mode = request.mode;
    let (records, failed) =
        batches::parse::<ContactPatch>(mode, request.records, |p| p.external_id.clone().flatten())?;
    let mut outcomes = write(conn, actor, mode, records)?;
    outcomes.extend(failed.into_iter().map(|(i, e)| (i, Err(e))));
    batches::answer(request.all_or_none, outcomes, |r: &ContactRow| {
        (r.id.0, r.version)
    })
}

/// The contacts and customers the records name.
struct Current {
    by_id: HashMap<Uuid, ContactRow>,
    by_key: HashMap<String, ContactRow>,
    customers: HashMap<Uuid, CustomerRow>,
    customer_keys: HashMap<String, Uuid>,
}

fn load(
    conn: &mut AnyConnection,
    ws: Uuid,
    records: &[Record<ContactPatch>],
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
    let contacts = crm_db::contacts::find_many(conn, ws, &ids, &keys)?;
    let mut customer_ids: Vec<Uuid> = contacts.iter().map(|c| c.fields.customer_id.0).collect();
    customer_ids.extend(records.iter().filter_map(|r| r.body.customer_id));
    let customer_keys: Vec<String> = records
        .iter()
        .filter_map(|r| r.body.customer_external_id.clone())
        .collect();
    let customers = crm_db::customers::find_many(conn, ws, None, &customer_ids, &customer_keys)?;
    let mut current = Current {
        by_id: HashMap::new(),
        by_key: HashMap::new(),
        customers: HashMap::new(),
        customer_keys: HashMap::new(),
    };
    for c in customers {
        if let Some(k) = c.fields.external_id.clone() {
            current.customer_keys.insert(k, c.id.0);
        }
        current.customers.insert(c.id.0, c);
    }
    for row in contacts {
        if let Some(k) = row.fields.external_id.clone() {
            current.by_key.insert(k, row.clone());
        }
        current.by_id.insert(row.id.0, row);
    }
    Ok(current)
}

/// Whether `scope` covers the customer `id` (a contact's visibility is its customer's).
fn covers(current: &Current, principal: &Principal, scope: Scope, id: Uuid) -> bool {
    current.customers.get(&id).is_some_and(|c| {
        scope.covers(
            principal,
            Ownership {
                owner_id: c.fields.owner_id.map(Uuid::from),
                team_id: c.fields.team_id.map(Uuid::from),
            },
        )
    })
}

/// Writes the records. Call inside a transaction holding the workspace lock.
pub fn write(
    conn: &mut AnyConnection,
    actor: &Actor,
    mode: BatchMode,
    records: Vec<Record<ContactPatch>>,
) -> Result<Vec<(usize, Outcome<ContactRow>)>, AppError> {
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
    let defs = contact_defs(conn, ws)?;
    let scopes = [Action::Read, Action::Create, Action::Update]
        .map(|a| actor.scope(ObjectType::Contacts, a));
    let principal = actor.principal(conn, scopes.iter().copied().max().unwrap_or(Scope::None))?;
    let by = Some(actor.user_id());
    let mut outcomes: Vec<(usize, Outcome<ContactRow>)> =
        failed.into_iter().map(|(i, e)| (i, Err(e))).collect();
    let (mut rows, mut changes) = (Vec::new(), Vec::new());
    let ctx = Ctx {
        ws,
        current: &current,
        defs: &defs,
        principal: &principal,
        scopes,
        mode,
        actor: by,
    };
    for record in records {
        match one(&ctx, record.body, &record.target) {
            Ok(Written::Unchanged(row)) => {
                outcomes.push((record.index, Ok((RecordStatus::Unchanged, row))));
            }
            Ok(Written::Row(status, row, changed)) => {
                let before = current.by_id.get(&row.id.0).map(|r| &r.fields);
                let values = crm_db::change_log::values(&changed, before, Some(&row.fields));
                changes.push(BatchChange {
                    entity_id: row.id.0,
                    values: values.map(Into::into),
                    op: if status == RecordStatus::Created {
                        Op::Create
                    } else {
                        Op::Update
                    },
                    changed_fields: changed,
                });
                rows.push(row.clone());
                outcomes.push((record.index, Ok((status, row))));
            }
            Err(e) => outcomes.push((record.index, Err(e))),
        }
    }
    crm_db::contacts::write_many(conn, &rows)?;
    record_changes(conn, ws, ENTITY, by, actor.via.as_str(), &changes)?;
    Ok(outcomes)
}

enum Written {
    Unchanged(ContactRow),
    Row(RecordStatus, ContactRow, Vec<String>),
}

/// What every record of a batch is checked against.
struct Ctx<'a> {
    ws: Uuid,
    current: &'a Current,
    defs: &'a [crm_domain::custom_field::FieldDef],
    principal: &'a Principal,
    /// Read, create and update scopes of `contacts`.
    scopes: [Scope; 3],
    mode: BatchMode,
    actor: Option<Uuid>,
}

/// One record against the prefetched rows: what to write, or why not.
fn one(ctx: &Ctx<'_>, mut p: ContactPatch, target: &Target) -> Result<Written, RecordError> {
    let (current, principal, defs, mode, actor) =
        (ctx.current, ctx.principal, ctx.defs, ctx.mode, ctx.actor);
    let [read, create, update] = ctx.scopes;
    let visible = |row: &ContactRow| covers(current, principal, read, row.fields.customer_id.0);
    let found = match target {
        Target::New => None,
        Target::Id(id) => Some(
            current
                .by_id
                .get(id)
                .filter(|r| visible(r))
                .ok_or(RecordError::NotFound("id"))?,
        ),
        Target::Key(k) => match (current.by_key.get(k), mode) {
            (Some(row), _) if visible(row) => Some(row),
            (Some(_), _) | (None, BatchMode::Update) => {
                return Err(RecordError::NotFound("external_id"));
            }
            (None, _) => None,
        },
    };
    if let Some(key) = p.customer_external_id.take() {
        match current.customer_keys.get(&key) {
            Some(id) if p.customer_id.is_some_and(|named| named != *id) => {
                return Err(RecordError::invalid(
                    "customer_external_id",
                    "names another customer than customer_id",
                ));
            }
            Some(id) => p.customer_id = Some(*id),
            None => {
                return Err(RecordError::invalid(
                    "customer_external_id",
                    "is not a customer you can see",
                ));
            }
        }
    }
    let (input, scope) = match found {
        None => {
            if create == Scope::None {
                return Err(RecordError::Forbidden(
                    "your role may not create contacts".into(),
                ));
            }
            let key = match target {
                Target::Key(k) => Some(k.clone()),
                _ => p.external_id.clone().flatten(),
            };
            let mut missing = crm_domain::FieldErrors::new();
            if p.customer_id.is_none() {
                missing.add(
                    "customer_id",
                    "is required to create a contact (or customer_external_id)",
                );
            }
            if p.name.is_none() {
                missing.add("name", "is required to create a contact");
            }
            if !missing.is_empty() {
                return Err(RecordError::Invalid(missing));
            }
            let input = Input {
                customer_id: p.customer_id.unwrap_or_default(),
                name: p.name.unwrap_or_default(),
                title: p.title.flatten(),
                department: p.department.flatten(),
                email: p.email.flatten(),
                phone: p.phone.flatten(),
                is_primary: p.is_primary.unwrap_or(false),
                external_id: key,
                custom_fields: crate::upsert::present_values(p.custom_fields),
            };
            (input, create)
        }
        Some(row) => {
            if !covers(current, principal, update, row.fields.customer_id.0) {
                return Err(RecordError::Forbidden(
                    "your role may not update this contact".into(),
                ));
            }
            let input = Input::patched(row, p);
            (input, update)
        }
    };
    let customer = current
        .customers
        .get(&input.customer_id)
        .filter(|_| covers(current, principal, scope, input.customer_id));
    let fields = check(input, customer, defs).map_err(RecordError::Invalid)?;
    let self_id = found.map(|r| r.id.0);
    if let Some(ext) = &fields.external_id
        && current
            .by_key
            .get(ext)
            .is_some_and(|r| Some(r.id.0) != self_id)
    {
        return Err(RecordError::Conflict {
            field: "external_id".into(),
            detail: "is already taken".into(),
        });
    }
    Ok(match found {
        None => {
            let changed = field_names(&fields);
            Written::Row(
                RecordStatus::Created,
                ContactRow::new(ctx.ws, actor, fields),
                changed,
            )
        }
        Some(row) => {
            let changed = changed_fields(&row.fields, &fields);
            if changed.is_empty() {
                Written::Unchanged(row.clone())
            } else {
                Written::Row(RecordStatus::Updated, row.changed(actor, fields), changed)
            }
        }
    })
}
