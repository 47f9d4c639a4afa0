//! The one write path of orders: any number of records (a batch, or the
//! single record of POST, PATCH and PUT). Customers and products are named
//! by id or external id; totals are computed here from the lines; rows and
//! lines go out in multi-row statements with one change-log insert, each
//! entry holding the changed values before and after (the lines too, when
//! they change).

use crm_api_types::batch::{BatchMode, BatchRequest, BatchResponse, RecordStatus};
use crm_api_types::orders::OrderPatch;
use crm_api_types::patch::apply;
use crm_db::AnyConnection;
use crm_db::batch::{BatchChange, created, record_changes};
use crm_db::change_log::{Op, changed_fields};
use crm_db::orders::{LineRow, OrderFields, OrderRow};
use crm_db::types::Id;
use crm_domain::FieldErrors;
use crm_domain::access::{Action, ObjectType, Ownership, Principal, Scope};
use crm_domain::money::parse_currency;
use crm_domain::sales::OrderStatus;
use crm_domain::validation::{bounded_text, multiline_text};
use uuid::Uuid;

use super::ENTITY;
use super::lines::{Line, as_line, audited, build_lines, logged_lines, totals};
use super::refs::Refs;
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
        batches::parse::<OrderPatch>(mode, body.records, |p| p.external_id.clone().flatten())?;
    let mut outcomes = write(conn, actor, mode, records, None)?;
    outcomes.extend(failed.into_iter().map(|(i, e)| (i, Err(e))));
    batches::answer(body.all_or_none, outcomes, |r: &OrderRow| {
        (r.id.0, r.version)
    })
}

/// The actor's scopes on orders and the facts they are judged against.
struct Grants {
    read: Scope,
    create: Scope,
    update: Scope,
    principal: Principal,
}

impl Grants {
    fn covers(&self, scope: Scope, owner: Option<Id>, team: Option<Id>) -> bool {
        scope.covers(
            &self.principal,
            Ownership {
                owner_id: owner.map(Uuid::from),
                team_id: team.map(Uuid::from),
            },
        )
    }
}

/// Writes the records; `expected_version` is the single-record `If-Match`.
/// Call inside a transaction holding the workspace lock.
pub fn write(
    conn: &mut AnyConnection,
    actor: &Actor,
    mode: BatchMode,
    records: Vec<Record<OrderPatch>>,
    expected_version: Option<i32>,
) -> Result<Vec<(usize, Outcome<OrderRow>)>, AppError> {
    let ws = actor.workspace_id;
    let scopes =
        [Action::Read, Action::Create, Action::Update].map(|a| actor.scope(ObjectType::Orders, a));
    let widest = scopes.iter().copied().max().unwrap_or(Scope::None);
    let grants = Grants {
        read: scopes[0],
        create: scopes[1],
        update: scopes[2],
        principal: actor.principal(conn, widest)?,
    };
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
    let mut refs = Refs::load(conn, actor, &records)?;
    let mut outcomes: Vec<(usize, Outcome<OrderRow>)> =
        failed.into_iter().map(|(i, e)| (i, Err(e))).collect();
    let (mut rows, mut relined, mut lines, mut changes) = (vec![], vec![], vec![], vec![]);
    for record in records {
        let found = match &record.target {
            Target::New => Ok(None),
            Target::Id(id) => refs.orders_by_id.get(id).cloned().ok_or("id").map(Some),
            Target::Key(key) => match (refs.orders_by_key.get(key), mode) {
                (Some(row), _) => Ok(Some(row.clone())),
                (None, BatchMode::Update) => Err("external_id"),
                (None, _) => Ok(None),
            },
        };
        // A record the actor may not read does not exist for them.
        let current = match found {
            Ok(Some(row))
                if !grants.covers(grants.read, row.fields.owner_id, row.fields.team_id) =>
            {
                let field = if matches!(record.target, Target::Id(_)) {
                    "id"
                } else {
                    "external_id"
                };
                Err(RecordError::NotFound(field))
            }
            Ok(row) => Ok(row),
            Err(field) => Err(RecordError::NotFound(field)),
        };
        let outcome = current.and_then(|current| {
            let written = one(
                conn,
                actor,
                &mut refs,
                &grants,
                current.as_ref(),
                &record,
                expected_version,
            )?;
            Ok((written, current))
        });
        match outcome {
            Ok(((status, row, new_lines, changed), current)) => {
                if status != RecordStatus::Unchanged {
                    let mut changed = changed;
                    let values = if status == RecordStatus::Created {
                        let lines = new_lines.as_deref().map(logged_lines);
                        let lines = ("lines", lines.unwrap_or_default());
                        let (names, values) = created(&row.fields, vec![lines]);
                        changed = names;
                        values
                    } else {
                        let lines_changed = changed.iter().any(|f| f == "lines");
                        let old_lines: Option<Vec<Line>> = lines_changed.then(|| {
                            refs.lines
                                .get(&row.id.0)
                                .map(|ls| ls.iter().map(as_line).collect())
                                .unwrap_or_default()
                        });
                        let before = current
                            .as_ref()
                            .map(|c| audited(&c.fields, old_lines.as_deref()));
                        let after =
                            audited(&row.fields, new_lines.as_deref().filter(|_| lines_changed));
                        crm_db::change_log::values(&changed, before.as_ref(), Some(&after))
                            .map(Into::into)
                    };
                    changes.push(BatchChange {
                        values,
                        entity_id: row.id.0,
                        op: if status == RecordStatus::Created {
                            Op::Create
                        } else {
                            Op::Update
                        },
                        changed_fields: changed,
                    });
                    if let Some(new_lines) = new_lines {
                        if status == RecordStatus::Updated {
                            relined.push(row.id.0);
                        }
                        lines.extend(new_lines.into_iter().map(|l| LineRow {
                            workspace_id: Id(ws),
                            order_id: row.id,
                            line_no: l.0,
                            product_id: l.1,
                            quantity_milli: l.2,
                            unit_price_minor: l.3,
                            discount_minor: l.4,
                            amount_minor: l.5,
                        }));
                    }
                    rows.push(row.clone());
                }
                outcomes.push((record.index, Ok((status, row))));
            }
            Err(e) => outcomes.push((record.index, Err(e))),
        }
    }
    crm_db::orders::write_many(conn, ws, &rows, &relined, &lines)?;
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

type Written = (RecordStatus, OrderRow, Option<Vec<Line>>, Vec<String>);

/// One record against its current row (if any).
fn one(
    conn: &mut AnyConnection,
    actor: &Actor,
    refs: &mut Refs,
    grants: &Grants,
    current: Option<&OrderRow>,
    record: &Record<OrderPatch>,
    expected_version: Option<i32>,
) -> Result<Written, RecordError> {
    let ws = actor.workspace_id;
    let p = record.body.clone();
    if let Some(row) = current {
        if !grants.covers(grants.update, row.fields.owner_id, row.fields.team_id) {
            return Err(RecordError::Forbidden(
                "your role may not update this order".into(),
            ));
        }
        if expected_version.is_some_and(|v| v != row.version) {
            return Err(RecordError::Stale);
        }
    } else if grants.create == Scope::None {
        return Err(RecordError::Forbidden(
            "your role may not create orders".into(),
        ));
    }
    let base = current.map(|r| &r.fields);
    let mut errors = FieldErrors::new();

    let customer = match (p.customer_id, &p.customer_external_id) {
        (Some(_), Some(_)) => {
            errors.add(
                "customer_id",
                "give customer_id or customer_external_id, not both",
            );
            None
        }
        (Some(id), None) => {
            let found = refs.customers_by_id.get(&id).map(owned_by);
            if found.is_none() {
                errors.add("customer_id", "no such customer, or not visible to you");
            }
            found
        }
        (None, Some(key)) => {
            let found = refs.customers_by_key.get(key).map(owned_by);
            if found.is_none() {
                errors.add(
                    "customer_external_id",
                    "no such customer, or not visible to you",
                );
            }
            found
        }
        (None, None) => None,
    };
    let customer_id = customer.map(|c| c.0).or(base.map(|b| b.customer_id));
    if customer_id.is_none() && errors.is_empty() {
        errors.add(
            "customer_id",
            "is required to create an order (or customer_external_id)",
        );
    }
    if let Some(date) = p.order_date {
        errors.take("order_date", crm_domain::validation::sane_date(date));
    }
    let order_date = p.order_date.or(base.map(|b| b.order_date));
    if order_date.is_none() {
        errors.add("order_date", "is required to create an order");
    }
    let status = p
        .status
        .map(|s| s.as_str().to_owned())
        .or(base.map(|b| b.status.clone()))
        .unwrap_or_else(|| OrderStatus::Confirmed.as_str().to_owned());
    let currency = match &p.currency {
        Some(c) => errors.take("currency", parse_currency(c)),
        None => base.map(|b| b.currency.clone()),
    };
    if currency.is_none() && p.currency.is_none() {
        errors.add("currency", "is required to create an order");
    }
    let key = match &record.target {
        Target::Key(k) => Some(k.clone()),
        _ => None,
    };
    let external_id = apply(
        base.and_then(|b| b.external_id.clone()).or(key),
        p.external_id,
    )
    .map(|v| v.trim().to_owned())
    .filter(|v| !v.is_empty())
    .and_then(|v| errors.take("external_id", bounded_text(&v, 1, 100)));
    let note = apply(base.and_then(|b| b.note.clone()), p.note)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .and_then(|v| errors.take("note", multiline_text(&v, 1, 2000)));
    let new_lines = match (&p.lines, current) {
        (Some(lines), _) => Some(build_lines(refs, lines, currency.as_deref(), &mut errors)),
        (None, None) => {
            errors.add("lines", "is required to create an order");
            None
        }
        (None, Some(_)) => None,
    };
    // Owner: as sent; else kept; else (new order) the customer's.
    let (owner_id, team_id) = match p.owner_id {
        Some(Some(owner)) => match refs
            .lookups
            .user(conn, ws, owner)
            .map_err(|_| RecordError::invalid("owner_id", "cannot be checked"))?
        {
            Some(user) if user.active => (Some(Id(owner)), user.team_id),
            Some(_) => {
                errors.add("owner_id", "is a deactivated user");
                (None, None)
            }
            None => {
                errors.add("owner_id", "is not a user of this workspace");
                (None, None)
            }
        },
        Some(None) => (None, None),
        None => match (base, customer) {
            (Some(b), _) => (b.owner_id, b.team_id),
            (None, Some((_, owner, team))) => (owner, team),
            (None, None) => (None, None),
        },
    };
    errors.into_result().map_err(RecordError::Invalid)?;
    let scope = if current.is_some() {
        grants.update
    } else {
        grants.create
    };
    if !grants.covers(scope, owner_id, team_id) {
        return Err(RecordError::Forbidden(
            "your role may not assign orders to that owner or team".into(),
        ));
    }
    let self_id = current.map(|r| r.id.0);
    if let Some(ext) = &external_id
        && refs
            .orders_by_key
            .get(ext)
            .is_some_and(|r| Some(r.id.0) != self_id)
    {
        return Err(RecordError::Conflict {
            field: "external_id".into(),
            detail: "is already taken".into(),
        });
    }
    let (subtotal, discount, total) = match &new_lines {
        Some(lines) => totals(lines)?,
        None => base
            .map(|b| (b.subtotal_minor, b.discount_minor, b.total_minor))
            .unwrap_or_default(),
    };
    let (Some(customer_id), Some(order_date), Some(currency)) = (customer_id, order_date, currency)
    else {
        return Err(RecordError::invalid("record", "is incomplete"));
    };
    let fields = OrderFields {
        customer_id,
        external_id,
        order_date,
        status,
        currency,
        subtotal_minor: subtotal,
        discount_minor: discount,
        total_minor: total,
        owner_id,
        team_id,
        note,
    };
    let by = Some(actor.user_id());
    Ok(match current {
        // A create's fields are named by the caller, with its values.
        None => (
            RecordStatus::Created,
            OrderRow::new(ws, by, fields),
            new_lines,
            Vec::new(),
        ),
        Some(row) => {
            let mut changed = changed_fields(&row.fields, &fields);
            let lines_changed = new_lines.as_ref().is_some_and(|new| {
                let old: Vec<Line> = refs
                    .lines
                    .get(&row.id.0)
                    .map(|ls| ls.iter().map(as_line).collect())
                    .unwrap_or_default();
                &old != new
            });
            if lines_changed {
                changed.push("lines".into());
            }
            if changed.is_empty() {
                (RecordStatus::Unchanged, row.clone(), None, changed)
            } else {
                let lines = if lines_changed { new_lines } else { None };
                (
                    RecordStatus::Updated,
                    row.changed(by, fields),
                    lines,
                    changed,
                )
            }
        }
    })
}

/// A customer's id, owner and team: all an order takes from it.
fn owned_by(row: &crm_db::customers::CustomerRow) -> (Id, Option<Id>, Option<Id>) {
    (row.id, row.fields.owner_id, row.fields.team_id)
}
