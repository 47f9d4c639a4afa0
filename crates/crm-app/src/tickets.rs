//! Service tickets (工单): create, read, list by queue, update (status
//! moves, reassignment, priority) and replies / internal notes, with the
//! SLA clocks kept by [`rules::clocks`] on the workspace's business
//! calendar ([`settings`]). Every write is in the change log as entity
//! `ticket`. Visibility: `Visibility::tickets` (assigned to the caller, or
//! of a customer the caller's scope covers).

pub mod assignment;
pub mod attachments;
pub mod batch;
pub mod export;
pub mod rules;
pub mod settings;
pub mod sla_alerts;
pub mod surveys;
mod views;

use views::{reply_view, view_one};
pub use views::{view, views};

use chrono::{DateTime, Duration, Utc};
use crm_api_types::tickets::{NewReply, NewTicket, Reply, Ticket, TicketPatch, TicketQuery};
use crm_db::AnyConnection;
use crm_db::change_log::{Op, changed_fields, field_names, lock_workspace, transaction};
use crm_db::paging::Keyset;
use crm_db::tickets::replies::ReplyRow;
use crm_db::tickets::{TicketFields, TicketFilter, TicketRow, TicketSort};
use crm_db::types::Id;
use crm_db::visibility::Visibility;
use crm_domain::access::{Action, ObjectType};
use crm_domain::service::calendar::Clock;
use crm_domain::service::{ServiceSettings, TicketQueue, TicketStatus};
use uuid::Uuid;

use crate::{Actor, AppError, Expected};

pub const ENTITY: &str = crm_db::change_log::TICKET;

/// A ticket's fields with its tag ids, as the change log records them.
#[derive(serde::Serialize)]
struct Logged<'a> {
    #[serde(flatten)]
    fields: &'a TicketFields,
    #[serde(skip_serializing_if = "Option::is_none")]
    tags: Option<&'a [Uuid]>,
}

/// The settings and their clock (a stored calendar is always valid).
fn desk(conn: &mut AnyConnection, ws: Uuid) -> Result<(ServiceSettings, Clock), AppError> {
    let (settings, _) = settings::load(conn, ws)?;
    let clock = settings
        .calendar
        .clock()
        .ok_or_else(|| AppError::internal("the stored business calendar is not valid"))?;
    Ok((settings, clock))
}

/// The list filter a query names, for the actor, at `now`.
pub fn filter(q: &TicketQuery, actor: &Actor, now: DateTime<Utc>) -> TicketFilter {
    let active = || vec!["new".to_owned(), "open".to_owned(), "pending".to_owned()];
    let mut f = TicketFilter {
        q: q.q
            .as_deref()
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty()),
        statuses: q
            .status
            .map(|s| vec![s.as_str().to_owned()])
            .unwrap_or_default(),
        priority: q.priority.map(|v| v.as_str().to_owned()),
        ticket_type: q.ticket_type.clone(),
        channel: q.channel.map(|v| v.as_str().to_owned()),
        customer_id: q.customer_id,
        assignee_id: q.assignee_id,
        team_id: q.team_id,
        tag_id: q.tag_id,
        ..TicketFilter::default()
    };
    match q.queue {
        None => {}
        Some(TicketQueue::Mine) => {
            f.assignee_id = Some(actor.user_id());
            f.statuses = active();
        }
        Some(TicketQueue::Unassigned) => {
            f.unassigned = true;
            f.statuses = active();
        }
        Some(TicketQueue::Active) => f.statuses = active(),
        Some(TicketQueue::AtRisk) => f.due_before = Some((now + Duration::hours(2)).naive_utc()),
    }
    f
}

/// Creates a ticket inside the caller's transaction (the workspace is
/// locked: numbers are handed out in order).
pub fn create_in(
    conn: &mut AnyConnection,
    actor: &Actor,
    b: NewTicket,
) -> Result<Ticket, AppError> {
    let scope = actor.require(ObjectType::Tickets, Action::Create)?;
    let (customer, patch) = rules::as_patch(b)?;
    let (customer_id, field) = match customer {
        rules::CustomerRef::Id(id) => (Some(id), "customer_id"),
        rules::CustomerRef::Key(key) => (
            crm_db::customers::id_by_external_id(conn, actor.workspace_id, &key)?,
            "customer_external_id",
        ),
    };
    let customers = actor.visibility_or_none(conn, ObjectType::Customers, Action::Read)?;
    let found = match customer_id {
        Some(id) => crm_db::customers::find(conn, &customers, id).map(|_| id),
        None => Err(crm_db::DbError::NotFound),
    };
    let customer_id = match found {
        Ok(id) => id,
        Err(crm_db::DbError::NotFound) => {
            return Err(AppError::validation(field, "is not a customer you can see"));
        }
        Err(e) => return Err(e.into()),
    };
    let (settings, clock) = desk(conn, actor.workspace_id)?;
    let (mut fields, tags) = rules::resolve(
        conn,
        actor,
        &settings,
        rules::blank(customer_id),
        patch,
        scope,
    )?;
    let tags = tags.unwrap_or_default();
    let now = crm_db::time::now();
    rules::clocks(&clock, &settings, None, &mut fields, now, now);
    check_external_id(conn, actor, fields.external_id.as_deref(), None)?;
    let routed = assignment::route(conn, actor.workspace_id, &settings, &mut fields)?;
    let mut changed = field_names(&fields);
    changed.push("tags".into());
    let logged = Logged {
        fields: &fields,
        tags: Some(&tags),
    };
    let values = crm_db::change_log::values(&changed, None, Some(&logged));
    let row =
        crm_db::tickets::insert(conn, actor.workspace_id, Some(actor.user_id()), now, fields)?;
    crm_db::tickets::tags::set(conn, actor.workspace_id, row.id.0, &tags)?;
    actor.record_change(conn, ENTITY, row.id.0, Op::Create, changed, values)?;
    sla_alerts::arm(conn, actor.workspace_id)?;
    let row = match routed {
        Some(team) if assignment::fill_queue(conn, actor, &settings, team, now)? > 0 => {
            reread(conn, actor, row.id.0)?
        }
        _ => row,
    };
    view_one(conn, actor.workspace_id, row, now.and_utc())
}

/// A ticket the actor just wrote, read again after the queue moved
/// (whatever the actor's read scope: they wrote it in this transaction).
fn reread(conn: &mut AnyConnection, actor: &Actor, id: Uuid) -> Result<TicketRow, AppError> {
    let vis = Visibility {
        workspace_id: actor.workspace_id,
        scope: crm_domain::access::Scope::All,
        principal: actor.principal(conn, crm_domain::access::Scope::All)?,
    };
    Ok(crm_db::tickets::find(conn, &vis, id)?)
}

/// Creates a ticket (see [`create_in`]).
pub fn create(conn: &mut AnyConnection, actor: &Actor, b: NewTicket) -> Result<Ticket, AppError> {
    transaction(conn, |conn| {
        lock_workspace(conn, actor.workspace_id)?;
        create_in(conn, actor, b)
    })
}

fn check_external_id(
    conn: &mut AnyConnection,
    actor: &Actor,
    external_id: Option<&str>,
    except: Option<Uuid>,
) -> Result<(), AppError> {
    if let Some(ext) = external_id
        && crm_db::tickets::external_id_taken(conn, actor.workspace_id, ext, except)?
    {
        return Err(AppError::Conflict {
            field: "external_id".into(),
            detail: "is already taken".into(),
        });
    }
    Ok(())
}

/// A visible ticket the actor may also update (`Forbidden` when they may
/// only read it).
fn find_for_update(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
) -> Result<TicketRow, AppError> {
    let read = actor.visibility(conn, ObjectType::Tickets, Action::Read)?;
    let row = crm_db::tickets::find(conn, &read, id)?;
    let update = actor.visibility_or_none(conn, ObjectType::Tickets, Action::Update)?;
    match crm_db::tickets::find(conn, &update, id) {
        Ok(row) => Ok(row),
        Err(crm_db::DbError::NotFound) if row.id.0 == id => Err(AppError::Forbidden(
            "your role may not update this ticket".into(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// `Ok` when the actor may update the ticket: `NotFound` outside their
/// read scope, `Forbidden` when they may only read it.
pub fn require_update(conn: &mut AnyConnection, actor: &Actor, id: Uuid) -> Result<(), AppError> {
    find_for_update(conn, actor, id).map(|_| ())
}

/// A visible ticket.
pub fn get(conn: &mut AnyConnection, actor: &Actor, id: Uuid) -> Result<Ticket, AppError> {
    Ok(get_confirming(conn, actor, id)?.0)
}

/// [`get`] with the workspace's access counter as the ticket's own
/// statement read it, for [`crate::auth::read_as`].
pub fn get_confirming(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
) -> Result<(Ticket, Option<i64>), AppError> {
    let vis = actor.visibility(conn, ObjectType::Tickets, Action::Read)?;
    let (row, access) = crm_db::tickets::find_confirming(conn, &vis, id)?;
    Ok((
        view_one(conn, actor.workspace_id, row, Utc::now())?,
        Some(access),
    ))
}

/// One page of visible tickets (one row more than the limit, when there is more).
pub fn list(
    conn: &mut AnyConnection,
    actor: &Actor,
    filter: &TicketFilter,
    keyset: &Keyset<TicketSort>,
    now: DateTime<Utc>,
) -> Result<Vec<Ticket>, AppError> {
    let vis = actor.visibility(conn, ObjectType::Tickets, Action::Read)?;
    let rows = crm_db::tickets::list(conn, &vis, filter, keyset)?;
    views(conn, actor.workspace_id, rows, now)
}

/// Merge-patches a ticket the actor may update: status moves, priority
/// (the SLA targets follow), type, reassignment, tags, custom fields.
pub fn update(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    expected: Expected,
    patch: TicketPatch,
) -> Result<Ticket, AppError> {
    transaction(conn, |conn| {
        lock_workspace(conn, actor.workspace_id)?;
        update_in(conn, actor, id, expected, patch)
    })
}

/// [`update`] inside the caller's transaction, the workspace locked.
fn update_in(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    expected: Expected,
    patch: TicketPatch,
) -> Result<Ticket, AppError> {
    let current = find_for_update(conn, actor, id)?;
    let version = expected.check(current.version)?;
    let scope = actor.require(ObjectType::Tickets, Action::Update)?;
    let (settings, clock) = desk(conn, actor.workspace_id)?;
    let (mut fields, tags) =
        rules::resolve(conn, actor, &settings, current.fields.clone(), patch, scope)?;
    let now = crm_db::time::now();
    rules::clocks(
        &clock,
        &settings,
        Some(&current.fields),
        &mut fields,
        current.created_at,
        now,
    );
    check_external_id(conn, actor, fields.external_id.as_deref(), Some(id))?;
    let mut changed = changed_fields(&current.fields, &fields);
    let ws = actor.workspace_id;
    let before: Vec<Uuid> = crm_db::tickets::tags::of_tickets(conn, ws, &[id])?
        .remove(&id)
        .unwrap_or_default()
        .into_iter()
        .map(|t| t.id.0)
        .collect();
    let tags = tags.filter(|after| {
        let mut sorted = before.clone();
        sorted.sort();
        *after != sorted
    });
    if tags.is_some() {
        changed.push("tags".into());
    }
    if changed.is_empty() {
        return view_one(conn, ws, current, now.and_utc());
    }
    let row = crm_db::tickets::update(conn, &current, version, Some(actor.user_id()), fields)?;
    if let Some(tags) = &tags {
        crm_db::tickets::tags::set(conn, ws, id, tags)?;
    }
    // A new priority, a reopen or a resume moves the clocks.
    sla_alerts::arm(conn, ws)?;
    let logged = |fields, tags| Logged { fields, tags };
    let values = crm_db::change_log::values(
        &changed,
        Some(&logged(
            &current.fields,
            tags.as_ref().map(|_| before.as_slice()),
        )),
        Some(&logged(&row.fields, tags.as_deref())),
    );
    actor.record_change(conn, ENTITY, id, Op::Update, changed, values)?;
    if let Some(team) = assignment::freed_team(&current.fields, &row.fields)
        && assignment::fill_queue(conn, actor, &settings, team, now)? > 0
    {
        let row = reread(conn, actor, id)?;
        return view_one(conn, ws, row, now.and_utc());
    }
    view_one(conn, ws, row, now.and_utc())
}

/// Creates or updates the ticket with this external id (a call centre's
/// key for it): a merge patch ([`TicketPatch`]) of a ticket the actor may
/// update, else a [`NewTicket`] body. `true` when it was created.
pub fn upsert(
    conn: &mut AnyConnection,
    actor: &Actor,
    key: String,
    expected: Expected,
    body: serde_json::Value,
) -> Result<(Ticket, bool), AppError> {
    transaction(conn, |conn| {
        lock_workspace(conn, actor.workspace_id)?;
        match crm_db::tickets::id_by_external_id(conn, actor.workspace_id, &key)? {
            Some(id) => {
                // A ticket the actor may not see is not found, before its body is read.
                find_for_update(conn, actor, id)?;
                let patch: TicketPatch = crate::input::parse_value(body)?;
                crate::upsert::same_key(&patch.external_id, &key)?;
                Ok((update_in(conn, actor, id, expected, patch)?, false))
            }
            None => {
                let mut new: NewTicket = crate::input::parse_value(body)?;
                crate::upsert::same_key(&Some(new.external_id.clone()), &key)?;
                new.external_id = Some(key);
                Ok((create_in(conn, actor, new)?, true))
            }
        }
    })
}

/// The visible ticket with this external id.
pub fn get_by_external_id(
    conn: &mut AnyConnection,
    actor: &Actor,
    key: &str,
) -> Result<(Ticket, Option<i64>), AppError> {
    let id = crm_db::tickets::id_by_external_id(conn, actor.workspace_id, key)?
        .ok_or(AppError::NotFound)?;
    get_confirming(conn, actor, id)
}

/// Adds a reply or an internal note, with files uploaded to the ticket and
/// not yet sent (each else refused, naming `attachment_ids[i]`). The first
/// public reply meets the first-response target and opens a `new` ticket.
pub fn reply(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    b: NewReply,
) -> Result<(Reply, Ticket), AppError> {
    let body = crm_domain::validation::multiline_text(b.body.trim(), 1, 5_000)
        .map_err(|m| AppError::validation("body", m))?;
    transaction(conn, |conn| {
        lock_workspace(conn, actor.workspace_id)?;
        let current = find_for_update(conn, actor, id)?;
        let files = crm_db::tickets::attachments::list(conn, actor.workspace_id, id)?;
        let mut errors = crm_domain::FieldErrors::new();
        for (i, file) in b.attachment_ids.iter().enumerate() {
            let unsent = files
                .iter()
                .any(|f| f.id.0 == *file && f.reply_id.is_none());
            if !unsent || b.attachment_ids[..i].contains(file) {
                errors.add(
                    format!("attachment_ids[{i}]"),
                    "no such attachment on this ticket waiting to be sent",
                );
            }
        }
        errors.into_result().map_err(AppError::Validation)?;
        let now = crm_db::time::now();
        let row = ReplyRow {
            workspace_id: Id(actor.workspace_id),
            id: Id::new(),
            ticket_id: current.id,
            internal: b.internal,
            body,
            author_id: Some(Id(actor.user_id())),
            created_at: now,
        };
        crm_db::tickets::replies::insert(conn, &row)?;
        crm_db::tickets::attachments::link_to_reply(
            conn,
            actor.workspace_id,
            id,
            row.id.0,
            &b.attachment_ids,
        )?;
        let files: Vec<_> = files
            .into_iter()
            .filter(|f| b.attachment_ids.contains(&f.id.0))
            .map(|mut f| {
                f.reply_id = Some(row.id);
                f
            })
            .collect();
        let mut fields = current.fields.clone();
        if !b.internal {
            fields.first_responded_at = fields.first_responded_at.or(Some(now));
            if fields.status == TicketStatus::New.as_str() {
                fields.status = TicketStatus::Open.as_str().into();
            }
        }
        let changed = changed_fields(&current.fields, &fields);
        let ticket = if changed.is_empty() {
            current
        } else {
            let updated = crm_db::tickets::update(
                conn,
                &current,
                current.version,
                Some(actor.user_id()),
                fields,
            )?;
            let values =
                crm_db::change_log::values(&changed, Some(&current.fields), Some(&updated.fields));
            actor.record_change(conn, ENTITY, id, Op::Update, changed, values)?;
            updated
        };
        let ticket = view_one(conn, actor.workspace_id, ticket, now.and_utc())?;
        Ok((reply_view(row, &files), ticket))
    })
}

/// A visible ticket's replies and notes, oldest first.
pub fn replies(conn: &mut AnyConnection, actor: &Actor, id: Uuid) -> Result<Vec<Reply>, AppError> {
    let vis = actor.visibility(conn, ObjectType::Tickets, Action::Read)?;
    let ticket = crm_db::tickets::find(conn, &vis, id)?;
    let rows = crm_db::tickets::replies::list(conn, actor.workspace_id, ticket.id.0)?;
    let files = crm_db::tickets::attachments::list(conn, actor.workspace_id, ticket.id.0)?;
    Ok(rows.into_iter().map(|r| reply_view(r, &files)).collect())
}
