//! Reports (报表): a month × owner sum of won deals gives the same figures
//! on both databases (the same assertions run on each), buckets dates in
//! the workspace's time zone, leaves other currencies out of money, and
//! shows each viewer their own rows (rep, manager's subtree, everyone, no
//! other workspace); saved reports are private until shared, changed only
//! by who saved them; bad definitions name their field; the CSV and XLSX
//! downloads are safe to open in a spreadsheet.

use chrono::NaiveDateTime;
use crm_db::schema::deals;
use crm_db::types::Id;
use crm_tests::fixtures::Person;
use crm_tests::{CustomerBuilder, TestApp, World, both};
use diesel::prelude::*;
use serde_json::{Value, json};
use uuid::Uuid;

both!(
    won_deals_by_month_and_owner_as_each_viewer_sees_them,
    saved_reports_are_private_until_shared_and_csv_is_safe,
    bad_definitions_name_their_field,
);

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time")
}

/// Deals planted with fixed close times.
pub(crate) struct Plant<'a> {
    app: &'a TestApp,
    w: &'a World,
    stages: Vec<Value>,
}

impl<'a> Plant<'a> {
    async fn new(app: &'a TestApp, w: &'a World) -> Plant<'a> {
        let pipelines = app
            .get("/api/v1/pipelines")
            .token(&w.admin.token)
            .send()
            .await
            .expect(200)
            .body;
        let stages = pipelines[0]["stages"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        Plant { app, w, stages }
    }

    fn stage(&self, kind: &str) -> Value {
        self.stages
            .iter()
            .find(|s| s["kind"] == kind)
            .map(|s| s["id"].clone())
            .expect("stage of kind")
    }

    /// A deal of `who`'s customer, in the stage of `kind`, closed at `closed`.
    async fn deal(
        &self,
        who: &Person,
        kind: &str,
        amount: i64,
        currency: &str,
        closed: &str,
    ) -> Uuid {
        let customer = CustomerBuilder::new(self.w.ws, &format!("报表客户{amount}"))
            .owner(who)
            .build(self.app);
        let mut body = json!({"customer_id": customer, "name": format!("报表商机{amount}"),
            "stage_id": self.stage(kind), "owner_id": who.id,
            "amount": {"amount_minor": amount, "currency": currency}});
        if kind == "lost" {
            body["lost_reason"] = json!("=HYPERLINK(\"http://evil.test\")");
        }
        let id = self
            .app
            .post("/api/v1/deals")
            .token(&self.w.admin.token)
            .json(&body)
            .send()
            .await
            .expect(201)
            .id();
        let mut conn = self.app.conn();
        diesel::update(deals::table.filter(deals::id.eq(Id(id))))
            .set(deals::closed_at.eq(Some(at(closed))))
            .execute(&mut conn)
            .expect("closed_at");
        id
    }
}

pub(crate) fn won_by_month_and_owner() -> Value {
    json!({
        "object": "deals",
        "group_by": [{"field": "closed_at", "grain": "month"}, {"field": "owner"}],
        "measure": {"aggregate": "sum", "field": "amount_minor"},
        "filters": [{"field": "status", "op": "eq", "value": "won"}],
        "period": {"field": "closed_at", "from": "2026-01-01", "to": "2026-03-31"},
        "chart": "stacked_bar"
    })
}

/// (month label, owner id, value, records) of each row.
pub(crate) fn rows(data: &Value) -> Vec<(String, String, f64, i64)> {
    data["rows"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|r| {
                    (
                        r["labels"][0].as_str().unwrap_or_default().to_owned(),
                        r["keys"][1].as_str().unwrap_or_default().to_owned(),
                        r["value"].as_f64().unwrap_or_default(),
                        r["records"].as_i64().unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) async fn plant(app: &TestApp, w: &World) {
    let p = Plant::new(app, w).await;
    // 23:30 UTC on 31 January is 07:30 on 1 February in Shanghai.
    p.deal(&w.rep1, "won", 1_000_000, "CNY", "2026-01-31 23:30")
        .await;
    p.deal(&w.rep1, "won", 2_000_000, "CNY", "2026-02-10 04:00")
        .await;
    // Another currency is left out of the sum.
    p.deal(&w.rep1, "won", 900_000, "USD", "2026-02-11 04:00")
        .await;
    p.deal(&w.rep2, "won", 500_000, "CNY", "2026-01-15 04:00")
        .await;
    p.deal(&w.rep2, "lost", 300_000, "CNY", "2026-01-16 04:00")
        .await;
    p.deal(&w.rep3, "won", 700_000, "CNY", "2026-02-20 04:00")
        .await;
    // Outside the period.
    p.deal(&w.rep3, "won", 800_000, "CNY", "2026-04-01 04:00")
        .await;
}

pub(crate) async fn run(app: &TestApp, who: &Person, spec: &Value) -> Value {
    app.post("/api/v1/reports/run")
        .token(&who.token)
        .json(spec)
        .send()
        .await
        .expect(200)
        .body
}

async fn won_deals_by_month_and_owner_as_each_viewer_sees_them(app: TestApp) {
    let w = World::create(&app);
    plant(&app, &w).await;
    let spec = won_by_month_and_owner();
    let name = |p: &Person| p.id.to_string();
    let s = |v: &str| v.to_owned();

    let all = run(&app, &w.admin, &spec).await;
    assert_eq!(
        rows(&all),
        vec![
            (s("2026-01"), name(&w.rep2), 500_000.0, 1),
            (s("2026-02"), name(&w.rep1), 3_000_000.0, 2),
            (s("2026-02"), name(&w.rep3), 700_000.0, 1),
        ],
        "{all}"
    );
    assert_eq!(all["currency"], "CNY");
    assert_eq!(all["total"], 4_200_000.0);
    assert_eq!(all["records"], 4);
    assert_eq!(all["rows"][0]["keys"][0], "2026-01-01");
    assert_eq!(all["rows"][0]["keys"][1], json!(w.rep2.id));
    assert_eq!(all["kinds"], json!(["date", "user"]));
    let owner_label = all["rows"][0]["labels"][1].as_str().unwrap_or_default();
    assert!(
        !owner_label.is_empty() && owner_label != w.rep2.id.to_string(),
        "a name: {owner_label}"
    );
    // The viewer sees everyone, a manager their subtree, a rep themself.
    assert_eq!(rows(&run(&app, &w.viewer, &spec).await), rows(&all));
    assert_eq!(
        rows(&run(&app, &w.manager1, &spec).await),
        vec![
            (s("2026-01"), name(&w.rep2), 500_000.0, 1),
            (s("2026-02"), name(&w.rep1), 3_000_000.0, 2),
        ]
    );
    assert_eq!(
        rows(&run(&app, &w.manager2, &spec).await),
        vec![(s("2026-02"), name(&w.rep3), 700_000.0, 1)]
    );
    let mine = run(&app, &w.rep1, &spec).await;
    assert_eq!(
        rows(&mine),
        vec![(s("2026-02"), name(&w.rep1), 3_000_000.0, 2)]
    );
    let other = run(&app, &w.other_admin, &spec).await;
    assert_eq!(other["rows"], json!([]));
    assert_eq!(other["records"], 0);

    // A count by status without groupings' dates; quarters; the average.
    let by_status = json!({"object": "deals", "group_by": [{"field": "status"}],
        "measure": {"aggregate": "count"}, "chart": "pie"});
    let counts = run(&app, &w.admin, &by_status).await;
    let count_of = |status: &str| {
        counts["rows"]
            .as_array()
            .and_then(|r| r.iter().find(|r| r["keys"][0] == status))
            .map(|r| r["value"].clone())
    };
    assert_eq!(count_of("won"), Some(json!(6.0)));
    assert_eq!(count_of("lost"), Some(json!(1.0)));
    let quarters = json!({"object": "deals", "group_by": [{"field": "closed_at", "grain": "quarter"}],
        "measure": {"aggregate": "avg", "field": "amount_minor"},
        "filters": [{"field": "status", "op": "ne", "value": "lost"}], "chart": "bar"});
    let q = run(&app, &w.admin, &quarters).await;
    let labels: Vec<&str> = q["rows"]
        .as_array()
        .map(|r| r.iter().filter_map(|r| r["labels"][0].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(labels, ["2026-Q1", "2026-Q2"], "{q}");
    assert_eq!(
        q["rows"][0]["value"], 1_050_000.0,
        "the mean of four CNY deals"
    );
    assert_eq!(q["total"], 1_000_000.0, "the mean of all five CNY deals");
}

async fn saved_reports_are_private_until_shared_and_csv_is_safe(app: TestApp) {
    let w = World::create(&app);
    plant(&app, &w).await;
    let saved = app
        .post("/api/v1/reports")
        .token(&w.rep1.token)
        .json(&json!({"name": "我的赢单", "spec": won_by_month_and_owner()}))
        .send()
        .await
        .expect(201);
    let id = saved.id();
    assert_eq!(saved.body["editable"], true);
    assert_eq!(saved.body["shared"], false);
    let url = format!("/api/v1/reports/{id}");
    for who in [&w.rep2, &w.manager1, &w.other_admin] {
        app.get(&url).token(&who.token).send().await.expect(404);
    }
    let listed = app
        .get("/api/v1/reports")
        .token(&w.rep2.token)
        .send()
        .await
        .expect(200);
    assert_eq!(listed.body["items"], json!([]));
    // The administrator sees every report of the workspace.
    let listed = app
        .get("/api/v1/reports")
        .token(&w.admin.token)
        .send()
        .await
        .expect(200);
    assert_eq!(listed.body["items"][0]["id"], json!(id));

    app.patch(&url)
        .token(&w.rep1.token)
        .header("If-Match", "\"1\"")
        .json(&json!({"shared": true}))
        .send()
        .await
        .expect(200);
    let shared = app.get(&url).token(&w.rep2.token).send().await.expect(200);
    assert_eq!(shared.body["editable"], false);
    // rep2 runs it as rep2: only rep2's deal.
    let data = app
        .get(&format!("{url}/data"))
        .token(&w.rep2.token)
        .send()
        .await
        .expect(200);
    assert_eq!(
        rows(&data.body),
        vec![("2026-01".to_owned(), w.rep2.id.to_string(), 500_000.0, 1)]
    );
    // Only who saved it changes or deletes it.
    app.patch(&url)
        .token(&w.rep2.token)
        .json(&json!({"name": "改名"}))
        .send()
        .await
        .expect(403);
    app.delete(&url)
        .token(&w.rep2.token)
        .send()
        .await
        .expect(403);
    app.get(&url)
        .token(&w.other_admin.token)
        .send()
        .await
        .expect(404);

    // Lost reasons as CSV: a formula-like reason is neutralised.
    let reasons = app
        .post("/api/v1/reports")
        .token(&w.admin.token)
        .json(&json!({"name": "输单原因", "spec": {"object": "deals",
            "group_by": [{"field": "lost_reason"}], "measure": {"aggregate": "count"},
            "filters": [{"field": "status", "op": "eq", "value": "lost"}], "chart": "table"}}))
        .send()
        .await
        .expect(201)
        .id();
    let csv = app
        .get(&format!("/api/v1/reports/{reasons}/export"))
        .token(&w.admin.token)
        .send()
        .await
        .expect(200);
    assert!(
        csv.header("content-type")
            .unwrap_or_default()
            .starts_with("text/csv")
    );
    let text = String::from_utf8_lossy(&csv.bytes).into_owned();
    assert!(text.starts_with('\u{feff}'), "a BOM for Excel");
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines[0], "lost_reason,count,records");
    assert!(lines[1].starts_with("\"'=HYPERLINK"), "{}", lines[1]);
    assert!(lines[1].ends_with(",1,1"), "{}", lines[1]);
    // The same run as a workbook: the label as text, the figures as numbers.
    let xlsx = app
        .get(&format!("/api/v1/reports/{reasons}/export.xlsx"))
        .token(&w.admin.token)
        .send()
        .await
        .expect(200);
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx.bytes.to_vec()))
            .expect("a workbook");
    let sheet = calamine::Reader::worksheet_range(&mut book, "report").expect("sheet");
    let cells: Vec<Vec<calamine::Data>> = sheet.rows().map(<[calamine::Data]>::to_vec).collect();
    assert_eq!(cells[0][0], calamine::Data::String("lost_reason".into()));
    assert_eq!(
        cells[1][0],
        calamine::Data::String("=HYPERLINK(\"http://evil.test\")".into()),
        "a formula-looking label stays text"
    );
    assert_eq!(cells[1][1], calamine::Data::Float(1.0));

    app.delete(&url)
        .token(&w.rep1.token)
        .send()
        .await
        .expect(204);
    app.get(&url).token(&w.rep1.token).send().await.expect(404);
}

async fn bad_definitions_name_their_field(app: TestApp) {
    let w = World::create(&app);
    let bad = json!({"object": "deals",
        "group_by": [{"field": "closed_at", "grain": "month"}, {"field": "amount_minor"}],
        "measure": {"aggregate": "sum"},
        "filters": [{"field": "closed_at", "op": "gte", "value": "2026-13-01"}],
        "period": {"field": "owner"},
        "chart": "pie"});
    let refused = app
        .post("/api/v1/reports/run")
        .token(&w.rep1.token)
        .json(&bad)
        .send()
        .await
        .expect(422);
    assert_eq!(
        refused.errors(),
        [
            "chart",
            "filters[0].value",
            "group_by[1].field",
            "measure.field",
            "period.field"
        ]
    );
    let saved = app
        .post("/api/v1/reports")
        .token(&w.rep1.token)
        .json(&json!({"name": " ", "spec": bad}))
        .send()
        .await
        .expect(422);
    assert!(saved.errors().contains(&"name".to_owned()));
    assert!(
        saved
            .errors()
            .contains(&"spec.group_by[1].field".to_owned())
    );
    // An unknown object or operator is the body's shape.
    let mut wrong = won_by_month_and_owner();
    wrong["object"] = json!("invoices");
    app.post("/api/v1/reports/run")
        .token(&w.rep1.token)
        .json(&wrong)
        .send()
        .await
        .expect(422);
    let standard = app
        .get("/api/v1/reports/standard")
        .token(&w.rep1.token)
        .send()
        .await
        .expect(200);
    assert!(standard.body.as_array().is_some_and(|s| s.len() >= 8));
    let fields = app
        .get("/api/v1/reports/fields")
        .token(&w.rep1.token)
        .send()
        .await
        .expect(200);
    assert_eq!(fields.body[0]["object"], "customers");
}
