//! Automatic ticket assignment (自动分配): rules route new tickets to a
//! team, round-robin is fair within one ticket over a hundred, capacity is
//! never exceeded, waiting tickets go (oldest first) to the agent who frees
//! up or comes on duty, and who may change an agent's availability.

use crm_tests::{CustomerBuilder, Person, TestApp, World, both};
use serde_json::{Value, json};
use uuid::Uuid;

both!(
    round_robin_is_fair_over_a_hundred_tickets_and_names_the_rule,
    capacity_holds_and_queued_tickets_go_to_whoever_frees_up,
    rules_name_teams_of_the_workspace_and_agents_set_their_own_availability,
);

async fn rule(app: &TestApp, admin: &str, team: Uuid, method: &str) {
    let mut settings = app
        .get("/api/v1/service/settings")
        .token(admin)
        .send()
        .await
        .expect(200)
        .body;
    settings["assignment_rules"] = json!([{"name": "全部工单", "team_id": team, "method": method}]);
    app.put("/api/v1/service/settings")
        .token(admin)
        .json(&settings)
        .send()
        .await
        .expect(200);
}

async fn agent(app: &TestApp, w: &World, name: &str, capacity: i32) -> Person {
    let p = w.add_person(app, &format!("{name}@acme.test"), "service", Some(w.team_b));
    let saved = app
        .put(&format!("/api/v1/service/agents/{}", p.id))
        .token(&w.admin.token)
        .json(&json!({"on_duty": true, "capacity": capacity}))
        .send()
        .await
        .expect(200);
    assert_eq!(saved.body["capacity"], capacity);
    p
}

async fn ticket(app: &TestApp, token: &str, customer: Uuid, subject: &str) -> Value {
    app.post("/api/v1/tickets")
        .token(token)
        .json(&json!({"customer_id": customer, "subject": subject, "ticket_type": "inquiry"}))
        .send()
        .await
        .expect(201)
        .body
}

fn assignee(t: &Value) -> Option<Uuid> {
    t["assignee_id"].as_str().and_then(|s| s.parse().ok())
}

async fn round_robin_is_fair_over_a_hundred_tickets_and_names_the_rule(app: TestApp) {
    let w = World::create(&app);
    let admin = &w.admin.token;
    let agents = [
        agent(&app, &w, "a1", 100).await,
        agent(&app, &w, "a2", 100).await,
        agent(&app, &w, "a3", 100).await,
    ];
    rule(&app, admin, w.team_b, "round_robin").await;
    let customer = CustomerBuilder::new(w.ws, "宁波海天贸易")
        .owner(&w.rep1)
        .build(&app);
    let mut counts = [0; 3];
    for i in 0..100 {
        let t = ticket(&app, admin, customer, &format!("咨询 {i}")).await;
        assert_eq!(
            (t["assignment_rule"].clone(), t["team_id"].clone()),
            (json!("全部工单"), json!(w.team_b))
        );
        let who = assignee(&t).expect("assigned at once");
        let k = agents
            .iter()
            .position(|a| a.id == who)
            .expect("one of the team's agents");
        counts[k] += 1;
    }
    let (min, max) = (counts.iter().min(), counts.iter().max());
    assert!(
        max.zip(min).is_some_and(|(max, min)| max - min <= 1),
        "{counts:?}"
    );
    // Nobody else was given tickets: rep3 is in the team but is not an agent.
    let listed = app
        .get("/api/v1/service/agents")
        .token(admin)
        .send()
        .await
        .expect(200);
    let open: i64 = listed
        .body
        .as_array()
        .expect("agents")
        .iter()
        .map(|a| a["open_tickets"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(open, 100);
}

async fn capacity_holds_and_queued_tickets_go_to_whoever_frees_up(app: TestApp) {
    let w = World::create(&app);
    let admin = &w.admin.token;
    let a = agent(&app, &w, "a", 2).await;
    let b = agent(&app, &w, "b", 2).await;
    rule(&app, admin, w.team_b, "least_open").await;
    let customer = CustomerBuilder::new(w.ws, "厦门鹭岛电子")
        .owner(&w.rep1)
        .build(&app);
    let mut tickets = Vec::new();
    for i in 1..=6 {
        tickets.push(ticket(&app, admin, customer, &format!("工单 {i}")).await);
    }
    let who: Vec<Option<Uuid>> = tickets.iter().map(assignee).collect();
    assert_eq!(who.iter().filter(|x| **x == Some(a.id)).count(), 2);
    assert_eq!(who.iter().filter(|x| **x == Some(b.id)).count(), 2);
    assert_eq!(
        (who[4], who[5]),
        (None, None),
        "the last two wait in the queue"
    );
    let waiting = app
        .get(&format!(
            "/api/v1/tickets?queue=unassigned&team_id={}",
            w.team_b
        ))
        .token(admin)
        .send()
        .await
        .expect(200);
    assert_eq!(waiting.body["items"].as_array().map(Vec::len), Some(2));

    // A resolves one of theirs: the oldest waiting ticket (#5) goes to A.
    let of_a = tickets
        .iter()
        .position(|t| assignee(t) == Some(a.id))
        .expect("a ticket of A");
    let id = tickets[of_a]["id"].as_str().expect("id");
    app.patch(&format!("/api/v1/tickets/{id}"))
        .token(&a.token)
        .json(&json!({"status": "resolved"}))
        .send()
        .await
        .expect(200);
    let fifth = app
        .get(&format!(
            "/api/v1/tickets/{}",
            tickets[4]["id"].as_str().expect("id")
        ))
        .token(admin)
        .send()
        .await
        .expect(200);
    assert_eq!(assignee(&fifth.body), Some(a.id));
    assert!(
        assignee(
            &app.get(&format!(
                "/api/v1/tickets/{}",
                tickets[5]["id"].as_str().expect("id")
            ))
            .token(admin)
            .send()
            .await
            .expect(200)
            .body
        )
        .is_none()
    );

    // B goes away and closes one: nothing goes to B, and A is full.
    app.put(&format!("/api/v1/service/agents/{}", b.id))
        .token(&b.token)
        .json(&json!({"on_duty": false, "capacity": 2}))
        .send()
        .await
        .expect(200);
    let of_b = tickets
        .iter()
        .position(|t| assignee(t) == Some(b.id))
        .expect("a ticket of B");
    let id = tickets[of_b]["id"].as_str().expect("id");
    app.patch(&format!("/api/v1/tickets/{id}"))
        .token(&b.token)
        .json(&json!({"status": "closed"}))
        .send()
        .await
        .expect(200);
    let sixth = format!("/api/v1/tickets/{}", tickets[5]["id"].as_str().expect("id"));
    assert!(assignee(&app.get(&sixth).token(admin).send().await.expect(200).body).is_none());

    // A's capacity is raised: the last waiting ticket goes to A; capacity still holds.
    let raised = app
        .put(&format!("/api/v1/service/agents/{}", a.id))
        .token(admin)
        .json(&json!({"on_duty": true, "capacity": 3}))
        .send()
        .await
        .expect(200);
    assert_eq!(raised.body["open_tickets"], 3);
    assert_eq!(
        assignee(&app.get(&sixth).token(admin).send().await.expect(200).body),
        Some(a.id)
    );
}

async fn rules_name_teams_of_the_workspace_and_agents_set_their_own_availability(app: TestApp) {
    let w = World::create(&app);
    let admin = &w.admin.token;
    let mut settings = app
        .get("/api/v1/service/settings")
        .token(admin)
        .send()
        .await
        .expect(200)
        .body;
    settings["assignment_rules"] = json!([{"name": "退货", "ticket_types": ["return", "billing"], "team_id": Uuid::nil(), "method": "round_robin"}]);
    let refused = app
        .put("/api/v1/service/settings")
        .token(admin)
        .json(&settings)
        .send()
        .await
        .expect(422);
    assert_eq!(refused.errors(), ["assignment_rules[0].ticket_types[1]"]);
    settings["assignment_rules"][0]["ticket_types"] = json!(["return"]);
    let refused = app
        .put("/api/v1/service/settings")
        .token(admin)
        .json(&settings)
        .send()
        .await
        .expect(422);
    assert_eq!(refused.errors(), ["assignment_rules[0].team_id"]);

    let a = agent(&app, &w, "a", 5).await;
    // Someone else's availability is not a rep's to set; an agent sets their own.
    app.put(&format!("/api/v1/service/agents/{}", a.id))
        .token(&w.rep3.token)
        .json(&json!({"on_duty": false, "capacity": 5}))
        .send()
        .await
        .expect(403);
    app.put(&format!("/api/v1/service/agents/{}", a.id))
        .token(&a.token)
        .json(&json!({"on_duty": false, "capacity": 5}))
        .send()
        .await
        .expect(200);
    app.put(&format!("/api/v1/service/agents/{}", a.id))
        .token(admin)
        .json(&json!({"on_duty": true, "capacity": 5000}))
        .send()
        .await
        .expect(422);
    app.put(&format!("/api/v1/service/agents/{}", w.other_admin.id))
        .token(admin)
        .json(&json!({"on_duty": true, "capacity": 1}))
        .send()
        .await
        .expect(404);
    // A ticket routed nowhere (no rule) waits unassigned, without a team.
    let customer = CustomerBuilder::new(w.ws, "青岛海风食品")
        .owner(&w.rep1)
        .build(&app);
    let t = ticket(&app, admin, customer, "无规则").await;
    assert_eq!(
        (
            t["assignee_id"].clone(),
            t["team_id"].clone(),
            t["assignment_rule"].clone()
        ),
        (Value::Null, Value::Null, Value::Null)
    );
}
