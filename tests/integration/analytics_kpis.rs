//! The customer KPIs on generated demo data equal an independent
//! computation over the raw orders, for a window that ends in the past
//! (orders after it must not count, read from the orders) and for the last
//! year (read from the buyers' metrics rows and the sales rollups), with no
//! filter, a filter the rollups keep (owner) and one they do not
//! (industry), before and after orders are written.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate, Utc};
use crm_tests::{TestApp, both};

use crate::analytics_demo::{is_revenue, raw, seed};

both!(kpis_equal_an_independent_computation);

/// The KPI figures of `[from, to]` worked out from every revenue order.
fn expected(
    dates: &HashMap<uuid::Uuid, Vec<(NaiveDate, i64)>>,
    from: NaiveDate,
    to: NaiveDate,
) -> [f64; 6] {
    let end = to + Duration::days(1);
    let churn_since = end - Duration::days(180);
    let (mut buyers, mut active, mut repeat, mut prior, mut retained, mut new) = (0, 0, 0, 0, 0, 0);
    let (mut revenue, mut recent) = (0i64, 0);
    for orders in dates.values() {
        let before_end: Vec<&(NaiveDate, i64)> = orders.iter().filter(|(d, _)| *d < end).collect();
        let Some(first) = before_end.iter().map(|(d, _)| *d).min() else {
            continue;
        };
        buyers += 1;
        let inside: Vec<&&(NaiveDate, i64)> =
            before_end.iter().filter(|(d, _)| *d >= from).collect();
        revenue += inside.iter().map(|(_, t)| t).sum::<i64>();
        active += i64::from(!inside.is_empty());
        repeat += i64::from(inside.len() >= 2);
        if first < from {
            prior += 1;
            retained += i64::from(!inside.is_empty());
        } else {
            new += 1;
        }
        recent += i64::from(before_end.iter().any(|(d, _)| *d >= churn_since));
    }
    [
        active as f64,
        new as f64,
        revenue as f64,
        repeat as f64 / active as f64,
        retained as f64 / prior as f64,
        (buyers - recent) as f64 / buyers as f64,
    ]
}

async fn kpis_equal_an_independent_computation(app: TestApp) {
    let demo = seed(&app);
    check(&app, &demo).await;
    // A buyer with one order in the last year orders twice more (and one
    // of those is then cancelled): "twice in the window" moves with the
    // second-to-last order, which the metrics rows keep.
    let (cs, os, _) = raw(&app, demo.ws);
    let today = Utc::now().date_naive();
    let once = cs
        .iter()
        .find(|c| {
            let dates: Vec<_> = os
                .iter()
                .filter(|o| o.customer == c.id && is_revenue(o))
                .map(|o| o.date)
                .collect();
            dates.len() == 1 && dates[0] > today - Duration::days(300)
        })
        .expect("a buyer with one recent order");
    let products = app
        .get("/api/v1/products?limit=1")
        .token(&demo.admin)
        .send()
        .await
        .expect(200)
        .body;
    let sku = products["items"][0]["sku"].clone();
    let mut written = Vec::new();
    for days in [10, 20] {
        let order = app
            .post("/api/v1/orders")
            .token(&demo.admin)
            .json(&serde_json::json!({
                "customer_id": once.id.0,
                "order_date": (today - Duration::days(days)).to_string(),
                "status": "confirmed",
                "currency": "CNY",
                "lines": [{"sku": sku, "quantity": 1, "unit_price_minor": 5000}],
            }))
            .send()
            .await
            .expect(201)
            .body;
        written.push(order);
    }
    check(&app, &demo).await;
    let id = written[0]["id"].as_str().unwrap_or_default();
    app.patch(&format!("/api/v1/orders/{id}"))
        .token(&demo.admin)
        .json(&serde_json::json!({"status": "cancelled"}))
        .send()
        .await
        .expect(200);
    check(&app, &demo).await;
    // A buyer of rep1's moves to another owner and another buyer is
    // deleted: the metrics rows follow (the counts read them unjoined).
    let (cs, os, _) = raw(&app, demo.ws);
    let buyers: Vec<&crate::analytics_demo::C> = cs
        .iter()
        .filter(|c| os.iter().any(|o| o.customer == c.id && is_revenue(o)))
        .collect();
    let moved = buyers
        .iter()
        .find(|c| c.owner.is_some_and(|o| o.0 == demo.rep1_id))
        .expect("a buyer of rep1");
    let other = buyers
        .iter()
        .find_map(|c| c.owner.filter(|o| o.0 != demo.rep1_id))
        .expect("another owner");
    app.patch(&format!("/api/v1/customers/{}", moved.id.0))
        .token(&demo.admin)
        .json(&serde_json::json!({"owner_id": other.0}))
        .send()
        .await
        .expect(200);
    let gone = buyers.iter().find(|c| c.id != moved.id).expect("a buyer");
    app.delete(&format!("/api/v1/customers/{}", gone.id.0))
        .token(&demo.admin)
        .send()
        .await
        .expect(204);
    check(&app, &demo).await;
}

/// Which raw customers a filter selects.
type Selects = Box<dyn Fn(&crate::analytics_demo::C) -> bool>;

/// Every window × filter against [`expected`] from the raw rows.
async fn check(app: &TestApp, demo: &crate::analytics_demo::Demo) {
    let (cs, os, _) = raw(app, demo.ws);
    let owner = cs.iter().find_map(|c| c.owner).expect("an owned customer");
    let industry = cs
        .iter()
        .find_map(|c| c.industry.clone())
        .expect("a customer with an industry");
    let rep1 = demo.rep1_id;
    // (query, token, the customers it selects): the rep sees its own.
    let filters: [(String, &str, Selects); 4] = [
        (String::new(), &demo.admin, Box::new(|_| true)),
        (
            format!("&owner_id={}", owner.0),
            &demo.admin,
            Box::new(move |c| c.owner == Some(owner)),
        ),
        (
            format!("&industry={industry}"),
            &demo.admin,
            Box::new(move |c| c.industry.as_deref() == Some(industry.as_str())),
        ),
        (
            String::new(),
            &demo.rep1,
            Box::new(move |c| c.owner.is_some_and(|o| o.0 == rep1)),
        ),
    ];
    let today = Utc::now().date_naive();
    let windows = [
        (today - Duration::days(400), today - Duration::days(200)),
        (today - Duration::days(364), today),
    ];
    for (query, token, selects) in &filters {
        let live: HashSet<uuid::Uuid> = cs.iter().filter(|c| selects(c)).map(|c| c.id.0).collect();
        let mut dates: HashMap<uuid::Uuid, Vec<(NaiveDate, i64)>> = HashMap::new();
        for o in os
            .iter()
            .filter(|o| is_revenue(o) && live.contains(&o.customer.0))
        {
            dates
                .entry(o.customer.0)
                .or_default()
                .push((o.date, o.total));
        }
        for (from, to) in windows {
            let kpis = app
                .get(&format!(
                    "/api/v1/analytics/kpis?from={from}&to={to}{query}"
                ))
                .token(token)
                .send()
                .await
                .expect(200)
                .body;
            let got = [
                "active_buyers",
                "new_buyers",
                "revenue_minor",
                "repeat_purchase_rate",
                "retention_rate",
                "churn_rate",
            ]
            .map(|k| kpis[k].as_f64().unwrap_or(f64::NAN));
            let want = expected(&dates, from, to);
            for (i, (g, w)) in got.iter().zip(want).enumerate() {
                assert!(
                    (g - w).abs() < 1e-9,
                    "{from}..{to}{query} figure {i}: {g} vs {w}: {kpis}"
                );
            }
            assert!(want[0] > 1.0, "the window holds buyers: {want:?}");
        }
    }
}
