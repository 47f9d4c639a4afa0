//! Activities: calls, visits, meetings, e-mails, notes and tasks on
//! customers, contacts, leads and deals, with their outcome and next step,
//! visible by their assignee and team; an assignee's open ones that are due
//! ([`reminders`]); and a
//! customer's timeline ([`timeline`]), which merges its activities, deal
//! stage changes, orders and record changes, newest first. The export
//! table is [`export`].

pub mod export;
pub mod timeline;

use chrono::{DateTime, Utc};
use crm_api_types::activities::{
    Activity, ActivityPatch, ActivityQuery, NewActivity, ReminderQuery, Reminders,
};
use crm_api_types::patch::apply;
use crm_db::AnyConnection;
use crm_db::activities::{ActivityFields, ActivityFilter, ActivityRow, ActivitySort};
use crm_db::change_log::{Op, changed_fields, field_names, lock_workspace, transaction};
use crm_db::paging::Keyset;
use crm_db::types::Id;
use crm_domain::FieldErrors;
use crm_domain::access::{Action, ObjectType, Scope};
use crm_domain::sales::{ActivityKind, Priority};
use crm_domain::validation::{bounded_text, multiline_text};
use uuid::Uuid;

use crate::{Actor, AppError, Expected};

pub const ENTITY: &str = crm_db::change_log::ACTIVITY;

pub fn view(row: ActivityRow) -> Activity {
    let f = row.fields;
    Activity {
        id: row.id.0,
        kind: ActivityKind::parse(&f.kind).unwrap_or(ActivityKind::Note),
        subject: f.subject,
        body: f.body,
        customer_id: f.customer_id.map(Uuid::from),
        contact_id: f.contact_id.map(Uuid::from),
        lead_id: f.lead_id.map(Uuid::from),
        deal_id: f.deal_id.map(Uuid::from),
        occurred_at: f.occurred_at.and_utc(),
        due_at: f.due_at.map(|at| at.and_utc()),
        done: f.done,
        done_at: f.done_at.map(|at| at.and_utc()),
        remind_at: f.remind_at.map(|at| at.and_utc()),
        priority: Priority::parse(&f.priority).unwrap_or(Priority::Normal),
        location: f.location,
        outcome: f.outcome,
        next_step: f.next_step,
        owner_id: f.owner_id.map(Uuid::from),
        team_id: f.team_id.map(Uuid::from),
        version: row.version,
        created_by: row.created_by.map(Uuid::from),
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    }
}

/// The list filter a query names.
pub fn filter(q: &ActivityQuery) -> ActivityFilter {
    ActivityFilter {
        kind: q.kind.map(|k| k.as_str().to_owned()),
        customer_id: q.customer_id,
        contact_id: q.contact_id,
        lead_id: q.lead_id,
        deal_id: q.deal_id,
        owner_id: q.owner_id,
        done: q.done,
        due_before: q.due_before.map(|at| at.naive_utc()),
        due_after: q.due_after.map(|at| at.naive_utc()),
        has_due: q.has_due,
    }
}

/// The free texts of a follow-up: where, what came of it, what next.
struct Notes {
    location: Option<String>,
    outcome: Option<String>,
    next_step: Option<String>,
}

impl Notes {
    /// Trims each text (empty is none) and checks its length.
    fn check(
        errors: &mut FieldErrors,
        location: Option<String>,
        outcome: Option<String>,
        next_step: Option<String>,
    ) -> Notes {
        let some = |v: Option<String>| v.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        Notes {
            location: some(location)
                .and_then(|v| errors.take("location", bounded_text(&v, 1, 200))),
            outcome: some(outcome)
                .and_then(|v| errors.take("outcome", multiline_text(&v, 1, 2000))),
            next_step: some(next_step)
                .and_then(|v| errors.take("next_step", multiline_text(&v, 1, 2000))),
        }
    }
}

fn not_visible(field: &str) -> AppError {
    AppError::validation(field, "no such record, or not visible to you")
}

/// The owner (active user of the workspace) and their team.
fn owner(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
) -> Result<(Option<Id>, Option<Id>), AppError> {
    match crm_db::users::find(conn, actor.workspace_id, id) {
        Ok(u) if u.active => Ok((Some(Id(id)), u.team_id)),
        Ok(_) => Err(AppError::validation("owner_id", "is a deactivated user")),
        Err(crm_db::DbError::NotFound) => Err(AppError::validation(
            "owner_id",
            "is not a user of this workspace",
        )),
        Err(e) => Err(e.into()),
    }
}

fn check_scope(
    conn: &mut AnyConnection,
    actor: &Actor,
    scope: Scope,
    owner: Option<Id>,
    team: Option<Id>,
    what: &str,
) -> Result<(), AppError> {
    actor.require_covers(
        conn,
        scope,
        owner.map(Uuid::from),
        team.map(Uuid::from),
        what,
    )?;
    Ok(())
}

/// Logs an activity inside the caller's transaction (the workspace lock
/// taken). Links must be visible; a contact or deal implies its customer.
pub fn create_in(
    conn: &mut AnyConnection,
    actor: &Actor,
    b: NewActivity,
) -> Result<Activity, AppError> {
    let scope = actor.require(ObjectType::Activities, Action::Create)?;
    let mut errors = FieldErrors::new();
    let subject = errors.take("subject", bounded_text(b.subject.trim(), 1, 200));
    let body = b
        .body
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty());
    let body = body.and_then(|v| errors.take("body", multiline_text(&v, 1, 5000)));
    let notes = Notes::check(&mut errors, b.location, b.outcome, b.next_step);
    errors.into_result().map_err(AppError::Validation)?;
    // Links: each must be visible; a contact or deal implies its customer.
    let mut customer_id = b.customer_id;
    if let Some(id) = b.contact_id {
        let vis = actor.visibility_or_none(conn, ObjectType::Contacts, Action::Read)?;
        let contact =
            crm_db::contacts::find(conn, &vis, id).map_err(|_| not_visible("contact_id"))?;
        let of = contact.fields.customer_id.0;
        if customer_id.is_some_and(|c| c != of) {
            return Err(AppError::validation(
                "contact_id",
                "belongs to another customer",
            ));
        }
        customer_id = Some(of);
    }
    if let Some(id) = b.deal_id {
        let vis = actor.visibility_or_none(conn, ObjectType::Deals, Action::Read)?;
        let deal = crm_db::deals::find(conn, &vis, id).map_err(|_| not_visible("deal_id"))?;
        let of = deal.fields.customer_id.0;
        if customer_id.is_some_and(|c| c != of) {
            return Err(AppError::validation(
                "deal_id",
                "belongs to another customer",
            ));
        }
        customer_id = Some(of);
    }
    if let Some(id) = b.lead_id {
        let vis = actor.visibility_or_none(conn, ObjectType::Leads, Action::Read)?;
        crm_db::leads::find(conn, &vis, id).map_err(|_| not_visible("lead_id"))?;
    }
    if let Some(id) = customer_id {
        let vis = actor.visibility_or_none(conn, ObjectType::Customers, Action::Read)?;
        crm_db::customers::find(conn, &vis, id).map_err(|_| not_visible("customer_id"))?;
    }
    if customer_id.is_none() && b.lead_id.is_none() {
        return Err(AppError::validation(
            "customer_id",
            "link the activity to a customer, contact, lead or deal",
        ));
    }
    check_times(b.occurred_at, b.due_at, b.remind_at)?;
    let (owner_id, team_id) = owner(conn, actor, b.owner_id.unwrap_or(actor.user_id()))?;
    check_scope(
        conn,
        actor,
        scope,
        owner_id,
        team_id,
        "assign activities to that owner or team",
    )?;
    let now = crm_db::time::now();
    let occurred_at = b.occurred_at.map(|at| at.naive_utc()).unwrap_or(now);
    let done = b.done.unwrap_or(b.kind != ActivityKind::Task);
    let fields = ActivityFields {
        kind: b.kind.as_str().to_owned(),
        subject: subject.unwrap_or_default(),
        body,
        customer_id: customer_id.map(Id),
        contact_id: b.contact_id.map(Id),
        lead_id: b.lead_id.map(Id),
        deal_id: b.deal_id.map(Id),
        occurred_at,
        due_at: b.due_at.map(|at| at.naive_utc()),
        done,
        done_at: done.then_some(now),
        owner_id,
        team_id,
        remind_at: b.remind_at.map(|at| at.naive_utc()),
        priority: b.priority.unwrap_or(Priority::Normal).as_str().to_owned(),
        location: notes.location,
        outcome: notes.outcome,
        next_step: notes.next_step,
    };
    let changed = field_names(&fields);
    let values = crm_db::change_log::values(&changed, None, Some(&fields));
    let row = crm_db::activities::insert(conn, actor.workspace_id, Some(actor.user_id()), fields)?;
    actor.record_change(conn, ENTITY, row.id.0, Op::Create, changed, values)?;
    Ok(view(row))
}

fn find_for(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    action: Action,
) -> Result<(ActivityRow, Scope), AppError> {
    let read = actor.visibility(conn, ObjectType::Activities, Action::Read)?;
    let current = crm_db::activities::find(conn, &read, id)?;
    let scope = actor.require(ObjectType::Activities, action)?;
    check_scope(
        conn,
        actor,
        scope,
        current.fields.owner_id,
        current.fields.team_id,
        &format!("{action} this activity"),
    )?;
    Ok((current, scope))
}

/// Logs an activity or creates a task (see [`create_in`]).
pub fn create(
    conn: &mut AnyConnection,
    actor: &Actor,
    b: NewActivity,
) -> Result<Activity, AppError> {
    transaction(conn, |conn| {
        lock_workspace(conn, actor.workspace_id)?;
        create_in(conn, actor, b)
    })
}

/// A visible activity.
///
/// With the workspace's access counter as the record's own statement read
/// it, for [`crate::auth::read_as`].
pub fn get(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
) -> Result<(Activity, Option<i64>), AppError> {
    let vis = actor.visibility(conn, ObjectType::Activities, Action::Read)?;
    let (row, access) = crm_db::activities::find_confirming(conn, &vis, id)?;
    Ok((view(row), Some(access)))
}

/// One page of visible activities, most recent first (one row more than
/// the limit, when there is more), and the access counter its statement
/// saw, for [`crate::auth::read_as`].
pub fn list(
    conn: &mut AnyConnection,
    actor: &Actor,
    filter: &ActivityFilter,
    keyset: &Keyset<ActivitySort>,
) -> Result<(Vec<ActivityRow>, Option<i64>), AppError> {
    let vis = actor.visibility(conn, ObjectType::Activities, Action::Read)?;
    Ok(crm_db::activities::list(conn, &vis, filter, keyset)?)
}

/// Merge-patches a visible activity; `done: true` completes a task.
pub fn update(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    expected: Expected,
    p: ActivityPatch,
) -> Result<Activity, AppError> {
    transaction(conn, |conn| {
        lock_workspace(conn, actor.workspace_id)?;
        let (current, scope) = find_for(conn, actor, id, Action::Update)?;
        let version = expected.check(current.version)?;
        let mut f = current.fields.clone();
        let mut errors = FieldErrors::new();
        if let Some(s) = p.subject {
            f.subject = errors
                .take("subject", bounded_text(s.trim(), 1, 200))
                .unwrap_or_default();
        }
        f.body = apply(f.body, p.body)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .and_then(|v| errors.take("body", multiline_text(&v, 1, 5000)));
        let notes = Notes::check(
            &mut errors,
            apply(f.location.clone(), p.location),
            apply(f.outcome.clone(), p.outcome),
            apply(f.next_step.clone(), p.next_step),
        );
        (f.location, f.outcome, f.next_step) = (notes.location, notes.outcome, notes.next_step);
        errors.into_result().map_err(AppError::Validation)?;
        check_times(p.occurred_at, p.due_at.flatten(), p.remind_at.flatten())?;
        f.remind_at = apply(f.remind_at, p.remind_at.map(|d| d.map(|at| at.naive_utc())));
        if let Some(priority) = p.priority {
            f.priority = priority.as_str().to_owned();
        }
        if let Some(t) = p.occurred_at {
            f.occurred_at = t.naive_utc();
        }
        f.due_at = apply(f.due_at, p.due_at.map(|d| d.map(|at| at.naive_utc())));
        if let Some(done) = p.done
            && done != f.done
        {
            f.done = done;
            f.done_at = done.then(crm_db::time::now);
        }
        if let Some(o) = p.owner_id {
            (f.owner_id, f.team_id) = owner(conn, actor, o)?;
            check_scope(
                conn,
                actor,
                scope,
                f.owner_id,
                f.team_id,
                "assign activities to that owner or team",
            )?;
        }
        let changed = changed_fields(&current.fields, &f);
        if changed.is_empty() {
            return Ok(view(current));
        }
        let row = crm_db::activities::update(conn, &current, version, Some(actor.user_id()), f)?;
        let values = crm_db::change_log::values(&changed, Some(&current.fields), Some(&row.fields));
        actor.record_change(conn, ENTITY, id, Op::Update, changed, values)?;
        Ok(view(row))
    })
}

/// Soft-deletes a visible activity the actor may delete; the change log
/// keeps what it held.
pub fn delete(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    expected: Expected,
) -> Result<(), AppError> {
    transaction(conn, |conn| {
        lock_workspace(conn, actor.workspace_id)?;
        let (current, _) = find_for(conn, actor, id, Action::Delete)?;
        let version = expected.check(current.version)?;
        crm_db::activities::soft_delete(conn, &current, version, Some(actor.user_id()))?;
        let values =
            crm_db::change_log::values(&field_names(&current.fields), Some(&current.fields), None);
        actor.record_change(conn, ENTITY, id, Op::Delete, vec![], values)
    })
}

/// `Validation` when a time given lies outside the years a business date may fall in.
fn check_times(
    occurred_at: Option<DateTime<Utc>>,
    due_at: Option<DateTime<Utc>>,
    remind_at: Option<DateTime<Utc>>,
) -> Result<(), AppError> {
    let mut errors = FieldErrors::new();
    let times = [
        ("occurred_at", occurred_at),
        ("due_at", due_at),
        ("remind_at", remind_at),
    ];
    for (field, at) in times {
        if let Some(at) = at {
            errors.take(field, crm_domain::validation::sane_time(at));
        }
    }
    errors.into_result().map_err(AppError::Validation)
}

/// The actor's own open activities that are due before `until` (default
/// now) or whose reminder time has come: the top bar's count and list.
pub fn reminders(
    conn: &mut AnyConnection,
    actor: &Actor,
    q: &ReminderQuery,
) -> Result<Reminders, AppError> {
    if let Some(at) = q.until {
        crm_domain::validation::sane_time(at).map_err(|m| crate::error::bad_param("until", &m))?;
    }
    let vis = actor.visibility(conn, ObjectType::Activities, Action::Read)?;
    let now = crm_db::time::now();
    let until = q.until.map_or(now, |at| at.naive_utc()).max(now);
    let (overdue, due, rows) =
        crm_db::activities::reminders(conn, &vis, actor.user_id(), now, until, 20)?;
    Ok(Reminders {
        overdue,
        due,
        items: rows.into_iter().map(view).collect(),
    })
}
