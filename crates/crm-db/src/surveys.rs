//! Satisfaction surveys (满意度) sent for tickets: rows, the token lookup
//! that answering without signing in goes through, the single-use answer,
//! and the answered surveys of the tickets a caller sees, with the
//! customer's name, revenue and RFM segment for "unhappy valuable
//! customers first".

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use crate::connection::AnyConnection;
use crate::error::{DbError, DbResult};
use crate::schema::{customer_metrics, customers, surveys, tickets};
use crate::types::Id;
use crate::visibility::Visibility;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = surveys)]
pub struct SurveyRow {
    pub workspace_id: Id,
    pub id: Id,
    pub ticket_id: Id,
    pub customer_id: Id,
    pub kind: String,
    pub token_hash: String,
    pub agent_id: Option<Id>,
    pub team_id: Option<Id>,
    pub ticket_type: String,
    pub channel: String,
    pub sent_by: Option<Id>,
    pub sent_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub answered_at: Option<NaiveDateTime>,
    pub score: Option<i32>,
    pub comment: Option<String>,
}

pub fn insert(conn: &mut AnyConnection, row: &SurveyRow) -> DbResult<()> {
    diesel::insert_into(surveys::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The survey a token's hash names, in any workspace.
pub fn by_token(conn: &mut AnyConnection, token_hash: &str) -> DbResult<SurveyRow> {
    Ok(surveys::table
        .filter(surveys::token_hash.eq(token_hash))
        .select(SurveyRow::as_select())
        .first(conn)?)
}

/// Records the answer unless one is already there (`VersionConflict`).
pub fn answer(
    conn: &mut AnyConnection,
    row: &SurveyRow,
    score: i32,
    comment: Option<String>,
    at: NaiveDateTime,
) -> DbResult<()> {
    let n = diesel::update(
        surveys::table
            .filter(surveys::workspace_id.eq(row.workspace_id))
            .filter(surveys::id.eq(row.id))
            .filter(surveys::answered_at.is_null()),
    )
    .set((
        surveys::answered_at.eq(Some(at)),
        surveys::score.eq(Some(score)),
        surveys::comment.eq(comment),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(DbError::VersionConflict);
    }
    Ok(())
}

/// A ticket's surveys, oldest first.
pub fn of_ticket(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    ticket_id: Uuid,
) -> DbResult<Vec<SurveyRow>> {
    Ok(surveys::table
        .filter(surveys::workspace_id.eq(Id(workspace_id)))
        .filter(surveys::ticket_id.eq(Id(ticket_id)))
        .order((surveys::sent_at, surveys::id))
        .select(SurveyRow::as_select())
        .load(conn)?)
}

/// An answered survey with what the analysis joins to it.
#[derive(Debug, Clone, Queryable)]
pub struct Answered {
    pub survey: SurveyRow,
    pub customer_name: String,
    pub revenue_minor: Option<i64>,
    pub rfm_segment: Option<String>,
}

/// The surveys answered in `[from, to)` of tickets the caller sees, newest first.
pub fn answered(
    conn: &mut AnyConnection,
    vis: &Visibility,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> DbResult<Vec<Answered>> {
    let rows: Vec<Answered> = surveys::table
        .inner_join(
            customers::table.on(customers::workspace_id
                .eq(surveys::workspace_id)
                .and(customers::id.eq(surveys::customer_id))),
        )
        .left_join(
            customer_metrics::table.on(customer_metrics::workspace_id
                .eq(surveys::workspace_id)
                .and(customer_metrics::customer_id.eq(surveys::customer_id))),
        )
        .filter(surveys::workspace_id.eq(Id(vis.workspace_id)))
        .filter(surveys::answered_at.ge(from))
        .filter(surveys::answered_at.lt(to))
        .order((surveys::answered_at.desc(), surveys::id))
        .select((
            SurveyRow::as_select(),
            customers::name,
            customer_metrics::revenue_minor.nullable(),
            customer_metrics::rfm_segment.nullable(),
        ))
        .load(conn)?;
    let mut ids: Vec<Id> = rows.iter().map(|r| r.survey.ticket_id).collect();
    ids.sort_unstable_by_key(|id| id.0);
    ids.dedup();
    let mut visible = std::collections::HashSet::new();
    for chunk in ids.chunks(500) {
        let seen: Vec<Id> = tickets::table
            .filter(vis.tickets())
            .filter(tickets::id.eq_any(chunk.to_vec()))
            .select(tickets::id)
            .load(conn)?;
        visible.extend(seen);
    }
    Ok(rows
        .into_iter()
        .filter(|r| visible.contains(&r.survey.ticket_id))
        .collect())
}
