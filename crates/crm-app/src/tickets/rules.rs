//! The rules of a ticket write: text fields checked, the type one of the
//! workspace's, the customer visible to the actor and the contact one of
//! its contacts, the assignee an active user and the team a team of the
//! workspace; status moves allowed by `TicketStatus::can_move_to`; tags
//! of the workspace and custom field values checked against its ticket
//! fields; and the SLA clocks: due times from the creation instant on the
//! business calendar, the resolution clock stopped while `pending` (its due time
//! moves later by the working time spent waiting), recomputed when the
//! priority changes.

use chrono::{DateTime, NaiveDateTime, Utc};
use crm_api_types::patch::apply;
use crm_api_types::tickets::{NewTicket, TicketPatch};
use crm_db::AnyConnection;
use crm_db::tickets::TicketFields;
use crm_db::types::{Id, Json};
use crm_domain::FieldErrors;
use crm_domain::access::{Action, ObjectType, Scope};
use crm_domain::custom_field::{FieldEntity, validate_values};
use crm_domain::service::calendar::Clock;
use crm_domain::service::{Channel, ServiceSettings, TicketPriority, TicketStatus};
use crm_domain::validation::{bounded_text, multiline_text};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::lookups::Lookups;
use crate::{Actor, AppError};

/// How a new ticket names its customer: by id or by external id.
pub enum CustomerRef {
    Id(Uuid),
    Key(String),
}

/// A new ticket's customer reference (exactly one of the two fields) and
/// its fields as a patch of nothing; the status is `new`.
pub fn as_patch(b: NewTicket) -> Result<(CustomerRef, TicketPatch), AppError> {
    let customer = match (b.customer_id, b.customer_external_id) {
        (Some(id), None) => CustomerRef::Id(id),
        (None, Some(key)) => CustomerRef::Key(key),
        _ => {
            return Err(AppError::validation(
                "customer_id",
                "give customer_id or customer_external_id, exactly one of them",
            ));
        }
    };
    let patch = TicketPatch {
        status: None,
        priority: Some(b.priority.unwrap_or(TicketPriority::Normal)),
        channel: Some(b.channel.unwrap_or(Channel::Api)),
        ticket_type: Some(b.ticket_type),
        subject: Some(b.subject),
        description: Some(b.description),
        contact_id: Some(b.contact_id),
        assignee_id: Some(b.assignee_id),
        team_id: Some(b.team_id),
        external_id: Some(b.external_id),
        tag_ids: Some(b.tag_ids),
        custom_fields: Some(b.custom_fields),
    };
    Ok((customer, patch))
}

/// Fields before a ticket exists.
pub fn blank(customer_id: Uuid) -> TicketFields {
    TicketFields {
        customer_id: Id(customer_id),
        contact_id: None,
        subject: String::new(),
        description: None,
        ticket_type: String::new(),
        priority: TicketPriority::Normal.as_str().into(),
        channel: Channel::Api.as_str().into(),
        status: TicketStatus::New.as_str().into(),
        assignee_id: None,
        team_id: None,
        external_id: None,
        first_response_due_at: None,
        resolution_due_at: None,
        first_responded_at: None,
        resolved_at: None,
        closed_at: None,
        paused_at: None,
        assignment_rule: None,
        custom_fields: Json(Value::Object(Map::new())),
        search_text: String::new(),
    }
}

fn trimmed(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// The fields after the patch, checked, and the tag set when the patch
/// names one (checked, de-duplicated); SLA fields untouched (see [`clocks`]).
pub fn resolve(
    conn: &mut AnyConnection,
    actor: &Actor,
    settings: &ServiceSettings,
    base: TicketFields,
    p: TicketPatch,
    scope: Scope,
) -> Result<(TicketFields, Option<Vec<Uuid>>), AppError> {
    let ws = actor.workspace_id;
    let mut errors = FieldErrors::new();
    let tags = match &p.tag_ids {
        Some(ids) => Some(crate::tags::check_ids(conn, ws, ids, &mut errors)?),
        None => None,
    };
    let subject = p.subject.unwrap_or(base.subject.clone());
    let subject = errors
        .take("subject", bounded_text(subject.trim(), 1, 200))
        .unwrap_or_default();
    let description = trimmed(apply(base.description.clone(), p.description))
        .and_then(|v| errors.take("description", multiline_text(&v, 1, 5_000)));
    let external_id = trimmed(apply(base.external_id.clone(), p.external_id))
        .and_then(|v| errors.take("external_id", bounded_text(&v, 1, 100)));
    let ticket_type = p.ticket_type.unwrap_or(base.ticket_type.clone());
    if !settings.has_type(&ticket_type) {
        errors.add("ticket_type", "is not a ticket type of this workspace");
    }
    let current = TicketStatus::parse(&base.status).unwrap_or(TicketStatus::New);
    let status = p.status.unwrap_or(current);
    if !current.can_move_to(status) {
        errors.add(
            "status",
            format!(
                "a {} ticket cannot become {}",
                current.as_str(),
                status.as_str()
            ),
        );
    }
    let contact_id = apply(base.contact_id.map(Uuid::from), p.contact_id);
    if let Some(contact) = contact_id {
        let vis = actor.visibility_or_none(conn, ObjectType::Contacts, Action::Read)?;
        match crm_db::contacts::find(conn, &vis, contact) {
            Ok(c) if c.fields.customer_id == base.customer_id => {}
            Ok(_) => errors.add("contact_id", "belongs to another customer"),
            Err(crm_db::DbError::NotFound) => errors.add("contact_id", "no such contact"),
            Err(e) => return Err(e.into()),
        }
    }
    let mut lookups = Lookups::default();
    let custom_fields = custom_values(conn, &mut lookups, ws, &base, p.custom_fields, &mut errors)?;
    let assignee_id = apply(base.assignee_id.map(Uuid::from), p.assignee_id);
    let mut assignee_team = None;
    if let Some(user) = assignee_id {
        match lookups.user(conn, ws, user)? {
            Some(u) if u.active => assignee_team = u.team_id.map(Uuid::from),
            Some(_) => errors.add("assignee_id", "is a deactivated user"),
            None => errors.add("assignee_id", "is not a user of this workspace"),
        }
    }
    let team_id = match p.team_id {
        Some(t) => t,
        // A new assignee brings their team unless the patch names one.
        None if assignee_id != base.assignee_id.map(Uuid::from) && assignee_id.is_some() => {
            assignee_team
        }
        None => base.team_id.map(Uuid::from),
    };
    if let Some(team) = team_id
        && lookups.team(conn, ws, team)?.is_none()
    {
        errors.add("team_id", "is not a team of this workspace");
    }
    errors.into_result().map_err(AppError::Validation)?;
    if assignee_id != base.assignee_id.map(Uuid::from) || team_id != base.team_id.map(Uuid::from) {
        if let Some(user) = assignee_id.filter(|_| scope != Scope::All) {
            actor.require_covers(
                conn,
                scope,
                Some(user),
                assignee_team,
                "assign tickets to that person",
            )?;
        } else if let Some(team) = team_id.filter(|_| scope != Scope::All) {
            actor.require_covers(conn, scope, None, Some(team), "route tickets to that team")?;
        }
    }
    let fields = TicketFields {
        contact_id: contact_id.map(Id),
        subject,
        description,
        ticket_type,
        priority: p
            .priority
            .map_or(base.priority.clone(), |v| v.as_str().into()),
        channel: p
            .channel
            .map_or(base.channel.clone(), |v| v.as_str().into()),
        status: status.as_str().into(),
        assignee_id: assignee_id.map(Id),
        team_id: team_id.map(Id),
        external_id,
        custom_fields: Json(Value::Object(custom_fields)),
        ..base
    }
    .with_search_text();
    Ok((fields, tags))
}

/// The custom field values after a merge patch (`null` removes a key),
/// checked against the workspace's ticket fields.
fn custom_values(
    conn: &mut AnyConnection,
    lookups: &mut Lookups,
    ws: Uuid,
    base: &TicketFields,
    patch: Option<Map<String, Value>>,
    errors: &mut FieldErrors,
) -> Result<Map<String, Value>, AppError> {
    let mut values = match &base.custom_fields.0 {
        Value::Object(map) => map.clone(),
        _ => Map::new(),
    };
    let Some(patch) = patch else {
        return Ok(values);
    };
    for (key, value) in patch {
        if value.is_null() {
            values.remove(&key);
        } else {
            values.insert(key, value);
        }
    }
    let defs = lookups.field_defs(conn, ws, FieldEntity::Ticket)?;
    Ok(match validate_values(defs, &values) {
        Ok(clean) => clean,
        Err(field_errors) => {
            errors.merge(field_errors);
            Map::new()
        }
    })
}

fn naive(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc()
}

/// Sets the SLA fields of `next` (whose status and priority the write
/// decided) against `before` (`None` for a new ticket created at
/// `created_at`), at `now`.
pub fn clocks(
    clock: &Clock,
    settings: &ServiceSettings,
    before: Option<&TicketFields>,
    next: &mut TicketFields,
    created_at: NaiveDateTime,
    now: NaiveDateTime,
) {
    let created = created_at.and_utc();
    let priority = TicketPriority::parse(&next.priority).unwrap_or(TicketPriority::Normal);
    let target = settings.sla.target(priority);
    let add = |from: DateTime<Utc>, minutes: i64| clock.add_minutes(from, minutes).map(naive);
    match before {
        None => {
            next.first_response_due_at = add(created, target.first_response_minutes.into());
            next.resolution_due_at = add(created, target.resolution_minutes.into());
        }
        Some(old) if old.priority != next.priority => {
            // Keep the waiting time already credited to the resolution clock.
            let old_priority =
                TicketPriority::parse(&old.priority).unwrap_or(TicketPriority::Normal);
            let old_target = settings.sla.target(old_priority).resolution_minutes;
            let credited = match (add(created, old_target.into()), old.resolution_due_at) {
                (Some(plain), Some(due)) => clock.minutes_between(plain.and_utc(), due.and_utc()),
                _ => 0,
            };
            next.first_response_due_at = add(created, target.first_response_minutes.into());
            next.resolution_due_at = add(created, i64::from(target.resolution_minutes) + credited);
        }
        Some(_) => {}
    }
    let was = before.map(|b| b.status.as_str());
    let status = TicketStatus::parse(&next.status).unwrap_or(TicketStatus::New);
    // Leaving `pending` credits the working time spent waiting.
    if let Some(paused) = next.paused_at
        && status != TicketStatus::Pending
    {
        let waited = clock.minutes_between(paused.and_utc(), now.and_utc());
        next.resolution_due_at = next
            .resolution_due_at
            .and_then(|due| add(due.and_utc(), waited));
        next.paused_at = None;
    }
    if status == TicketStatus::Pending && next.paused_at.is_none() {
        next.paused_at = Some(now);
    }
    if was == Some(next.status.as_str()) {
        return;
    }
    match status {
        TicketStatus::Resolved => next.resolved_at = Some(now),
        TicketStatus::Closed => {
            next.closed_at = Some(now);
            next.resolved_at = next.resolved_at.or(Some(now));
        }
        TicketStatus::Open if matches!(was, Some("resolved" | "closed")) => {
            next.resolved_at = None;
            next.closed_at = None;
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        // Beijing time, stored as UTC.
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap() - chrono::Duration::hours(8)
    }

    fn setup() -> (Clock, ServiceSettings) {
        let settings = ServiceSettings::default();
        (settings.calendar.clock().unwrap(), settings)
    }

    #[test]
    fn a_new_high_ticket_is_due_in_business_time() {
        let (clock, settings) = setup();
        let mut t = blank(Uuid::nil());
        t.priority = "high".into();
        // Monday 17:30: first response (60 min) due Tuesday 09:30,
        // resolution (450 min) Tuesday 17:30.
        clocks(
            &clock,
            &settings,
            None,
            &mut t,
            at("2026-12-07 17:30"),
            at("2026-12-07 17:30"),
        );
        assert_eq!(t.first_response_due_at, Some(at("2026-12-08 09:30")));
        assert_eq!(t.resolution_due_at, Some(at("2026-12-08 17:30")));
    }

    #[test]
    fn waiting_for_the_customer_moves_resolution_by_the_working_time_waited() {
        let (clock, settings) = setup();
        let created = at("2026-12-07 09:00");
        let mut t = blank(Uuid::nil());
        clocks(&clock, &settings, None, &mut t, created, created);
        let due = t.resolution_due_at.unwrap();
        let before = t.clone();
        t.status = "pending".into();
        clocks(
            &clock,
            &settings,
            Some(&before),
            &mut t,
            created,
            at("2026-12-07 10:00"),
        );
        assert_eq!(t.paused_at, Some(at("2026-12-07 10:00")));
        let before = t.clone();
        t.status = "open".into();
        // 10:00 → 14:30 the same day is 3 working hours (lunch excluded).
        clocks(
            &clock,
            &settings,
            Some(&before),
            &mut t,
            created,
            at("2026-12-07 14:30"),
        );
        assert_eq!(t.paused_at, None);
        let moved = clock.add_minutes(due.and_utc(), 180).unwrap().naive_utc();
        assert_eq!(t.resolution_due_at, Some(moved));
    }

    #[test]
    fn resolving_closing_and_reopening_stamp_and_clear_the_times() {
        let (clock, settings) = setup();
        let created = at("2026-12-07 09:00");
        let mut t = blank(Uuid::nil());
        clocks(&clock, &settings, None, &mut t, created, created);
        let before = t.clone();
        t.status = "closed".into();
        clocks(
            &clock,
            &settings,
            Some(&before),
            &mut t,
            created,
            at("2026-12-07 11:00"),
        );
        assert_eq!(t.resolved_at, Some(at("2026-12-07 11:00")));
        assert_eq!(t.closed_at, Some(at("2026-12-07 11:00")));
        let before = t.clone();
        t.status = "open".into();
        clocks(
            &clock,
            &settings,
            Some(&before),
            &mut t,
            created,
            at("2026-12-07 11:30"),
        );
        assert_eq!((t.resolved_at, t.closed_at), (None, None));
    }

    #[test]
    fn raising_the_priority_shortens_the_targets() {
        let (clock, settings) = setup();
        let created = at("2026-12-07 09:00");
        let mut t = blank(Uuid::nil());
        clocks(&clock, &settings, None, &mut t, created, created);
        let before = t.clone();
        t.priority = "urgent".into();
        clocks(
            &clock,
            &settings,
            Some(&before),
            &mut t,
            created,
            at("2026-12-07 09:10"),
        );
        assert_eq!(t.first_response_due_at, Some(at("2026-12-07 09:30")));
        assert_eq!(t.resolution_due_at, Some(at("2026-12-07 14:30")));
    }
}
