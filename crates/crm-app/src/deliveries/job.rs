//! The delivery jobs. `delivery.run` fires at a delivery's `next_run_at`:
//! in one transaction it moves the delivery on to its next time, queues
//! one `delivery.send` per recipient and the next run. `delivery.send`
//! runs the report or dashboard as its recipient and mails the result —
//! nothing when every table is empty. A send is at-least-once: a worker
//! that dies after the SMTP server took the mail sends it again.

use chrono::NaiveDateTime;
use crm_db::AnyConnection;
use crm_db::deliveries::DeliveryRow;
use crm_db::jobs::NewJob;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{mail, recipients_of, schedule_of};
use crate::jobs::{JobContext, JobError};
use crate::mail::Mailer;
use crate::{Actor, AppError, Via};

pub const RUN_JOB: &str = "delivery.run";
pub const SEND_JOB: &str = "delivery.send";

#[derive(Debug, Serialize, Deserialize)]
struct RunPayload {
    delivery_id: Uuid,
    due: NaiveDateTime,
}

#[derive(Debug, Serialize, Deserialize)]
struct SendPayload {
    delivery_id: Uuid,
    user_id: Uuid,
    /// The scheduled time it belongs to; none for "send now".
    due: Option<NaiveDateTime>,
}

/// Queues the run of an active delivery at its `next_run_at` (once per
/// time: saving again with the same schedule queues nothing new, and a
/// run whose time was changed since finds it moved and does nothing).
pub(crate) fn queue_run(conn: &mut AnyConnection, row: &DeliveryRow) -> Result<(), AppError> {
    let Some(due) = row.next_run_at.filter(|_| row.active) else {
        return Ok(());
    };
    let payload = serde_json::to_value(RunPayload {
        delivery_id: row.id.0,
        due,
    })
    .map_err(AppError::internal)?;
    let mut job = NewJob::new(row.workspace_id.0, RUN_JOB, payload).unique(&format!(
        "{}@{}",
        row.id.0,
        due.and_utc().timestamp()
    ));
    job.run_at = Some(due);
    crm_db::jobs::enqueue(conn, &job)?;
    Ok(())
}

/// Queues one mail per recipient; answers how many.
pub(crate) fn queue_sends(
    conn: &mut AnyConnection,
    row: &DeliveryRow,
    due: Option<NaiveDateTime>,
) -> Result<usize, AppError> {
    let recipients = recipients_of(row);
    for user in &recipients {
        let payload = serde_json::to_value(SendPayload {
            delivery_id: row.id.0,
            user_id: *user,
            due,
        })
        .map_err(AppError::internal)?;
        let mut job = NewJob::new(row.workspace_id.0, SEND_JOB, payload).max_attempts(5);
        if let Some(due) = due {
            job = job.unique(&format!(
                "{}@{}:{user}",
                row.id.0,
                due.and_utc().timestamp()
            ));
        }
        crm_db::jobs::enqueue(conn, &job)?;
    }
    Ok(recipients.len())
}

/// The handler of `delivery.run`.
pub fn run(ctx: &JobContext<'_>) -> Result<(), JobError> {
    let payload: RunPayload = ctx.payload()?;
    let ws = ctx.workspace_id();
    let mut conn = ctx.pool.get().map_err(JobError::retry)?;
    crm_db::change_log::transaction(&mut conn, |conn| {
        if !ctx.holds(conn)? {
            return Err(JobError::retry("the job's lease ran out"));
        }
        let row = match crm_db::deliveries::find(conn, ws, payload.delivery_id) {
            Ok(row) => row,
            Err(crm_db::DbError::NotFound) => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        if !row.active || row.next_run_at != Some(payload.due) {
            return Ok(());
        }
        let schedule = schedule_of(&row)?;
        let now = crm_db::time::now();
        let (settings, _) = crate::tickets::settings::load(conn, ws)?;
        let offset = settings.calendar.utc_offset_minutes(now);
        // After a stop that missed several times, send once and go on
        // from now.
        let next = schedule.next_after_utc(now.max(payload.due), offset);
        if !crm_db::deliveries::advance(conn, ws, row.id.0, payload.due, next)? {
            return Ok(());
        }
        queue_sends(conn, &row, Some(payload.due))?;
        let moved = crm_db::deliveries::find(conn, ws, row.id.0)?;
        queue_run(conn, &moved)?;
        Ok(())
    })
}

/// The handler of `delivery.send`.
pub fn send(ctx: &JobContext<'_>, mailer: &Mailer) -> Result<(), JobError> {
    let payload: SendPayload = ctx.payload()?;
    let ws = ctx.workspace_id();
    let message = {
        let mut conn = ctx.pool.get().map_err(JobError::retry)?;
        let row = match crm_db::deliveries::find(&mut conn, ws, payload.delivery_id) {
            Ok(row) => row,
            Err(crm_db::DbError::NotFound) => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        let still_due = payload.due.is_none() || row.active;
        if !still_due || !recipients_of(&row).contains(&payload.user_id) {
            return Ok(());
        }
        let actor = match Actor::load(&mut conn, ws, payload.user_id, None, Via::Job) {
            Ok(actor) => actor,
            // Deactivated since: nothing goes to them.
            Err(AppError::NotFound) => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        let user = crm_db::users::find(&mut conn, ws, payload.user_id)?;
        let tables = mail::tables(&mut conn, &actor, &row)?;
        if tables.iter().all(|t| t.data.rows.is_empty()) {
            tracing::info!(delivery = %row.id.0, user = %user.id.0, "delivery skipped: no rows");
            return Ok(());
        }
        let Some(from) = mailer.from() else {
            return Err(JobError::permanent(
                "mail is not set up: set CRM_SMTP_URL (and CRM_MAIL_FROM) and restart",
            ));
        };
        let today = {
            let now = crm_db::time::now();
            let (settings, _) = crate::tickets::settings::load(&mut conn, ws)?;
            (now + chrono::Duration::minutes(i64::from(settings.calendar.utc_offset_minutes(now))))
                .date()
        };
        mail::message(from.clone(), &user, &row, &tables, today)?
    };
    // No database connection is held while the SMTP server answers.
    mailer.send(&message)
}
