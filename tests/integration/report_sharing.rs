//! Report folders and sharing with chosen roles and teams: a report shared
//! with a team reaches its members and the teams below it (and nobody
//! else: 404), each runs it over their own rows, only who saved it changes
//! it; a dashboard takes only reports that reach everyone it reaches; a
//! role's home dashboard may be shared with just that role; a delivery
//! goes only to who may see what it sends and ends with its report;
//! unknown roles and teams and a
//! long folder name are named.

use crm_tests::{TestApp, World, both};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::reports::{plant, rows, won_by_month_and_owner};

both!(
    reports_reach_the_roles_and_teams_they_are_shared_with,
    dashboards_and_deliveries_follow_the_reports_audience,
);

async fn report(app: &TestApp, token: &str, body: Value) -> Uuid {
    app.post("/api/v1/reports")
        .token(token)
        .json(&body)
        .send()
        .await
        .expect(201)
        .id()
}

async fn status(app: &TestApp, token: &str, path: &str) -> u16 {
    app.get(path).token(token).send().await.status.as_u16()
}

fn names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|r| r["name"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

async fn reports_reach_the_roles_and_teams_they_are_shared_with(app: TestApp) {
    let w = World::create(&app);
    plant(&app, &w).await;
    let shared = report(
        &app,
        &w.manager1.token,
        json!({"name": "华东赢单", "folder": "华东 / 月报", "spec": won_by_month_and_owner(),
               "share_teams": [w.team_a, w.team_a]}),
    )
    .await;
    let path = format!("/api/v1/reports/{shared}");
    let saved = app
        .get(&path)
        .token(&w.manager1.token)
        .send()
        .await
        .expect(200);
    assert_eq!(saved.body["folder"], "华东 / 月报");
    assert_eq!(saved.body["shared"], false);
    assert_eq!(saved.body["share_teams"], json!([w.team_a]));
    assert_eq!(saved.body["share_roles"], json!([]));
    // Team A's members and team A2's below it see it; team B, the viewer
    // and the other manager do not.
    assert_eq!(status(&app, &w.rep1.token, &path).await, 200);
    assert_eq!(status(&app, &w.rep5.token, &path).await, 200);
    for other in [&w.rep3, &w.manager2, &w.viewer] {
        assert_eq!(status(&app, &other.token, &path).await, 404, "{}", other.id);
    }
    let listed = app
        .get("/api/v1/reports")
        .token(&w.rep1.token)
        .send()
        .await
        .expect(200);
    assert_eq!(names(&listed.body), ["华东赢单"]);
    let listed = app
        .get("/api/v1/reports")
        .token(&w.rep3.token)
        .send()
        .await
        .expect(200);
    assert!(names(&listed.body).is_empty(), "{}", listed.body);
    // Each runs it over their own rows; seeing it is not changing it.
    let data = app
        .get(&format!("{path}/data"))
        .token(&w.rep1.token)
        .send()
        .await
        .expect(200);
    let owners: Vec<String> = rows(&data.body).into_iter().map(|r| r.1).collect();
    assert!(!owners.is_empty());
    assert!(
        owners.iter().all(|o| *o == w.rep1.id.to_string()),
        "{owners:?}"
    );
    let version = saved.body["version"].as_i64().unwrap_or_default();
    app.patch(&path)
        .token(&w.rep1.token)
        .header("If-Match", &format!("\"{version}\""))
        .json(&json!({"name": "我的"}))
        .send()
        .await
        .expect(403);
    // Shared with the viewer role instead: the viewer sees it, team A no longer.
    let moved = app
        .patch(&path)
        .token(&w.manager1.token)
        .header("If-Match", &format!("\"{version}\""))
        .json(&json!({"share_roles": [w.role("viewer")], "share_teams": [], "folder": null}))
        .send()
        .await
        .expect(200);
    assert_eq!(moved.body["folder"], Value::Null);
    assert_eq!(status(&app, &w.viewer.token, &path).await, 200);
    assert_eq!(status(&app, &w.rep1.token, &path).await, 404);
    // Filed reports come first, by folder, then the unfiled ones.
    report(
        &app,
        &w.manager1.token,
        json!({"name": "A 未归档", "spec": won_by_month_and_owner()}),
    )
    .await;
    report(
        &app,
        &w.manager1.token,
        json!({"name": "Z 归档", "folder": "季度", "spec": won_by_month_and_owner()}),
    )
    .await;
    let listed = app
        .get("/api/v1/reports")
        .token(&w.manager1.token)
        .send()
        .await
        .expect(200);
    assert_eq!(names(&listed.body), ["Z 归档", "A 未归档", "华东赢单"]);
    // Unknown roles and teams (another workspace's too) and a long folder are named.
    let other_team = {
        let mut conn = app.conn();
        crm_db::teams::insert(
            &mut conn,
            w.other_ws,
            &crm_db::teams::TeamFields {
                name: "别家".into(),
                parent_id: None,
                manager_id: None,
            },
        )
        .expect("team")
        .id
        .0
    };
    let refused = app
        .post("/api/v1/reports")
        .token(&w.rep1.token)
        .json(
            &json!({"name": "坏", "folder": "长".repeat(61), "spec": won_by_month_and_owner(),
                      "share_roles": [w.role("sales"), Uuid::now_v7()],
                      "share_teams": [other_team]}),
        )
        .send()
        .await
        .expect(422);
    assert_eq!(
        refused.errors(),
        ["folder", "share_roles[1]", "share_teams[0]"]
    );
    // Anyone signed in reads whom they may share with (names, not grants).
    let targets = app
        .get("/api/v1/reports/share-targets")
        .token(&w.rep1.token)
        .send()
        .await
        .expect(200);
    let team_a2 = targets.body["teams"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["id"] == json!(w.team_a2)))
        .cloned()
        .unwrap_or_default();
    assert_eq!(team_a2["parent_id"], json!(w.team_a));
    assert!(
        targets.body["roles"].as_array().is_some_and(|r| r
            .iter()
            .any(|r| r["key"] == "sales" && r.get("permissions").is_none())),
        "{}",
        targets.body
    );
    assert!(
        !targets.body.to_string().contains("别家"),
        "another workspace's team leaked"
    );
}

async fn dashboards_and_deliveries_follow_the_reports_audience(app: TestApp) {
    let w = World::create(&app);
    let team_report = report(
        &app,
        &w.manager1.token,
        json!({"name": "华东赢单", "spec": won_by_month_and_owner(), "share_teams": [w.team_a]}),
    )
    .await;
    let board = |audience: Value| {
        let mut body = json!({"name": "看板", "layout": {"widgets": [
            {"key": "w", "report_id": team_report, "width": 6, "height": 2}]}});
        if let (Some(b), Some(a)) = (body.as_object_mut(), audience.as_object()) {
            b.extend(a.clone());
        }
        body
    };
    // The whole workspace or team B would see a widget they may not open.
    for audience in [json!({"shared": true}), json!({"share_teams": [w.team_b]})] {
        let refused = app
            .post("/api/v1/dashboards")
            .token(&w.manager1.token)
            .json(&board(audience))
            .send()
            .await
            .expect(422);
        assert_eq!(refused.errors(), ["layout.widgets[0].report_id"]);
    }
    // Team A2 lies below team A: its members may open the widget.
    let below = app
        .post("/api/v1/dashboards")
        .token(&w.manager1.token)
        .json(&board(json!({"share_teams": [w.team_a2]})))
        .send()
        .await
        .expect(201);
    assert_eq!(below.body["share_teams"], json!([w.team_a2]));
    let path = format!("/api/v1/dashboards/{}", below.id());
    assert_eq!(status(&app, &w.rep5.token, &path).await, 200);
    assert_eq!(status(&app, &w.rep1.token, &path).await, 404);
    assert_eq!(status(&app, &w.rep3.token, &path).await, 404);
    // A role's home may be shared with just that role, not with another.
    let home = json!({"name": "销售首页", "share_roles": [w.role("sales")],
        "default_roles": [w.role("sales")],
        "layout": {"widgets": [{"key": "p", "standard": "pipeline_by_stage", "width": 12, "height": 2}]}});
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
        .token(&w.rep3.token)
        .send()
        .await
        .expect(200);
    assert_eq!(rep_home.body["id"], json!(made));
    let mut elsewhere = home.clone();
    elsewhere["default_roles"] = json!([w.role("viewer")]);
    let refused = app
        .post("/api/v1/dashboards")
        .token(&w.admin.token)
        .json(&elsewhere)
        .send()
        .await
        .expect(422);
    assert_eq!(refused.errors(), ["default_roles"]);
    // A delivery goes to who may see the report: rep1 (team A), not rep3.
    let schedule = json!({"frequency": "daily", "hour": 7});
    let refused = app
        .post("/api/v1/deliveries")
        .token(&w.manager1.token)
        .json(
            &json!({"name": "日报", "report_id": team_report, "schedule": schedule,
                      "recipients": [w.rep1.id, w.rep3.id]}),
        )
        .send()
        .await
        .expect(422);
    assert_eq!(refused.errors(), ["recipients[1]"]);
    let delivery = app
        .post("/api/v1/deliveries")
        .token(&w.manager1.token)
        .json(
            &json!({"name": "日报", "report_id": team_report, "schedule": schedule,
                      "recipients": [w.manager1.id, w.rep1.id, w.rep5.id]}),
        )
        .send()
        .await
        .expect(201)
        .id();
    // Deleting the report ends its deliveries too.
    app.delete(&format!("/api/v1/reports/{team_report}"))
        .token(&w.manager1.token)
        .send()
        .await
        .expect(204);
    app.get(&format!("/api/v1/deliveries/{delivery}"))
        .token(&w.manager1.token)
        .send()
        .await
        .expect(404);
}
