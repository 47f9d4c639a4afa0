//! Demo tickets (工单), so the service desk has a queue and a history at
//! `make run`: one customer in eight (at most 1,500) has a ticket from the
//! last year, of every type, priority and channel, with due times from the
//! default SLA targets on the default business calendar. Older tickets are
//! closed or resolved (some answered or resolved late, so breaches show);
//! the last two weeks' are new (unassigned), open or pending, assigned to
//! the service agent. Answered tickets carry the agent's reply, some an
//! internal note; returns and complaints name their order (the ticket
//! custom field `order_no`), half the complaints are tagged 升级处理 (handed
//! up). The agent is on duty (capacity 30) and one rule sends
//! every new ticket to the service team. Deterministic from its own seed.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use crm_app::tickets::rules::{blank, clocks};
use crm_db::AnyConnection;
use crm_db::batch::BatchChange;
use crm_db::change_log::Op;
use crm_db::tickets::replies::ReplyRow;
use crm_db::types::{Id, Json};
use crm_domain::analytics::ValueTier;
use crm_domain::service::{
    AssignMethod, AssignmentRule, Channel, ServiceSettings, TicketPriority, TicketStatus,
};
use rand::prelude::*;
use rand::rngs::StdRng;
use uuid::Uuid;

use super::sales::Account;

const SEED: u64 = 20_261_214;

/// (type, subject) pairs.
const SUBJECTS: [(&str, &str); 10] = [
    ("inquiry", "咨询批量采购的价格政策"),
    ("inquiry", "询问发票开具流程"),
    ("complaint", "送货延误三天，客户不满"),
    ("complaint", "客服电话长时间无人接听"),
    ("incident", "系统登录后页面空白"),
    ("incident", "设备运行时报警 E203"),
    ("return", "收到的货物外包装破损，申请换货"),
    ("return", "型号发错，申请退货退款"),
    ("suggestion", "建议增加微信下单入口"),
    ("suggestion", "希望提供月度对账单"),
];

const REPLIES: [&str; 4] = [
    "您好，已收到您的反馈，我们正在核实，稍后回复您。",
    "已为您安排换货，预计三个工作日内送达。",
    "问题已定位，技术同事今天下午会联系您。",
    "感谢您的建议，我们已转交产品团队评估。",
];

/// Writes the tickets; returns how many.
pub fn seed(
    conn: &mut AnyConnection,
    ws: Uuid,
    agent: (Uuid, Option<Uuid>),
    accounts: &[Account],
    today: NaiveDate,
) -> anyhow::Result<usize> {
    let settings = ServiceSettings::default();
    let clock = settings
        .calendar
        .clock()
        .ok_or_else(|| anyhow::anyhow!("the default calendar is valid"))?;
    let mut rng = StdRng::seed_from_u64(SEED);
    let count = (accounts.len() / 8).min(1_500);
    let midnight = today.and_hms_opt(0, 0, 0).unwrap_or_default();
    let now = crm_db::time::now();
    // Oldest first, so the numbers follow the creation order.
    let mut ages: Vec<i64> = (0..count).map(|_| rng.random_range(0..365)).collect();
    ages.sort_unstable_by(|a, b| b.cmp(a));
    // Survey answers draw from their own stream: the tickets stay as they were.
    let mut answers = StdRng::seed_from_u64(SEED + 1);
    // Returns and complaints carry the order they are about.
    let order_no = crm_db::custom_fields::CustomFieldWrite {
        entity: crm_domain::custom_field::FieldEntity::Ticket.as_str(),
        key: "order_no",
        label: "订单号",
        field_type: "text",
        options: &[],
        required: false,
        position: 0,
    };
    crm_db::custom_fields::insert(conn, ws, &order_no)?;
    // The desk's own tag: complaints handed up to a team lead.
    let escalated = crm_db::tags::insert(conn, ws, "升级处理", Some("#cf1322"))?
        .id
        .0;
    crm_db::change_log::transaction(conn, |conn| {
        let mut written = Vec::with_capacity(count);
        for age in ages {
            let (customer, _, _) = accounts[rng.random_range(0..accounts.len())];
            // Between 09:00 and 17:00 Beijing time (01:00–09:00 UTC).
            let created: NaiveDateTime = (midnight - Duration::days(age)
                + Duration::minutes(rng.random_range(60..540)))
            .min(now);
            let (kind, subject) = SUBJECTS[rng.random_range(0..SUBJECTS.len())];
            let priority = match rng.random_range(0..10) {
                0 => TicketPriority::Urgent,
                1..=3 => TicketPriority::High,
                4..=8 => TicketPriority::Normal,
                _ => TicketPriority::Low,
            };
            let channel = Channel::ALL[rng.random_range(0..Channel::ALL.len())];
            let mut fields = blank(customer);
            fields.subject = subject.to_owned();
            fields.ticket_type = kind.to_owned();
            fields.priority = priority.as_str().to_owned();
            fields.channel = channel.as_str().to_owned();
            if matches!(kind, "return" | "complaint") {
                // From the ticket's place, not the generator: the rest stays as it was.
                let serial = written.len() * 7_919 % 100_000;
                let number = format!("SO-{}{serial:05}", created.format("%Y%m"));
                fields.custom_fields = Json(serde_json::json!({ "order_no": number }));
            }
            fields = fields.with_search_text();
            clocks(&clock, &settings, None, &mut fields, created, created);
            let recent = age < 14;
            let status = if recent {
                [TicketStatus::New, TicketStatus::Open, TicketStatus::Pending]
                    [rng.random_range(0..3)]
            } else if rng.random_bool(0.85) {
                TicketStatus::Closed
            } else {
                TicketStatus::Resolved
            };
            let first_due = fields.first_response_due_at.unwrap_or(created);
            let resolution_due = fields.resolution_due_at.unwrap_or(created);
            // One in six answered, one in eight resolved after the due time.
            let late = |rng: &mut StdRng, p: f64| rng.random_bool(p);
            let answered = if late(&mut rng, 1.0 / 6.0) {
                first_due + Duration::minutes(rng.random_range(10..600))
            } else {
                created + (first_due - created) * rng.random_range(10..90) / 100
            };
            if status != TicketStatus::New {
                fields.assignee_id = Some(Id(agent.0));
                fields.team_id = agent.1.map(Id);
                fields.first_responded_at = Some(answered.min(now));
                fields.status = status.as_str().to_owned();
            }
            if matches!(status, TicketStatus::Resolved | TicketStatus::Closed) {
                let resolved = if late(&mut rng, 1.0 / 8.0) {
                    resolution_due + Duration::hours(rng.random_range(1..48))
                } else {
                    answered
                        .max(created + (resolution_due - created) * rng.random_range(20..95) / 100)
                };
                fields.resolved_at = Some(resolved);
                if status == TicketStatus::Closed {
                    fields.closed_at = Some(resolved + Duration::days(rng.random_range(1..4)));
                }
            }
            if status == TicketStatus::Pending {
                fields.paused_at = Some(answered.min(now));
            }
            let row = crm_db::tickets::insert(conn, ws, Some(agent.0), created, fields)?;
            if kind == "complaint" && row.number % 2 == 0 {
                crm_db::tickets::tags::set(conn, ws, row.id.0, &[escalated])?;
            }
            if let Some(resolved) = row.fields.resolved_at {
                survey(conn, &mut answers, &row, resolved)?;
            }
            if let Some(at) = row.fields.first_responded_at {
                if rng.random_bool(0.3) {
                    reply(
                        conn,
                        ws,
                        row.id,
                        agent.0,
                        true,
                        "已联系仓库与物流核实情况",
                        created + Duration::minutes(5),
                    )?;
                }
                reply(
                    conn,
                    ws,
                    row.id,
                    agent.0,
                    false,
                    REPLIES[rng.random_range(0..REPLIES.len())],
                    at,
                )?;
            }
            written.push(BatchChange {
                entity_id: row.id.0,
                op: Op::Create,
                changed_fields: vec![],
                values: None,
            });
        }
        crm_db::batch::record_changes(conn, ws, crm_db::change_log::TICKET, None, "cli", &written)?;
        desk(conn, ws, agent, now)?;
        Ok(written.len())
    })
}

/// Two in five resolved tickets got a CSAT answer (mostly 4 and 5, a
/// few unhappy ones with a comment), one in ten an NPS answer.
fn survey(
    conn: &mut AnyConnection,
    rng: &mut StdRng,
    ticket: &crm_db::tickets::TicketRow,
    resolved: NaiveDateTime,
) -> anyhow::Result<()> {
    let f = &ticket.fields;
    let write =
        |conn: &mut AnyConnection, kind: &str, score: i32, hours: i64, comment: Option<&str>| {
            let sent = resolved + Duration::minutes(5);
            crm_db::surveys::insert(
                conn,
                &crm_db::surveys::SurveyRow {
                    workspace_id: ticket.workspace_id,
                    id: Id::new(),
                    ticket_id: ticket.id,
                    customer_id: f.customer_id,
                    kind: kind.to_owned(),
                    token_hash: crm_app::security::sha256_hex(&Id::new().0.to_string()),
                    agent_id: f.assignee_id,
                    team_id: f.team_id,
                    ticket_type: f.ticket_type.clone(),
                    channel: f.channel.clone(),
                    sent_by: f.assignee_id,
                    sent_at: sent,
                    expires_at: sent + Duration::days(30),
                    answered_at: Some(sent + Duration::hours(hours)),
                    score: Some(score),
                    comment: comment.map(str::to_owned),
                },
            )
        };
    if rng.random_bool(0.4) {
        let score = match rng.random_range(0..100) {
            0..45 => 5,
            45..75 => 4,
            75..87 => 3,
            87..95 => 2,
            _ => 1,
        };
        let comment = (score <= 2).then_some("处理太慢了，希望改进");
        write(conn, "csat", score, rng.random_range(1..48), comment)?;
    }
    if rng.random_bool(0.1) {
        let score = rng.random_range(3..=10);
        write(conn, "nps", score, rng.random_range(1..48), None)?;
    }
    Ok(())
}

/// The agent on duty for 30 tickets, and one rule sending every new
/// ticket to the service team in turn.
fn desk(
    conn: &mut AnyConnection,
    ws: Uuid,
    agent: (Uuid, Option<Uuid>),
    now: NaiveDateTime,
) -> anyhow::Result<()> {
    crm_db::tickets::agents::save(
        conn,
        &crm_db::tickets::agents::AgentRow {
            workspace_id: Id(ws),
            user_id: Id(agent.0),
            on_duty: true,
            capacity: 30,
            last_assigned_at: None,
            updated_at: now,
            // Every default type: the desk's one agent handles them all.
            skills: Json(serde_json::json!(
                ServiceSettings::default()
                    .ticket_types
                    .iter()
                    .map(|t| t.key.as_str())
                    .collect::<Vec<_>>()
            )),
        },
    )?;
    let Some(team) = agent.1 else { return Ok(()) };
    let settings = ServiceSettings {
        assignment_rules: vec![
            AssignmentRule {
                name: "高价值客户的投诉 → 客户服务部".to_owned(),
                ticket_types: vec!["complaint".to_owned()],
                priorities: vec![],
                channels: vec![],
                region_codes: vec![],
                value_tiers: vec![ValueTier::Top, ValueTier::High],
                tag_ids: vec![],
                team_id: team,
                method: AssignMethod::RoundRobin,
            },
            AssignmentRule {
                name: "全部工单 → 客户服务部".to_owned(),
                ticket_types: vec![],
                priorities: vec![],
                channels: vec![],
                region_codes: vec![],
                value_tiers: vec![],
                tag_ids: vec![],
                team_id: team,
                method: AssignMethod::RoundRobin,
            },
        ],
        // The knowledge base's public articles are on the FAQ page.
        public_faq: true,
        ..ServiceSettings::default()
    };
    crm_db::tickets::settings::save(
        conn,
        0,
        &crm_db::tickets::settings::SettingsRow {
            workspace_id: Id(ws),
            settings: Json(serde_json::to_value(&settings)?),
            version: 1,
            updated_by: None,
            updated_at: now,
        },
    )?;
    Ok(())
}

fn reply(
    conn: &mut AnyConnection,
    ws: Uuid,
    ticket: Id,
    author: Uuid,
    internal: bool,
    body: &str,
    at: NaiveDateTime,
) -> anyhow::Result<()> {
    crm_db::tickets::replies::insert(
        conn,
        &ReplyRow {
            workspace_id: Id(ws),
            id: Id::new(),
            ticket_id: ticket,
            internal,
            body: body.to_owned(),
            author_id: Some(Id(author)),
            created_at: at,
        },
    )?;
    Ok(())
}
