//! Skill-based assignment (技能分配), on both databases: a team that
//! assigns `skill_based` gives a ticket only to an agent on duty below
//! capacity whose skills include the ticket's type (the emptiest first); a
//! ticket nobody free has the skill for waits while the next in the queue
//! is given; a waiting ticket goes to the agent who gains the skill and
//! frees up. Skills are ticket types of the workspace, set by whoever
//! manages the desk, not by agents themselves.

use crm_tests::{CustomerBuilder, Person, TestApp, World, both};
use serde_json::{Value, json};
use uuid::Uuid;

both!(
    tickets_go_to_agents_with_the_skill_and_wait_for_one,
    skills_are_ticket_types_set_by_the_desks_manager,
);

async fn agent(app: &TestApp, w: &World, name: &str, capacity: i32, skills: &[&str]) -> Person {
    let p = w.add_person(app, &format!("{name}@acme.test"), "service", Some(w.team_b));
    let saved = app
        .put(&format!("/api/v1/service/agents/{}", p.id))
        .token(&w.admin.token)
        .json(&json!({"on_duty": true, "capacity": capacity, "skills": skills}))
        .send()
        .await
        .expect(200);
    assert_eq!(saved.body["skills"], json!(skills));
    p
}

async fn ticket(app: &TestApp, token: &str, customer: Uuid, kind: &str) -> Value {
    app.post("/api/v1/tickets")
        .token(token)
        .json(&json!({"customer_id": customer, "subject": format!("{kind} 工单"), "ticket_type": kind}))
        .send()
        .await
        .expect(201)
        .body
}

fn assignee(t: &Value) -> Option<Uuid> {
    t["assignee_id"].as_str().and_then(|s| s.parse().ok())
}

async fn skill_rule(app: &TestApp, w: &World) {
    let mut settings = app
        .get("/api/v1/service/settings")
        .token(&w.admin.token)
        .send()
        .await
        .expect(200)
        .body;
    settings["assignment_rules"] =
        json!([{"name": "按技能", "team_id": w.team_b, "method": "skill_based"}]);
    app.put("/api/v1/service/settings")
        .token(&w.admin.token)
        .json(&settings)
        .send()
        .await
        .expect(200);
}

async fn tickets_go_to_agents_with_the_skill_and_wait_for_one(app: TestApp) {
    let w = World::create(&app);
    skill_rule(&app, &w).await;
    let returns = agent(&app, &w, "returns", 1, &["return"]).await;
    let broad = agent(&app, &w, "broad", 2, &["return", "incident"]).await;
    let customer = CustomerBuilder::new(w.ws, "杭州青禾科技").build(&app);
    let t = &w.admin.token;

    // Nobody handles inquiries: it waits in the team's queue.
    let inquiry = ticket(&app, t, customer, "inquiry").await;
    assert_eq!(assignee(&inquiry), None);
    assert_eq!(inquiry["assignment_rule"], "按技能");
    assert_eq!(inquiry["team_id"], json!(w.team_b));
    // Only one handles incidents.
    let incident = ticket(&app, t, customer, "incident").await;
    assert_eq!(assignee(&incident), Some(broad.id));
    // Returns: the emptier of the two, then the one with room.
    let first = ticket(&app, t, customer, "return").await;
    assert_eq!(assignee(&first), Some(returns.id));
    let second = ticket(&app, t, customer, "return").await;
    assert_eq!(assignee(&second), Some(broad.id));
    // Both are full: the next return waits too.
    let third = ticket(&app, t, customer, "return").await;
    assert_eq!(assignee(&third), None);

    // The returns agent learns inquiries; they are still full, so nothing moves.
    app.put(&format!("/api/v1/service/agents/{}", returns.id))
        .token(t)
        .json(&json!({"on_duty": true, "capacity": 1, "skills": ["return", "inquiry"]}))
        .send()
        .await
        .expect(200);
    let still = app
        .get(&format!(
            "/api/v1/tickets/{}",
            inquiry["id"].as_str().unwrap_or_default()
        ))
        .token(t)
        .send()
        .await
        .expect(200);
    assert_eq!(assignee(&still.body), None);
    // Resolving their return frees them: the oldest waiting ticket they can take is theirs.
    app.patch(&format!(
        "/api/v1/tickets/{}",
        first["id"].as_str().unwrap_or_default()
    ))
    .token(&returns.token)
    .json(&json!({"status": "resolved"}))
    .send()
    .await
    .expect(200);
    let get = |id: &Value| {
        let path = format!("/api/v1/tickets/{}", id.as_str().unwrap_or_default());
        let app = &app;
        async move { app.get(&path).token(t).send().await.expect(200).body }
    };
    assert_eq!(assignee(&get(&inquiry["id"]).await), Some(returns.id));
    assert_eq!(
        assignee(&get(&third["id"]).await),
        None,
        "nobody free for it"
    );
    // The broad agent finishing the incident takes the waiting return.
    app.patch(&format!(
        "/api/v1/tickets/{}",
        incident["id"].as_str().unwrap_or_default()
    ))
    .token(&broad.token)
    .json(&json!({"status": "resolved"}))
    .send()
    .await
    .expect(200);
    assert_eq!(assignee(&get(&third["id"]).await), Some(broad.id));
    let agents = app
        .get("/api/v1/service/agents")
        .token(t)
        .send()
        .await
        .expect(200);
    let load: Vec<(Value, Value)> = agents.body.as_array().map_or(vec![], |a| {
        a.iter()
            .map(|x| (x["skills"].clone(), x["open_tickets"].clone()))
            .collect()
    });
    assert!(
        load.iter().all(|(_, open)| open.as_i64() <= Some(2)),
        "{load:?}"
    );
}

async fn skills_are_ticket_types_set_by_the_desks_manager(app: TestApp) {
    let w = World::create(&app);
    let agent = agent(&app, &w, "agent", 5, &["return"]).await;
    let path = format!("/api/v1/service/agents/{}", agent.id);
    let bad = app
        .put(&path)
        .token(&w.admin.token)
        .json(&json!({"on_duty": true, "capacity": 5, "skills": ["return", "nope"]}))
        .send()
        .await
        .expect(422);
    assert_eq!(bad.errors(), ["skills[1]"]);
    // The agent may step away (skills unchanged) but not give themselves skills.
    let away = app
        .put(&path)
        .token(&agent.token)
        .json(&json!({"on_duty": false, "capacity": 5}))
        .send()
        .await
        .expect(200);
    assert_eq!(
        (away.body["on_duty"].clone(), away.body["skills"].clone()),
        (json!(false), json!(["return"]))
    );
    app.put(&path)
        .token(&agent.token)
        .json(&json!({"on_duty": true, "capacity": 5, "skills": ["return"]}))
        .send()
        .await
        .expect(200);
    app.put(&path)
        .token(&agent.token)
        .json(&json!({"on_duty": true, "capacity": 5, "skills": ["return", "complaint"]}))
        .send()
        .await
        .expect(403);
    let listed = app
        .get("/api/v1/service/agents")
        .token(&w.admin.token)
        .send()
        .await
        .expect(200);
    let mine = listed
        .body
        .as_array()
        .and_then(|a| a.iter().find(|x| x["user_id"] == json!(agent.id)).cloned());
    assert_eq!(
        mine.map(|m| m["skills"].clone()),
        Some(json!(["return"])),
        "nothing written"
    );
}
