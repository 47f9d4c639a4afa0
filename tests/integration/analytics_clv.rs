//! `GET /analytics/clv`: the predicted value of a group of buyers is the sum
//! of their profiles' predictions (BG/NBD on the demo data, the run rate
//! when too few repeat buyers exist), per RFM segment too, and a rep's
//! figures cover their own buyers only.

use crm_tests::{CustomerBuilder, TestApp, World, both};
use serde_json::Value;
use uuid::Uuid;

use crate::analytics::{order, setup_product};
use crate::analytics_demo::seed;

both!(
    the_summary_adds_up_the_profiles_on_demo_data,
    few_buyers_are_predicted_by_the_run_rate,
);

async fn get(app: &TestApp, token: &str, path: &str) -> Value {
    app.get(path).token(token).send().await.expect(200).body
}

/// (buyers, summed prediction, buyers more likely gone) over these customers' profiles.
async fn profiles(app: &TestApp, token: &str, ids: &[Uuid]) -> (i64, i64, i64) {
    let (mut buyers, mut sum, mut lost) = (0, 0, 0);
    for id in ids {
        let p = get(app, token, &format!("/api/v1/customers/{id}/profile")).await;
        if p["order_count"].as_i64().unwrap_or(0) == 0 {
            continue;
        }
        buyers += 1;
        sum += p["clv_predicted_12m_minor"].as_i64().expect("a prediction");
        let gone = match p["p_alive"].as_f64() {
            Some(alive) => alive < 0.5,
            None => p["churn_risk"].as_f64().expect("risk") >= 0.5,
        };
        lost += i64::from(gone);
    }
    (buyers, sum, lost)
}

async fn the_summary_adds_up_the_profiles_on_demo_data(app: TestApp) {
    let demo = seed(&app);
    let s = get(&app, &demo.admin, "/api/v1/analytics/clv").await;
    assert_eq!(s["method"], "bg_nbd_gamma_gamma", "{s}");
    let ids: Vec<Uuid> = demo.planted.iter().map(|(id, _)| *id).collect();
    let (buyers, sum, lost) = profiles(&app, &demo.admin, &ids).await;
    let total = &s["total"];
    assert_eq!(total["buyers"].as_i64(), Some(buyers));
    assert_eq!(
        total["predicted_12m_minor"].as_i64(),
        Some(sum),
        "each buyer as their profile"
    );
    assert_eq!(total["likely_lost"].as_i64(), Some(lost));
    let segments = s["segments"].as_array().expect("segments");
    let of = |field: &str| {
        segments
            .iter()
            .map(|g| g[field].as_i64().unwrap_or(0))
            .sum::<i64>()
    };
    assert_eq!(of("buyers"), buyers, "every buyer in one segment");
    assert_eq!(of("predicted_12m_minor"), sum);
    // Champions are worth more next year than lost buyers. (Not P(alive):
    // BG/NBD holds one-order buyers, most of the lost, alive until a repeat
    // order shows their rhythm.)
    let average = |name: &str| {
        segments
            .iter()
            .find(|g| g["segment"] == name)
            .and_then(|g| g["average_predicted_12m_minor"].as_i64())
    };
    if let (Some(champions), Some(lost)) = (average("champions"), average("lost")) {
        assert!(champions > lost, "champions {champions} vs lost {lost}");
    }
    let predicted: Vec<i64> = segments
        .iter()
        .map(|g| g["predicted_12m_minor"].as_i64().unwrap_or(0))
        .collect();
    assert!(predicted.windows(2).all(|w| w[0] >= w[1]), "largest first");

    // A rep's summary covers the buyers of their own customers.
    let mine = get(&app, &demo.rep1, "/api/v1/analytics/clv").await;
    let (mut own, mut cursor) = (Vec::new(), String::new());
    loop {
        let page = get(
            &app,
            &demo.rep1,
            &format!("/api/v1/customers?limit=200{cursor}"),
        )
        .await;
        for c in page["items"].as_array().expect("items") {
            own.push(c["id"].as_str().and_then(|s| s.parse().ok()).expect("id"));
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    let (buyers, sum, _) = profiles(&app, &demo.rep1, &own).await;
    assert!(buyers > 0 && buyers < total["buyers"].as_i64().unwrap_or(0));
    assert_eq!(mine["total"]["buyers"].as_i64(), Some(buyers));
    assert_eq!(mine["total"]["predicted_12m_minor"].as_i64(), Some(sum));
}

async fn few_buyers_are_predicted_by_the_run_rate(app: TestApp) {
    let w = World::create(&app);
    let t = &w.admin.token;
    setup_product(&app, t).await;
    let mut ids = Vec::new();
    for (name, days) in [("甲", 10), ("乙", 200), ("丙", 400)] {
        let id = CustomerBuilder::new(w.ws, name).owner(&w.rep1).build(&app);
        order(&app, t, id, days, 50_000, "paid").await;
        ids.push(id);
    }
    ids.push(CustomerBuilder::new(w.ws, "无订单").build(&app));
    let s = get(&app, t, "/api/v1/analytics/clv").await;
    assert_eq!(s["method"], "run_rate", "{s}");
    let (buyers, sum, lost) = profiles(&app, t, &ids).await;
    assert_eq!(buyers, 3);
    assert_eq!(s["total"]["buyers"].as_i64(), Some(3));
    assert_eq!(s["total"]["predicted_12m_minor"].as_i64(), Some(sum));
    assert_eq!(s["total"]["likely_lost"].as_i64(), Some(lost));
    assert_eq!(s["total"]["historical_minor"].as_i64(), Some(150_000));
    assert_eq!(
        s["total"]["average_p_alive"],
        Value::Null,
        "no model, no P(alive)"
    );
    // Nothing to predict for a rep without customers; a bad filter is a 400.
    let empty = get(&app, &w.rep3.token, "/api/v1/analytics/clv").await;
    assert_eq!(empty["total"]["buyers"], 0);
    assert_eq!(empty["method"], Value::Null);
    app.get("/api/v1/analytics/clv?industry=mining")
        .token(t)
        .send()
        .await
        .expect(400);
}
