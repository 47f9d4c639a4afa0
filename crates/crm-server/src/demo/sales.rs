//! Demo deals, leads and activities, so the kanban, the lead list and the
//! customer timelines have something to show: deals on the default pipeline
//! for one customer in eight (at most 2,000), spread over its stages with
//! amounts, close dates and lost reasons, each with a stage history through
//! the open stages before it (closed ones over the last year); leads in every status (one in ten
//! customers, at most 1,000); and calls, meetings, e-mails, notes and tasks
//! (some overdue) on each deal. Deterministic from its own seed.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use crm_db::AnyConnection;
use crm_db::batch::BatchChange;
use crm_db::change_log::Op;
use crm_db::pipelines::StageRow;
use crm_db::types::Id;
use crm_domain::customer::Source;
use crm_domain::deals::{DEFAULT_CURRENCY, Sent, Stage, enter};
use crm_domain::sales::{ActivityKind, LeadStatus, StageKind};
use rand::prelude::*;
use rand::rngs::StdRng;
use uuid::Uuid;

use super::words::{GIVEN, SURNAMES, WORDS};

/// A customer deals can be made with: (id, owner, team).
pub type Account = (Uuid, Option<Uuid>, Option<Uuid>);

const LOST_REASONS: [&str; 4] = ["价格过高", "选择了竞争对手", "预算取消", "需求变化"];
const SUBJECTS: [&str; 5] = [
    "电话沟通需求",
    "上门拜访",
    "发送报价单",
    "内部备注",
    "跟进合同",
];

/// What came of a logged activity, and what happens next.
const OUTCOMES: [(&str, &str); 4] = [
    ("客户认可方案，关注交期", "下周发送正式报价"),
    ("对价格有顾虑", "申请折扣后再次沟通"),
    ("已确认预算与决策人", "安排技术交流会"),
    ("暂无采购计划", "一个月后回访"),
];

/// What was written, for the summary line.
pub struct Written {
    pub deals: usize,
    pub leads: usize,
    pub activities: usize,
}

fn created(id: Uuid) -> BatchChange {
    BatchChange {
        entity_id: id,
        op: Op::Create,
        changed_fields: vec![],
        values: None,
    }
}

/// The stage history of a deal that stands in `last` since `at`: through
/// its pipeline's open stages in order, a week or more in each (for a lost
/// deal up to one picked at random), then `last`.
fn history(
    stages: &[StageRow],
    last: &StageRow,
    at: NaiveDateTime,
    rng: &mut StdRng,
) -> Vec<(Option<Uuid>, Uuid, NaiveDateTime)> {
    let open: Vec<&StageRow> = stages
        .iter()
        .filter(|s| s.pipeline_id == last.pipeline_id && s.kind == StageKind::Open.as_str())
        .collect();
    let before = match StageKind::parse(&last.kind).unwrap_or(StageKind::Open) {
        StageKind::Open => open.iter().take_while(|s| s.id != last.id).count(),
        StageKind::Won => open.len(),
        StageKind::Lost => rng.random_range(1..=open.len().max(1)),
    };
    let mut times = vec![at];
    for _ in 0..before {
        let previous = times[times.len() - 1];
        times.push(previous - Duration::days(rng.random_range(7..35)));
    }
    times.reverse();
    let path = open.iter().take(before).copied().chain([last]);
    let mut from = None;
    path.zip(times)
        .map(|(s, t)| {
            let step = (from, s.id.0, t);
            from = Some(s.id.0);
            step
        })
        .collect()
}

/// Writes the sales records in one transaction.
pub fn seed(
    conn: &mut AnyConnection,
    ws: Uuid,
    reps: &[(Uuid, Option<Uuid>)],
    accounts: &[Account],
    today: NaiveDate,
) -> anyhow::Result<Written> {
    let mut rng = StdRng::seed_from_u64(20_261_130);
    crm_db::change_log::transaction(conn, |conn| {
        let stages = crm_db::pipelines::stages(conn, ws, None)?;
        let noon = |day: NaiveDate| day.and_hms_opt(10, 0, 0).unwrap_or_default();
        let (mut deals, mut activities) = (Vec::new(), Vec::new());
        for &(customer, owner, team) in accounts.iter().step_by(8).take(2_000) {
            let stage = &stages[rng.random_range(0..stages.len())];
            let kind = StageKind::parse(&stage.kind).unwrap_or(StageKind::Open);
            let close = today + Duration::days(rng.random_range(-30..120));
            let opened = today - Duration::days(rng.random_range(5..90));
            let name = format!("{}项目", WORDS[rng.random_range(0..WORDS.len())]);
            let amount_minor = rng.random_range(10_000..500_000) * 100;
            let reason = (kind == StageKind::Lost)
                .then(|| LOST_REASONS[rng.random_range(0..LOST_REASONS.len())].to_owned());
            // An open deal entered its stage when it was opened; a closed one
            // on a day of the last year (its own stream: the rest of the demo
            // stays as it was).
            let mut past = StdRng::seed_from_u64(amount_minor as u64);
            let entered = match kind {
                StageKind::Open => opened,
                _ => today - Duration::days(past.random_range(0..365)),
            };
            let standing = enter(
                None,
                &Stage {
                    id: stage.id.0,
                    probability: stage.probability,
                    kind,
                },
                Sent {
                    probability: None,
                    lost_reason: Some(reason),
                },
                noon(entered),
            )
            .map_err(|e| anyhow::anyhow!("demo deal breaks the rules: {e:?}"))?;
            let fields = crm_db::deals::DealFields {
                pipeline_id: stage.pipeline_id,
                stage_id: stage.id,
                customer_id: Id(customer),
                external_id: None,
                name,
                amount_minor,
                currency: DEFAULT_CURRENCY.to_owned(),
                probability: standing.probability,
                expected_close_date: Some(if kind == StageKind::Open {
                    close
                } else {
                    entered
                }),
                owner_id: owner.map(Id),
                team_id: team.map(Id),
                lost_reason: standing.lost_reason,
                closed_at: standing.closed_at,
                stage_changed_at: standing.stage_changed_at,
                forecast_category: None,
            };
            let deal = crm_db::deals::insert(conn, ws, owner, fields)?;
            let steps = history(&stages, stage, noon(entered), &mut past);
            crm_db::performance::replace_history(conn, ws, deal.id.0, &steps)?;
            if let Some((_, _, opened_at)) = steps.first() {
                crm_db::deals::backdate(conn, ws, deal.id.0, *opened_at)?;
            }
            deals.push(created(deal.id.0));
            for n in 0..rng.random_range(1..4) {
                let kind = *ActivityKind::ALL
                    .choose(&mut rng)
                    .unwrap_or(&ActivityKind::Call);
                let day = opened + Duration::days(n * 7);
                let task = kind == ActivityKind::Task;
                let due = task.then(|| noon(day + Duration::days(rng.random_range(0..30))));
                let done = !task || rng.random_bool(0.5);
                let fields = crm_db::activities::ActivityFields {
                    kind: kind.as_str().to_owned(),
                    subject: SUBJECTS[rng.random_range(0..SUBJECTS.len())].to_owned(),
                    body: None,
                    customer_id: Some(Id(customer)),
                    contact_id: None,
                    lead_id: None,
                    deal_id: Some(deal.id),
                    occurred_at: noon(day.min(today)),
                    due_at: due,
                    done,
                    done_at: (task && done).then(|| noon(day.min(today))),
                    owner_id: owner.map(Id),
                    team_id: team.map(Id),
                    remind_at: None,
                    // Not drawn from `rng`: the rest of the demo stays as it was.
                    priority: if task && n % 3 == 2 { "high" } else { "normal" }.to_owned(),
                    location: (kind == ActivityKind::Visit).then(|| "客户办公室".to_owned()),
                    outcome: (done && !task)
                        .then(|| OUTCOMES[n as usize % OUTCOMES.len()].0.to_owned()),
                    next_step: (done && !task)
                        .then(|| OUTCOMES[n as usize % OUTCOMES.len()].1.to_owned()),
                };
                let row = crm_db::activities::insert(conn, ws, owner, fields)?;
                activities.push(created(row.id.0));
            }
        }
        let mut leads = Vec::new();
        let statuses = [
            LeadStatus::New,
            LeadStatus::Working,
            LeadStatus::Qualified,
            LeadStatus::Disqualified,
        ];
        for n in 0..(accounts.len() / 10).clamp(1, 1_000) {
            let (owner, team) = reps[n % reps.len()];
            let status = statuses[rng.random_range(0..statuses.len())];
            let person = format!(
                "{}{}",
                SURNAMES[rng.random_range(0..SURNAMES.len())],
                GIVEN[rng.random_range(0..GIVEN.len())]
            );
            let fields = crm_db::leads::LeadFields {
                status: status.as_str().to_owned(),
                source: Some(Source::ALL[rng.random_range(0..7)].as_str().to_owned()),
                company_name: Some(format!(
                    "{}科技有限公司",
                    WORDS[rng.random_range(0..WORDS.len())]
                )),
                person_name: person,
                title: Some("采购负责人".to_owned()),
                email: Some(format!("lead{}@prospect.example.cn", n + 1)),
                phone: None,
                province_code: None,
                city_code: None,
                note: None,
                external_id: None,
                owner_id: Some(Id(owner)),
                team_id: team.map(Id),
                disqualified_reason: (status == LeadStatus::Disqualified)
                    .then(|| "预算不足".to_owned()),
                converted_customer_id: None,
                converted_contact_id: None,
                converted_deal_id: None,
                converted_at: None,
                search_text: String::new(),
            }
            .with_search_text();
            let lead = crm_db::leads::insert(conn, ws, Some(owner), fields)?;
            leads.push(created(lead.id.0));
        }
        use crm_db::change_log::{ACTIVITY, DEAL, LEAD};
        crm_db::batch::record_changes(conn, ws, DEAL, None, "cli", &deals)?;
        crm_db::batch::record_changes(conn, ws, LEAD, None, "cli", &leads)?;
        crm_db::batch::record_changes(conn, ws, ACTIVITY, None, "cli", &activities)?;
        Ok(Written {
            deals: deals.len(),
            leads: leads.len(),
            activities: activities.len(),
        })
    })
}
