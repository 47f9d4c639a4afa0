//! SLA warnings and escalations (SLA 预警与升级), as jobs. A sweep
//! (`ticket.sla_sweep`) looks at the open, running tickets of a workspace
//! whose first-response or resolution clock falls due soon: a clock at
//! risk (`crm_domain::service::sla::state`: its last fifth, at least 15
//! minutes) warns the assignee — or the team's manager while nobody has
//! it; a clock that ran out escalates to the team's manager and the
//! assignee and leaves an internal note on the ticket — and, when the
//! settings' `escalation` is `reassign`, hands the ticket to the manager. Each alert is
//! recorded once per ticket, clock, kind and due time, in the same
//! transaction that queues its mails (`ticket.sla_mail`, one per
//! recipient, sent with no connection held). A breach older than a day
//! when first seen (the server was down, the data was imported) is left
//! to the breach reports, not mailed.
//!
//! Every ticket write arms a sweep; a sweep that still sees running
//! clocks queues the next one five minutes on.

use chrono::{Duration, NaiveDateTime};
use crm_db::AnyConnection;
use crm_db::batch::{BatchChange, record_changes};
use crm_db::change_log::{Op, changed_fields};
use crm_db::jobs::NewJob;
use crm_db::tickets::TicketRow;
use crm_domain::service::Escalation;
use crm_domain::service::sla::{SlaState, state};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::jobs::{JobContext, JobError};
use crate::mail::Mailer;
use crate::{AppError, Via};

pub const SWEEP_JOB: &str = "ticket.sla_sweep";
pub const MAIL_JOB: &str = "ticket.sla_mail";

/// How often a sweep runs while clocks are running.
const EVERY_MINUTES: i64 = 5;
/// How far ahead a sweep looks (a long resolution target warns a fifth of
/// its span ahead).
const AHEAD_DAYS: i64 = 3;
/// How old a breach may be when first seen and still be mailed.
const STALE_HOURS: i64 = 24;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Clock {
    FirstResponse,
    Resolution,
}

impl Clock {
    fn as_str(self) -> &'static str {
        match self {
            Clock::FirstResponse => "first_response",
            Clock::Resolution => "resolution",
        }
    }

    fn of(key: &str) -> Option<Self> {
        match key {
            "first_response" => Some(Clock::FirstResponse),
            "resolution" => Some(Clock::Resolution),
            _ => None,
        }
    }

    /// The clock's due time and when it was met, on a ticket.
    fn on(self, t: &TicketRow) -> (Option<NaiveDateTime>, Option<NaiveDateTime>) {
        match self {
            Clock::FirstResponse => (t.fields.first_response_due_at, t.fields.first_responded_at),
            Clock::Resolution => (t.fields.resolution_due_at, t.fields.resolved_at),
        }
    }

    fn zh(self) -> &'static str {
        match self {
            Clock::FirstResponse => "首次响应",
            Clock::Resolution => "解决",
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct MailPayload {
    ticket_id: Uuid,
    clock: String,
    /// `warning` or `breach`.
    kind: String,
    due: NaiveDateTime,
    user_id: Uuid,
}

/// The sweep slot a time falls in (its start, in seconds).
fn slot(at: NaiveDateTime) -> i64 {
    let step = EVERY_MINUTES * 60;
    at.and_utc().timestamp().div_euclid(step) * step
}

/// Queues a sweep of the workspace now (once per five-minute slot).
pub fn arm(conn: &mut AnyConnection, workspace_id: Uuid) -> Result<(), AppError> {
    let at = crm_db::time::now();
    let job = NewJob::new(workspace_id, SWEEP_JOB, serde_json::json!({}))
        .unique(&format!("sweep@{}", slot(at)));
    crm_db::jobs::enqueue(conn, &job)?;
    Ok(())
}

/// Who an alert goes to: a warning to the assignee (the team's manager
/// while nobody has the ticket), a breach to the team's manager and the
/// assignee.
fn recipients(
    conn: &mut AnyConnection,
    t: &TicketRow,
    breach: bool,
) -> Result<Vec<Uuid>, AppError> {
    let ws = t.workspace_id.0;
    let manager = match t.fields.team_id {
        Some(team) => match crm_db::teams::find(conn, ws, team.0) {
            Ok(team) => team.manager_id.map(|m| m.0),
            Err(crm_db::DbError::NotFound) => None,
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    let assignee = t.fields.assignee_id.map(|a| a.0);
    let mut out: Vec<Uuid> = if breach {
        manager.into_iter().chain(assignee).collect()
    } else {
        assignee.or(manager).into_iter().collect()
    };
    out.dedup();
    Ok(out)
}

/// The handler of `ticket.sla_sweep`; `mails` says whether mail is set up
/// (without it, alerts are recorded and breaches noted on the ticket, and
/// no mail job is queued to fail).
pub fn sweep(ctx: &JobContext<'_>, mails: bool) -> Result<(), JobError> {
    let ws = ctx.workspace_id();
    let mut conn = ctx.pool.get().map_err(JobError::retry)?;
    crm_db::change_log::transaction(&mut conn, |conn| {
        if !ctx.holds(conn)? {
            return Err(JobError::retry("the job's lease ran out"));
        }
        let now = crm_db::time::now();
        let tickets = crm_db::tickets::alerts::running(
            conn,
            ws,
            now - Duration::hours(STALE_HOURS),
            now + Duration::days(AHEAD_DAYS),
        )?;
        let (settings, _) = super::settings::load(conn, ws)?;
        for t in &tickets {
            alert(conn, t, now, mails, settings.escalation)?;
        }
        // Clocks still running: look again in five minutes.
        if crm_db::tickets::alerts::any_running(conn, ws, now)? {
            let next = now + Duration::minutes(EVERY_MINUTES);
            let mut job = NewJob::new(ws, SWEEP_JOB, serde_json::json!({}))
                .unique(&format!("sweep@{}", slot(next)));
            job.run_at = Some(next);
            crm_db::jobs::enqueue(conn, &job)?;
        }
        Ok(())
    })
}

/// Records and queues the alerts one ticket is due now.
fn alert(
    conn: &mut AnyConnection,
    t: &TicketRow,
    now: NaiveDateTime,
    mails: bool,
    escalation: Escalation,
) -> Result<(), JobError> {
    let ws = t.workspace_id.0;
    let mut handed_on = false;
    for clock in [Clock::FirstResponse, Clock::Resolution] {
        let (Some(due), met) = clock.on(t) else {
            continue;
        };
        let kind = match state(
            t.created_at.and_utc(),
            due.and_utc(),
            met.map(|m| m.and_utc()),
            t.fields.paused_at.is_some(),
            now.and_utc(),
        ) {
            SlaState::AtRisk => "warning",
            SlaState::Breached if met.is_none() => "breach",
            _ => continue,
        };
        if crm_db::tickets::alerts::sent(conn, ws, t.id.0, clock.as_str(), kind, due)? {
            continue;
        }
        let to = recipients(conn, t, kind == "breach")?;
        crm_db::tickets::alerts::record(conn, ws, t.id.0, clock.as_str(), kind, due, &to)?;
        if kind == "breach" {
            let names: Vec<String> = to
                .iter()
                .filter_map(|u| crm_db::users::find(conn, ws, *u).ok())
                .map(|u| u.display_name)
                .collect();
            let mut body = if names.is_empty() {
                format!(
                    "SLA 超时：{}已到期（无人可通知：工单没有负责人，团队也没有负责人）。",
                    clock.zh()
                )
            } else {
                format!(
                    "SLA 超时：{}已到期，已通知 {}。",
                    clock.zh(),
                    names.join("、")
                )
            };
            if escalation == Escalation::Reassign
                && !handed_on
                && let Some(manager) = hand_to_manager(conn, t)?
            {
                handed_on = true;
                body.push_str(&format!("已按升级规则转交给 {manager}。"));
            }
            crm_db::tickets::replies::insert(
                conn,
                &crm_db::tickets::replies::ReplyRow {
                    workspace_id: t.workspace_id,
                    id: crm_db::types::Id(Uuid::now_v7()),
                    ticket_id: t.id,
                    internal: true,
                    body,
                    author_id: None,
                    created_at: now,
                },
            )?;
        }
        for user in to.into_iter().filter(|_| mails) {
            let payload = serde_json::to_value(MailPayload {
                ticket_id: t.id.0,
                clock: clock.as_str().to_owned(),
                kind: kind.to_owned(),
                due,
                user_id: user,
            })
            .map_err(JobError::permanent)?;
            let job = NewJob::new(ws, MAIL_JOB, payload).unique(&format!(
                "{}:{}:{kind}:{user}@{}",
                t.id.0,
                clock.as_str(),
                due.and_utc().timestamp()
            ));
            crm_db::jobs::enqueue(conn, &job)?;
        }
    }
    Ok(())
}

/// Hands a breached ticket to its team's manager (escalation `reassign`),
/// logged as the job's change; the manager's name, or `None` when the team
/// has no manager or they have it already.
fn hand_to_manager(conn: &mut AnyConnection, t: &TicketRow) -> Result<Option<String>, AppError> {
    let ws = t.workspace_id.0;
    let Some(team) = t.fields.team_id else {
        return Ok(None);
    };
    let manager = match crm_db::teams::find(conn, ws, team.0) {
        Ok(team) => team.manager_id,
        Err(crm_db::DbError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    let Some(manager) = manager.filter(|m| t.fields.assignee_id != Some(*m)) else {
        return Ok(None);
    };
    let mut fields = t.fields.clone();
    fields.assignee_id = Some(manager);
    let row = crm_db::tickets::update(conn, t, t.version, None, fields)?;
    let changed = changed_fields(&t.fields, &row.fields);
    let values = crm_db::change_log::values(&changed, Some(&t.fields), Some(&row.fields));
    let change = BatchChange {
        entity_id: t.id.0,
        values: values.map(Into::into),
        op: Op::Update,
        changed_fields: changed,
    };
    record_changes(conn, ws, super::ENTITY, None, Via::Job.as_str(), &[change])?;
    Ok(Some(crm_db::users::find(conn, ws, manager.0)?.display_name))
}

/// The handler of `ticket.sla_mail`: nothing when the clock was met or
/// moved since, or the user left.
pub fn mail(ctx: &JobContext<'_>, mailer: &Mailer) -> Result<(), JobError> {
    let p: MailPayload = ctx.payload()?;
    let ws = ctx.workspace_id();
    let message = {
        let mut conn = ctx.pool.get().map_err(JobError::retry)?;
        let t = match crm_db::tickets::find_any(&mut conn, ws, p.ticket_id) {
            Ok(t) => t,
            Err(crm_db::DbError::NotFound) => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        let Some(clock) = Clock::of(&p.clock) else {
            return Err(JobError::permanent("an unknown SLA clock"));
        };
        let (due, met) = clock.on(&t);
        if due != Some(p.due) || met.is_some() {
            return Ok(());
        }
        let user = match crm_db::users::find(&mut conn, ws, p.user_id) {
            Ok(u) if u.active => u,
            Ok(_) | Err(crm_db::DbError::NotFound) => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        let Some(from) = mailer.from() else {
            return Err(JobError::permanent(
                "mail is not set up: set CRM_SMTP_URL (and CRM_MAIL_FROM) and restart",
            ));
        };
        let (settings, _) = crate::tickets::settings::load(&mut conn, ws)?;
        let offset = settings.calendar.utc_offset_minutes(p.due);
        let local = p.due + Duration::minutes(i64::from(offset));
        let (tag, line) = if p.kind == "breach" {
            (
                "SLA 超时",
                format!("已于 {} 到期，尚未完成。", local.format("%Y-%m-%d %H:%M")),
            )
        } else {
            (
                "SLA 预警",
                format!("将于 {} 到期。", local.format("%Y-%m-%d %H:%M")),
            )
        };
        let subject = format!("[{tag}] #{} {}", t.number, t.fields.subject);
        let text = format!(
            "{}，您好：\n\n工单 #{}「{}」的{}{}\n优先级：{}\n",
            user.display_name,
            t.number,
            t.fields.subject,
            clock.zh(),
            line,
            t.fields.priority
        );
        crate::mail::plain(from.clone(), &user, &subject, text)?
    };
    mailer.send(&message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweeps_fall_in_five_minute_slots() {
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").expect("time");
        assert_eq!(
            slot(at("2026-12-07 10:00:00")),
            slot(at("2026-12-07 10:04:59"))
        );
        assert_ne!(
            slot(at("2026-12-07 10:04:59")),
            slot(at("2026-12-07 10:05:00"))
        );
        assert_eq!(Clock::of("resolution"), Some(Clock::Resolution));
        assert_eq!(
            Clock::of(Clock::FirstResponse.as_str()),
            Some(Clock::FirstResponse)
        );
        assert_eq!(Clock::of("nope"), None);
    }
}
