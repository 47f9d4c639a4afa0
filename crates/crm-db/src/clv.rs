//! Storage of the workspace's predicted-CLV model (`clv_models`): the fitted
//! BG/NBD and Gamma-Gamma parameters, and the buyer summaries a fit reads
//! from `customer_metrics`. Fitting itself is `crm-models`' job.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use uuid::Uuid;

use crate::connection::AnyConnection;
use crate::error::DbResult;
use crate::schema::{clv_models, customer_metrics};
use crate::types::Id;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = clv_models)]
pub struct ClvModelRow {
    pub workspace_id: Id,
    pub fitted_at: NaiveDateTime,
    pub buyers: i64,
    pub bg_r: Option<f64>,
    pub bg_alpha: Option<f64>,
    pub bg_a: Option<f64>,
    pub bg_b: Option<f64>,
    pub gg_p: Option<f64>,
    pub gg_q: Option<f64>,
    pub gg_gamma: Option<f64>,
}

/// The stored model, if one was fitted.
pub fn model(conn: &mut AnyConnection, workspace_id: Uuid) -> DbResult<Option<ClvModelRow>> {
    Ok(clv_models::table
        .find(Id(workspace_id))
        .select(ClvModelRow::as_select())
        .first(conn)
        .optional()?)
}

/// Replaces the stored model. Two requests refitting at once both save;
/// whichever inserts second keeps the first one's equally fresh fit rather
/// than failing on the key.
pub fn save(conn: &mut AnyConnection, row: &ClvModelRow) -> DbResult<()> {
    forget(conn, row.workspace_id.0)?;
    crate::each_backend!(&mut *conn, |c| diesel::insert_into(clv_models::table)
        .values(row)
        .on_conflict(clv_models::workspace_id)
        .do_nothing()
        .execute(c))?;
    Ok(())
}

/// Drops the stored model (the next read refits it).
pub fn forget(conn: &mut AnyConnection, workspace_id: Uuid) -> DbResult<()> {
    diesel::delete(clv_models::table.find(Id(workspace_id))).execute(conn)?;
    Ok(())
}

/// A buyer's order summary: orders, revenue, first and last order day.
#[derive(Debug, Clone, Copy, PartialEq, Queryable)]
pub struct BuyerSummary {
    pub order_count: i32,
    pub revenue_minor: i64,
    pub first_order_on: NaiveDate,
    pub last_order_on: NaiveDate,
}

/// Every `stride`-th buyer of the workspace (by customer id), so a fit
/// reads a bounded, repeatable sample; also returns how many buyers exist.
pub fn buyer_sample(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    at_most: usize,
) -> DbResult<(Vec<BuyerSummary>, i64)> {
    let all: Vec<BuyerSummary> = customer_metrics::table
        .filter(customer_metrics::workspace_id.eq(Id(workspace_id)))
        .order(customer_metrics::customer_id)
        .select((
            customer_metrics::order_count,
            customer_metrics::revenue_minor,
            customer_metrics::first_order_on,
            customer_metrics::last_order_on,
        ))
        .load(conn)?;
    let total = i64::try_from(all.len()).unwrap_or(i64::MAX);
    let stride = all.len().div_ceil(at_most.max(1)).max(1);
    Ok((all.into_iter().step_by(stride).collect(), total))
}
