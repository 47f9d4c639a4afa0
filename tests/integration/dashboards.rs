//! Dashboards (仪表盘): a shared dashboard's widgets run as each viewer
//! under the dashboard's filters (period, owner, team, region), a number
//! compares itself with the window before; a shared dashboard takes only
//! shared reports; only who saved it changes it; only an administrator
//! makes it a role's home; bad layouts and filters name their field.

use crm_tests::{TestApp, World, both};
use serde_json::{Value, json};

use crate::reports::{plant, rows, won_by_month_and_owner};

both!(
    widgets_run_as_each_viewer_under_the_dashboard_filters,
    shared_dashboards_and_role_homes_follow_the_rules,
);

async fn widget(app: &TestApp, token: &str, body: Value) -> Value {
    app.post("/api/v1/dashboards/run")
        .token(token)
        .json(&body)
        .send()
        .await
        .expect(200)
        .body
}

async fn widgets_run_as_each_viewer_under_the_dashboard_filters(app: TestApp) {
    let w = World::create(&app);
    plant(&app, &w).await;
    let report = app
        .post("/api/v1/reports")
        .token(&w.manager1.token)
        .json(&json!({"name": "赢单", "spec": won_by_month_and_owner(), "shared": true}))
        .send()
        .await
        .expect(201)
        .id();
    let board = app
        .post("/api/v1/dashboards")
        .token(&w.manager1.token)
        .json(&json!({"name": "华东看板", "shared": true, "layout": {
            "widgets": [
                {"key": "won", "report_id": report, "width": 8, "height": 2},
                {"key": "month", "standard": "won_this_month", "width": 4, "height": 1}
            ],
            "filters": {"from": "2026-02-01", "to": "2026-02-28"}}}))
        .send()
        .await
        .expect(201);
    assert_eq!(
        board.body["layout"]["widgets"][1]["standard"],
        "won_this_month"
    );
    let (rep1, rep2, rep3) = (
        w.rep1.id.to_string(),
        w.rep2.id.to_string(),
        w.rep3.id.to_string(),
    );
    let feb = json!({"from": "2026-02-01", "to": "2026-02-28"});
    // The period narrows the saved Q1 report to February (31 January 23:30
    // UTC is February in Shanghai); the USD deal stays out of the sum.
    let all = widget(
        &app,
        &w.admin.token,
        json!({"report_id": report, "filters": feb}),
    )
    .await;
    assert_eq!(
        rows(&all),
        [
            ("2026-02".to_owned(), rep1.clone(), 3_000_000.0, 2),
            ("2026-02".to_owned(), rep3.clone(), 700_000.0, 1),
        ]
    );
    // The owner and team filters land on the deals' owner and team.
    let mut by_owner = feb.clone();
    by_owner["owner"] = json!(w.rep3.id);
    let only3 = widget(
        &app,
        &w.admin.token,
        json!({"report_id": report, "filters": by_owner}),
    )
    .await;
    assert_eq!(
        rows(&only3),
        [("2026-02".to_owned(), rep3.clone(), 700_000.0, 1)]
    );
    let by_team = json!({"team": w.team_a});
    let team_a = widget(
        &app,
        &w.admin.token,
        json!({"report_id": report, "filters": by_team}),
    )
    .await;
    assert!(rows(&team_a).iter().all(|r| r.1 == rep1 || r.1 == rep2));
    assert_eq!(rows(&team_a).len(), 2);
    // Each viewer sees their own rows of the same shared widget.
    let mine = widget(
        &app,
        &w.rep1.token,
        json!({"report_id": report, "filters": feb}),
    )
    .await;
    assert_eq!(
        rows(&mine),
        [("2026-02".to_owned(), rep1.clone(), 3_000_000.0, 2)]
    );
    let manager2 = widget(&app, &w.manager2.token, json!({"report_id": report})).await;
    assert!(rows(&manager2).iter().all(|r| r.1 == rep3));
    // A number over February compares itself with January.
    let number = widget(
        &app,
        &w.admin.token,
        json!({"standard": "won_this_month", "filters": feb}),
    )
    .await;
    assert_eq!(number["rows"][0]["value"], json!(3_700_000.0));
    assert_eq!(number["previous"], json!(500_000.0));
    assert_eq!(number["from"], "2026-02-01");
    assert_eq!(number["to"], "2026-02-28");
    let quarter = widget(
        &app,
        &w.rep2.token,
        json!({"standard": "won_this_month",
        "filters": {"from": "2026-01-01", "to": "2026-03-31"}}),
    )
    .await;
    assert_eq!(quarter["rows"][0]["value"], json!(500_000.0));
    assert_eq!(quarter["previous"], json!(0.0));
    // Without filters a relative period resolves to today's month.
    let now = widget(&app, &w.admin.token, json!({"standard": "won_this_month"})).await;
    assert!(now["from"].as_str().is_some_and(|d| d.ends_with("-01")));
    // The dashboard is shared: rep1 reads it but cannot change it; another
    // workspace does not see it.
    let url = format!("/api/v1/dashboards/{}", board.id());
    let read = app.get(&url).token(&w.rep1.token).send().await.expect(200);
    assert_eq!(read.body["editable"], false);
    app.patch(&url)
        .token(&w.rep1.token)
        .json(&json!({"name": "改"}))
        .send()
        .await
        .expect(403);
    app.get(&url)
        .token(&w.other_admin.token)
        .send()
        .await
        .expect(404);
    app.post("/api/v1/dashboards/run")
        .token(&w.other_admin.token)
        .json(&json!({"report_id": report}))
        .send()
        .await
        .expect(404);
    let moved = app
        .patch(&url)
        .token(&w.manager1.token)
        .header("If-Match", "\"1\"")
        .json(&json!({"layout": {"widgets": [
            {"key": "month", "standard": "won_this_month", "width": 12, "height": 1},
            {"key": "won", "report_id": report, "width": 6, "height": 3}]}}))
        .send()
        .await
        .expect(200);
    assert_eq!(moved.body["layout"]["widgets"][0]["key"], "month");
    assert_eq!(
        moved.body["layout"]["filters"],
        json!({"relative": null, "from": null, "to": null, "owner": null, "team": null, "region": null})
    );
    app.delete(&url)
        .token(&w.manager1.token)
        .send()
        .await
        .expect(204);
    app.get(&url)
        .token(&w.manager1.token)
        .send()
        .await
        .expect(404);
}

async fn shared_dashboards_and_role_homes_follow_the_rules(app: TestApp) {
    let w = World::create(&app);
    let private = app
        .post("/api/v1/reports")
        .token(&w.rep1.token)
        .json(&json!({"name": "私人", "spec": won_by_month_and_owner()}))
        .send()
        .await
        .expect(201)
        .id();
    let one = |report: Value| json!({"widgets": [{"key": "a", "report_id": report, "width": 6, "height": 2}]});
    // A shared dashboard takes only shared reports; nobody places a report
    // they cannot see.
    let refused = app
        .post("/api/v1/dashboards")
        .token(&w.rep1.token)
        .json(&json!({"name": "共享", "shared": true, "layout": one(json!(private))}))
        .send()
        .await
        .expect(422);
    assert_eq!(refused.errors(), ["layout.widgets[0].report_id"]);
    let refused = app
        .post("/api/v1/dashboards")
        .token(&w.rep2.token)
        .json(&json!({"name": "偷看", "layout": one(json!(private))}))
        .send()
        .await
        .expect(422);
    assert_eq!(refused.errors(), ["layout.widgets[0].report_id"]);
    app.post("/api/v1/dashboards/run")
        .token(&w.rep2.token)
        .json(&json!({"report_id": private}))
        .send()
        .await
        .expect(404);
    // A private dashboard of rep1's own report is fine, and only theirs.
    let mine = app
        .post("/api/v1/dashboards")
        .token(&w.rep1.token)
        .json(&json!({"name": "我的", "layout": one(json!(private))}))
        .send()
        .await
        .expect(201)
        .id();
    app.get(&format!("/api/v1/dashboards/{mine}"))
        .token(&w.rep2.token)
        .send()
        .await
        .expect(404);
    // Bad layouts and filters name their field.
    let bad = app
        .post("/api/v1/dashboards")
        .token(&w.rep1.token)
        .json(&json!({"name": "", "layout": {"widgets": [
            {"key": "a", "standard": "nope", "width": 13, "height": 1},
            {"key": "a", "width": 4, "height": 9}],
            "filters": {"relative": "this_month", "from": "2026-01-01", "region": "440305"}}}))
        .send()
        .await
        .expect(422);
    assert_eq!(
        bad.errors(),
        [
            "layout.filters.region",
            "layout.filters.relative",
            "layout.widgets[0].standard",
            "layout.widgets[0].width",
            "layout.widgets[1].height",
            "layout.widgets[1].key",
            "layout.widgets[1].report_id",
            "name",
        ]
    );
    let bad = app
        .post("/api/v1/dashboards/run")
        .token(&w.rep1.token)
        .json(&json!({"standard": "won_this_month", "filters": {"from": "2026-03-01", "to": "2026-02-01"}}))
        .send()
        .await
        .expect(422);
    assert_eq!(bad.errors(), ["filters.to"]);
    // An array where an object belongs is refused, naming the field sent
    // (the message names the place inside it), and nothing is saved.
    for (path, body, field) in [
        (
            "/api/v1/dashboards",
            json!({"name": "数组", "layout": {"filters": [null, null]}}),
            "layout",
        ),
        (
            "/api/v1/dashboards",
            json!({"name": "数组", "layout": {"widgets": [["w1", null, "won_this_month", 4, 1]]}}),
            "layout",
        ),
        (
            "/api/v1/dashboards",
            json!({"name": "数组", "layout": [[], {}]}),
            "layout",
        ),
        (
            "/api/v1/dashboards/run",
            json!({"standard": "won_this_month", "filters": [null]}),
            "filters",
        ),
    ] {
        let refused = app.post(path).token(&w.rep1.token).json(&body).send().await;
        assert!(
            refused.status.is_client_error(),
            "{path} {body}: {}",
            refused.status
        );
        assert_eq!(
            refused.header("content-type"),
            Some("application/problem+json"),
            "{path} {body}"
        );
        assert!(
            refused.errors().iter().any(|e| e.starts_with(field)),
            "{path} {body}: {:?}",
            refused.errors()
        );
    }
    let listed = app
        .get("/api/v1/dashboards")
        .token(&w.rep1.token)
        .send()
        .await
        .expect(200);
    assert!(!listed.body.to_string().contains("数组"), "{}", listed.body);
    // Only an administrator makes a dashboard a role's home, and it must be shared.
    let home = json!({"name": "销售工作台", "shared": true, "default_roles": [w.role("sales")],
        "layout": {"widgets": [{"key": "p", "standard": "pipeline_by_stage", "width": 12, "height": 2}],
                   "filters": {"relative": "this_quarter"}}});
    app.post("/api/v1/dashboards")
        .token(&w.manager1.token)
        .json(&home)
        .send()
        .await
        .expect(403);
    let mut unshared = home.clone();
    unshared["shared"] = json!(false);
    let refused = app
        .post("/api/v1/dashboards")
        .token(&w.admin.token)
        .json(&unshared)
        .send()
        .await
        .expect(422);
    assert_eq!(refused.errors(), ["default_roles"]);
    let made = app
        .post("/api/v1/dashboards")
        .token(&w.admin.token)
        .json(&home)
        .send()
        .await
        .expect(201)
        .id();
    let rep_home = app
        .get("/api/v1/dashboards/home")
        .token(&w.rep1.token)
        .send()
        .await
        .expect(200);
    assert_eq!(rep_home.body["id"], json!(made));
    assert_eq!(
        rep_home.body["layout"]["filters"]["relative"],
        "this_quarter"
    );
    // Another role keeps the built-in dashboard.
    let viewer_home = app
        .get("/api/v1/dashboards/home")
        .token(&w.viewer.token)
        .send()
        .await
        .expect(200);
    assert_eq!(viewer_home.body["id"], Value::Null);
    assert_eq!(
        viewer_home.body["layout"]["widgets"][0]["standard"],
        "won_this_month"
    );
}
