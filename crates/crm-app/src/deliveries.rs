//! Scheduled deliveries (定时发送) of saved reports and dashboards. Anyone
//! signed in may schedule a report or dashboard they see, for themselves
//! and for whoever else it is shared with. Only who saved a delivery (or an
//! administrator) sees, changes or deletes it. Every recipient's mail is
//! run as that recipient, so each gets only the rows their role reads —
//! the mail never carries what its recipient could not open in the app.
//!
//! Saving a delivery queues a `delivery.run` job at its next time; that
//! job queues one `delivery.send` job per recipient and the next run, in
//! one transaction ([`job`]).

use std::collections::BTreeSet;

use crm_api_types::deliveries::{Delivery, DeliveryPatch, DeliverySent, NewDelivery};
use crm_db::AnyConnection;
use crm_db::deliveries::{DeliveryFields, DeliveryRow};
use crm_db::types::Json;
use crm_domain::FieldErrors;
use crm_domain::deliveries::{DeliveryFormat, Schedule};
use crm_domain::sharing::Audience;
use crm_domain::validation::bounded_text;
use uuid::Uuid;

use crate::views::utc;
use crate::{Actor, AppError, Expected};

pub mod job;
mod mail;

/// The most recipients of one delivery.
pub const MAX_RECIPIENTS: usize = 50;

pub(crate) fn schedule_of(row: &DeliveryRow) -> Result<Schedule, AppError> {
    serde_json::from_value(row.schedule.0.clone()).map_err(|e| {
        AppError::Internal(format!(
            "delivery {} has an unreadable schedule: {e}",
            row.id.0
        ))
    })
}

pub(crate) fn recipients_of(row: &DeliveryRow) -> Vec<Uuid> {
    serde_json::from_value(row.recipients.0.clone()).unwrap_or_default()
}

pub(crate) fn format_of(row: &DeliveryRow) -> DeliveryFormat {
    DeliveryFormat::parse(&row.format).unwrap_or(DeliveryFormat::Xlsx)
}

fn may_edit(actor: &Actor, row: &DeliveryRow) -> bool {
    actor.admin || row.owner_id.is_some_and(|o| o.0 == actor.user_id())
}

fn view(actor: &Actor, row: DeliveryRow) -> Result<Delivery, AppError> {
    Ok(Delivery {
        schedule: schedule_of(&row)?,
        format: format_of(&row),
        recipients: recipients_of(&row),
        editable: may_edit(actor, &row),
        id: row.id.0,
        name: row.name,
        report_id: row.report_id.map(|r| r.0),
        dashboard_id: row.dashboard_id.map(|d| d.0),
        active: row.active,
        next_run_at: row.next_run_at.map(utc),
        last_run_at: row.last_run_at.map(utc),
        owner_id: row.owner_id.map(|o| o.0),
        version: row.version,
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    })
}

/// What a delivery sends: a saved report or a saved dashboard.
#[derive(Debug, Clone, Copy)]
enum Source {
    Report(Uuid),
    Dashboard(Uuid),
}

/// Who saved the source and who else sees it, when the actor sees it
/// (else `errors` names the field and the answer is `None`).
fn source_audience(
    conn: &mut AnyConnection,
    actor: &Actor,
    source: Source,
    errors: &mut FieldErrors,
) -> Result<Option<(Option<Uuid>, Audience)>, AppError> {
    let found = match source {
        Source::Report(id) => crate::reports::find(conn, actor, id)
            .map(|r| (r.owner_id.map(|o| o.0), crate::reports::audience_of(&r))),
        Source::Dashboard(id) => crate::dashboards::find(conn, actor, id)
            .map(|d| (d.owner_id.map(|o| o.0), crate::dashboards::audience_of(&d))),
    };
    match found {
        Ok(found) => Ok(Some(found)),
        Err(AppError::NotFound) => {
            let (field, what) = match source {
                Source::Report(_) => ("report_id", "no such report"),
                Source::Dashboard(_) => ("dashboard_id", "no such dashboard"),
            };
            errors.add(field, what);
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// The next firing after now in the workspace's local time (UTC).
fn next_run(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    schedule: &Schedule,
) -> Result<chrono::NaiveDateTime, AppError> {
    let at = crm_db::time::now();
    let (settings, _) = crate::tickets::settings::load(conn, workspace_id)?;
    let offset = settings.calendar.utc_offset_minutes(at);
    Ok(schedule.next_after_utc(at, offset))
}

struct Draft<'a> {
    name: &'a str,
    source: Option<Source>,
    schedule: Schedule,
    format: DeliveryFormat,
    recipients: &'a [Uuid],
    active: bool,
}

/// Checks a delivery as the actor would save it.
fn fields_of(
    conn: &mut AnyConnection,
    actor: &Actor,
    draft: Draft<'_>,
) -> Result<DeliveryFields, AppError> {
    let mut errors = FieldErrors::new();
    let name = errors.take("name", bounded_text(draft.name, 1, 100));
    let schedule = match draft.schedule.checked("schedule") {
        Ok(s) => Some(s),
        Err(bad) => {
            errors.merge(bad);
            None
        }
    };
    let source = match draft.source {
        Some(source) => source_audience(conn, actor, source, &mut errors)?,
        None => {
            errors.add(
                "report_id",
                "give report_id or dashboard_id, exactly one of them",
            );
            None
        }
    };
    let mut recipients = Vec::new();
    if draft.recipients.is_empty() || draft.recipients.len() > MAX_RECIPIENTS {
        errors.add("recipients", "must list 1 to 50 users");
    }
    let mut seen = BTreeSet::new();
    for (i, id) in draft.recipients.iter().enumerate() {
        if !seen.insert(*id) {
            continue;
        }
        match crm_db::users::find(conn, actor.workspace_id, *id) {
            Ok(user) if user.active => {
                let sees = match &source {
                    Some((owner, audience)) => {
                        crate::sharing::admits(conn, actor.workspace_id, *id, *owner, audience)?
                    }
                    None => true,
                };
                if sees {
                    recipients.push(*id);
                } else {
                    errors.add(
                        format!("recipients[{i}]"),
                        "cannot see this report or dashboard: share it with them first",
                    );
                }
            }
            Ok(_) | Err(crm_db::DbError::NotFound) => {
                errors.add(
                    format!("recipients[{i}]"),
                    "is not an active user of this workspace",
                );
            }
            Err(e) => return Err(e.into()),
        }
    }
    errors.into_result().map_err(AppError::Validation)?;
    let schedule = schedule.ok_or_else(|| AppError::Internal("unchecked schedule".into()))?;
    let next_run_at = if draft.active {
        Some(next_run(conn, actor.workspace_id, &schedule)?)
    } else {
        None
    };
    let (report_id, dashboard_id) = match draft.source {
        Some(Source::Report(id)) => (Some(id), None),
        Some(Source::Dashboard(id)) => (None, Some(id)),
        None => (None, None),
    };
    Ok(DeliveryFields {
        name: name.unwrap_or_default(),
        report_id,
        dashboard_id,
        schedule: Json(serde_json::to_value(schedule).map_err(AppError::internal)?),
        format: draft.format.as_str().to_owned(),
        recipients: Json(serde_json::to_value(recipients).map_err(AppError::internal)?),
        active: draft.active,
        next_run_at,
    })
}

/// The deliveries the actor saved (every one for an administrator), of
/// one report or dashboard when `of` is given.
pub fn list(
    conn: &mut AnyConnection,
    actor: &Actor,
    of: Option<Uuid>,
) -> Result<Vec<Delivery>, AppError> {
    crm_db::deliveries::list(conn, actor.workspace_id, actor.user_id(), actor.admin, of)?
        .into_iter()
        .map(|row| view(actor, row))
        .collect()
}

/// A delivery the actor saved (any, for an administrator), else not found.
fn find(conn: &mut AnyConnection, actor: &Actor, id: Uuid) -> Result<DeliveryRow, AppError> {
    let row = crm_db::deliveries::find(conn, actor.workspace_id, id)?;
    if may_edit(actor, &row) {
        Ok(row)
    } else {
        Err(AppError::NotFound)
    }
}

pub fn get(conn: &mut AnyConnection, actor: &Actor, id: Uuid) -> Result<Delivery, AppError> {
    let row = find(conn, actor, id)?;
    view(actor, row)
}

/// Checks a new delivery before any write.
pub fn check_new(
    conn: &mut AnyConnection,
    actor: &Actor,
    body: &NewDelivery,
) -> Result<DeliveryFields, AppError> {
    let source = match (body.report_id, body.dashboard_id) {
        (Some(id), None) => Some(Source::Report(id)),
        (None, Some(id)) => Some(Source::Dashboard(id)),
        _ => None,
    };
    fields_of(
        conn,
        actor,
        Draft {
            name: &body.name,
            source,
            schedule: body.schedule,
            format: body.format,
            recipients: &body.recipients,
            active: body.active,
        },
    )
}

/// Saves a delivery and queues its first run, together (the caller wakes
/// the workers).
pub fn create(
    conn: &mut AnyConnection,
    actor: &Actor,
    body: NewDelivery,
) -> Result<Delivery, AppError> {
    let fields = check_new(conn, actor, &body)?;
    let (ws, user) = (actor.workspace_id, actor.user_id());
    let row = crm_db::change_log::transaction(conn, |conn| {
        let row = crm_db::deliveries::insert(conn, ws, user, &fields)?;
        job::queue_run(conn, &row)?;
        Ok::<_, AppError>(row)
    })?;
    view(actor, row)
}

pub fn update(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    expected: Expected,
    patch: DeliveryPatch,
) -> Result<Delivery, AppError> {
    let current = find(conn, actor, id)?;
    let version = expected.check(current.version)?;
    let source = match (current.report_id, current.dashboard_id) {
        (Some(id), _) => Source::Report(id.0),
        (None, Some(id)) => Source::Dashboard(id.0),
        (None, None) => return Err(AppError::Internal("a delivery of nothing".into())),
    };
    let recipients = patch.recipients.unwrap_or_else(|| recipients_of(&current));
    let fields = fields_of(
        conn,
        actor,
        Draft {
            name: patch.name.as_deref().unwrap_or(&current.name),
            source: Some(source),
            schedule: match patch.schedule {
                Some(s) => s,
                None => schedule_of(&current)?,
            },
            format: patch.format.unwrap_or_else(|| format_of(&current)),
            recipients: &recipients,
            active: patch.active.unwrap_or(current.active),
        },
    )?;
    let (ws, user) = (actor.workspace_id, actor.user_id());
    let row = crm_db::change_log::transaction(conn, |conn| {
        let row = crm_db::deliveries::update(conn, ws, id, version, user, &fields)?;
        job::queue_run(conn, &row)?;
        Ok::<_, AppError>(row)
    })?;
    view(actor, row)
}

pub fn delete(conn: &mut AnyConnection, actor: &Actor, id: Uuid) -> Result<(), AppError> {
    find(conn, actor, id)?;
    Ok(crm_db::deliveries::delete(conn, actor.workspace_id, id)?)
}

/// Queues one mail per recipient now, whatever the schedule (to try a
/// delivery out); the caller wakes the workers.
pub fn send_now(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
) -> Result<DeliverySent, AppError> {
    let row = find(conn, actor, id)?;
    let queued = crm_db::change_log::transaction(conn, |conn| job::queue_sends(conn, &row, None))?;
    Ok(DeliverySent { queued })
}
