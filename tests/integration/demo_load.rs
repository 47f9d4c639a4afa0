//! The demo loader on both databases: `crm demo` run again replaces the
//! demo workspace it wrote before (orders, lines and all), and a bulk
//! load's foreign keys are checked, per row or, where PostgreSQL lets the
//! loader skip its per-row triggers, once afterwards — a dangling key is
//! found either way. The demo's rows and rollups, written on two
//! connections at once, are those one connection writes.

use chrono::Utc;
use crm_db::AnyConnection;
use crm_db::error::DbError;
use crm_db::key_checks::KeyChecks;
use crm_db::orders::{OrderFields, OrderRow};
use crm_db::schema::{
    cohort_rollups, contacts, customer_counts, customer_tags, customers, order_lines,
    order_rollups, orders, product_rollups, sales_rollups, tags, workspaces,
};
use crm_db::types::Id;
use crm_tests::{TestApp, World, both};
use diesel::prelude::*;
use uuid::Uuid;

both!(
    the_demo_replaces_an_earlier_demo,
    a_bulk_loads_dangling_key_is_found_whether_checked_per_row_or_afterwards,
    the_rollups_computed_on_two_connections_are_those_computed_on_one,
    the_demo_written_on_two_connections_is_the_one_written_on_one,
);

async fn the_demo_replaces_an_earlier_demo(app: TestApp) {
    let mut conn = app.conn();
    let today = Utc::now().date_naive();
    let first = crm_server::demo::seed(&mut conn, 40, today).expect("first demo");
    assert!(first.orders > 0);
    // Deleting a workspace that sold products failed on PostgreSQL: the
    // products' references were checked before the lines were deleted.
    let second = crm_server::demo::seed(&mut conn, 30, today).expect("second demo");
    assert_ne!(first.workspace_id, second.workspace_id);
    let demos: Vec<Id> = workspaces::table
        .filter(workspaces::slug.eq("demo"))
        .select(workspaces::id)
        .load(&mut *conn)
        .expect("workspaces");
    assert_eq!(demos, [Id(second.workspace_id)]);
    let count = |conn: &mut AnyConnection, ws: Uuid| -> (i64, i64) {
        let o = orders::table
            .filter(orders::workspace_id.eq(Id(ws)))
            .count()
            .get_result(conn)
            .expect("orders");
        let l = order_lines::table
            .filter(order_lines::workspace_id.eq(Id(ws)))
            .count()
            .get_result(conn)
            .expect("lines");
        (o, l)
    };
    assert_eq!(count(&mut conn, first.workspace_id), (0, 0));
    let (orders, lines) = count(&mut conn, second.workspace_id);
    assert_eq!(orders, second.orders as i64);
    assert!(lines >= orders);
    // The loaded keys passed their check (afterwards, where deferred).
    KeyChecks::for_bulk_load(&mut conn)
        .verify(
            &mut conn,
            second.workspace_id,
            &["orders", "order_lines", "change_log"],
        )
        .expect("every key of the demo matches");
}

async fn a_bulk_loads_dangling_key_is_found_whether_checked_per_row_or_afterwards(app: TestApp) {
    let w = World::create(&app);
    let mut conn = app.conn();
    let keys = KeyChecks::for_bulk_load(&mut conn);
    if let AnyConnection::Postgresql(pg) = &mut *conn {
        #[derive(QueryableByName)]
        struct Superuser {
            #[diesel(sql_type = diesel::sql_types::Bool)]
            yes: bool,
        }
        let role: Superuser =
            diesel::sql_query("SELECT current_setting('is_superuser') = 'on' AS yes")
                .get_result(pg)
                .expect("role");
        assert_eq!(
            keys.deferred(),
            role.yes,
            "deferred exactly for a superuser"
        );
    } else {
        assert!(!keys.deferred(), "SQLite checks every row");
    }
    let nobody = Uuid::now_v7();
    let order = OrderRow::new(
        w.ws,
        None,
        OrderFields {
            customer_id: Id(nobody),
            external_id: Some("SO-DANGLING".into()),
            order_date: Utc::now().date_naive(),
            status: "completed".into(),
            currency: "CNY".into(),
            subtotal_minor: 100,
            discount_minor: 0,
            total_minor: 100,
            owner_id: None,
            team_id: None,
            note: None,
        },
    );
    let written = conn.transaction(|c| -> crm_db::DbResult<()> {
        keys.skip_in_transaction(c)?;
        crm_db::orders::insert_new(c, std::slice::from_ref(&order), &[])
    });
    let found = if keys.deferred() {
        written.expect("the row is written unchecked");
        // Only this transaction skipped the checks: the next write is
        // checked again.
        let again = OrderRow::new(
            w.ws,
            None,
            OrderFields {
                external_id: Some("SO-DANGLING-2".into()),
                ..order.fields.clone()
            },
        );
        let checked = crm_db::orders::insert_new(&mut conn, &[again], &[]);
        assert!(
            matches!(checked, Err(DbError::ForeignKeyViolation(_))),
            "{checked:?}"
        );
        // Handed out to two connections, the keys are checked all the same.
        let mut helper = app.conn();
        let tables = ["orders", "order_lines", "change_log"];
        let on_two = keys.verify_on_two(&mut conn, Some(&mut helper), w.ws, &tables);
        assert!(
            matches!(&on_two, Err(DbError::ForeignKeyViolation(m))
                if m.contains("1 rows of orders match no row of customers")),
            "{on_two:?}"
        );
        keys.verify(&mut conn, w.ws, &["orders"])
    } else {
        written
    };
    match found {
        Err(DbError::ForeignKeyViolation(m)) => {
            if keys.deferred() {
                assert!(
                    m.contains("1 rows of orders match no row of customers"),
                    "{m}"
                );
            }
        }
        other => panic!("the dangling customer went unnoticed: {other:?}"),
    }
}

/// Every row of the workspace's five rollup tables, sorted.
type Rollups = (
    Vec<(
        String,
        String,
        chrono::NaiveDate,
        String,
        String,
        Id,
        Id,
        i64,
        i64,
    )>,
    Vec<(
        String,
        chrono::NaiveDate,
        chrono::NaiveDate,
        Id,
        Id,
        i64,
        i64,
    )>,
    Vec<(String, String, Id, Id, i64)>,
    Vec<(String, chrono::NaiveDate, Id, Id, i64, i64)>,
    Vec<(String, chrono::NaiveDate, Id, Id, Id, i64, i64, i64)>,
);

fn rollups(conn: &mut AnyConnection, ws: Uuid) -> Rollups {
    let mut sales = sales_rollups::table
        .filter(sales_rollups::workspace_id.eq(Id(ws)))
        .select((
            sales_rollups::currency,
            sales_rollups::dimension,
            sales_rollups::order_date,
            sales_rollups::parent_code,
            sales_rollups::code,
            sales_rollups::owner_id,
            sales_rollups::team_id,
            sales_rollups::revenue_minor,
            sales_rollups::orders,
        ))
        .load(conn)
        .expect("sales rollups");
    let mut cohorts = cohort_rollups::table
        .filter(cohort_rollups::workspace_id.eq(Id(ws)))
        .select((
            cohort_rollups::currency,
            cohort_rollups::cohort_month,
            cohort_rollups::order_month,
            cohort_rollups::owner_id,
            cohort_rollups::team_id,
            cohort_rollups::buyers,
            cohort_rollups::revenue_minor,
        ))
        .load(conn)
        .expect("cohort rollups");
    let mut counts = customer_counts::table
        .filter(customer_counts::workspace_id.eq(Id(ws)))
        .select((
            customer_counts::dimension,
            customer_counts::code,
            customer_counts::owner_id,
            customer_counts::team_id,
            customer_counts::customers,
        ))
        .load(conn)
        .expect("customer counts");
    let mut by_order = order_rollups::table
        .filter(order_rollups::workspace_id.eq(Id(ws)))
        .select((
            order_rollups::currency,
            order_rollups::order_date,
            order_rollups::owner_id,
            order_rollups::team_id,
            order_rollups::revenue_minor,
            order_rollups::orders,
        ))
        .load(conn)
        .expect("order rollups");
    let mut by_product = product_rollups::table
        .filter(product_rollups::workspace_id.eq(Id(ws)))
        .select((
            product_rollups::currency,
            product_rollups::order_date,
            product_rollups::product_id,
            product_rollups::owner_id,
            product_rollups::team_id,
            product_rollups::amount_minor,
            product_rollups::quantity_milli,
            product_rollups::lines,
        ))
        .load(conn)
        .expect("product rollups");
    // In key order, whatever order each connection wrote them in.
    sales.sort();
    cohorts.sort();
    counts.sort();
    by_order.sort();
    by_product.sort();
    (sales, cohorts, counts, by_order, by_product)
}

async fn the_rollups_computed_on_two_connections_are_those_computed_on_one(app: TestApp) {
    let mut conn = app.conn();
    let mut helper = app.conn();
    let today = Utc::now().date_naive();
    // On PostgreSQL the helper computes part of the rollups; SQLite, which
    // writes one connection at a time, computes them on the first alone.
    let demo = crm_server::demo::seed_with(&mut conn, Some(&mut helper), 60, today)
        .expect("demo with a helper");
    let two = rollups(&mut conn, demo.workspace_id);
    let (sales, cohorts, counts, by_order, by_product) = &two;
    assert!(!sales.is_empty() && !cohorts.is_empty() && !counts.is_empty());
    assert!(!by_order.is_empty() && !by_product.is_empty());
    // Every month's orders are summed (the parts are handed out month by
    // month), each once.
    let total: i64 = sales
        .iter()
        .filter(|r| r.1 == crm_db::rollups::ANY_DIMENSION)
        .map(|r| r.8)
        .sum();
    assert_eq!(total, revenue_orders(&mut conn, demo.workspace_id));
    crm_db::rollups::rebuild(&mut conn, demo.workspace_id).expect("rebuild on one");
    assert_eq!(rollups(&mut conn, demo.workspace_id), two);
}

/// The workspace's revenue orders of live customers.
fn revenue_orders(conn: &mut AnyConnection, ws: Uuid) -> i64 {
    orders::table
        .inner_join(
            customers::table.on(customers::workspace_id
                .eq(orders::workspace_id)
                .and(customers::id.eq(orders::customer_id))),
        )
        .filter(orders::workspace_id.eq(Id(ws)))
        .filter(orders::deleted_at.is_null())
        .filter(customers::deleted_at.is_null())
        .filter(orders::status.ne("draft"))
        .filter(orders::status.ne("cancelled"))
        .filter(orders::status.ne("refunded"))
        .count()
        .get_result(conn)
        .expect("revenue orders")
}

async fn the_demo_written_on_two_connections_is_the_one_written_on_one(app: TestApp) {
    let mut conn = app.conn();
    let mut helper = app.conn();
    let today = Utc::now().date_naive();
    let one = crm_server::demo::seed(&mut conn, 60, today).expect("demo on one");
    let alone = content(&mut conn, one.workspace_id);
    // Pieces of a quarter of the customers: both connections write some.
    let two =
        crm_server::demo::seed_with(&mut conn, Some(&mut helper), 60, today).expect("demo on two");
    let beside = content(&mut conn, two.workspace_id);
    assert_eq!(beside.customers.len(), 60);
    assert_eq!(beside.orders.len(), two.orders);
    assert!(beside.lines.len() >= two.orders);
    assert!(!beside.tags.is_empty() && !beside.contacts.is_empty());
    assert_eq!(beside, alone);
}

/// A demo's rows, with ids replaced by external ids (each load draws new ids).
#[derive(Debug, PartialEq)]
struct Content {
    /// Number, name, kind, district, phone, e-mail.
    customers: Vec<(Ext, String, String, Ext, Ext, Ext)>,
    /// Number, customer's number, date, status, total.
    orders: Vec<(Ext, Ext, chrono::NaiveDate, String, i64)>,
    lines: Vec<(Option<String>, i32, i64, i64, i64)>,
    tags: Vec<(Option<String>, String)>,
    contacts: Vec<(Option<String>, String, Option<String>)>,
}

/// An external id (or a name or code that may be missing).
type Ext = Option<String>;

fn content(conn: &mut AnyConnection, ws: Uuid) -> Content {
    let rows: Vec<(Id, Ext, String, String, Ext, Ext, Ext)> = customers::table
        .filter(customers::workspace_id.eq(Id(ws)))
        .select((
            customers::id,
            customers::external_id,
            customers::name,
            customers::kind,
            customers::district_code,
            customers::phone,
            customers::email,
        ))
        .load(conn)
        .expect("customers");
    let customer: std::collections::HashMap<Id, Option<String>> =
        rows.iter().map(|r| (r.0, r.1.clone())).collect();
    let mut customers: Vec<_> = rows
        .into_iter()
        .map(|r| (r.1, r.2, r.3, r.4, r.5, r.6))
        .collect();
    let rows: Vec<(Id, Option<String>, Id, chrono::NaiveDate, String, i64)> = orders::table
        .filter(orders::workspace_id.eq(Id(ws)))
        .select((
            orders::id,
            orders::external_id,
            orders::customer_id,
            orders::order_date,
            orders::status,
            orders::total_minor,
        ))
        .load(conn)
        .expect("orders");
    let order: std::collections::HashMap<Id, Option<String>> =
        rows.iter().map(|r| (r.0, r.1.clone())).collect();
    let mut orders: Vec<_> = rows
        .into_iter()
        .map(|r| (r.1, customer[&r.2].clone(), r.3, r.4, r.5))
        .collect();
    let rows: Vec<(Id, i32, i64, i64, i64)> = order_lines::table
        .filter(order_lines::workspace_id.eq(Id(ws)))
        .select((
            order_lines::order_id,
            order_lines::line_no,
            order_lines::quantity_milli,
            order_lines::unit_price_minor,
            order_lines::amount_minor,
        ))
        .load(conn)
        .expect("lines");
    let mut lines: Vec<_> = rows
        .into_iter()
        .map(|r| (order[&r.0].clone(), r.1, r.2, r.3, r.4))
        .collect();
    let rows: Vec<(Id, String)> = customer_tags::table
        .inner_join(tags::table)
        .filter(customer_tags::workspace_id.eq(Id(ws)))
        .select((customer_tags::customer_id, tags::name))
        .load(conn)
        .expect("tags");
    let mut tags: Vec<_> = rows
        .into_iter()
        .map(|r| (customer[&r.0].clone(), r.1))
        .collect();
    let rows: Vec<(Id, String, Option<String>)> = contacts::table
        .filter(contacts::workspace_id.eq(Id(ws)))
        .select((contacts::customer_id, contacts::name, contacts::email))
        .load(conn)
        .expect("contacts");
    let mut contacts: Vec<_> = rows
        .into_iter()
        .map(|r| (customer[&r.0].clone(), r.1, r.2))
        .collect();
    customers.sort();
    orders.sort();
    lines.sort();
    tags.sort();
    contacts.sort();
    Content {
        customers,
        orders,
        lines,
        tags,
        contacts,
    }
}
