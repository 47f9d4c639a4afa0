//! A segment's portrait on generated demo data: its members are the ones
//! the list shows, its headline figures equal their orders summed here,
//! its spread over regions, industries and owners equals a count of the
//! raw rows, and everyone's spread over value tiers and RFM segments equals
//! the distribution map's.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Duration, Utc};
use crm_tests::{TestApp, both};
use serde_json::Value;
use uuid::Uuid;

use crate::analytics_demo::{O, close, get, groups, is_revenue, raw, seed};

both!(a_segment_portrait_matches_its_members);

/// A portrait's members per group of `dimension`, by key.
fn spread_of(portrait: &Value, dimension: &str) -> HashMap<Option<String>, i64> {
    portrait["dimensions"]
        .as_array()
        .expect("dimensions")
        .iter()
        .find(|d| d["dimension"] == dimension)
        .and_then(|d| d["groups"].as_array())
        .expect("the dimension")
        .iter()
        .map(|g| {
            (
                g["key"].as_str().map(str::to_owned),
                g["customers"].as_i64().unwrap_or_default(),
            )
        })
        .collect()
}

async fn a_segment_portrait_matches_its_members(app: TestApp) {
    let demo = seed(&app);
    let t = &demo.admin;
    let summary = app
        .get("/api/v1/analytics/rfm")
        .token(t)
        .send()
        .await
        .expect(200)
        .body;
    let champions = summary["segments"]
        .as_array()
        .expect("segments")
        .iter()
        .find(|s| s["segment"] == "champions")
        .and_then(|s| s["customers"].as_i64())
        .expect("champions");
    // The list filtered by segment names exactly these customers.
    let mut members = HashSet::new();
    let mut cursor = String::new();
    loop {
        let page = app
            .get(&format!(
                "/api/v1/customers?rfm_segment=champions&limit=200{cursor}"
            ))
            .token(t)
            .send()
            .await
            .expect(200)
            .body;
        for c in page["items"].as_array().expect("items") {
            members.insert(Uuid::parse_str(c["id"].as_str().expect("id")).expect("uuid"));
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    assert_eq!(members.len() as i64, champions);
    let p = app
        .get("/api/v1/analytics/portrait?rfm_segment=champions")
        .token(t)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(
        (p["customers"].as_i64(), p["buyers"].as_i64()),
        (Some(champions), Some(champions))
    );
    // Everyone's portrait spreads the members over value tiers and RFM
    // segments (from the buyers' metrics, non-buyers added) exactly as the
    // distribution map counts them.
    let everyone = app
        .get("/api/v1/analytics/portrait")
        .token(t)
        .send()
        .await
        .expect(200)
        .body;
    for dimension in ["value_tier", "rfm_segment"] {
        let portrait: BTreeMap<String, f64> = spread_of(&everyone, dimension)
            .into_iter()
            .map(|(k, n)| (k.unwrap_or_default(), n as f64))
            .collect();
        let map = groups(&get(&app, t, &format!("dimension={dimension}")).await);
        close(&portrait, &map, dimension);
    }
    let (cs, os, _) = raw(&app, demo.ws);
    // The spread over regions, industries and owners, counted here.
    let spread = |dimension: &str| -> HashMap<Option<String>, i64> {
        let mut counts = HashMap::new();
        for c in cs.iter().filter(|c| members.contains(&c.id.0)) {
            let key = match dimension {
                "region" => c.province.clone(),
                "industry" => c.industry.clone(),
                _ => c.owner.map(|o| o.0.to_string()),
            };
            *counts.entry(key).or_insert(0) += 1;
        }
        counts
    };
    let order: Vec<&str> = p["dimensions"]
        .as_array()
        .expect("dimensions")
        .iter()
        .filter_map(|d| d["dimension"].as_str())
        .collect();
    assert_eq!(
        order,
        [
            "region",
            "industry",
            "size",
            "lifecycle_stage",
            "source",
            "kind",
            "owner",
            "team",
            "tag",
            "gender",
            "age_band",
            "value_tier",
            "rfm_segment"
        ]
    );
    for dimension in ["region", "industry", "owner"] {
        assert_eq!(spread_of(&p, dimension), spread(dimension), "{dimension}");
    }
    // The headline figures, from the members' orders themselves (the
    // portrait sums the members' metrics rows instead).
    let theirs: Vec<&O> = os
        .iter()
        .filter(|o| is_revenue(o) && members.contains(&o.customer.0))
        .collect();
    let revenue: i64 = theirs.iter().map(|o| o.total).sum();
    assert_eq!(p["revenue_minor"].as_i64(), Some(revenue));
    assert_eq!(p["orders"].as_i64(), Some(theirs.len() as i64));
    let since = Utc::now().date_naive() + Duration::days(1) - Duration::days(180);
    let recent: HashSet<Uuid> = theirs
        .iter()
        .filter(|o| o.date >= since)
        .map(|o| o.customer.0)
        .collect();
    let churn = (champions - recent.len() as i64) as f64 / champions as f64;
    let churn_rate = p["churn_rate"].as_f64().expect("a churn rate");
    assert!((churn_rate - churn).abs() < 1e-9, "{churn_rate} vs {churn}");
    for d in p["dimensions"].as_array().expect("dimensions") {
        let sum: i64 = d["groups"]
            .as_array()
            .expect("groups")
            .iter()
            .filter_map(|g| g["customers"].as_i64())
            .sum();
        if d["dimension"] == "tag" {
            assert!(sum >= champions);
        } else {
            assert_eq!(sum, champions, "{}", d["dimension"]);
        }
        if d["dimension"] == "rfm_segment" {
            assert_eq!(d["groups"][0]["key"], "champions");
            assert_eq!(d["groups"].as_array().map(Vec::len), Some(1));
        }
    }
}
