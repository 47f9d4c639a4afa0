//! Users, teams, roles, tags and custom-field definitions (admin endpoints).

use crm_tests::{TestApp, World, both};
use serde_json::json;

both!(
    admins_manage_users_and_others_may_only_list_them,
    teams_form_a_tree_without_cycles,
    roles_can_be_defined_and_builtins_are_protected,
    tags_and_custom_fields_check_their_input
);

async fn admins_manage_users_and_others_may_only_list_them(app: TestApp) {
    let w = World::create(&app);
    let body = json!({"email": "new@acme.test", "display_name": "新同事", "password": "a-long-password", "role_id": w.role("sales"), "team_id": w.team_b});
    app.post("/api/v1/users")
        .token(&w.rep1.token)
        .json(&body)
        .send()
        .await
        .expect(403);
    let created = app
        .post("/api/v1/users")
        .token(&w.admin.token)
        .json(&body)
        .send()
        .await
        .expect(201);
    assert_eq!(created.body["team_id"], w.team_b.to_string());
    app.post("/api/v1/users")
        .token(&w.admin.token)
        .json(&body)
        .send()
        .await
        .expect(409);
    let bad = app
        .post("/api/v1/users")
        .token(&w.admin.token)
        .json(&json!({"email": "x", "display_name": "", "password": "short", "role_id": w.role("sales"), "team_id": uuid::Uuid::now_v7()}))
        .send()
        .await
        .expect(422);
    assert_eq!(
        bad.errors(),
        ["display_name", "email", "password", "team_id"]
    );
    let listed = app
        .get("/api/v1/users")
        .token(&w.rep1.token)
        .send()
        .await
        .expect(200);
    assert_eq!(listed.body["items"].as_array().map(Vec::len), Some(9));
    assert!(
        !listed.body.to_string().contains("argon2"),
        "password hashes never leave the server"
    );
    let login = app
        .post("/api/v1/auth/login")
        .json(
            &json!({"workspace": "acme", "email": "new@acme.test", "password": "a-long-password"}),
        )
        .send()
        .await;
    login.expect(200);
}

async fn teams_form_a_tree_without_cycles(app: TestApp) {
    let w = World::create(&app);
    let child = app
        .post("/api/v1/teams")
        .token(&w.admin.token)
        .json(&json!({"name": "A3", "parent_id": w.team_a2, "manager_id": w.rep5.id}))
        .send()
        .await
        .expect(201)
        .id();
    let cycle = app
        .patch(&format!("/api/v1/teams/{}", w.team_a))
        .token(&w.admin.token)
        .json(&json!({"parent_id": child}))
        .send()
        .await
        .expect(422);
    assert_eq!(cycle.errors(), ["parent_id"]);
    app.post("/api/v1/teams")
        .token(&w.admin.token)
        .json(&json!({"name": "Team A"}))
        .send()
        .await
        .expect(409);
    app.delete(&format!("/api/v1/teams/{}", w.team_a))
        .token(&w.admin.token)
        .send()
        .await
        .expect(409);
    app.delete(&format!("/api/v1/teams/{child}"))
        .token(&w.admin.token)
        .send()
        .await
        .expect(204);
    app.post("/api/v1/teams")
        .token(&w.manager1.token)
        .json(&json!({"name": "Mine"}))
        .send()
        .await
        .expect(403);
    app.get(&format!("/api/v1/teams/{}", w.team_a))
        .token(&w.other_admin.token)
        .send()
        .await
        .expect(404);
}

async fn roles_can_be_defined_and_builtins_are_protected(app: TestApp) {
    let w = World::create(&app);
    let role = app
        .post("/api/v1/roles")
        .token(&w.admin.token)
        .json(&json!({"key": "team_lead", "name": "Team lead", "permissions": {"customers": {"read": "team", "update": "team"}}}))
        .send()
        .await
        .expect(201);
    assert_eq!(role.body["permissions"]["customers"]["read"], "team");
    assert_eq!(role.body["permissions"]["customers"]["delete"], "none");
    // A user with it sees their whole team's customers.
    app.patch(&format!("/api/v1/users/{}", w.rep1.id))
        .token(&w.admin.token)
        .json(&json!({"role_id": role.id()}))
        .send()
        .await
        .expect(200);
    let teammates = crm_tests::CustomerBuilder::new(w.ws, "rep2's")
        .owner(&w.rep2)
        .build(&app);
    let other_team = crm_tests::CustomerBuilder::new(w.ws, "rep3's (team B)")
        .owner(&w.rep3)
        .build(&app);
    let seen = app
        .get("/api/v1/customers")
        .token(&w.rep1.token)
        .send()
        .await
        .expect(200);
    assert_eq!(seen.body["items"].as_array().map(Vec::len), Some(1));
    // The record read, whose scope is written out apart from the list's.
    for (id, status) in [(teammates, 200), (other_team, 404)] {
        app.get(&format!("/api/v1/customers/{id}"))
            .token(&w.rep1.token)
            .send()
            .await
            .expect(status);
    }
    let bad = app
        .post("/api/v1/roles")
        .token(&w.admin.token)
        .json(
            &json!({"key": "x", "name": "X", "permissions": {"customers": {"read": "everything"}}}),
        )
        .send()
        .await
        .expect(422);
    assert!(bad.errors()[0].starts_with("permissions"), "{}", bad.body);
    app.delete(&format!("/api/v1/roles/{}", w.role("viewer")))
        .token(&w.admin.token)
        .send()
        .await
        .expect(409);
    app.delete(&format!("/api/v1/roles/{}", role.id()))
        .token(&w.admin.token)
        .send()
        .await
        .expect(409);
}

async fn tags_and_custom_fields_check_their_input(app: TestApp) {
    let w = World::create(&app);
    app.post("/api/v1/tags")
        .token(&w.admin.token)
        .json(&json!({"name": "VIP", "color": "#ff0000"}))
        .send()
        .await
        .expect(201);
    app.post("/api/v1/tags")
        .token(&w.admin.token)
        .json(&json!({"name": "VIP"}))
        .send()
        .await
        .expect(409);
    let bad = app
        .post("/api/v1/tags")
        .token(&w.admin.token)
        .json(&json!({"name": "Y", "color": "red"}))
        .send()
        .await
        .expect(422);
    assert_eq!(bad.errors(), ["color"]);
    app.post("/api/v1/tags")
        .token(&w.rep1.token)
        .json(&json!({"name": "Z"}))
        .send()
        .await
        .expect(403);
    let no_options = app
        .post("/api/v1/custom-fields")
        .token(&w.admin.token)
        .json(&json!({"entity": "customer", "key": "Tier", "label": "Tier", "field_type": "single_select"}))
        .send()
        .await
        .expect(422);
    assert_eq!(no_options.errors(), ["key", "options"]);
    let field = app
        .post("/api/v1/custom-fields")
        .token(&w.admin.token)
        .json(&json!({"entity": "contact", "key": "wechat", "label": "微信", "field_type": "text"}))
        .send()
        .await
        .expect(201);
    let listed = app
        .get("/api/v1/custom-fields?entity=contact")
        .token(&w.rep1.token)
        .send()
        .await
        .expect(200);
    assert_eq!(listed.body["items"][0]["key"], "wechat");
    let relabel = app
        .patch(&format!("/api/v1/custom-fields/{}", field.id()))
        .token(&w.admin.token)
        .json(&json!({"label": "WeChat"}))
        .send()
        .await
        .expect(200);
    assert_eq!(relabel.body["label"], "WeChat");
}
