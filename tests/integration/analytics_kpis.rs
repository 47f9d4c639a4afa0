//! The customer KPIs on generated demo data equal an independent
//! computation over the raw orders, for a window that ends in the past
//! (orders after it must not count) and for the last year.

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
    let (cs, os, _) = raw(&app, demo.ws);
    let live: HashSet<uuid::Uuid> = cs.iter().map(|c| c.id.0).collect();
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
    let today = Utc::now().date_naive();
    let windows = [
        (today - Duration::days(400), today - Duration::days(200)),
        (today - Duration::days(364), today),
    ];
    for (from, to) in windows {
        let kpis = app
            .get(&format!("/api/v1/analytics/kpis?from={from}&to={to}"))
            .token(&demo.admin)
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
                "{from}..{to} figure {i}: {g} vs {w}: {kpis}"
            );
        }
        assert!(want[0] > 10.0, "the window holds buyers: {want:?}");
    }
}
