//! Service agents' capacity and availability, their load (active tickets
//! assigned to them) and the queue of a team's waiting tickets, for
//! automatic assignment.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::TicketRow;
use crate::connection::AnyConnection;
use crate::error::DbResult;
use crate::schema::{service_agents, tickets, users};
use crate::types::{Id, Json};

/// Statuses in which a ticket counts against its assignee's capacity.
pub const ACTIVE: [&str; 3] = ["new", "open", "pending"];

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = service_agents)]
pub struct AgentRow {
    pub workspace_id: Id,
    pub user_id: Id,
    pub on_duty: bool,
    pub capacity: i32,
    pub last_assigned_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
    /// Ticket type keys the agent handles (a JSON array), for skill-based assignment.
    pub skills: Json,
}

impl AgentRow {
    /// The skills as a list (a malformed value is no skills).
    pub fn skill_list(&self) -> Vec<String> {
        serde_json::from_value(self.skills.0.clone()).unwrap_or_default()
    }
}

/// Every agent profile of the workspace.
pub fn list(conn: &mut AnyConnection, ws: Uuid) -> DbResult<Vec<AgentRow>> {
    Ok(service_agents::table
        .filter(service_agents::workspace_id.eq(Id(ws)))
        .order(service_agents::user_id)
        .select(AgentRow::as_select())
        .load(conn)?)
}

pub fn find(conn: &mut AnyConnection, ws: Uuid, user: Uuid) -> DbResult<Option<AgentRow>> {
    Ok(service_agents::table
        .find((Id(ws), Id(user)))
        .select(AgentRow::as_select())
        .first(conn)
        .optional()?)
}

/// Sets availability, capacity and skills, keeping the round-robin position.
pub fn save(conn: &mut AnyConnection, row: &AgentRow) -> DbResult<()> {
    let n = diesel::update(service_agents::table.find((row.workspace_id, row.user_id)))
        .set((
            service_agents::on_duty.eq(row.on_duty),
            service_agents::capacity.eq(row.capacity),
            service_agents::updated_at.eq(row.updated_at),
            service_agents::skills.eq(&row.skills),
        ))
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(service_agents::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// Active tickets assigned to each of `users`.
pub fn open_counts(
    conn: &mut AnyConnection,
    ws: Uuid,
    users: &[Uuid],
) -> DbResult<HashMap<Uuid, i64>> {
    let ids: Vec<Id> = users.iter().map(|u| Id(*u)).collect();
    let rows: Vec<(Option<Id>, i64)> = tickets::table
        .filter(tickets::workspace_id.eq(Id(ws)))
        .filter(tickets::deleted_at.is_null())
        .filter(tickets::status.eq_any(ACTIVE))
        .filter(tickets::assignee_id.eq_any(ids))
        .group_by(tickets::assignee_id)
        .select((tickets::assignee_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, n)| id.map(|id| (id.0, n)))
        .collect())
}

/// The team's active users on duty, with their profiles.
pub fn on_duty(conn: &mut AnyConnection, ws: Uuid, team: Uuid) -> DbResult<Vec<AgentRow>> {
    Ok(service_agents::table
        .inner_join(
            users::table.on(users::workspace_id
                .eq(service_agents::workspace_id)
                .and(users::id.eq(service_agents::user_id))),
        )
        .filter(service_agents::workspace_id.eq(Id(ws)))
        .filter(service_agents::on_duty.eq(true))
        .filter(users::team_id.eq(Id(team)))
        .filter(users::active.eq(true))
        .select(AgentRow::as_select())
        .load(conn)?)
}

/// Records that `user` was just given a ticket (their round-robin turn).
pub fn touch(conn: &mut AnyConnection, ws: Uuid, user: Uuid, at: NaiveDateTime) -> DbResult<()> {
    diesel::update(service_agents::table.find((Id(ws), Id(user))))
        .set(service_agents::last_assigned_at.eq(at))
        .execute(conn)?;
    Ok(())
}

/// The team's oldest unassigned ticket still to be worked.
pub fn oldest_waiting(
    conn: &mut AnyConnection,
    ws: Uuid,
    team: Uuid,
) -> DbResult<Option<TicketRow>> {
    Ok(oldest_waiting_n(conn, ws, team, 1)?.into_iter().next())
}

/// The team's `n` longest-waiting tickets, oldest first.
pub fn oldest_waiting_n(
    conn: &mut AnyConnection,
    ws: Uuid,
    team: Uuid,
    n: i64,
) -> DbResult<Vec<TicketRow>> {
    Ok(tickets::table
        .filter(tickets::workspace_id.eq(Id(ws)))
        .filter(tickets::deleted_at.is_null())
        .filter(tickets::assignee_id.is_null())
        .filter(tickets::team_id.eq(Id(team)))
        .filter(tickets::status.eq_any(["new", "open"]))
        .order((tickets::created_at.asc(), tickets::id.asc()))
        .limit(n)
        .select(TicketRow::as_select())
        .load(conn)?)
}

/// Assigns waiting tickets to `agent` in one statement per thousand (each
/// ticket's version goes up by one); only tickets still unassigned move.
/// Returns how many did.
pub fn assign_waiting(
    conn: &mut AnyConnection,
    ws: Uuid,
    ids: &[Uuid],
    agent: Uuid,
    actor: Option<Uuid>,
    at: NaiveDateTime,
) -> DbResult<usize> {
    let mut moved = 0;
    for chunk in ids.chunks(1000) {
        moved += diesel::update(
            tickets::table
                .filter(tickets::workspace_id.eq(Id(ws)))
                .filter(tickets::id.eq_any(chunk.iter().map(|id| Id(*id))))
                .filter(tickets::assignee_id.is_null())
                .filter(tickets::deleted_at.is_null()),
        )
        .set((
            tickets::assignee_id.eq(Some(Id(agent))),
            tickets::version.eq(tickets::version + 1),
            tickets::updated_by.eq(actor.map(Id)),
            tickets::updated_at.eq(at),
        ))
        .execute(conn)?;
    }
    Ok(moved)
}
