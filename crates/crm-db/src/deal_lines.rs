//! The products on a deal (报价明细): numbered lines of product, quantity in
//! thousandths, unit price, discount and amount, replaced as a whole. The
//! caller scopes the deal; these functions only keep to the workspace.

use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

use crate::connection::AnyConnection;
use crate::error::DbResult;
use crate::schema::deal_lines;
use crate::types::Id;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = deal_lines)]
pub struct DealLineRow {
    #[serde(skip)]
    pub workspace_id: Id,
    #[serde(skip)]
    pub deal_id: Id,
    pub line_no: i32,
    pub product_id: Id,
    pub quantity_milli: i64,
    pub unit_price_minor: i64,
    pub discount_minor: i64,
    pub amount_minor: i64,
}

/// The deal's lines in line order.
pub fn of(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    deal_id: Uuid,
) -> DbResult<Vec<DealLineRow>> {
    Ok(deal_lines::table
        .filter(deal_lines::workspace_id.eq(Id(workspace_id)))
        .filter(deal_lines::deal_id.eq(Id(deal_id)))
        .order(deal_lines::line_no)
        .select(DealLineRow::as_select())
        .load(conn)?)
}

/// Replaces the deal's lines with these (none: the deal has no lines).
pub fn replace(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    deal_id: Uuid,
    lines: &[DealLineRow],
) -> DbResult<()> {
    diesel::delete(
        deal_lines::table
            .filter(deal_lines::workspace_id.eq(Id(workspace_id)))
            .filter(deal_lines::deal_id.eq(Id(deal_id))),
    )
    .execute(conn)?;
    for line in lines {
        diesel::insert_into(deal_lines::table)
            .values(line)
            .execute(conn)?;
    }
    Ok(())
}
