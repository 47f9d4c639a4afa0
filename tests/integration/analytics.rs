//! Customer analytics on a small hand-made dataset: per-customer metrics
//! kept current by order writes, RFM scores and segments and the cohort
//! matrix against a reference computed here, visibility, bad parameters.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate, Utc};
use crm_domain::analytics::rfm_segment;
use crm_tests::{CustomerBuilder, TestApp, World, both};
use serde_json::{Value, json};
use uuid::Uuid;

both!(
    order_writes_keep_customer_metrics_current,
    rfm_and_cohorts_match_a_reference_computation,
    analytics_follow_visibility,
    analytics_reject_bad_parameters,
);

pub(crate) fn today() -> NaiveDate {
    Utc::now().date_naive()
}

pub(crate) async fn setup_product(app: &TestApp, token: &str) {
    app.post("/api/v1/products")
        .token(token)
        .json(
            &json!({"sku": "P", "name": "商品", "price": {"amount_minor": 100, "currency": "CNY"}}),
        )
        .send()
        .await
        .expect(201);
}

pub(crate) async fn order(
    app: &TestApp,
    token: &str,
    customer: Uuid,
    days_ago: i64,
    total: i64,
    status: &str,
) -> Value {
    app.post("/api/v1/orders")
        .token(token)
        .json(&json!({
            "customer_id": customer, "order_date": today() - Duration::days(days_ago),
            "status": status, "currency": "CNY",
            "lines": [{"sku": "P", "quantity": 1, "unit_price_minor": total}]
        }))
        .send()
        .await
        .expect(201)
        .body
}

pub(crate) async fn profile(app: &TestApp, token: &str, customer: Uuid) -> Value {
    app.get(&format!("/api/v1/customers/{customer}/profile"))
        .token(token)
        .send()
        .await
        .expect(200)
        .body
}

async fn order_writes_keep_customer_metrics_current(app: TestApp) {
    let w = World::create(&app);
    let t = &w.admin.token;
    setup_product(&app, t).await;
    let a = CustomerBuilder::new(w.ws, "甲公司")
        .owner(&w.rep1)
        .build(&app);
    let b = CustomerBuilder::new(w.ws, "乙公司")
        .owner(&w.rep1)
        .build(&app);
    let p = profile(&app, t, a).await;
    assert_eq!(
        (p["order_count"].clone(), p["lifecycle"].clone()),
        (json!(0), json!("prospect"))
    );
    assert!(p["rfm"].is_null() && p["churn_risk"].is_null());

    let first = order(&app, t, a, 30, 10_000, "paid").await;
    order(&app, t, a, 10, 30_000, "completed").await;
    // Cancelled and draft orders are no revenue.
    order(&app, t, a, 5, 99_999, "cancelled").await;
    order(&app, t, a, 4, 99_999, "draft").await;
    let p = profile(&app, t, a).await;
    assert_eq!(p["order_count"], 2);
    assert_eq!(p["revenue_minor"], 40_000);
    assert_eq!(p["average_order_value_minor"], 20_000);
    assert_eq!(p["last_order_on"], json!(today() - Duration::days(10)));
    assert_eq!(p["days_since_last_order"], 10);
    assert_eq!(p["lifecycle"], "new");
    assert_eq!(p["currency"], "CNY");
    // The customer resource carries the metrics, in the list and alone; a
    // customer without orders has none.
    let one = app
        .get(&format!("/api/v1/customers/{a}"))
        .token(t)
        .send()
        .await
        .expect(200);
    assert_eq!(one.body["metrics"]["order_count"], 2);
    assert_eq!(one.body["metrics"]["revenue_minor"], 40_000);
    let list = app
        .get("/api/v1/customers?sort=name")
        .token(t)
        .send()
        .await
        .expect(200);
    let items = list.body["items"].as_array().expect("items");
    let find = |id: Uuid| {
        items
            .iter()
            .find(|c| c["id"] == id.to_string())
            .cloned()
            .expect("listed")
    };
    assert_eq!(
        find(a)["metrics"]["last_order_on"],
        json!(today() - Duration::days(10))
    );
    assert!(find(b).get("metrics").is_none());

    // Moving an order to another customer updates both.
    let id = first["id"].as_str().expect("id");
    app.patch(&format!("/api/v1/orders/{id}"))
        .token(t)
        .json(&json!({"customer_id": b}))
        .send()
        .await
        .expect(200);
    let (pa, pb) = (profile(&app, t, a).await, profile(&app, t, b).await);
    assert_eq!(
        (pa["order_count"].clone(), pa["revenue_minor"].clone()),
        (json!(1), json!(30_000))
    );
    assert_eq!(
        (pb["order_count"].clone(), pb["revenue_minor"].clone()),
        (json!(1), json!(10_000))
    );
    // RFM follows: a ranks above b on recency and money.
    assert!(
        pa["rfm"]["r"].as_i64() > pb["rfm"]["r"].as_i64(),
        "{pa} {pb}"
    );
    assert!(pa["rfm"]["m"].as_i64() > pb["rfm"]["m"].as_i64());

    // Deleting the order empties b again; a status change to refunded empties a.
    app.delete(&format!("/api/v1/orders/{id}"))
        .token(t)
        .send()
        .await
        .expect(204);
    assert_eq!(profile(&app, t, b).await["lifecycle"], "prospect");
    let list = app
        .get(&format!("/api/v1/orders?customer_id={a}&status=completed"))
        .token(t)
        .send()
        .await
        .expect(200);
    let second = list.body["items"][0]["id"]
        .as_str()
        .expect("order")
        .to_owned();
    app.patch(&format!("/api/v1/orders/{second}"))
        .token(t)
        .json(&json!({"status": "refunded"}))
        .send()
        .await
        .expect(200);
    assert_eq!(profile(&app, t, a).await["order_count"], 0);
}

/// (customer, days ago, total) of the hand-made dataset's revenue orders.
fn dataset() -> Vec<(usize, i64, i64)> {
    vec![
        (0, 10, 1_000),
        (0, 40, 1_000),
        (0, 70, 1_000),
        (1, 5, 5_000),
        (2, 400, 2_000),
        (2, 380, 2_000),
        (2, 360, 2_000),
        (2, 340, 2_000),
        (2, 320, 2_000),
        (3, 230, 500),
        (3, 20, 500),
        (4, 100, 100),
        (5, 65, 800),
        (5, 45, 900),
    ]
}

/// Quintile by rank as documented: `1 + 5 × (rank − 1) ÷ n`, ties share
/// the lowest rank.
fn score(values: &[i64], value: i64) -> i16 {
    let n = values.len() as i64;
    let rank = 1 + values.iter().filter(|v| **v < value).count() as i64;
    (1 + 5 * (rank - 1) / n) as i16
}

fn month(day: NaiveDate) -> String {
    format!("{:04}-{:02}", day.year(), day.month())
}

async fn rfm_and_cohorts_match_a_reference_computation(app: TestApp) {
    let w = World::create(&app);
    let t = &w.admin.token;
    setup_product(&app, t).await;
    let customers: Vec<Uuid> = (0..7)
        .map(|i| {
            CustomerBuilder::new(w.ws, &format!("客户{i}"))
                .owner(&w.rep1)
                .build(&app)
        })
        .collect();
    for (c, days, total) in dataset() {
        order(&app, t, customers[c], days, total, "completed").await;
    }
    order(&app, t, customers[4], 50, 7_777, "cancelled").await;

    // Reference: per buyer (last order day number, order count, revenue).
    let mut per: BTreeMap<usize, (i64, i64, i64, i64)> = BTreeMap::new();
    for (c, days, total) in dataset() {
        let e = per.entry(c).or_insert((i64::MIN, 0, 0, i64::MIN));
        e.0 = e.0.max(-days);
        e.1 += 1;
        e.2 += total;
        e.3 = e.3.max(days);
    }
    let recency: Vec<i64> = per.values().map(|v| v.0).collect();
    let frequency: Vec<i64> = per.values().map(|v| v.1).collect();
    let money: Vec<i64> = per.values().map(|v| v.2).collect();
    let mut expected_segments: BTreeMap<String, i64> = BTreeMap::new();
    for (c, (last, count, revenue, _)) in &per {
        let (r, f, m) = (
            score(&recency, *last),
            score(&frequency, *count),
            score(&money, *revenue),
        );
        let p = profile(&app, t, customers[*c]).await;
        assert_eq!(p["rfm"]["r"], r, "customer {c}: {p}");
        assert_eq!(p["rfm"]["f"], f, "customer {c}: {p}");
        assert_eq!(p["rfm"]["m"], m, "customer {c}: {p}");
        let segment = rfm_segment(r, f, m).as_str().to_owned();
        assert_eq!(p["rfm"]["segment"], segment.as_str());
        *expected_segments.entry(segment).or_default() += 1;
        assert_eq!(p["order_count"], *count);
        assert_eq!(p["revenue_minor"], *revenue);
    }
    let summary = app
        .get("/api/v1/analytics/rfm")
        .token(t)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(summary["buyers"], 6);
    let got: BTreeMap<String, i64> = summary["segments"]
        .as_array()
        .expect("segments")
        .iter()
        .map(|s| {
            (
                s["segment"].as_str().unwrap_or_default().to_owned(),
                s["customers"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(got, expected_segments);
    let grid_total: i64 = summary["grid"]
        .as_array()
        .expect("grid")
        .iter()
        .filter_map(|c| c["customers"].as_i64())
        .sum();
    assert_eq!(grid_total, 6);
    // The derived lifecycle: 2 churned (silent 320 days), 3 came back after 210 days.
    assert_eq!(profile(&app, t, customers[2]).await["lifecycle"], "churned");
    assert_eq!(
        profile(&app, t, customers[3]).await["lifecycle"],
        "won_back"
    );
    assert_eq!(profile(&app, t, customers[1]).await["lifecycle"], "new");
    assert_eq!(
        profile(&app, t, customers[6]).await["lifecycle"],
        "prospect"
    );

    // Cohorts by month of first order, against the reference.
    let first_month = (today() - Duration::days(400)).with_day(1).expect("day 1");
    let mut reference: BTreeMap<(String, String), (Vec<usize>, i64)> = BTreeMap::new();
    for (c, days, total) in dataset() {
        let cohort = month(today() - Duration::days(per[&c].3));
        let e = reference
            .entry((cohort, month(today() - Duration::days(days))))
            .or_default();
        if !e.0.contains(&c) {
            e.0.push(c);
        }
        e.1 += total;
    }
    let matrix = app
        .get(&format!(
            "/api/v1/analytics/cohorts?from={}&months=36",
            month(first_month)
        ))
        .token(t)
        .send()
        .await
        .expect(200)
        .body;
    let mut seen = 0;
    for cohort in matrix["cohorts"].as_array().expect("cohorts") {
        let start = NaiveDate::parse_from_str(
            &format!("{}-01", cohort["month"].as_str().expect("month")),
            "%Y-%m-%d",
        )
        .expect("month");
        for (k, active) in cohort["active"]
            .as_array()
            .expect("active")
            .iter()
            .enumerate()
        {
            let m = month(start + chrono::Months::new(k as u32));
            let key = (cohort["month"].as_str().unwrap_or_default().to_owned(), m);
            let (buyers, revenue) = reference
                .get(&key)
                .map(|(b, r)| (b.len() as i64, *r))
                .unwrap_or((0, 0));
            assert_eq!(active.as_i64(), Some(buyers), "{key:?}");
            assert_eq!(
                cohort["revenue_minor"][k].as_i64(),
                Some(revenue),
                "{key:?}"
            );
            seen += buyers;
        }
    }
    assert_eq!(
        seen as usize,
        reference.values().map(|v| v.0.len()).sum::<usize>()
    );
    // KPIs over the last 91 days, worked out by hand from the dataset.
    let kpis = app
        .get(&format!(
            "/api/v1/analytics/kpis?from={}&to={}&acquisition_cost_minor=9000",
            today() - Duration::days(90),
            today()
        ))
        .token(t)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(kpis["active_buyers"], 4, "{kpis}");
    assert_eq!(kpis["new_buyers"], 3);
    assert_eq!(kpis["revenue_minor"], 10_200);
    assert_eq!(kpis["repeat_purchase_rate"], 0.5);
    assert_eq!(kpis["retention_rate"], 1.0 / 3.0);
    assert_eq!(kpis["churn_rate"], 1.0 / 6.0);
    assert_eq!(kpis["revenue_per_buyer_minor"], 2_550);
    assert_eq!(kpis["cac_minor"], 3_000);
    let sizes: i64 = matrix["cohorts"]
        .as_array()
        .expect("cohorts")
        .iter()
        .filter_map(|c| c["customers"].as_i64())
        .sum();
    assert_eq!(sizes, 6);
}

async fn analytics_follow_visibility(app: TestApp) {
    let w = World::create(&app);
    let t = &w.admin.token;
    setup_product(&app, t).await;
    let mine = CustomerBuilder::new(w.ws, "我的")
        .owner(&w.rep1)
        .region("440000", "440300")
        .build(&app);
    let theirs = CustomerBuilder::new(w.ws, "别人的")
        .owner(&w.rep3)
        .region("440000", "440100")
        .build(&app);
    let foreign = CustomerBuilder::new(w.other_ws, "外部")
        .region("440000", "440300")
        .build(&app);
    order(&app, t, mine, 3, 1_000, "paid").await;
    order(&app, t, theirs, 3, 2_000, "paid").await;
    let path =
        "/api/v1/analytics/distribution?dimension=region&level=city&parent=440000&measure=revenue";
    let all = app.get(path).token(t).send().await.expect(200).body;
    assert_eq!(all["total"]["value"], 3_000.0);
    assert_eq!(all["groups"].as_array().map(Vec::len), Some(2));
    assert_eq!(all["groups"][0]["label"], "广州市");
    let rep = app
        .get(path)
        .token(&w.rep1.token)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(rep["total"]["value"], 1_000.0);
    assert_eq!(rep["groups"][0]["key"], "440300");
    assert_eq!(rep["groups"].as_array().map(Vec::len), Some(1));
    let other = app
        .get("/api/v1/analytics/distribution?dimension=region")
        .token(&w.other_admin.token)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(
        other["total"]["value"], 1.0,
        "only the other workspace's one customer"
    );
    for path in ["/api/v1/analytics/rfm", "/api/v1/analytics/cohorts"] {
        let body = app
            .get(path)
            .token(&w.rep1.token)
            .send()
            .await
            .expect(200)
            .body;
        let text = body.to_string();
        assert!(!text.contains(&theirs.to_string()));
        if path.ends_with("rfm") {
            assert_eq!(body["buyers"], 1);
        } else {
            let sizes: i64 = body["cohorts"]
                .as_array()
                .expect("c")
                .iter()
                .filter_map(|c| c["customers"].as_i64())
                .sum();
            assert_eq!(sizes, 1);
        }
    }
    // Another rep's customer and another workspace's do not exist for rep1.
    for id in [theirs, foreign] {
        app.get(&format!("/api/v1/customers/{id}/profile"))
            .token(&w.rep1.token)
            .send()
            .await
            .expect(404);
    }
}

async fn analytics_reject_bad_parameters(app: TestApp) {
    let w = World::create(&app);
    let t = &w.admin.token;
    for (query, field) in [
        ("", "dimension"),
        ("dimension=planet", "dimension"),
        ("dimension=region&measure=happiness", "measure"),
        ("dimension=region&parent=99", "parent"),
        ("dimension=industry&parent=440000", "parent"),
        ("dimension=industry&by=industry", "by"),
        ("dimension=region&from=2026-02-01&to=2026-01-01", "from"),
        ("dimension=region&from=2001-01-01&to=2026-01-01", "from"),
        ("dimension=region&to=yesterday", "to"),
        ("dimension=region&owner_id=nope", "owner_id"),
        ("dimension=region&colour=red", "colour"),
    ] {
        let r = app
            .get(&format!("/api/v1/analytics/distribution?{query}"))
            .token(t)
            .send()
            .await
            .expect(400);
        assert_eq!(r.errors(), [field], "{query}: {}", r.body);
    }
    for (path, field) in [
        ("cohorts?months=0", "months"),
        ("cohorts?months=37", "months"),
        ("cohorts?from=2026-13", "from"),
        ("kmeans?k=1", "k"),
        ("kmeans?k=11", "k"),
        ("kmeans?features=recency,colour", "features"),
        ("kmeans?features=,", "features"),
        ("kpis?from=2026-02-01&to=2026-01-01", "from"),
        ("kpis?acquisition_cost_minor=-1", "acquisition_cost_minor"),
        ("rfm?rfm_segment=famous", "rfm_segment"),
        ("portrait?industry=piracy", "industry"),
    ] {
        let r = app
            .get(&format!("/api/v1/analytics/{path}"))
            .token(t)
            .send()
            .await
            .expect(400);
        assert_eq!(r.errors(), [field], "{path}: {}", r.body);
    }
    // Fewer buying customers than clusters: 422 naming k.
    let r = app
        .get("/api/v1/analytics/kmeans?k=3")
        .token(t)
        .send()
        .await
        .expect(422);
    assert_eq!(r.errors(), ["k"]);
    let bad = app
        .put("/api/v1/analytics/settings")
        .token(t)
        .json(&json!({"base_currency": "CNY"}))
        .send()
        .await
        .expect(422);
    assert_eq!(bad.errors(), ["churn_after_days"]);
    app.get("/api/v1/analytics/distribution?dimension=region")
        .send()
        .await
        .expect(401);
}
