//! The products on a deal (报价明细): read with the deal, replaced as a
//! whole by whoever may update the deal. Lines are checked and priced as an
//! order's are (`orders::lines`: product by id, external id or SKU; the list
//! price in the deal's currency unless a price is sent; a discount no larger
//! than the line), and while there are lines the deal's amount is their
//! total. The change is one `deals` update in the change log naming
//! `amount_minor` and `lines`.

use crm_api_types::deals::{DealLines, DealLinesInput};
use crm_api_types::orders::OrderLine;
use crm_db::AnyConnection;
use crm_db::change_log::{Op, lock_workspace, transaction};
use crm_db::deal_lines::DealLineRow;
use crm_db::types::Id;
use crm_domain::FieldErrors;
use crm_domain::access::{Action, ObjectType};
use crm_domain::orders::{MAX_LINES, quantity_of};
use serde_json::json;
use uuid::Uuid;

use super::{ENTITY, find_for, view};
use crate::orders::lines::{build_lines, totals};
use crate::orders::refs::Refs;
use crate::{Actor, AppError, Expected};

fn line_view(l: &DealLineRow) -> OrderLine {
    OrderLine {
        line_no: l.line_no,
        product_id: l.product_id.0,
        quantity: quantity_of(l.quantity_milli),
        unit_price_minor: l.unit_price_minor,
        discount_minor: l.discount_minor,
        amount_minor: l.amount_minor,
    }
}

fn logged(amount_minor: i64, lines: &[DealLineRow]) -> serde_json::Value {
    json!({ "amount_minor": amount_minor, "lines": lines })
}

/// A visible deal with its lines.
pub fn get(conn: &mut AnyConnection, actor: &Actor, id: Uuid) -> Result<DealLines, AppError> {
    let vis = actor.visibility(conn, ObjectType::Deals, Action::Read)?;
    let deal = crm_db::deals::find(conn, &vis, id)?;
    let lines = crm_db::deal_lines::of(conn, actor.workspace_id, id)?;
    Ok(DealLines {
        deal: view(deal),
        lines: lines.iter().map(line_view).collect(),
    })
}

/// Replaces the lines of a deal the actor may update; with lines, the
/// deal's amount becomes their total.
pub fn replace(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    expected: Expected,
    body: DealLinesInput,
) -> Result<DealLines, AppError> {
    let ws = actor.workspace_id;
    transaction(conn, |conn| {
        lock_workspace(conn, ws)?;
        let (current, _) = find_for(conn, actor, id, Action::Update)?;
        let version = expected.check(current.version)?;
        let mut errors = FieldErrors::new();
        if body.lines.len() > MAX_LINES {
            errors.add("lines", format!("must hold at most {MAX_LINES} lines"));
        }
        let built = if body.lines.is_empty() || !errors.is_empty() {
            Vec::new()
        } else {
            let mut refs = Refs::default();
            refs.load_products(conn, ws, body.lines.iter())?;
            build_lines(
                &refs,
                &body.lines,
                Some(current.fields.currency.as_str()),
                &mut errors,
            )
        };
        errors.into_result().map_err(AppError::Validation)?;
        let amount = if built.is_empty() {
            current.fields.amount_minor
        } else {
            totals(&built).map_err(|e| e.into_app())?.2
        };
        let rows: Vec<DealLineRow> = built
            .iter()
            .map(|l| DealLineRow {
                workspace_id: Id(ws),
                deal_id: Id(id),
                line_no: l.0,
                product_id: l.1,
                quantity_milli: l.2,
                unit_price_minor: l.3,
                discount_minor: l.4,
                amount_minor: l.5,
            })
            .collect();
        let before = crm_db::deal_lines::of(conn, ws, id)?;
        if before == rows && amount == current.fields.amount_minor {
            return Ok(DealLines {
                deal: view(current),
                lines: rows.iter().map(line_view).collect(),
            });
        }
        let mut fields = current.fields.clone();
        fields.amount_minor = amount;
        let row = crm_db::deals::update(conn, &current, version, Some(actor.user_id()), fields)?;
        crm_db::deal_lines::replace(conn, ws, id, &rows)?;
        let mut changed = vec!["lines".to_owned()];
        if amount != current.fields.amount_minor {
            changed.insert(0, "amount_minor".to_owned());
        }
        let values = crm_db::change_log::values(
            &changed,
            Some(&logged(current.fields.amount_minor, &before)),
            Some(&logged(amount, &rows)),
        );
        actor.record_change(conn, ENTITY, id, Op::Update, changed, values)?;
        Ok(DealLines {
            deal: view(row),
            lines: rows.iter().map(line_view).collect(),
        })
    })
}
