//! Service tickets (工单): numbering, SLA due times on the workspace's
//! business calendar, status moves, replies and notes, visibility by
//! assignee and customer owner, settings, and refusals naming the field.

use crm_tests::{CustomerBuilder, TestApp, World, both};
use serde_json::{Value, json};

both!(
    a_ticket_is_numbered_due_in_business_time_answered_paused_and_resolved,
    tickets_are_seen_by_the_service_desk_the_assignee_and_the_customers_owner_only,
    bad_ticket_input_and_settings_are_refused_naming_the_field,
);

fn at(v: &Value) -> chrono::DateTime<chrono::Utc> {
    v.as_str()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .unwrap_or_else(|| panic!("not a time: {v}"))
        .to_utc()
}

/// A calendar worked every minute of every day, so due times are plain sums.
fn always_open() -> Value {
    let day = json!([{"start": "00:00", "end": "24:00"}]);
    json!({
        "ticket_types": [{"key": "inquiry", "name": "咨询"}, {"key": "return", "name": "退换货"}],
        "calendar": {"time_zone": "UTC", "hours": {
            "monday": day, "tuesday": day, "wednesday": day, "thursday": day,
            "friday": day, "saturday": day, "sunday": day},
            "holidays": [], "workdays": []},
        "sla": {
            "urgent": {"first_response_minutes": 30, "resolution_minutes": 240},
            "high": {"first_response_minutes": 60, "resolution_minutes": 480},
            "normal": {"first_response_minutes": 240, "resolution_minutes": 1440},
            "low": {"first_response_minutes": 480, "resolution_minutes": 2880}}
    })
}

async fn a_ticket_is_numbered_due_in_business_time_answered_paused_and_resolved(app: TestApp) {
    let w = World::create(&app);
    let admin = &w.admin.token;
    let defaults = app
        .get("/api/v1/service/settings")
        .token(admin)
        .send()
        .await
        .expect(200);
    assert_eq!(defaults.header("etag"), Some("\"0\""));
    assert_eq!(defaults.body["calendar"]["time_zone"], "Asia/Shanghai");
    assert_eq!(defaults.body["ticket_types"][1]["key"], "complaint");
    let saved = app
        .put("/api/v1/service/settings")
        .token(admin)
        .header("If-Match", "\"0\"")
        .json(&always_open())
        .send()
        .await
        .expect(200);
    assert_eq!(saved.header("etag"), Some("\"1\""));
    // A second save against the old version is stale.
    app.put("/api/v1/service/settings")
        .token(admin)
        .header("If-Match", "\"0\"")
        .json(&always_open())
        .send()
        .await
        .expect(412);

    let agent = w.add_person(&app, "agent@acme.test", "service", None);
    let customer = CustomerBuilder::new(w.ws, "苏州云帆贸易")
        .owner(&w.rep1)
        .build(&app);
    let new = |subject: &str, priority: &str| {
        json!({"customer_id": customer, "subject": subject, "ticket_type": "return",
            "priority": priority, "channel": "phone"})
    };
    let first = app
        .post("/api/v1/tickets")
        .token(&agent.token)
        .json(&new("收到的货物有破损", "urgent"))
        .send()
        .await
        .expect(201);
    let t = &first.body;
    assert_eq!(
        (t["number"].clone(), t["status"].clone()),
        (json!(1), json!("new"))
    );
    assert_eq!(
        first.header("location"),
        Some(format!("/api/v1/tickets/{}", first.id()).as_str())
    );
    let created = at(&t["created_at"]);
    assert_eq!(
        (at(&t["first_response_due_at"]) - created).num_minutes(),
        30
    );
    assert_eq!((at(&t["resolution_due_at"]) - created).num_minutes(), 240);
    assert_eq!(t["first_response_state"], "on_track");
    let second = app
        .post("/api/v1/tickets")
        .token(&agent.token)
        .json(&new("发票抬头有误", "low"))
        .send()
        .await
        .expect(201);
    assert_eq!(second.body["number"], 2);
    assert_eq!(second.body["resolution_state"], "on_track");

    let id = first.id();
    let path = format!("/api/v1/tickets/{id}");
    // An internal note does not count as a response; the public reply does and opens the ticket.
    app.post(&format!("{path}/replies"))
        .token(&agent.token)
        .json(&json!({"body": "已联系仓库核实", "internal": true}))
        .send()
        .await
        .expect(201);
    let ticket = app.get(&path).token(&agent.token).send().await.expect(200);
    assert_eq!(
        (
            ticket.body["status"].clone(),
            ticket.body["first_responded_at"].clone()
        ),
        (json!("new"), Value::Null)
    );
    app.post(&format!("{path}/replies"))
        .token(&agent.token)
        .json(&json!({"body": "您好，已为您安排换货。"}))
        .send()
        .await
        .expect(201);
    let ticket = app.get(&path).token(&agent.token).send().await.expect(200);
    assert_eq!(ticket.body["status"], "open");
    assert_eq!(ticket.body["first_response_state"], "met");
    let replies = app
        .get(&format!("{path}/replies"))
        .token(&w.rep1.token)
        .send()
        .await
        .expect(200);
    let kinds: Vec<_> = replies
        .body
        .as_array()
        .expect("list")
        .iter()
        .map(|r| r["internal"].clone())
        .collect();
    assert_eq!(kinds, [json!(true), json!(false)]);

    // Waiting for the customer stops the resolution clock; answering restarts it no earlier.
    let due = at(&ticket.body["resolution_due_at"]);
    let pending = app
        .patch(&path)
        .token(&agent.token)
        .json(&json!({"status": "pending"}))
        .send()
        .await
        .expect(200);
    assert_eq!(pending.body["resolution_state"], "paused");
    let open = app
        .patch(&path)
        .token(&agent.token)
        .json(&json!({"status": "open"}))
        .send()
        .await
        .expect(200);
    assert!(at(&open.body["resolution_due_at"]) >= due);
    assert_eq!(open.body["resolution_state"], "on_track");

    // Lowering the priority gives the longer targets from the creation time.
    let low = app
        .patch(&path)
        .token(&agent.token)
        .json(&json!({"priority": "low"}))
        .send()
        .await
        .expect(200);
    assert!((at(&low.body["resolution_due_at"]) - created).num_minutes() >= 2880);

    let resolved = app
        .patch(&path)
        .token(&agent.token)
        .json(&json!({"status": "resolved"}))
        .send()
        .await
        .expect(200);
    assert_eq!(resolved.body["resolution_state"], "met");
    assert!(resolved.body["resolved_at"].is_string());
    let reopened = app
        .patch(&path)
        .token(&agent.token)
        .json(&json!({"status": "open"}))
        .send()
        .await
        .expect(200);
    assert_eq!(reopened.body["resolved_at"], Value::Null);
    let closed = app
        .patch(&path)
        .token(&agent.token)
        .header("If-Match", &format!("\"{}\"", reopened.body["version"]))
        .json(&json!({"status": "closed"}))
        .send()
        .await
        .expect(200);
    assert!(closed.body["closed_at"].is_string() && closed.body["resolved_at"].is_string());

    // The queues: everything active, and what is still unassigned.
    let active = app
        .get("/api/v1/tickets?queue=active")
        .token(&agent.token)
        .send()
        .await
        .expect(200);
    let numbers: Vec<_> = active.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|t| t["number"].clone())
        .collect();
    assert_eq!(numbers, [json!(2)]);
    // Soonest resolution first, a page at a time: #1 was created first
    // with the same target.
    let by_due = app
        .get("/api/v1/tickets?sort=resolution_due_at&limit=1")
        .token(&agent.token)
        .send()
        .await
        .expect(200);
    assert_eq!(by_due.body["items"][0]["number"], 1);
    let cursor = by_due.body["next_cursor"]
        .as_str()
        .expect("cursor")
        .to_owned();
    let next = app
        .get(&format!(
            "/api/v1/tickets?sort=resolution_due_at&limit=1&cursor={cursor}"
        ))
        .token(&agent.token)
        .send()
        .await
        .expect(200);
    assert_eq!(next.body["items"][0]["number"], 2);
}

async fn tickets_are_seen_by_the_service_desk_the_assignee_and_the_customers_owner_only(
    app: TestApp,
) {
    let w = World::create(&app);
    let agent = w.add_person(&app, "agent@acme.test", "service", None);
    let customer = CustomerBuilder::new(w.ws, "杭州青禾科技")
        .owner(&w.rep1)
        .build(&app);
    let ticket = app
        .post("/api/v1/tickets")
        .token(&agent.token)
        .json(
            &json!({"customer_id": customer, "subject": "系统无法登录", "ticket_type": "incident"}),
        )
        .send()
        .await
        .expect(201);
    assert_eq!(
        (
            ticket.body["channel"].clone(),
            ticket.body["priority"].clone()
        ),
        (json!("api"), json!("normal"))
    );
    let path = format!("/api/v1/tickets/{}", ticket.id());

    // The customer's owner sees it and may add a note; another rep, another workspace do not.
    app.get(&path).token(&w.rep1.token).send().await.expect(200);
    app.post(&format!("{path}/replies"))
        .token(&w.rep1.token)
        .json(&json!({"body": "这是重点客户，请优先处理", "internal": true}))
        .send()
        .await
        .expect(201);
    app.get(&path).token(&w.rep3.token).send().await.expect(404);
    app.patch(&path)
        .token(&w.rep3.token)
        .json(&json!({"status": "open"}))
        .send()
        .await
        .expect(404);
    app.get(&path)
        .token(&w.other_admin.token)
        .send()
        .await
        .expect(404);
    let listed = app
        .get("/api/v1/tickets")
        .token(&w.rep3.token)
        .send()
        .await
        .expect(200);
    assert_eq!(listed.body["items"], json!([]));
    // Reps cannot hand a ticket to someone else; the desk can.
    app.patch(&path)
        .token(&w.rep1.token)
        .json(&json!({"assignee_id": w.rep2.id}))
        .send()
        .await
        .expect(403);
    let unassigned = app
        .get("/api/v1/tickets?queue=unassigned")
        .token(&agent.token)
        .send()
        .await
        .expect(200);
    assert_eq!(unassigned.body["items"].as_array().map(Vec::len), Some(1));
    let assigned = app
        .patch(&path)
        .token(&agent.token)
        .json(&json!({"assignee_id": w.rep3.id}))
        .send()
        .await
        .expect(200);
    // The assignee's team comes with them.
    assert_eq!(assigned.body["team_id"], json!(w.team_b));
    let mine = app
        .get("/api/v1/tickets?queue=mine")
        .token(&w.rep3.token)
        .send()
        .await
        .expect(200);
    assert_eq!(mine.body["items"][0]["id"], json!(ticket.id()));
    // The viewer reads but does not write; the manager of team B sees it through the team.
    app.get(&path)
        .token(&w.viewer.token)
        .send()
        .await
        .expect(200);
    app.patch(&path)
        .token(&w.viewer.token)
        .json(&json!({"status": "open"}))
        .send()
        .await
        .expect(403);
    app.get(&path)
        .token(&w.manager2.token)
        .send()
        .await
        .expect(200);
    // The changes feed reports the ticket to those who can see it.
    let feed = |token: String| {
        let app = &app;
        async move {
            let page = app
                .get("/api/v1/changes?entity=ticket")
                .token(&token)
                .send()
                .await
                .expect(200);
            page.body["items"].as_array().cloned().unwrap_or_default()
        }
    };
    let seen = feed(w.rep1.token.clone()).await;
    assert!(
        seen.iter()
            .all(|c| c["entity"] == "ticket" && c["entity_id"] == json!(ticket.id()))
    );
    assert_eq!(seen.len(), 2, "the creation and the assignment: {seen:?}");
    assert_eq!(feed(w.rep2.token.clone()).await, Vec::<Value>::new());
    // A rep opens tickets only for customers they can see.
    app.post("/api/v1/tickets")
        .token(&w.rep3.token)
        .json(&json!({"customer_id": customer, "subject": "x", "ticket_type": "inquiry"}))
        .send()
        .await
        .expect(422);
}

async fn bad_ticket_input_and_settings_are_refused_naming_the_field(app: TestApp) {
    let w = World::create(&app);
    let admin = &w.admin.token;
    let customer = CustomerBuilder::new(w.ws, "深圳华星电子")
        .owner(&w.rep1)
        .build(&app);
    let refused = app
        .post("/api/v1/tickets")
        .token(admin)
        .json(&json!({"customer_id": customer, "subject": "  ", "ticket_type": "billing"}))
        .send()
        .await
        .expect(422);
    assert_eq!(refused.errors(), ["subject", "ticket_type"]);
    let t = app
        .post("/api/v1/tickets")
        .token(admin)
        .json(&json!({"customer_id": customer, "subject": "退款进度", "ticket_type": "inquiry"}))
        .send()
        .await
        .expect(201);
    let path = format!("/api/v1/tickets/{}", t.id());
    app.patch(&path)
        .token(admin)
        .json(&json!({"status": "closed"}))
        .send()
        .await
        .expect(200);
    let moved = app
        .patch(&path)
        .token(admin)
        .json(&json!({"status": "pending"}))
        .send()
        .await
        .expect(422);
    assert_eq!(moved.errors(), ["status"]);
    let not_new = app
        .patch(&path)
        .token(admin)
        .json(&json!({"assignee_id": w.other_admin.id}))
        .send()
        .await
        .expect(422);
    assert_eq!(not_new.errors(), ["assignee_id"]);
    app.post(&format!("{path}/replies"))
        .token(admin)
        .json(&json!({"body": " "}))
        .send()
        .await
        .expect(422);
    app.get("/api/v1/tickets?sort=priority")
        .token(admin)
        .send()
        .await
        .expect(400);
    app.get("/api/v1/tickets?queue=everything")
        .token(admin)
        .send()
        .await
        .expect(400);

    let mut bad = always_open();
    bad["calendar"]["hours"]["monday"] =
        json!([{"start": "09:00", "end": "12:00"}, {"start": "11:00", "end": "18:00"}]);
    bad["calendar"]["time_zone"] = json!("Asia/Beijing");
    bad["calendar"]["holidays"] = json!(["2026-10-01"]);
    bad["calendar"]["workdays"] = json!(["2026-10-01"]);
    bad["sla"]["low"]["resolution_minutes"] = json!(0);
    let refused = app
        .put("/api/v1/service/settings")
        .token(admin)
        .json(&bad)
        .send()
        .await
        .expect(422);
    assert_eq!(
        refused.errors(),
        [
            "calendar.hours.monday[1]",
            "calendar.time_zone",
            "calendar.workdays[0]",
            "sla.low.resolution_minutes"
        ]
    );
    // Nothing was saved, and a rep may read but not change the settings.
    let current = app
        .get("/api/v1/service/settings")
        .token(&w.rep1.token)
        .send()
        .await
        .expect(200);
    assert_eq!(current.header("etag"), Some("\"0\""));
    app.put("/api/v1/service/settings")
        .token(&w.rep1.token)
        .json(&always_open())
        .send()
        .await
        .expect(403);
    let mut nine = always_open();
    nine["calendar"]["hours"]["friday"] = json!([{"start": "9:00", "end": "18:00"}]);
    let refused = app
        .put("/api/v1/service/settings")
        .token(admin)
        .json(&nine)
        .send()
        .await
        .expect(422);
    assert_eq!(refused.errors(), ["calendar.hours.friday[0].start"]);
}
