//! `crm demo`: a deterministic demo workspace (fixed RNG seed, relative to
//! the day given) with the users, teams and customers the README lists,
//! products and three years of orders with planted behavioural clusters
//! (`orders`), deals, leads and activities (`sales`). Rows go in a chunk per
//! transaction (`COPY` on PostgreSQL), so the `m` size (100k customers, ~1M
//! orders) loads in about two minutes. Running it again replaces the
//! workspace with a fresh copy.

mod articles;
mod buffers;
mod history;
pub mod orders;
mod quotas;
mod sales;
mod tickets;
mod words;

use crate::progress::{Progress, Unit};
use buffers::CustomerBatch;
use words::{FOREIGN, GIVEN, PROVINCES, SURNAMES, TAGS, WORDS, industry_word};

use chrono::NaiveDate;
use crm_db::AnyConnection;
use crm_db::batch::BatchChange;
use crm_db::change_log::{Change, Op, record};
use crm_db::customers::{CustomerFields, CustomerRow};
use crm_db::regions::RegionFilter;
use crm_db::types::{Id, Json};
use crm_domain::access::BuiltinRole;
use crm_domain::customer::{CustomerKind, Gender, Industry, LifecycleStage, SizeBand, Source};
use rand::distr::weighted::WeightedIndex;
use rand::prelude::*;
use rand::rngs::StdRng;
use uuid::Uuid;

pub const SLUG: &str = crm_domain::DEMO_WORKSPACE;
pub const PASSWORD: &str = "demo-password";

/// (e-mail, display name, role, team index)
const USERS: [(&str, &str, BuiltinRole, Option<usize>); 10] = [
    (
        "admin@demo.test",
        "系统管理员 Admin",
        BuiltinRole::Admin,
        None,
    ),
    (
        "manager1@demo.test",
        "陈经理 Manager 1",
        BuiltinRole::Manager,
        Some(0),
    ),
    (
        "manager2@demo.test",
        "林经理 Manager 2",
        BuiltinRole::Manager,
        Some(1),
    ),
    ("rep1@demo.test", "王磊 Rep 1", BuiltinRole::Sales, Some(0)),
    ("rep2@demo.test", "李娜 Rep 2", BuiltinRole::Sales, Some(0)),
    ("rep3@demo.test", "张伟 Rep 3", BuiltinRole::Sales, Some(1)),
    ("rep4@demo.test", "刘洋 Rep 4", BuiltinRole::Sales, Some(1)),
    (
        "service@demo.test",
        "赵敏 Service",
        BuiltinRole::Service,
        Some(2),
    ),
    ("viewer@demo.test", "周静 Viewer", BuiltinRole::Viewer, None),
    (
        "marketing@demo.test",
        "孙悦 Marketing",
        BuiltinRole::Marketing,
        None,
    ),
];

const TEAMS: [&str; 3] = [
    "华东大区 East China",
    "华南大区 South China",
    "客户服务部 Service",
];

pub fn logins_text() -> String {
    let mut text = format!("Demo workspace \"{SLUG}\" — every user's password is {PASSWORD}:\n");
    for (email, name, role, _) in USERS {
        text.push_str(&format!(
            "  {email:<22} {role:<9} {name}\n",
            role = role.as_str()
        ));
    }
    text
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn mobile(rng: &mut StdRng) -> String {
    let second = pick(rng, &['3', '5', '7', '8', '9']);
    format!("+861{second}{:09}", rng.random_range(0..1_000_000_000_u32))
}

/// Demo sizes (DESIGN §7): customers; orders follow at about ten each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Size {
    /// 2,000 customers (the default of `make run`).
    S,
    /// 100,000 customers, about a million orders.
    M,
    /// 1,000,000 customers, about ten million orders.
    L,
}

impl Size {
    pub fn customers(self) -> usize {
        match self {
            Size::S => 2_000,
            Size::M => 100_000,
            Size::L => 1_000_000,
        }
    }
}

/// What `seed` wrote, with the planted truth analytics are checked against.
#[derive(Debug, Clone)]
pub struct Seeded {
    pub workspace_id: Uuid,
    /// Every customer with its behavioural cluster.
    pub planted: Vec<(Uuid, orders::Cluster)>,
    pub orders: usize,
}

/// Deletes the demo workspace if present and creates it afresh, with
/// `customers` customers and order history up to `today`.
pub fn seed(
    conn: &mut AnyConnection,
    customers: usize,
    today: NaiveDate,
) -> anyhow::Result<Seeded> {
    seed_with(conn, None, customers, today)
}

/// [`seed`], with a second connection (`helper`) that computes half of the
/// rollups beside the first on PostgreSQL, where each statement has one
/// core (`crm_db::rollups::rebuild_on_two`).
pub fn seed_with(
    conn: &mut AnyConnection,
    helper: Option<&mut AnyConnection>,
    customers: usize,
    today: NaiveDate,
) -> anyhow::Result<Seeded> {
    let hash = crm_app::security::hash_password(PASSWORD).map_err(anyhow::Error::msg)?;
    let (ws, users, tags) = crm_db::change_log::transaction(conn, |conn| setup(conn, &hash))?;
    // The bulk load commits every few thousand rows (one transaction of ten
    // million orders would hold its locks and WAL for minutes); a failure
    // removes the half-loaded workspace.
    let seeded = match load(conn, ws, &users, &tags, customers, today) {
        Ok(seeded) => seeded,
        Err(err) => {
            if let Err(cleanup) = crm_db::workspaces::delete(conn, ws) {
                tracing::error!(%cleanup, "could not remove the half-loaded demo workspace");
            }
            return Err(err);
        }
    };
    let started = std::time::Instant::now();
    crm_db::batch::analyze(
        conn,
        &[
            "customers",
            "customer_tags",
            "orders",
            "order_lines",
            "customer_metrics",
            "change_log",
        ],
    )?;
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        "statistics refreshed"
    );
    // After the statistics: each month's orders are planned by them.
    let started = std::time::Instant::now();
    match helper {
        Some(other) => crm_db::rollups::rebuild_on_two(conn, other, seeded.workspace_id)?,
        None => crm_db::rollups::rebuild(conn, seeded.workspace_id)?,
    }
    crm_db::batch::analyze(
        conn,
        &["sales_rollups", "cohort_rollups", "customer_counts"],
    )?;
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        "sales and cohort rollups computed"
    );
    Ok(seeded)
}

/// The workspace with its roles, pipeline, teams, users, tags and custom
/// field (replacing an earlier demo workspace), in one transaction.
fn setup(
    conn: &mut AnyConnection,
    hash: &str,
) -> anyhow::Result<(Uuid, Vec<crm_db::users::UserRow>, Vec<Uuid>)> {
    if let Some(old) = crm_db::workspaces::find_by_slug(conn, SLUG)? {
        crm_db::workspaces::delete(conn, old.id.0)?;
    }
    let (workspace, roles) =
        crm_app::workspaces::insert_with_builtins(conn, SLUG, "演示公司 Demo Co.")?;
    let ws = workspace.id.0;
    let role_id = |role: BuiltinRole| crm_app::workspaces::role(&roles, role);
    let mut teams = Vec::new();
    for name in TEAMS {
        let fields = crm_db::teams::TeamFields {
            name: name.to_owned(),
            parent_id: None,
            manager_id: None,
        };
        teams.push(crm_db::teams::insert(conn, ws, &fields)?);
    }
    let mut users = Vec::new();
    for (email, name, role, team) in USERS {
        let new = crm_db::users::NewUser {
            email,
            display_name: name,
            password_hash: hash,
            role_id: role_id(role)?,
            team_id: team.map(|t| teams[t].id.0),
        };
        users.push(crm_db::users::insert(conn, ws, &new)?);
    }
    for (team, manager) in [(0, 1), (1, 2)] {
        let t = &teams[team];
        let fields = crm_db::teams::TeamFields {
            name: t.name.clone(),
            parent_id: None,
            manager_id: Some(users[manager].id.0),
        };
        crm_db::teams::update(conn, ws, t.id.0, t.version, &fields)?;
    }
    let tags: Vec<Uuid> = TAGS
        .iter()
        .map(|(n, c)| crm_db::tags::insert(conn, ws, n, Some(c)).map(|t| t.id.0))
        .collect::<Result<_, _>>()?;
    let field = crm_db::custom_fields::CustomFieldWrite {
        entity: crm_db::change_log::CUSTOMER,
        key: "vip_level",
        label: "VIP 等级",
        field_type: "single_select",
        options: &["金卡".to_owned(), "银卡".to_owned(), "普通".to_owned()],
        required: false,
        position: 0,
    };
    crm_db::custom_fields::insert(conn, ws, &field)?;
    Ok((ws, users, tags))
}

/// Customers, products and orders, then every customer's metrics.
fn load(
    conn: &mut AnyConnection,
    ws: Uuid,
    users: &[crm_db::users::UserRow],
    tags: &[Uuid],
    customers: usize,
    today: NaiveDate,
) -> anyhow::Result<Seeded> {
    let mut rng = StdRng::seed_from_u64(SEED);
    let started = std::time::Instant::now();
    let written = insert_customers(conn, &mut rng, ws, users, tags, customers, today)?;
    tracing::info!(
        customers,
        seconds = started.elapsed().as_secs_f64(),
        "demo customers written"
    );
    // Fresh statistics first: the foreign-key checks of ten orders per
    // customer are planned against them.
    crm_db::batch::analyze(conn, &["customers", "customer_tags", "users", "teams"])?;
    let started = std::time::Instant::now();
    let orders = history::insert_orders(conn, ws, users[0].id.0, &written, today)?;
    tracing::info!(
        orders,
        seconds = started.elapsed().as_secs_f64(),
        "demo orders written"
    );
    let reps: Vec<(Uuid, Option<Uuid>)> = users[3..7]
        .iter()
        .map(|u| (u.id.0, u.team_id.map(|t| t.0)))
        .collect();
    let accounts: Vec<sales::Account> = written
        .iter()
        .map(|w| (w.id, w.owner_id, w.team_id))
        .collect();
    let sales = sales::seed(conn, ws, &reps, &accounts, today)?;
    tracing::info!(
        deals = sales.deals,
        leads = sales.leads,
        activities = sales.activities,
        "demo deals, leads and activities written"
    );
    let quotas = quotas::seed(conn, ws, users[0].id.0, &reps, today)?;
    tracing::info!(quotas, "demo quotas written");
    let agent = &users[7];
    let tickets = tickets::seed(
        conn,
        ws,
        (agent.id.0, agent.team_id.map(|t| t.0)),
        &accounts,
        today,
    )?;
    tracing::info!(tickets, "demo tickets written");
    let articles = articles::seed(conn, ws, agent.id.0, crm_db::time::now())?;
    tracing::info!(articles, "demo knowledge base written");
    let started = std::time::Instant::now();
    crm_db::metrics::refresh_all(conn, ws)?;
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        "customer metrics computed"
    );
    // Scored here, so the demo's analytics answer with segments from the
    // first read (a read never scores a workspace itself; it queues a job).
    let started = std::time::Instant::now();
    crm_db::metrics::refresh_rfm_now(conn, ws)?;
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        "RFM scores computed"
    );
    Ok(Seeded {
        workspace_id: ws,
        planted: written.iter().map(|w| (w.id, w.plan.cluster)).collect(),
        orders,
    })
}

const SEED: u64 = 20_261_122;

/// A customer as written, with what its orders need.
struct Written {
    id: Uuid,
    owner_id: Option<Uuid>,
    team_id: Option<Uuid>,
    plan: orders::Plan,
}

pub(super) fn created(id: Uuid) -> BatchChange {
    BatchChange {
        entity_id: id,
        op: Op::Create,
        changed_fields: vec![],
        values: None,
    }
}

fn insert_customers(
    conn: &mut AnyConnection,
    rng: &mut StdRng,
    ws: Uuid,
    users: &[crm_db::users::UserRow],
    tags: &[Uuid],
    count: usize,
    today: NaiveDate,
) -> anyhow::Result<Vec<Written>> {
    let mut plan_rng = StdRng::seed_from_u64(SEED + 1);
    let mut batch = CustomerBatch::default();
    let mut written = Vec::with_capacity(count);
    let province_pick = WeightedIndex::new(PROVINCES.iter().map(|p| p.1))?;
    // Owners: the reps carry most accounts, managers a few of their own.
    let owners = [(3, 24), (4, 24), (5, 24), (6, 24), (1, 2), (2, 2)];
    let owner_pick = WeightedIndex::new(owners.iter().map(|o| o.1))?;
    let stage_pick = WeightedIndex::new([5, 15, 10, 10, 15, 35, 5, 5])?;
    let stages = &LifecycleStage::ALL[..8];
    let mut cities: std::collections::HashMap<String, Vec<crm_db::regions::RegionRow>> =
        Default::default();
    let mut districts: std::collections::HashMap<String, Vec<crm_db::regions::RegionRow>> =
        Default::default();
    let mut progress = Progress::new("customers", Unit::Rows);
    progress.set_total(count as u64);
    for n in 0..count {
        progress.set(n as u64);
        let owner = &users[owners[owner_pick.sample(rng)].0];
        let is_person = rng.random_bool(0.2);
        let industry = *pick(rng, &Industry::ALL[..16]);
        let foreign = !is_person && rng.random_bool(0.08);
        let (country, province, city, district, name) = if foreign {
            let (country, name) = *pick(rng, &FOREIGN);
            (
                country.to_owned(),
                None,
                None,
                None,
                format!("{name} #{}", n + 1),
            )
        } else {
            let province = PROVINCES[province_pick.sample(rng)].0.to_owned();
            let city_list = match cities.get(&province) {
                Some(list) => list.clone(),
                None => {
                    let list = crm_db::regions::list(
                        conn,
                        &RegionFilter {
                            parent: Some(province.clone()),
                            limit: 1000,
                            ..Default::default()
                        },
                    )?;
                    cities.insert(province.clone(), list.clone());
                    list
                }
            };
            let city = pick(rng, &city_list).clone();
            let district_list = match districts.get(&city.code) {
                Some(list) => list.clone(),
                None => {
                    let list = crm_db::regions::list(
                        conn,
                        &RegionFilter {
                            parent: Some(city.code.clone()),
                            limit: 1000,
                            ..Default::default()
                        },
                    )?;
                    districts.insert(city.code.clone(), list.clone());
                    list
                }
            };
            let district =
                (!district_list.is_empty()).then(|| pick(rng, &district_list).code.clone());
            let short: String = city
                .name_zh
                .trim_end_matches('市')
                .chars()
                .take(4)
                .collect();
            let name = if is_person {
                format!("{}{}", pick(rng, &SURNAMES), pick(rng, &GIVEN))
            } else {
                format!(
                    "{short}{}{}有限公司",
                    pick(rng, &WORDS),
                    industry_word(industry)
                )
            };
            (
                "CN".to_owned(),
                Some(province),
                Some(city.code),
                district,
                name,
            )
        };
        let size = *pick(rng, SizeBand::ALL);
        let employees = match size {
            SizeBand::Micro => rng.random_range(1..10),
            SizeBand::Small => rng.random_range(10..50),
            SizeBand::Medium => rng.random_range(50..250),
            SizeBand::Large => rng.random_range(250..1000),
            SizeBand::Enterprise => rng.random_range(1000..20000),
        };
        let vip = pick(rng, &["金卡", "银卡", "普通", "普通"]);
        let fields = CustomerFields {
            kind: if is_person {
                CustomerKind::Person
            } else {
                CustomerKind::Organization
            }
            .as_str()
            .to_owned(),
            name,
            external_id: Some(format!("DEMO-{:05}", n + 1)),
            owner_id: Some(owner.id),
            team_id: owner.team_id,
            industry: (!is_person).then(|| industry.as_str().to_owned()),
            size_band: (!is_person).then(|| size.as_str().to_owned()),
            employee_count: (!is_person).then_some(employees),
            annual_revenue_minor: (!is_person)
                .then(|| i64::from(employees) * rng.random_range(20_000..200_000) * 100),
            annual_revenue_currency: (!is_person)
                .then(|| if foreign { "USD" } else { "CNY" }.to_owned()),
            email: rng
                .random_bool(0.7)
                .then(|| format!("contact{}@customer{}.example.cn", n % 7, n + 1)),
            phone: rng.random_bool(0.8).then(|| mobile(rng)),
            website: (!is_person && rng.random_bool(0.5))
                .then(|| format!("https://www.customer{}.example.cn", n + 1)),
            country_code: Some(country),
            province_code: province,
            city_code: city,
            district_code: district,
            address: None,
            gender: is_person.then(|| {
                pick(rng, &[Gender::Female, Gender::Male])
                    .as_str()
                    .to_owned()
            }),
            birth_date: is_person
                .then(|| {
                    NaiveDate::from_ymd_opt(
                        rng.random_range(1960..2004),
                        rng.random_range(1..13),
                        rng.random_range(1..29),
                    )
                })
                .flatten(),
            source: Some(pick(rng, &Source::ALL[..7]).as_str().to_owned()),
            lifecycle_stage: Some(stages[stage_pick.sample(rng)].as_str().to_owned()),
            custom_fields: Json(serde_json::json!({ "vip_level": vip })),
            search_text: String::new(),
        }
        .with_search_text();
        let plan = orders::plan(&mut plan_rng, today);
        let mut row = CustomerRow::new(ws, Some(users[0].id.0), fields);
        let acquired = plan.acquired.and_hms_opt(9, 0, 0).unwrap_or_default();
        row.created_at = acquired;
        row.updated_at = acquired;
        written.push(Written {
            id: row.id.0,
            owner_id: row.fields.owner_id.map(|o| o.0),
            team_id: row.fields.team_id.map(|t| t.0),
            plan,
        });
        let mut chosen: Vec<Uuid> = tags
            .iter()
            .filter(|_| rng.random_bool(0.15))
            .copied()
            .collect();
        chosen.sort();
        batch.tags.push((row.id.0, chosen));
        let customer_id = row.id.0;
        batch.rows.push(row);
        // Contacts for the first customers only: enough to show, cheap at every size.
        let with_contacts = !is_person && n < 1_000 && rng.random_bool(0.5);
        if batch.rows.len() >= 5_000 {
            batch.flush(conn, ws)?;
        }
        if with_contacts {
            batch.flush(conn, ws)?;
            for c in 0..rng.random_range(1..4) {
                let contact = crm_db::contacts::ContactFields {
                    customer_id: Id(customer_id),
                    name: format!("{}{}", pick(rng, &SURNAMES), pick(rng, &GIVEN)),
                    title: Some(
                        pick(
                            rng,
                            &["采购经理", "总经理", "财务总监", "IT 主管", "运营经理"],
                        )
                        .to_string(),
                    ),
                    department: None,
                    email: Some(format!("person{c}@customer{}.example.cn", n + 1)),
                    phone: Some(mobile(rng)),
                    is_primary: c == 0,
                    external_id: None,
                    custom_fields: Json(serde_json::json!({})),
                    search_text: String::new(),
                }
                .with_search_text();
                let contact = crm_db::contacts::insert(conn, ws, None, &contact)?;
                record(
                    conn,
                    Change {
                        workspace_id: ws,
                        entity: crm_db::change_log::CONTACT,
                        entity_id: contact.id.0,
                        op: Op::Create,
                        changed_fields: vec![],
                        actor_id: None,
                        channel: "cli",
                        values: None,
                    },
                )?;
            }
        }
    }
    batch.flush(conn, ws)?;
    progress.set(count as u64);
    progress.finish();
    Ok(written)
}
