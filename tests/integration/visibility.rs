//! Record visibility: who sees, edits and deletes whose customers, across
//! roles, teams, the team tree and workspaces. Hidden records are 404.

use std::collections::BTreeSet;

use crm_tests::fixtures::Person;
use crm_tests::{CustomerBuilder, TestApp, World, both};
use serde_json::json;
use uuid::Uuid;

both!(
    reads_and_lists_follow_the_visibility_matrix,
    updates_and_deletes_outside_the_scope_are_404_or_403,
    owner_and_team_writes_are_checked_against_the_callers_scope,
    filters_cannot_reveal_hidden_records,
);

struct Records {
    rep1: Uuid,
    rep2: Uuid,
    rep5: Uuid,
    rep3: Uuid,
    unowned: Uuid,
    other: Uuid,
}

fn records(app: &TestApp, world: &World) -> Records {
    Records {
        rep1: CustomerBuilder::new(world.ws, "rep1's")
            .owner(&world.rep1)
            .build(app),
        rep2: CustomerBuilder::new(world.ws, "rep2's")
            .owner(&world.rep2)
            .build(app),
        rep5: CustomerBuilder::new(world.ws, "rep5's (team A2, below A)")
            .owner(&world.rep5)
            .build(app),
        rep3: CustomerBuilder::new(world.ws, "rep3's (team B)")
            .owner(&world.rep3)
            .build(app),
        unowned: CustomerBuilder::new(world.ws, "nobody's").build(app),
        other: CustomerBuilder::new(world.other_ws, "other workspace")
            .owner(&world.other_admin)
            .build(app),
    }
}

async fn listed(app: &TestApp, who: &Person) -> BTreeSet<Uuid> {
    let resp = app
        .get("/api/v1/customers?limit=200")
        .token(&who.token)
        .send()
        .await
        .expect(200);
    resp.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|c| c["id"].as_str()?.parse().ok())
        .collect()
}

async fn reads_and_lists_follow_the_visibility_matrix(app: TestApp) {
    let w = World::create(&app);
    let r = records(&app, &w);
    let all = [r.rep1, r.rep2, r.rep5, r.rep3, r.unowned, r.other];
    let matrix: [(&str, &Person, Vec<Uuid>); 7] = [
        (
            "admin",
            &w.admin,
            vec![r.rep1, r.rep2, r.rep5, r.rep3, r.unowned],
        ),
        (
            "manager of A (subtree A, A2)",
            &w.manager1,
            vec![r.rep1, r.rep2, r.rep5],
        ),
        ("manager of B", &w.manager2, vec![r.rep3]),
        ("rep1 (own)", &w.rep1, vec![r.rep1]),
        ("rep3 (own, other team)", &w.rep3, vec![r.rep3]),
        (
            "viewer (read all)",
            &w.viewer,
            vec![r.rep1, r.rep2, r.rep5, r.rep3, r.unowned],
        ),
        ("other workspace's admin", &w.other_admin, vec![r.other]),
    ];
    for (who, person, visible) in matrix {
        let expected: BTreeSet<Uuid> = visible.iter().copied().collect();
        assert_eq!(listed(&app, person).await, expected, "list as {who}");
        for id in all {
            let resp = app
                .get(&format!("/api/v1/customers/{id}"))
                .token(&person.token)
                .send()
                .await;
            let want = if expected.contains(&id) { 200 } else { 404 };
            assert_eq!(resp.status.as_u16(), want, "GET {id} as {who}");
        }
    }
}

async fn updates_and_deletes_outside_the_scope_are_404_or_403(app: TestApp) {
    let w = World::create(&app);
    let r = records(&app, &w);
    let rename = json!({"name": "renamed"});
    // (caller, record, PATCH status, DELETE status)
    let cases: [(&str, &Person, Uuid, u16, u16); 9] = [
        ("rep1 on rep2's", &w.rep1, r.rep2, 404, 404),
        ("rep1 on team B's", &w.rep1, r.rep3, 404, 404),
        ("rep1 on another workspace's", &w.rep1, r.other, 404, 404),
        ("manager2 on team A's", &w.manager2, r.rep1, 404, 404),
        ("other admin on acme's", &w.other_admin, r.rep3, 404, 404),
        ("viewer on any", &w.viewer, r.rep1, 403, 403),
        ("manager1 on sub-team's", &w.manager1, r.rep5, 200, 204),
        ("rep1 on own", &w.rep1, r.rep1, 200, 204),
        ("admin on unowned", &w.admin, r.unowned, 200, 204),
    ];
    for (who, person, id, patch, delete) in cases {
        let path = format!("/api/v1/customers/{id}");
        let p = app
            .patch(&path)
            .token(&person.token)
            .json(&rename)
            .send()
            .await
            .expect(patch);
        if patch == 200 {
            assert_eq!(p.body["name"], "renamed", "{who}");
        }
        app.delete(&path)
            .token(&person.token)
            .send()
            .await
            .expect(delete);
    }
    // What was refused is untouched.
    let still = app
        .get(&format!("/api/v1/customers/{}", r.rep2))
        .token(&w.admin.token)
        .send()
        .await
        .expect(200);
    assert_eq!(still.body["name"], "rep2's");
    assert_eq!(still.body["version"], 1);
}

async fn owner_and_team_writes_are_checked_against_the_callers_scope(app: TestApp) {
    let w = World::create(&app);
    let create = |owner: Uuid| json!({"kind": "organization", "name": "X", "owner_id": owner});
    app.post("/api/v1/customers")
        .token(&w.rep1.token)
        .json(&create(w.rep3.id))
        .send()
        .await
        .expect(403);
    app.post("/api/v1/customers")
        .token(&w.rep1.token)
        .json(&create(w.rep1.id))
        .send()
        .await
        .expect(201);
    let mine = app
        .post("/api/v1/customers")
        .token(&w.manager1.token)
        .json(&create(w.rep5.id))
        .send()
        .await
        .expect(201);
    assert_eq!(
        mine.body["team_id"],
        w.team_a2.to_string(),
        "team follows the owner"
    );
    app.post("/api/v1/customers")
        .token(&w.manager1.token)
        .json(&create(w.rep3.id))
        .send()
        .await
        .expect(403);
    app.post("/api/v1/customers")
        .token(&w.viewer.token)
        .json(&create(w.viewer.id))
        .send()
        .await
        .expect(403);
    let unknown = app
        .post("/api/v1/customers")
        .token(&w.admin.token)
        .json(&create(w.other_admin.id))
        .send()
        .await
        .expect(422);
    assert_eq!(
        unknown.errors(),
        ["owner_id"],
        "users of another workspace do not exist here"
    );

    let id = mine.id();
    let path = format!("/api/v1/customers/{id}");
    // manager1 may hand the record to rep1 (team A) but not to rep3 (team B).
    let moved = app
        .patch(&path)
        .token(&w.manager1.token)
        .json(&json!({"owner_id": w.rep1.id}))
        .send()
        .await
        .expect(200);
    assert_eq!(moved.body["team_id"], w.team_a.to_string());
    app.patch(&path)
        .token(&w.manager1.token)
        .json(&json!({"owner_id": w.rep3.id}))
        .send()
        .await
        .expect(403);
    // rep1 now owns it but may not give it away.
    app.patch(&path)
        .token(&w.rep1.token)
        .json(&json!({"owner_id": w.rep2.id}))
        .send()
        .await
        .expect(403);
    // Nor move it into another region's team, out of their manager's sight.
    app.patch(&path)
        .token(&w.rep1.token)
        .json(&json!({"team_id": w.team_b}))
        .send()
        .await
        .expect(403);
}

async fn filters_cannot_reveal_hidden_records(app: TestApp) {
    let w = World::create(&app);
    let r = records(&app, &w);
    let as_rep1 = |q: String| format!("/api/v1/customers?{q}");
    for q in [
        format!("owner_id={}", w.rep3.id),
        format!("team_id={}", w.team_b),
        "q=rep3".to_owned(),
    ] {
        let resp = app
            .get(&as_rep1(q.clone()))
            .token(&w.rep1.token)
            .send()
            .await
            .expect(200);
        assert_eq!(resp.body["items"].as_array().map(Vec::len), Some(0), "{q}");
    }
    let contact = app
        .post("/api/v1/contacts")
        .token(&w.rep3.token)
        .json(&json!({"customer_id": r.rep3, "name": "B"}))
        .send()
        .await
        .expect(201)
        .id();
    app.get(&format!("/api/v1/contacts/{contact}"))
        .token(&w.rep1.token)
        .send()
        .await
        .expect(404);
    let contacts = app
        .get(&format!("/api/v1/contacts?customer_id={}", r.rep3))
        .token(&w.rep1.token)
        .send()
        .await
        .expect(200);
    assert_eq!(contacts.body["items"].as_array().map(Vec::len), Some(0));
    let mine = app
        .get(&format!("/api/v1/contacts?customer_id={}", r.rep3))
        .token(&w.manager2.token)
        .send()
        .await
        .expect(200);
    assert_eq!(mine.body["items"].as_array().map(Vec::len), Some(1));
}
