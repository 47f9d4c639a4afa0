//! The customer list sorted by revenue, order count or last order, page by
//! page: every visible customer exactly once, in (key, id) order, with
//! customers without orders (key 0 / none) merged among buyers whose key
//! ties with theirs, under a narrow scope and a filter (which make the
//! buyers' index window grow) as well as for the admin.

use std::cmp::Ordering;
use std::collections::BTreeSet;

use chrono::NaiveDate;
use crm_tests::{CustomerBuilder, TestApp, World, both};
use uuid::Uuid;

use crate::analytics::{order, setup_product, today};

both!(metric_sorts_page_through_every_visible_customer_in_key_order);

/// A customer's order metrics as the test created them.
#[derive(Debug, Clone, Copy)]
struct Bought {
    id: Uuid,
    orders: i64,
    revenue: i64,
    last: Option<NaiveDate>,
}

/// The ids listed for `query`, following `next_cursor` `limit` at a time.
async fn paged(app: &TestApp, token: &str, query: &str, limit: usize) -> Vec<Uuid> {
    let (mut ids, mut cursor) = (Vec::new(), String::new());
    loop {
        let page = app
            .get(&format!("/api/v1/customers?limit={limit}&{query}{cursor}"))
            .token(token)
            .send()
            .await
            .expect(200);
        let items = page.body["items"].as_array().expect("items");
        assert!(
            items.len() <= limit,
            "{query}: a page longer than its limit"
        );
        for c in items {
            ids.push(c["id"].as_str().and_then(|s| s.parse().ok()).expect("id"));
        }
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => return ids,
        }
    }
}

/// `customers` (those in `visible`) in the order `sort` should list them.
fn expected(customers: &[Bought], visible: &BTreeSet<Uuid>, sort: &str) -> Vec<Uuid> {
    let (descending, field) = match sort.strip_prefix('-') {
        Some(field) => (true, field),
        None => (false, sort),
    };
    let key = |b: &Bought| match field {
        "revenue" => (b.revenue, None),
        "order_count" => (b.orders, None),
        _ => (0, b.last),
    };
    let mut rows: Vec<&Bought> = customers
        .iter()
        .filter(|b| visible.contains(&b.id))
        .collect();
    rows.sort_by(|a, b| {
        let o: Ordering = key(a).cmp(&key(b)).then(a.id.cmp(&b.id));
        if descending { o.reverse() } else { o }
    });
    rows.into_iter().map(|b| b.id).collect()
}

async fn metric_sorts_page_through_every_visible_customer_in_key_order(app: TestApp) {
    let w = World::create(&app);
    let t = &w.admin.token;
    setup_product(&app, t).await;
    let mut customers = Vec::new();
    for i in 0..40_i64 {
        let owner = if i % 3 == 0 { &w.rep3 } else { &w.rep1 };
        let province = if i % 2 == 0 { "440000" } else { "110000" };
        let id = CustomerBuilder::new(w.ws, &format!("客户{i:02}"))
            .owner(owner)
            .region(province, &format!("{}0100", &province[..2]))
            .build(&app);
        // None, one free order (revenue 0, ties with the customers without
        // orders), or one to three orders whose revenue and last day repeat.
        let (orders, price) = match i % 4 {
            0 => (0, 0),
            1 => (1, 0),
            2 => (i % 3 + 1, 100),
            _ => (2, 50 * (i % 2 + 1)),
        };
        let newest = i % 5;
        for n in 0..orders {
            order(&app, t, id, newest + n * 3, price, "paid").await;
        }
        customers.push(Bought {
            id,
            orders,
            revenue: orders * price,
            last: (orders > 0).then(|| today() - chrono::Duration::days(newest)),
        });
    }
    let everyone: BTreeSet<Uuid> = customers.iter().map(|b| b.id).collect();
    let everyone_in_gd: BTreeSet<Uuid> = paged(&app, t, "sort=name&region=440000", 100)
        .await
        .into_iter()
        .collect();
    assert_eq!(everyone_in_gd.len(), 20);
    let rep = &w.rep1.token;
    let reps: BTreeSet<Uuid> = paged(&app, rep, "sort=name", 100)
        .await
        .into_iter()
        .collect();
    assert!(reps.len() < everyone.len() && !reps.is_empty());
    // Three buyers (revenue 100 each) and four customers without orders:
    // more than eight one-row pages' worth of buyers sort before them, so
    // the buyers' first window misses them and has to grow.
    let narrow = format!("region=440000&owner_id={}", w.rep3.id);
    let rep3_in_gd: BTreeSet<Uuid> = paged(&app, t, &format!("sort=name&{narrow}"), 100)
        .await
        .into_iter()
        .collect();
    assert_eq!(rep3_in_gd.len(), 7);
    // Metric bounds, which also narrow the buyers' window: at most keeps the
    // customers without orders, at least drops them.
    let mut bounded = Vec::new();
    for bound in [
        "max_revenue_minor=100",
        "min_orders=2",
        "max_orders=1&min_revenue_minor=1",
    ] {
        let members: BTreeSet<Uuid> = paged(&app, t, &format!("sort=name&{bound}"), 100)
            .await
            .into_iter()
            .collect();
        assert!(
            !members.is_empty() && members.len() < everyone.len(),
            "{bound}"
        );
        bounded.push((bound, members));
    }

    for sort in [
        "revenue",
        "-revenue",
        "order_count",
        "-order_count",
        "last_order_on",
        "-last_order_on",
    ] {
        for limit in [1, 2, 5, 50] {
            let q = format!("sort={sort}");
            assert_eq!(
                paged(&app, t, &q, limit).await,
                expected(&customers, &everyone, sort),
                "admin, {q}, {limit} a page"
            );
            assert_eq!(
                paged(&app, rep, &q, limit).await,
                expected(&customers, &reps, sort),
                "rep, {q}, {limit} a page"
            );
            let q = format!("sort={sort}&region=440000");
            assert_eq!(
                paged(&app, t, &q, limit).await,
                expected(&customers, &everyone_in_gd, sort),
                "admin, {q}, {limit} a page"
            );
            for (bound, members) in &bounded {
                let q = format!("sort={sort}&{bound}");
                assert_eq!(
                    paged(&app, t, &q, limit).await,
                    expected(&customers, members, sort),
                    "admin, {q}, {limit} a page"
                );
            }
            let q = format!("sort={sort}&{narrow}");
            assert_eq!(
                paged(&app, t, &q, limit).await,
                expected(&customers, &rep3_in_gd, sort),
                "admin, {q}, {limit} a page"
            );
        }
    }
}
