//! The one write path of orders: any number of records (a batch, or the
//! single record of POST, PATCH and PUT). Customers and products are named
//! by id or external id; totals are computed here from the lines; rows and
//! lines go out in multi-row statements with one change-log insert.

use crm_api_types::batch::{BatchMode, RecordStatus};
use crm_api_types::orders::{NewOrderLine, OrderPatch};
use crm_api_types::patch::apply;
use crm_db::AnyConnection;
use crm_db::batch::{BatchChange, record_changes};
use crm_db::change_log::{Op, changed_fields, field_names};
use crm_db::orders::{LineRow, OrderFields, OrderRow};
use crm_db::types::Id;
use crm_domain::FieldErrors;
use crm_domain::access::{Action, ObjectType, Ownership, Principal, Scope};
use crm_domain::money::parse_currency;
use crm_domain::orders::{LineFigures, MAX_LINES, line_amount, quantity_milli};
use crm_domain::sales::OrderStatus;
use crm_domain::validation::{bounded_text, multiline_text};
use uuid::Uuid;

use super::refs::Refs;
use crate::batch::{Outcome, Record, RecordError, Target, reject_repeats, target_field};
use crate::caller::Caller;
use crate::error::ApiError;

pub const ENTITY: &str = crm_db::change_log::ORDER;

/// The caller's scopes on orders and the facts they are judged against.
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

/// A line as written, before it knows its order.
type Line = (i32, Id, i64, i64, i64, i64);

/// Writes the records; `expected_version` is the single-record `If-Match`.
/// Call inside a transaction holding the workspace lock.
pub fn write(
    conn: &mut AnyConnection,
    caller: &Caller,
    mode: BatchMode,
    records: Vec<Record<OrderPatch>>,
    expected_version: Option<i32>,
) -> Result<Vec<(usize, Outcome<OrderRow>)>, ApiError> {
    let ws = caller.workspace_id;
    let scopes =
        [Action::Read, Action::Create, Action::Update].map(|a| caller.scope(ObjectType::Orders, a));
    let widest = scopes.iter().copied().max().unwrap_or(Scope::None);
    let grants = Grants {
        read: scopes[0],
        create: scopes[1],
        update: scopes[2],
        principal: caller.principal(conn, widest)?,
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
    let mut refs = Refs::load(conn, caller, &records)?;
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
        // A record the caller may not read does not exist for them.
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
            one(
                conn,
                caller,
                &mut refs,
                &grants,
                current.as_ref(),
                &record,
                expected_version,
            )
        });
        match outcome {
            Ok((status, row, new_lines, changed)) => {
                if status != RecordStatus::Unchanged {
                    changes.push(BatchChange {
                        values: None,
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
        Some(caller.user_id()),
        caller.actor.via.as_str(),
        &changes,
    )?;
    Ok(outcomes)
}

type Written = (RecordStatus, OrderRow, Option<Vec<Line>>, Vec<String>);

/// One record against its current row (if any).
fn one(
    conn: &mut AnyConnection,
    caller: &Caller,
    refs: &mut Refs,
    grants: &Grants,
    current: Option<&OrderRow>,
    record: &Record<OrderPatch>,
    expected_version: Option<i32>,
) -> Result<Written, RecordError> {
    let ws = caller.workspace_id;
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
            let found = refs.customers_by_id.get(&id).cloned();
            if found.is_none() {
                errors.add("customer_id", "no such customer, or not visible to you");
            }
            found
        }
        (None, Some(key)) => {
            let found = refs.customers_by_key.get(key).cloned();
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
    let customer_id = customer
        .as_ref()
        .map(|c| c.id)
        .or(base.map(|b| b.customer_id));
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
        None => match (base, &customer) {
            (Some(b), _) => (b.owner_id, b.team_id),
            (None, Some(c)) => (c.fields.owner_id, c.fields.team_id),
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
    let actor = Some(caller.user_id());
    Ok(match current {
        None => {
            let mut changed = field_names(&fields);
            changed.push("lines".into());
            let row = OrderRow::new(ws, actor, fields);
            (RecordStatus::Created, row, new_lines, changed)
        }
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
                    row.changed(actor, fields),
                    lines,
                    changed,
                )
            }
        }
    })
}

fn as_line(l: &LineRow) -> Line {
    (
        l.line_no,
        l.product_id,
        l.quantity_milli,
        l.unit_price_minor,
        l.discount_minor,
        l.amount_minor,
    )
}

/// Subtotal, discount and total of the lines, or 422 when they overflow.
fn totals(lines: &[Line]) -> Result<(i64, i64, i64), RecordError> {
    let figures: Vec<LineFigures> = lines
        .iter()
        .map(|l| LineFigures {
            quantity_milli: l.2,
            unit_price_minor: l.3,
            discount_minor: l.4,
        })
        .collect();
    let t = crm_domain::orders::totals(&figures).map_err(|m| RecordError::invalid("lines", m))?;
    Ok((t.subtotal_minor, t.discount_minor, t.total_minor))
}

/// Resolves and checks the lines; errors name `lines[i].field`.
fn build_lines(
    refs: &Refs,
    lines: &[NewOrderLine],
    currency: Option<&str>,
    errors: &mut FieldErrors,
) -> Vec<Line> {
    if lines.is_empty() || lines.len() > MAX_LINES {
        errors.add("lines", format!("must hold 1 to {MAX_LINES} lines"));
        return Vec::new();
    }
    let mut out = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        let at = |field: &str| format!("lines[{i}].{field}");
        let named = [
            line.product_id.is_some(),
            line.product_external_id.is_some(),
            line.sku.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        let product = if named != 1 {
            errors.add(
                at("product_id"),
                "name the product by exactly one of product_id, product_external_id or sku",
            );
            None
        } else if let Some(id) = line.product_id {
            refs.products_by_id.get(&id).or_else(|| {
                errors.add(at("product_id"), "is not a product of this workspace");
                None
            })
        } else if let Some(key) = &line.product_external_id {
            refs.products_by_key.get(key).or_else(|| {
                errors.add(
                    at("product_external_id"),
                    "is not a product of this workspace",
                );
                None
            })
        } else {
            let sku = line.sku.clone().unwrap_or_default();
            refs.products_by_sku.get(&sku).or_else(|| {
                errors.add(at("sku"), "is not a product of this workspace");
                None
            })
        };
        let quantity = errors.take(&at("quantity"), quantity_milli(line.quantity));
        let unit_price = match (line.unit_price_minor, product) {
            (Some(p), _) if p < 0 => {
                errors.add(at("unit_price_minor"), "must not be negative");
                None
            }
            (Some(p), _) => Some(p),
            (None, Some(product)) => match (product.fields.price_minor, &product.fields.currency) {
                (Some(price), Some(c)) if Some(c.as_str()) == currency => Some(price),
                _ => {
                    errors.add(
                        at("unit_price_minor"),
                        "is required: the product has no list price in the order's currency",
                    );
                    None
                }
            },
            (None, None) => None,
        };
        let discount = line.discount_minor.unwrap_or(0);
        if discount < 0 {
            errors.add(at("discount_minor"), "must not be negative");
        }
        if let (Some(product), Some(q), Some(price)) = (product, quantity, unit_price) {
            match line_amount(q, price, discount.max(0)) {
                Some(amount) => out.push((
                    i32::try_from(i + 1).unwrap_or(i32::MAX),
                    product.id,
                    q,
                    price,
                    discount.max(0),
                    amount,
                )),
                None => errors.add(
                    at("discount_minor"),
                    "exceeds the line amount, or the amount is too large",
                ),
            }
        }
    }
    out
}
