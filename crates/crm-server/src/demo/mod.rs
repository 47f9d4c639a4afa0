//! `crm demo`: a deterministic demo workspace (fixed RNG seed, relative to
//! the day given) with the users, teams and customers the README lists,
//! products and three years of orders with planted behavioural clusters
//! (`orders`), deals, leads and activities (`sales`). Rows go in a chunk per
//! transaction (`COPY` on PostgreSQL), so the `m` size (100k customers, ~1M
//! orders) loads in about two minutes. Running it again replaces the
//! workspace with a fresh copy.

mod articles;
mod buffers;
mod customers;
mod history;
pub mod orders;
mod quotas;
mod sales;
mod tickets;
mod words;
mod writers;

use words::TAGS;

use chrono::NaiveDate;
use crm_db::AnyConnection;
use crm_db::batch::BatchChange;
use crm_db::change_log::Op;
use crm_domain::access::BuiltinRole;
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

/// [`seed`], with a second connection (`helper`) that writes half of the
/// customers and orders, and computes rollups while the first computes the
/// metrics and RFM scores, on PostgreSQL, where each statement has one core
/// (`writers`, `crm_db::rollups::rebuild_on_two`).
pub fn seed_with(
    conn: &mut AnyConnection,
    mut helper: Option<&mut AnyConnection>,
    customers: usize,
    today: NaiveDate,
) -> anyhow::Result<Seeded> {
    let hash = crm_app::security::hash_password(PASSWORD).map_err(anyhow::Error::msg)?;
    let (ws, users, tags) = crm_db::change_log::transaction(conn, |conn| setup(conn, &hash))?;
    // The bulk load commits every few thousand rows (one transaction of ten
    // million orders would hold its locks and WAL for minutes); a failure
    // removes the half-loaded workspace.
    let seeded = match load(
        conn,
        helper.as_deref_mut(),
        ws,
        &users,
        &tags,
        customers,
        today,
    ) {
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
            "change_log",
        ],
    )?;
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        "statistics refreshed"
    );
    // After the statistics: the metrics and each month's orders are planned
    // by them.
    let started = std::time::Instant::now();
    match helper {
        Some(other) => crm_db::rollups::rebuild_on_two(conn, other, ws, |c| score(c, ws))?,
        None => {
            score(conn, ws)?;
            crm_db::rollups::rebuild(conn, ws)?;
        }
    }
    crm_db::batch::analyze(
        conn,
        &[
            "customer_metrics",
            "sales_rollups",
            "order_rollups",
            "product_rollups",
            "cohort_rollups",
            "customer_counts",
        ],
    )?;
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        "metrics, RFM scores, sales and cohort rollups computed"
    );
    Ok(seeded)
}

/// Every customer's metrics, then their RFM scores: computed here, so the
/// demo's analytics answer with segments from the first read (a read never
/// scores a workspace itself; it queues a job).
fn score(conn: &mut AnyConnection, ws: Uuid) -> crm_db::DbResult<()> {
    let started = std::time::Instant::now();
    crm_db::metrics::refresh_all(conn, ws)?;
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        "customer metrics computed"
    );
    let started = std::time::Instant::now();
    crm_db::metrics::refresh_rfm_now(conn, ws)?;
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        "RFM scores computed"
    );
    Ok(())
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

/// Customers, products and orders, deals, quotas, tickets and articles.
fn load(
    conn: &mut AnyConnection,
    mut helper: Option<&mut AnyConnection>,
    ws: Uuid,
    users: &[crm_db::users::UserRow],
    tags: &[Uuid],
    customers: usize,
    today: NaiveDate,
) -> anyhow::Result<Seeded> {
    let mut rng = StdRng::seed_from_u64(SEED);
    let started = std::time::Instant::now();
    let written = customers::insert(
        (conn, helper.as_deref_mut()),
        &mut rng,
        ws,
        users,
        tags,
        customers,
        today,
    )?;
    tracing::info!(
        customers,
        seconds = started.elapsed().as_secs_f64(),
        "demo customers written"
    );
    // Fresh statistics first: the foreign-key checks of ten orders per
    // customer are planned against them.
    crm_db::batch::analyze(conn, &["customers", "customer_tags", "users", "teams"])?;
    let started = std::time::Instant::now();
    let orders = history::insert_orders(conn, helper, ws, users[0].id.0, &written, today)?;
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
