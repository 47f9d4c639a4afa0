//! Automatic assignment (自动分配) in the write path: a new ticket nobody
//! was named for is routed by the first matching rule of the workspace's
//! settings (on the ticket, and on its customer's region, value tier and
//! tags, read only when a rule asks) to a team (the rule's name is kept on the ticket), and each
//! team's queue is filled — its oldest waiting ticket to the agent the
//! team's method picks among those on duty below capacity — whenever a
//! ticket arrives, an agent's ticket is resolved, closed or handed on, or
//! an agent comes on duty or gains capacity. All in the write's transaction.

use chrono::NaiveDateTime;
use crm_api_types::tickets::{AgentPatch, ServiceAgent};
use crm_db::AnyConnection;
use crm_db::change_log::{Op, changed_fields, lock_workspace, transaction};
use crm_db::tickets::TicketFields;
use crm_db::tickets::agents::AgentRow;
use crm_db::types::Id;
use crm_domain::access::{Action, ObjectType, Scope};
use crm_domain::analytics::ValueTier;
use crm_domain::service::ServiceSettings;
use crm_domain::service::assignment::{
    AssignMethod, AssignmentRule, Candidate, CustomerFacts, Routed, first_match, pick,
};
use uuid::Uuid;

use super::ENTITY;
use crate::{Actor, AppError};

/// At most this many tickets leave a queue in one write.
const MAX_PER_WRITE: usize = 10_000;

/// Routes a new ticket with neither assignee nor team by the first
/// matching rule; returns the team whose queue to fill (a ticket sent to
/// a team, not a person, waits in that team's queue too).
pub fn route(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    settings: &ServiceSettings,
    fields: &mut TicketFields,
) -> Result<Option<Uuid>, AppError> {
    if fields.assignee_id.is_some() {
        return Ok(None);
    }
    if let Some(team) = fields.team_id {
        return Ok(Some(team.0));
    }
    let rules = &settings.assignment_rules;
    let customer = if rules.iter().any(AssignmentRule::reads_customer) {
        let facts = crm_db::tickets::customer_facts(conn, workspace_id, fields.customer_id.0)?;
        CustomerFacts {
            region_codes: facts.region_codes,
            value_tier: ValueTier::of(facts.rfm_m),
            tag_ids: facts.tag_ids,
        }
    } else {
        CustomerFacts::default()
    };
    let routed = Routed {
        ticket_type: &fields.ticket_type,
        priority: &fields.priority,
        channel: &fields.channel,
        customer: &customer,
    };
    let Some(rule) = first_match(rules, &routed) else {
        return Ok(None);
    };
    fields.team_id = Some(Id(rule.team_id));
    fields.assignment_rule = Some(rule.name.clone());
    Ok(Some(rule.team_id))
}

/// How a team's agents are picked: the method of the first rule routing to it.
fn method(settings: &ServiceSettings, team: Uuid) -> AssignMethod {
    settings
        .assignment_rules
        .iter()
        .find(|r| r.team_id == team)
        .map_or(AssignMethod::RoundRobin, |r| r.method)
}

/// Gives the team's waiting tickets, oldest first, to free agents until
/// either runs out; returns how many were assigned.
pub fn fill_queue(
    conn: &mut AnyConnection,
    actor: &Actor,
    settings: &ServiceSettings,
    team: Uuid,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    let ws = actor.workspace_id;
    let method = method(settings, team);
    let mut agents: Vec<Candidate> = crm_db::tickets::agents::on_duty(conn, ws, team)?
        .into_iter()
        .map(|a| Candidate {
            user_id: a.user_id.0,
            open: 0,
            capacity: a.capacity,
            last_assigned_at: a.last_assigned_at,
            skills: a.skill_list(),
        })
        .collect();
    if agents.is_empty() {
        return Ok(0);
    }
    let ids: Vec<Uuid> = agents.iter().map(|a| a.user_id).collect();
    let open = crm_db::tickets::agents::open_counts(conn, ws, &ids)?;
    for a in &mut agents {
        a.open = open.get(&a.user_id).copied().unwrap_or(0);
    }
    // Room left across the team, so the queue is read once. By skill, a
    // ticket nobody free has the skill for waits and the next is tried:
    // the whole queue is read.
    let room: i64 = agents
        .iter()
        .map(|a| (i64::from(a.capacity) - a.open).max(0))
        .sum::<i64>()
        .min(MAX_PER_WRITE as i64);
    let read = match method {
        AssignMethod::SkillBased if room > 0 => MAX_PER_WRITE as i64,
        _ => room,
    };
    let waiting = crm_db::tickets::agents::oldest_waiting_n(conn, ws, team, read)?;
    let mut changes = Vec::with_capacity(waiting.len());
    let mut given: std::collections::BTreeMap<Uuid, Vec<Uuid>> = Default::default();
    for ticket in waiting {
        if !agents.iter().any(Candidate::is_free) {
            break;
        }
        let Some(agent) = pick(method, &agents, &ticket.fields.ticket_type) else {
            continue;
        };
        let mut fields = ticket.fields.clone();
        fields.assignee_id = Some(Id(agent));
        let changed = changed_fields(&ticket.fields, &fields);
        let values = crm_db::change_log::values(&changed, Some(&ticket.fields), Some(&fields));
        changes.push(crm_db::batch::BatchChange {
            entity_id: ticket.id.0,
            op: Op::Update,
            changed_fields: changed,
            values: values.map(Into::into),
        });
        given.entry(agent).or_default().push(ticket.id.0);
        if let Some(a) = agents.iter_mut().find(|a| a.user_id == agent) {
            a.open += 1;
            a.last_assigned_at = Some(now);
        }
    }
    // One statement per agent; the queue was read in this transaction
    // under the workspace lock, so every ticket is still waiting.
    for (agent, ids) in &given {
        let moved = crm_db::tickets::agents::assign_waiting(
            conn,
            ws,
            ids,
            *agent,
            Some(actor.user_id()),
            now,
        )?;
        if moved != ids.len() {
            return Err(AppError::Stale);
        }
        crm_db::tickets::agents::touch(conn, ws, *agent, now)?;
    }
    crm_db::batch::record_changes(conn, ws, ENTITY, actor.user, actor.via.as_str(), &changes)?;
    let assigned = changes.len();
    Ok(assigned)
}

/// The team whose queue may move after a ticket went from `before` to
/// `after`: its assignee finished it or handed it on, or it was put back
/// in the queue.
pub fn freed_team(before: &TicketFields, after: &TicketFields) -> Option<Uuid> {
    let active = |f: &TicketFields| crm_db::tickets::agents::ACTIVE.contains(&f.status.as_str());
    let released = before.assignee_id.is_some()
        && active(before)
        && (!active(after) || after.assignee_id != before.assignee_id);
    let queued = after.assignee_id.is_none() && active(after);
    (released || queued).then_some(())?;
    after.team_id.or(before.team_id).map(Uuid::from)
}

fn view(row: AgentRow, open: i64) -> ServiceAgent {
    ServiceAgent {
        user_id: row.user_id.0,
        on_duty: row.on_duty,
        capacity: row.capacity,
        open_tickets: open,
        last_assigned_at: row.last_assigned_at.map(|t| t.and_utc()),
        skills: row.skill_list(),
    }
}

/// Every agent profile with the agent's open tickets.
pub fn agents(conn: &mut AnyConnection, actor: &Actor) -> Result<Vec<ServiceAgent>, AppError> {
    actor.require(ObjectType::ServiceSettings, Action::Read)?;
    let rows = crm_db::tickets::agents::list(conn, actor.workspace_id)?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.user_id.0).collect();
    let open = crm_db::tickets::agents::open_counts(conn, actor.workspace_id, &ids)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let n = open.get(&r.user_id.0).copied().unwrap_or(0);
            view(r, n)
        })
        .collect())
}

/// Sets an agent's availability and capacity: the agent themselves, or a
/// role that may update the service settings for the whole workspace
/// (only such a role changes skills, each a ticket type of the workspace).
/// Their team's queue is filled at once.
pub fn save_agent(
    conn: &mut AnyConnection,
    actor: &Actor,
    user: Uuid,
    patch: AgentPatch,
) -> Result<ServiceAgent, AppError> {
    let manages = actor.scope(ObjectType::ServiceSettings, Action::Update) == Scope::All;
    if !manages && actor.user_id() != user {
        return Err(AppError::Forbidden(
            "your role may not change another agent's availability".into(),
        ));
    }
    if !(0..=1000).contains(&patch.capacity) {
        return Err(AppError::validation(
            "capacity",
            "must be between 0 and 1000",
        ));
    }
    transaction(conn, |conn| {
        lock_workspace(conn, actor.workspace_id)?;
        let member = match crm_db::users::find(conn, actor.workspace_id, user) {
            Ok(u) if u.active => u,
            Ok(_) | Err(crm_db::DbError::NotFound) => return Err(AppError::NotFound),
            Err(e) => return Err(e.into()),
        };
        let now = crm_db::time::now();
        let previous = crm_db::tickets::agents::find(conn, actor.workspace_id, user)?;
        let (settings, _) = super::settings::load(conn, actor.workspace_id)?;
        let current = previous
            .as_ref()
            .map(AgentRow::skill_list)
            .unwrap_or_default();
        let skills = match patch.skills {
            Some(skills) => check_skills(&settings, skills, &current, manages)?,
            None => current,
        };
        let row = AgentRow {
            workspace_id: Id(actor.workspace_id),
            user_id: Id(user),
            on_duty: patch.on_duty,
            capacity: patch.capacity,
            last_assigned_at: previous.and_then(|p| p.last_assigned_at),
            updated_at: now,
            skills: crm_db::types::Json(serde_json::json!(skills)),
        };
        crm_db::tickets::agents::save(conn, &row)?;
        if let Some(team) = member.team_id {
            fill_queue(conn, actor, &settings, team.0, now)?;
        }
        let saved = crm_db::tickets::agents::find(conn, actor.workspace_id, user)?.unwrap_or(row);
        let open = crm_db::tickets::agents::open_counts(conn, actor.workspace_id, &[user])?;
        Ok(view(saved, open.get(&user).copied().unwrap_or(0)))
    })
}

/// An agent's new skills: ticket types of the workspace, each once, in
/// the order given; only a role that manages the desk may change them.
fn check_skills(
    settings: &ServiceSettings,
    skills: Vec<String>,
    current: &[String],
    manages: bool,
) -> Result<Vec<String>, AppError> {
    let mut errors = crm_domain::FieldErrors::new();
    let mut kept: Vec<String> = Vec::with_capacity(skills.len());
    for (i, skill) in skills.into_iter().enumerate() {
        if !settings.has_type(&skill) {
            errors.add(
                format!("skills[{i}]"),
                "is not a ticket type of this workspace",
            );
        } else if !kept.contains(&skill) {
            kept.push(skill);
        }
    }
    errors.into_result().map_err(AppError::Validation)?;
    if !manages && kept != current {
        return Err(AppError::Forbidden(
            "your role may not change an agent's skills".into(),
        ));
    }
    Ok(kept)
}
