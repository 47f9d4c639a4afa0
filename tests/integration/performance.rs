//! Rep performance (销售人员绩效): over a planted quarter of stage history,
//! deals won and lost per rep with win rate, average deal and sales cycle,
//! activities by kind, the stage flow (entries, conversion, days in stage)
//! and the previous quarter's commit against what was won; ranked by won
//! revenue; a rep sees themself only, a manager their team's subtree, an
//! administrator everyone; bad input names its parameter.

use chrono::{Datelike, Duration, Months, NaiveDate, NaiveDateTime, Utc};
use crm_db::schema::deals;
use crm_db::types::Id;
use crm_tests::fixtures::Person;
use crm_tests::{CustomerBuilder, TestApp, World, both};
use diesel::prelude::*;
use serde_json::{Value, json};
use uuid::Uuid;

both!(
    performance_per_rep_from_stage_history_scoped_by_role,
    bad_performance_input_names_the_parameter,
);

/// The first day of the quarter before the current one.
fn last_quarter() -> NaiveDate {
    let today = Utc::now().date_naive();
    let this = NaiveDate::from_ymd_opt(today.year(), today.month0() / 3 * 3 + 1, 1).expect("date");
    this - Months::new(3)
}

fn at(day: NaiveDate, hour: u32) -> NaiveDateTime {
    day.and_hms_opt(hour, 0, 0).expect("time")
}

struct Plant<'a> {
    app: &'a TestApp,
    w: &'a World,
    stages: serde_json::Map<String, Value>,
}

impl Plant<'_> {
    fn stage(&self, name: &str) -> Uuid {
        self.stages[name]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("stage")
    }

    /// A deal of `who` that went through `steps` (stage name, time); its
    /// last step is where it stands, closed then when won or lost.
    async fn deal(
        &self,
        who: &Person,
        amount: i64,
        close: NaiveDate,
        steps: &[(&str, NaiveDateTime)],
    ) -> Uuid {
        let customer = CustomerBuilder::new(self.w.ws, &format!("绩效客户{amount}"))
            .owner(who)
            .build(self.app);
        let body = json!({"customer_id": customer, "name": "绩效商机", "stage_id": self.stage(steps[0].0),
            "amount": {"amount_minor": amount, "currency": "CNY"}, "expected_close_date": close});
        let id: Uuid = self
            .app
            .post("/api/v1/deals")
            .token(&self.w.admin.token)
            .json(&body)
            .send()
            .await
            .expect(201)
            .body["id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("id");
        let (last, when) = steps[steps.len() - 1];
        if steps.len() > 1 {
            let mut patch = json!({"stage_id": self.stage(last)});
            if last == "输单" {
                patch["lost_reason"] = json!("价格");
            }
            self.app
                .patch(&format!("/api/v1/deals/{id}"))
                .token(&self.w.admin.token)
                .json(&patch)
                .send()
                .await
                .expect(200);
        }
        let mut history = Vec::new();
        let mut from = None;
        for (name, time) in steps {
            history.push((from, self.stage(name), *time));
            from = Some(self.stage(name));
        }
        let mut conn = self.app.conn();
        crm_db::performance::replace_history(&mut conn, self.w.ws, id, &history).expect("history");
        let closed = matches!(last, "赢单" | "输单").then_some(when);
        diesel::update(deals::table.filter(deals::id.eq(Id(id))))
            .set((
                deals::closed_at.eq(closed),
                deals::stage_changed_at.eq(when),
            ))
            .execute(&mut conn)
            .expect("closed_at");
        id
    }

    async fn log(&self, who: &Person, kind: &str, when: NaiveDateTime) {
        let customer = CustomerBuilder::new(self.w.ws, "跟进客户")
            .owner(who)
            .build(self.app);
        self.app
            .post("/api/v1/activities")
            .token(&who.token)
            .json(
                &json!({"kind": kind, "subject": "跟进", "customer_id": customer,
                "occurred_at": format!("{}Z", when.format("%Y-%m-%dT%H:%M:%S"))}),
            )
            .send()
            .await
            .expect(201);
    }
}

async fn performance(app: &TestApp, token: &str, query: &str) -> Value {
    app.get(&format!("/api/v1/performance?{query}"))
        .token(token)
        .send()
        .await
        .expect(200)
        .body
}

fn rep<'a>(p: &'a Value, who: &Person) -> &'a Value {
    p["reps"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["owner_id"] == json!(who.id)))
        .unwrap_or_else(|| panic!("no row for {}: {p}", who.email))
}

fn stage<'a>(p: &'a Value, name: &str) -> Option<&'a Value> {
    p["stages"]
        .as_array()?
        .iter()
        .find(|s| s["stage_name"] == name)
}

async fn performance_per_rep_from_stage_history_scoped_by_role(app: TestApp) {
    let w = World::create(&app);
    let pipelines = app
        .get("/api/v1/pipelines")
        .token(&w.admin.token)
        .send()
        .await
        .expect(200)
        .body;
    let stages = pipelines[0]["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap_or_default().to_owned(),
                s["id"].clone(),
            )
        })
        .collect();
    let p = Plant {
        app: &app,
        w: &w,
        stages,
    };
    let q0 = last_quarter();
    let day = |n: i64| q0 + Duration::days(n);
    // rep1: won 10,000 after 2 days in 初步接洽 and 8 in 方案报价; lost 4,000
    // after 4 days in 初步接洽; won 20,000, in 商务谈判 (commit) since before
    // the quarter and expected in it.
    p.deal(
        &w.rep1,
        10_000,
        day(30),
        &[
            ("初步接洽", at(day(1), 9)),
            ("方案报价", at(day(3), 9)),
            ("赢单", at(day(11), 9)),
        ],
    )
    .await;
    p.deal(
        &w.rep1,
        4_000,
        day(30),
        &[("初步接洽", at(day(2), 9)), ("输单", at(day(6), 9))],
    )
    .await;
    p.deal(
        &w.rep1,
        20_000,
        day(20),
        &[("商务谈判", at(day(-5), 9)), ("赢单", at(day(21), 9))],
    )
    .await;
    // rep3 (team B): won 50,000 in two days.
    p.deal(
        &w.rep3,
        50_000,
        day(30),
        &[("商务谈判", at(day(5), 9)), ("赢单", at(day(7), 9))],
    )
    .await;
    p.log(&w.rep1, "call", at(day(4), 10)).await;
    p.log(&w.rep1, "visit", at(day(8), 10)).await;
    p.log(&w.rep1, "visit", at(day(9), 10)).await;
    p.log(&w.rep3, "call", at(day(4), 10)).await;

    let quarter = format!("period=quarter&date={}", day(15));
    let company = performance(&app, &w.admin.token, &quarter).await;
    assert_eq!(company["starts_on"], json!(q0));
    assert_eq!(company["total"]["won_revenue_minor"], 80_000);
    assert_eq!(company["total"]["deals_won"], 3);
    assert_eq!(company["total"]["deals_lost"], 1);
    assert_eq!(company["total"]["activities"], 4);
    assert_eq!(
        company["reps"][0]["owner_id"],
        json!(w.rep3.id),
        "most won first"
    );
    assert_eq!(company["reps"][0]["rank"], 1);
    let r1 = &rep(&company, &w.rep1)["figures"];
    assert_eq!(r1["won_revenue_minor"], 30_000);
    assert_eq!(r1["deals_won"], 2);
    assert_eq!(r1["deals_lost"], 1);
    assert!(
        (r1["win_rate"].as_f64().unwrap_or(0.0) - 2.0 / 3.0).abs() < 1e-9,
        "{r1}"
    );
    assert_eq!(r1["average_deal_minor"], 15_000);
    // 10 days and 26 days from entering the pipeline to the win.
    assert_eq!(r1["average_cycle_days"], 18.0);
    assert_eq!(r1["activities"], 3);
    assert_eq!(
        r1["activities_by_kind"][0],
        json!({"kind": "visit", "count": 2})
    );
    assert_eq!(rep(&company, &w.rep3)["figures"]["average_cycle_days"], 2.0);

    // 初步接洽: two entered, one moved on (the other was lost), 2 and 4 days.
    let first = stage(&company, "初步接洽").expect("初步接洽");
    assert_eq!(
        (first["entered"].clone(), first["advanced"].clone()),
        (json!(2), json!(1))
    );
    assert_eq!(first["conversion"], 0.5);
    assert_eq!(first["average_days_in_stage"], 3.0);
    let proposal = stage(&company, "方案报价").expect("方案报价");
    assert_eq!(proposal["conversion"], 1.0);
    assert_eq!(proposal["average_days_in_stage"], 8.0);
    // rep1's 商务谈判 entry was before the quarter; rep3's in it.
    assert_eq!(stage(&company, "商务谈判").expect("商务谈判")["entered"], 1);
    assert_eq!(stage(&company, "赢单").expect("赢单")["entered"], 3);

    // This quarter measures last quarter's commit: 20,000 committed at its
    // start, 30,000 won in it, half a miss.
    let now = performance(&app, &w.rep1.token, "period=quarter").await;
    let mine = &rep(&now, &w.rep1)["figures"];
    assert_eq!(mine["last_commit_minor"], 20_000);
    assert_eq!(mine["last_won_minor"], 30_000);
    assert_eq!(mine["commit_accuracy"], 0.5);
    assert!(mine["new_customers"].as_i64().unwrap_or(0) >= 3, "{mine}");

    // A rep sees themself only, whatever they ask for.
    let own = performance(&app, &w.rep1.token, &quarter).await;
    assert_eq!(own["reps"].as_array().map(Vec::len), Some(1), "{own}");
    assert_eq!(own["total"]["won_revenue_minor"], 30_000);
    let theirs = performance(
        &app,
        &w.rep1.token,
        &format!("{quarter}&owner_id={}", w.rep3.id),
    )
    .await;
    assert_eq!(theirs["reps"], json!([]));
    assert_eq!(theirs["total"]["deals_won"], 0);
    // Team A's manager: their subtree; team B stays dark even when asked for.
    let team = performance(
        &app,
        &w.manager1.token,
        &format!("{quarter}&team_id={}", w.team_a),
    )
    .await;
    assert_eq!(team["total"]["won_revenue_minor"], 30_000);
    assert!(
        team["reps"]
            .as_array()
            .expect("reps")
            .iter()
            .all(|r| r["owner_id"] != json!(w.rep3.id))
    );
    let b = performance(
        &app,
        &w.manager1.token,
        &format!("{quarter}&team_id={}", w.team_b),
    )
    .await;
    assert_eq!(b["total"]["won_revenue_minor"], 0);
    assert_eq!(b["total"]["activities"], 0);
    let everyone = performance(&app, &w.manager1.token, &quarter).await;
    assert_eq!(everyone["total"]["won_revenue_minor"], 30_000);
    // Another workspace sees none of it.
    let other = performance(&app, &w.other_admin.token, &quarter).await;
    assert_eq!(other["total"]["deals_won"], 0);
}

async fn bad_performance_input_names_the_parameter(app: TestApp) {
    let w = World::create(&app);
    let next_year = Utc::now().date_naive() + Duration::days(400);
    for (query, field) in [
        ("period=year".to_owned(), "period"),
        (format!("date={next_year}"), "date"),
        ("date=1800-01-01".to_owned(), "date"),
        (
            "team_id=0190c0de-0000-7000-8000-000000000099".to_owned(),
            "team_id",
        ),
        ("owner_id=nope".to_owned(), "owner_id"),
        ("colour=red".to_owned(), "colour"),
    ] {
        let r = app
            .get(&format!("/api/v1/performance?{query}"))
            .token(&w.admin.token)
            .send()
            .await
            .expect(400);
        assert_eq!(
            r.header("content-type"),
            Some("application/problem+json"),
            "{query}"
        );
        assert!(
            r.errors().contains(&field.to_owned()),
            "{query}: {:?}",
            r.errors()
        );
    }
}
