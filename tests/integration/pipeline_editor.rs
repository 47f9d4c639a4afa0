//! The pipeline editor: an administrator adds a stage (after the open ones
//! by default, or at a place), moves and renames one, and retires one once
//! no live deal is on it; positions stay 0‥n-1, names stay unique in the
//! pipeline, a pipeline keeps a won and a lost stage, a retired stage takes
//! no deal and leaves the board while its history stays. Only an
//! administrator edits, and only their own workspace's pipelines.

use crm_tests::{CustomerBuilder, TestApp, World, both};
use serde_json::{Value, json};

both!(
    an_admin_adds_moves_and_retires_stages,
    the_editor_refuses_what_would_break_a_pipeline,
);

async fn pipeline(app: &TestApp, token: &str) -> Value {
    app.get("/api/v1/pipelines")
        .token(token)
        .send()
        .await
        .expect(200)
        .body[0]
        .clone()
}

/// Stage names in board order, checking the positions are 0‥n-1.
fn names(p: &Value) -> Vec<String> {
    let stages = p["stages"].as_array().expect("stages");
    for (i, s) in stages.iter().enumerate() {
        assert_eq!(s["position"].as_u64(), Some(i as u64), "{p}");
    }
    stages
        .iter()
        .map(|s| s["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn stage_id(p: &Value, name: &str) -> String {
    p["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .find(|s| s["name"] == name)
        .and_then(|s| s["id"].as_str())
        .expect("stage")
        .to_owned()
}

async fn an_admin_adds_moves_and_retires_stages(app: TestApp) {
    let w = World::create(&app);
    let p = pipeline(&app, &w.admin.token).await;
    let pid = p["id"].as_str().expect("id").to_owned();
    let stages = format!("/api/v1/pipelines/{pid}/stages");
    // An open stage goes after the last open one; its category follows its probability.
    let added = app
        .post(&stages)
        .token(&w.admin.token)
        .json(&json!({"name": "合同审批", "probability": 85, "kind": "open"}))
        .send()
        .await
        .expect(201)
        .body;
    assert_eq!(
        names(&added),
        [
            "初步接洽",
            "需求确认",
            "方案报价",
            "商务谈判",
            "合同审批",
            "赢单",
            "输单"
        ]
    );
    let new = stage_id(&added, "合同审批");
    let entry = &added["stages"][4];
    assert_eq!(
        (
            entry["probability"].as_i64(),
            entry["forecast_category"].as_str()
        ),
        (Some(85), Some("commit"))
    );
    // At a place: the others shift right.
    let at = app
        .post(&stages)
        .token(&w.admin.token)
        .json(&json!({"name": "线索甄别", "probability": 5, "kind": "open", "position": 0}))
        .send()
        .await
        .expect(201)
        .body;
    assert_eq!(names(&at)[..2], ["线索甄别", "初步接洽"]);
    // Moved and renamed in one edit.
    let moved = app
        .patch(&format!("{stages}/{new}"))
        .token(&w.admin.token)
        .json(&json!({"position": 1, "name": "合同评审"}))
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(
        names(&moved),
        [
            "线索甄别",
            "合同评审",
            "初步接洽",
            "需求确认",
            "方案报价",
            "商务谈判",
            "赢单",
            "输单"
        ]
    );
    // A deal on the stage keeps it from retiring until it moves on.
    let customer = CustomerBuilder::new(w.ws, "评审客户")
        .owner(&w.rep1)
        .build(&app);
    let deal = app
        .post("/api/v1/deals")
        .token(&w.rep1.token)
        .json(
            &json!({"customer_id": customer, "name": "评审商机", "stage_id": new,
            "amount": {"amount_minor": 9_000, "currency": "CNY"}}),
        )
        .send()
        .await
        .expect(201)
        .body["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let busy = app
        .delete(&format!("{stages}/{new}"))
        .token(&w.admin.token)
        .send()
        .await
        .expect(409);
    assert!(
        busy.errors().contains(&"stage_id".to_owned()),
        "{}",
        busy.body
    );
    let next = stage_id(&moved, "商务谈判");
    app.patch(&format!("/api/v1/deals/{deal}"))
        .token(&w.rep1.token)
        .json(&json!({"stage_id": next}))
        .send()
        .await
        .expect(200);
    let retired = app
        .delete(&format!("{stages}/{new}"))
        .token(&w.admin.token)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(
        names(&retired),
        [
            "线索甄别",
            "初步接洽",
            "需求确认",
            "方案报价",
            "商务谈判",
            "赢单",
            "输单"
        ]
    );
    // Gone from the board and from placement; the deal's history still names it.
    let board = app
        .get(&format!("/api/v1/pipelines/{pid}/kanban"))
        .token(&w.admin.token)
        .send()
        .await
        .expect(200)
        .body;
    assert!(
        board["columns"]
            .as_array()
            .expect("columns")
            .iter()
            .all(|c| c["stage"]["id"] != new.as_str())
    );
    let placed = app
        .patch(&format!("/api/v1/deals/{deal}"))
        .token(&w.rep1.token)
        .json(&json!({"stage_id": new}))
        .send()
        .await
        .expect(422);
    assert!(
        placed.errors().contains(&"stage_id".to_owned()),
        "{}",
        placed.body
    );
    let history = app
        .get(&format!("/api/v1/deals/{deal}/stage-changes"))
        .token(&w.rep1.token)
        .send()
        .await
        .expect(200)
        .body;
    assert!(history.to_string().contains(&new), "{history}");
    // Retired once: not there any more.
    app.delete(&format!("{stages}/{new}"))
        .token(&w.admin.token)
        .send()
        .await
        .expect(404);
    // A retired stage's name is free again.
    app.post(&stages)
        .token(&w.admin.token)
        .json(&json!({"name": "合同评审", "probability": 80, "kind": "open"}))
        .send()
        .await
        .expect(201);
}

async fn the_editor_refuses_what_would_break_a_pipeline(app: TestApp) {
    let w = World::create(&app);
    let p = pipeline(&app, &w.admin.token).await;
    let pid = p["id"].as_str().expect("id").to_owned();
    let stages = format!("/api/v1/pipelines/{pid}/stages");
    let won = stage_id(&p, "赢单");
    let early = stage_id(&p, "初步接洽");
    // The last won stage stays; a second one may go.
    let last = app
        .delete(&format!("{stages}/{won}"))
        .token(&w.admin.token)
        .send()
        .await
        .expect(409);
    assert!(last.errors().contains(&"kind".to_owned()), "{}", last.body);
    let two = app
        .post(&stages)
        .token(&w.admin.token)
        .json(&json!({"name": "部分赢单", "probability": 100, "kind": "won"}))
        .send()
        .await
        .expect(201)
        .body;
    assert_eq!(names(&two).last().map(String::as_str), Some("部分赢单"));
    assert_eq!(two["stages"][6]["forecast_category"], "closed");
    app.delete(&format!("{stages}/{won}"))
        .token(&w.admin.token)
        .send()
        .await
        .expect(200);
    // Names are unique in a pipeline, ignoring case and space.
    for (method, path, body) in [
        (
            "post",
            stages.clone(),
            json!({"name": " 初步接洽 ", "probability": 5, "kind": "open"}),
        ),
        (
            "patch",
            format!("{stages}/{early}"),
            json!({"name": "方案报价"}),
        ),
    ] {
        let req = if method == "post" {
            app.post(&path)
        } else {
            app.patch(&path)
        };
        let taken = req
            .token(&w.admin.token)
            .json(&body)
            .send()
            .await
            .expect(409);
        assert!(
            taken.errors().contains(&"name".to_owned()),
            "{}",
            taken.body
        );
    }
    // Bad input names its field and changes nothing.
    for (body, field) in [
        (
            json!({"name": "x", "probability": 5, "kind": "open", "position": -1}),
            "position",
        ),
        (
            json!({"name": "x", "probability": 101, "kind": "open"}),
            "probability",
        ),
        (
            json!({"name": "x", "probability": 5, "kind": "open", "forecast_category": "closed"}),
            "forecast_category",
        ),
        (
            json!({"name": "", "probability": 5, "kind": "open"}),
            "name",
        ),
    ] {
        let bad = app
            .post(&stages)
            .token(&w.admin.token)
            .json(&body)
            .send()
            .await
            .expect(422);
        assert!(
            bad.errors().contains(&field.to_owned()),
            "{field}: {}",
            bad.body
        );
    }
    let bad = app
        .patch(&format!("{stages}/{early}"))
        .token(&w.admin.token)
        .json(&json!({"position": -3}))
        .send()
        .await
        .expect(422);
    assert!(bad.errors().contains(&"position".to_owned()));
    let now = pipeline(&app, &w.admin.token).await;
    assert_eq!(
        names(&now),
        [
            "初步接洽",
            "需求确认",
            "方案报价",
            "商务谈判",
            "输单",
            "部分赢单"
        ]
    );
    // Only an administrator; another workspace's pipeline is not found.
    for token in [&w.manager1.token, &w.rep1.token] {
        app.post(&stages)
            .token(token)
            .json(&json!({"name": "越权", "probability": 5, "kind": "open"}))
            .send()
            .await
            .expect(403);
        app.delete(&format!("{stages}/{early}"))
            .token(token)
            .send()
            .await
            .expect(403);
    }
    app.post(&stages)
        .token(&w.other_admin.token)
        .json(&json!({"name": "越界", "probability": 5, "kind": "open"}))
        .send()
        .await
        .expect(404);
    app.delete(&format!("{stages}/{early}"))
        .token(&w.other_admin.token)
        .send()
        .await
        .expect(404);
    // At most 30 live stages.
    for i in 0..24 {
        app.post(&stages)
            .token(&w.admin.token)
            .json(&json!({"name": format!("阶段{i}"), "probability": 20, "kind": "open"}))
            .send()
            .await
            .expect(201);
    }
    let full = app
        .post(&stages)
        .token(&w.admin.token)
        .json(&json!({"name": "第三十一", "probability": 20, "kind": "open"}))
        .send()
        .await
        .expect(409);
    assert!(
        full.errors().contains(&"stages".to_owned()),
        "{}",
        full.body
    );
    // A new pipeline's stage names must differ too.
    let dup = app
        .post("/api/v1/pipelines")
        .token(&w.admin.token)
        .json(&json!({"name": "重名", "stages": [
            {"name": "接洽", "probability": 10, "kind": "open"},
            {"name": "接洽", "probability": 20, "kind": "open"},
            {"name": "赢单", "probability": 100, "kind": "won"},
            {"name": "输单", "probability": 0, "kind": "lost"}]}))
        .send()
        .await
        .expect(422);
    assert!(
        dup.errors().contains(&"stages[1].name".to_owned()),
        "{}",
        dup.body
    );
}
