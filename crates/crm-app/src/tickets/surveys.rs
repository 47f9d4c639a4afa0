//! Satisfaction surveys (满意度): an agent sends a CSAT survey for a
//! resolved or closed ticket (or an NPS survey at any time) and hands the
//! customer the link; the customer answers once, without signing in, by
//! the link's random token (only its SHA-256 is stored) within 30 days.
//! The link can also be mailed to the ticket's contact (or customer) by
//! the `survey.mail` job.
//! The report sums the answers of the tickets the caller sees by agent,
//! team, type, channel or month, and lists the unhappy answers of the
//! customers who bought the most first.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, Utc};
use crm_api_types::satisfaction::{
    NewSurvey, Satisfaction, SatisfactionBy, SatisfactionQuery, SatisfactionReport,
    SatisfactionRow, SentSurvey, Survey, SurveyAnswer, SurveyKind, SurveyQuestion, UnhappyAnswer,
};
use crm_db::AnyConnection;
use crm_db::surveys::SurveyRow;
use crm_db::types::Id;
use crm_domain::access::{Action, ObjectType};
use crm_domain::service::TicketStatus;
use uuid::Uuid;

use crate::jobs::{JobContext, JobError};
use crate::mail::Mailer;
use crate::security::{random_token, sha256_hex};
use crate::{Actor, AppError};
use crm_db::jobs::NewJob;

/// How long a survey link can be answered.
pub const VALID_DAYS: i64 = 30;

fn view(r: SurveyRow) -> Survey {
    Survey {
        id: r.id.0,
        ticket_id: r.ticket_id.0,
        customer_id: r.customer_id.0,
        kind: SurveyKind::parse(&r.kind).unwrap_or(SurveyKind::Csat),
        agent_id: r.agent_id.map(Uuid::from),
        sent_at: r.sent_at.and_utc(),
        expires_at: r.expires_at.and_utc(),
        answered_at: r.answered_at.map(|t| t.and_utc()),
        score: r.score,
        comment: r.comment,
    }
}

/// Sends a survey for a ticket the actor may update.
pub fn send(
    conn: &mut AnyConnection,
    actor: &Actor,
    ticket_id: Uuid,
    b: NewSurvey,
) -> Result<SentSurvey, AppError> {
    super::require_update(conn, actor, ticket_id)?;
    let ticket = super::get(conn, actor, ticket_id)?;
    let kind = b.kind.unwrap_or(SurveyKind::Csat);
    if kind == SurveyKind::Csat
        && !matches!(ticket.status, TicketStatus::Resolved | TicketStatus::Closed)
    {
        return Err(AppError::Conflict {
            field: "status".into(),
            detail: "a CSAT survey is sent once the ticket is resolved or closed".into(),
        });
    }
    // Refused before anything is written when there is nobody to mail.
    let mailed_to = if b.by_email {
        Some(address_of(conn, actor, &ticket)?)
    } else {
        None
    };
    let token = random_token().map_err(AppError::internal)?;
    let now = crm_db::time::now();
    let row = SurveyRow {
        workspace_id: Id(actor.workspace_id),
        id: Id::new(),
        ticket_id: Id(ticket_id),
        customer_id: Id(ticket.customer_id),
        kind: kind.as_str().into(),
        token_hash: sha256_hex(&token),
        agent_id: ticket.assignee_id.map(Id),
        team_id: ticket.team_id.map(Id),
        ticket_type: ticket.ticket_type,
        channel: ticket.channel.as_str().into(),
        sent_by: Some(Id(actor.user_id())),
        sent_at: now,
        expires_at: now + Duration::days(VALID_DAYS),
        answered_at: None,
        score: None,
        comment: None,
    };
    crm_db::change_log::transaction(conn, |conn| {
        crm_db::surveys::insert(conn, &row)?;
        if let Some(to) = &mailed_to {
            let payload = serde_json::to_value(MailPayload {
                token: token.clone(),
                to: to.clone(),
            })
            .map_err(AppError::internal)?;
            let job =
                NewJob::new(actor.workspace_id, MAIL_JOB, payload).unique(&row.id.to_string());
            crm_db::jobs::enqueue(conn, &job)?;
        }
        Ok::<_, AppError>(())
    })?;
    Ok(SentSurvey {
        survey: view(row),
        path: path_of(&token),
        token,
        mailed_to,
    })
}

/// The web app's page that answers a survey.
fn path_of(token: &str) -> String {
    format!("/survey/{token}")
}

/// Where a survey of the ticket is mailed: its contact's address, else its
/// customer's.
fn address_of(
    conn: &mut AnyConnection,
    actor: &Actor,
    ticket: &crm_api_types::tickets::Ticket,
) -> Result<String, AppError> {
    // The agent may mail the ticket's own people whoever else reads them.
    let all = Actor::system(actor.workspace_id, actor.via);
    let mut found = None;
    if let Some(contact) = ticket.contact_id {
        let vis = all.visibility(conn, ObjectType::Contacts, Action::Read)?;
        found = crm_db::contacts::find(conn, &vis, contact)?.fields.email;
    }
    if found.is_none() {
        let vis = all.visibility(conn, ObjectType::Customers, Action::Read)?;
        found = crm_db::customers::find(conn, &vis, ticket.customer_id)?
            .fields
            .email;
    }
    found.filter(|a| !a.trim().is_empty()).ok_or_else(|| {
        let mut errors = crm_domain::FieldErrors::new();
        errors.add(
            "by_email",
            "neither the ticket's contact nor its customer has an e-mail address",
        );
        AppError::Validation(errors)
    })
}

/// The job that mails a survey's link.
pub const MAIL_JOB: &str = "survey.mail";

#[derive(serde::Serialize, serde::Deserialize)]
struct MailPayload {
    /// The link's token: the job is the outbox holding it until it is sent.
    token: String,
    to: String,
}

/// The handler of `survey.mail`: nothing once the survey was answered or
/// expired; a permanent failure without `CRM_SMTP_URL` or
/// `CRM_PUBLIC_URL`, or for an address that is not one.
pub fn mail(ctx: &JobContext<'_>, mailer: &Mailer) -> Result<(), JobError> {
    let p: MailPayload = ctx.payload()?;
    let message = {
        let mut conn = ctx.pool.get().map_err(JobError::retry)?;
        let row = match open_survey(&mut conn, &p.token) {
            Ok(row) => row,
            Err(AppError::NotFound | AppError::Conflict { .. }) => return Ok(()),
            Err(e) => return Err(JobError::retry(e.to_string())),
        };
        let (Some(from), Some(base)) = (mailer.from(), mailer.public_url()) else {
            return Err(JobError::permanent(
                "survey mail needs CRM_SMTP_URL and CRM_PUBLIC_URL (the address customers open the CRM at): set them and restart",
            ));
        };
        let workspace = crm_db::workspaces::find(&mut conn, row.workspace_id.0)?;
        let ticket = crm_db::tickets::find_any(&mut conn, row.workspace_id.0, row.ticket_id.0)?;
        let to: lettre::message::Mailbox = p.to.parse().map_err(|e| {
            JobError::permanent(format!("{:?} is not an e-mail address: {e}", p.to))
        })?;
        let link = format!("{base}{}", path_of(&p.token));
        let (subject, text) = survey_text(
            &workspace.name,
            ticket.number,
            &ticket.fields.subject,
            &link,
            row.expires_at.date(),
        );
        lettre::Message::builder()
            .from(from.clone())
            .to(to)
            .subject(subject)
            .header(lettre::message::header::ContentType::TEXT_PLAIN)
            .body(text)
            .map_err(|e| JobError::permanent(format!("mail: {e}")))?
    };
    mailer.send(&message)
}

/// The mail's subject and text, in Chinese then English.
fn survey_text(
    company: &str,
    number: i64,
    subject: &str,
    link: &str,
    until: chrono::NaiveDate,
) -> (String, String) {
    (
        format!("{company}：请评价我们的服务（工单 #{number}）"),
        format!(
            "您好：\n\n感谢您联系{company}。关于工单 #{number}「{subject}」，请花一分钟告诉我们您是否满意：\n\n{link}\n\n链接在 {until} 前有效，只能提交一次。\n\n\
             Hello,\n\nthank you for contacting {company}. How did we do on ticket #{number} \"{subject}\"? \
             One click tells us:\n\n{link}\n\nThe link works once, until {until}.\n"
        ),
    )
}

/// A visible ticket's surveys.
pub fn of_ticket(
    conn: &mut AnyConnection,
    actor: &Actor,
    ticket_id: Uuid,
) -> Result<Vec<Survey>, AppError> {
    super::get(conn, actor, ticket_id)?;
    let rows = crm_db::surveys::of_ticket(conn, actor.workspace_id, ticket_id)?;
    Ok(rows.into_iter().map(view).collect())
}

/// The survey behind a token, while it can be answered: `NotFound` for an
/// unknown or expired token, `Conflict` once answered.
fn open_survey(conn: &mut AnyConnection, token: &str) -> Result<SurveyRow, AppError> {
    let row = crm_db::surveys::by_token(conn, &sha256_hex(token))?;
    if row.expires_at <= crm_db::time::now() {
        return Err(AppError::NotFound);
    }
    if row.answered_at.is_some() {
        return Err(AppError::Conflict {
            field: "token".into(),
            detail: "this survey has been answered".into(),
        });
    }
    Ok(row)
}

/// What the customer is asked.
pub fn question(conn: &mut AnyConnection, token: &str) -> Result<SurveyQuestion, AppError> {
    let row = open_survey(conn, token)?;
    let workspace = crm_db::workspaces::find(conn, row.workspace_id.0)?;
    let ticket = crm_db::tickets::find_any(conn, row.workspace_id.0, row.ticket_id.0)?;
    Ok(SurveyQuestion {
        kind: SurveyKind::parse(&row.kind).unwrap_or(SurveyKind::Csat),
        workspace_name: workspace.name,
        ticket_number: ticket.number,
        ticket_subject: ticket.fields.subject,
        expires_at: row.expires_at.and_utc(),
    })
}

/// Records the customer's answer (once).
pub fn answer(conn: &mut AnyConnection, token: &str, b: SurveyAnswer) -> Result<(), AppError> {
    let row = open_survey(conn, token)?;
    let kind = SurveyKind::parse(&row.kind).unwrap_or(SurveyKind::Csat);
    let (low, high) = kind.scale();
    if !(low..=high).contains(&b.score) {
        return Err(AppError::validation(
            "score",
            format!("must be between {low} and {high}"),
        ));
    }
    let comment = match b.comment.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(
            crm_domain::validation::multiline_text(text, 1, 2_000)
                .map_err(|m| AppError::validation("comment", m))?,
        ),
    };
    match crm_db::surveys::answer(conn, &row, b.score, comment, crm_db::time::now()) {
        Err(crm_db::DbError::VersionConflict) => Err(AppError::Conflict {
            field: "token".into(),
            detail: "this survey has been answered".into(),
        }),
        other => Ok(other?),
    }
}

/// The satisfaction of the tickets the actor sees, answered in the period.
pub fn report(
    conn: &mut AnyConnection,
    actor: &Actor,
    q: &SatisfactionQuery,
) -> Result<SatisfactionReport, AppError> {
    let vis = actor.visibility(conn, ObjectType::Tickets, Action::Read)?;
    let to = q.to.unwrap_or_else(|| Utc::now().date_naive());
    let from = q.from.unwrap_or(to - Duration::days(365));
    if from > to {
        return Err(AppError::validation("from", "must not be after to"));
    }
    let start = from.and_hms_opt(0, 0, 0).unwrap_or_default();
    let end = (to + Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default();
    let answered = crm_db::surveys::answered(conn, &vis, start, end)?;
    let by = q.by.unwrap_or(SatisfactionBy::Month);
    let answer = |a: &crm_db::surveys::Answered| {
        let kind = SurveyKind::parse(&a.survey.kind).unwrap_or(SurveyKind::Csat);
        (kind, a.survey.score.unwrap_or_default())
    };
    let mut groups: BTreeMap<String, Vec<(SurveyKind, i32)>> = BTreeMap::new();
    for a in &answered {
        let s = &a.survey;
        let key = match by {
            SatisfactionBy::Agent => s.agent_id.map(|id| id.0.to_string()).unwrap_or_default(),
            SatisfactionBy::Team => s.team_id.map(|id| id.0.to_string()).unwrap_or_default(),
            SatisfactionBy::TicketType => s.ticket_type.clone(),
            SatisfactionBy::Channel => s.channel.clone(),
            SatisfactionBy::Month => s
                .answered_at
                .map(|t| format!("{:04}-{:02}", t.year(), t.month()))
                .unwrap_or_default(),
        };
        groups.entry(key).or_default().push(answer(a));
    }
    let mut unhappy: Vec<&crm_db::surveys::Answered> = answered
        .iter()
        .filter(|a| {
            let (kind, score) = answer(a);
            kind.is_unhappy(score)
        })
        .collect();
    unhappy.sort_by_key(|a| std::cmp::Reverse(a.revenue_minor.unwrap_or(0)));
    Ok(SatisfactionReport {
        from,
        to,
        total: Satisfaction::of(answered.iter().map(answer)),
        rows: groups
            .into_iter()
            .map(|(key, answers)| SatisfactionRow {
                key,
                satisfaction: Satisfaction::of(answers),
            })
            .collect(),
        unhappy: unhappy
            .into_iter()
            .take(50)
            .map(|a| UnhappyAnswer {
                survey: view(a.survey.clone()),
                customer_name: a.customer_name.clone(),
                revenue_minor: a.revenue_minor,
                rfm_segment: a.rfm_segment.clone(),
            })
            .collect(),
    })
}
