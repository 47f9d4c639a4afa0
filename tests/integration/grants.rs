//! Nobody grants more than they hold: roles assigned to users, API keys
//! bound to roles and role permissions stay within the caller's own; the
//! built-in admin role is immutable; only admins change admins; a workspace
//! keeps its last active admin; operators recover a locked-out workspace
//! from the shell; reps cannot move records out of their manager's sight.

use crm_tests::fixtures::PASSWORD;
use crm_tests::{CustomerBuilder, TestApp, World, both};
use serde_json::{Value, json};
use uuid::Uuid;

both!(
    a_role_that_may_manage_users_cannot_raise_itself_or_touch_admins,
    a_role_that_may_edit_roles_cannot_widen_them_or_edit_admin,
    api_keys_are_bound_only_to_roles_within_their_creators_and_act_within_them,
    the_last_active_admin_cannot_be_demoted_or_deactivated,
    operators_reset_a_password_and_grant_admin_from_the_shell,
    reps_cannot_move_customers_into_teams_outside_their_scope,
);

/// A custom role: the viewer's grants plus `extra` (object → action → scope),
/// and a user holding it; returns the role id and the user's token.
async fn custom(app: &TestApp, w: &World, key: &str, extra: Value) -> (Uuid, Uuid, String) {
    let viewer = app
        .get(&format!("/api/v1/roles/{}", w.role("viewer")))
        .token(&w.admin.token)
        .send()
        .await
        .expect(200);
    let mut permissions = viewer.body["permissions"].clone();
    for (object, actions) in extra.as_object().expect("extra grants") {
        for (action, scope) in actions.as_object().expect("actions") {
            permissions[object][action] = scope.clone();
        }
    }
    let role = app
        .post("/api/v1/roles")
        .token(&w.admin.token)
        .json(&json!({"key": key, "name": key, "permissions": permissions}))
        .send()
        .await
        .expect(201)
        .id();
    let user = app
        .post("/api/v1/users")
        .token(&w.admin.token)
        .json(
            &json!({"email": format!("{key}@acme.test"), "display_name": key,
                      "password": PASSWORD, "role_id": role}),
        )
        .send()
        .await
        .expect(201)
        .id();
    (role, user, app.token_for(user, w.ws))
}

async fn a_role_that_may_manage_users_cannot_raise_itself_or_touch_admins(app: TestApp) {
    let w = World::create(&app);
    let all = json!({"read": "all", "create": "all", "update": "all"});
    let (_, hr, token) = custom(&app, &w, "hr", json!({"users": all})).await;
    let user = |id: Uuid| format!("/api/v1/users/{id}");
    for role in ["admin", "manager"] {
        app.patch(&user(hr))
            .token(&token)
            .json(&json!({"role_id": w.role(role)}))
            .send()
            .await
            .expect(403);
        app.post("/api/v1/users")
            .token(&token)
            .json(
                &json!({"email": format!("x-{role}@acme.test"), "display_name": "x",
                          "password": PASSWORD, "role_id": w.role(role)}),
            )
            .send()
            .await
            .expect(403);
    }
    // An admin's password, status and name are out of reach; so is a manager's.
    for patch in [
        json!({"password": "a-new-long-password"}),
        json!({"active": false}),
    ] {
        app.patch(&user(w.admin.id))
            .token(&token)
            .json(&patch)
            .send()
            .await
            .expect(403);
    }
    app.patch(&user(w.manager1.id))
        .token(&token)
        .json(&json!({"display_name": "x"}))
        .send()
        .await
        .expect(403);
    // Within its own rights it works: a viewer is created and renamed.
    let viewer = app
        .post("/api/v1/users")
        .token(&token)
        .json(&json!({"email": "v2@acme.test", "display_name": "v2",
                      "password": PASSWORD, "role_id": w.role("viewer")}))
        .send()
        .await
        .expect(201)
        .id();
    app.patch(&user(viewer))
        .token(&token)
        .json(&json!({"display_name": "查看者"}))
        .send()
        .await
        .expect(200);
    // Nothing changed for the admin: they still sign in with their password.
    app.post("/api/v1/auth/login")
        .json(&json!({"workspace": "acme", "email": "admin@acme.test", "password": PASSWORD}))
        .send()
        .await
        .expect(200);
}

async fn a_role_that_may_edit_roles_cannot_widen_them_or_edit_admin(app: TestApp) {
    let w = World::create(&app);
    let all = json!({"read": "all", "create": "all", "update": "all", "delete": "all"});
    let (own_role, _, token) = custom(&app, &w, "rolesmith", json!({"roles": all})).await;
    let role = |id: Uuid| format!("/api/v1/roles/{id}");
    // Raising its own role.
    let raised = app
        .patch(&role(own_role))
        .token(&token)
        .json(&json!({"permissions": {"customers": {"delete": "all"}, "roles": all}}))
        .send()
        .await
        .expect(403);
    assert!(
        raised.body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("delete customers")),
        "{}",
        raised.body
    );
    // A new role wider than its own.
    app.post("/api/v1/roles")
        .token(&token)
        .json(&json!({"key": "wide", "name": "Wide", "permissions": {"customers": {"export": "all"}}}))
        .send()
        .await
        .expect(403);
    // The built-in admin role is immutable, even for an admin.
    for t in [&token, &w.admin.token] {
        app.patch(&role(w.role("admin")))
            .token(t)
            .json(&json!({"name": "Not admin"}))
            .send()
            .await
            .expect(409);
    }
    // A role holding more than the caller (sales may create customers) cannot be edited.
    app.patch(&role(w.role("sales")))
        .token(&token)
        .json(&json!({"name": "Reps"}))
        .send()
        .await
        .expect(403);
    // Within its own rights it works.
    let narrow = app
        .post("/api/v1/roles")
        .token(&token)
        .json(&json!({"key": "narrow", "name": "Narrow", "permissions": {"customers": {"read": "own"}}}))
        .send()
        .await
        .expect(201);
    app.patch(&role(narrow.id()))
        .token(&token)
        .json(&json!({"permissions": {"customers": {"read": "all"}}}))
        .send()
        .await
        .expect(200);
}

async fn api_keys_are_bound_only_to_roles_within_their_creators_and_act_within_them(app: TestApp) {
    let w = World::create(&app);
    let keys = json!({"read": "all", "create": "all"});
    let (own_role, _, token) = custom(&app, &w, "integrator", json!({"api_keys": keys})).await;
    let mint = |role: Uuid, t: String| {
        let app = &app;
        async move {
            app.post("/api/v1/api-keys")
                .token(&t)
                .json(&json!({"name": "k", "role_id": role}))
                .send()
                .await
        }
    };
    mint(w.role("admin"), token.clone()).await.expect(403);
    mint(w.role("manager"), token.clone()).await.expect(403);
    mint(own_role, token.clone()).await.expect(201);
    mint(w.role("viewer"), token.clone()).await.expect(201);

    // A key acts with its role, but never beyond its creator's current rights.
    let second = app
        .post("/api/v1/users")
        .token(&w.admin.token)
        .json(
            &json!({"email": "admin2@acme.test", "display_name": "admin2",
                      "password": PASSWORD, "role_id": w.role("admin")}),
        )
        .send()
        .await
        .expect(201)
        .id();
    let key = mint(w.role("admin"), app.token_for(second, w.ws))
        .await
        .expect(201);
    let secret = key.body["secret"].as_str().expect("secret").to_owned();
    app.get("/api/v1/roles")
        .token(&secret)
        .send()
        .await
        .expect(200);
    app.patch(&format!("/api/v1/users/{second}"))
        .token(&w.admin.token)
        .json(&json!({"role_id": w.role("viewer")}))
        .send()
        .await
        .expect(200);
    app.get("/api/v1/roles")
        .token(&secret)
        .send()
        .await
        .expect(403);
    let me = app
        .get("/api/v1/me")
        .token(&secret)
        .send()
        .await
        .expect(200);
    assert_eq!(me.body["permissions"]["users"]["create"], "none");
}

async fn the_last_active_admin_cannot_be_demoted_or_deactivated(app: TestApp) {
    let w = World::create(&app);
    let admin = format!("/api/v1/users/{}", w.admin.id);
    for patch in [
        json!({"active": false}),
        json!({"role_id": w.role("sales")}),
    ] {
        let refused = app
            .patch(&admin)
            .token(&w.admin.token)
            .json(&patch)
            .send()
            .await
            .expect(409);
        assert!(
            refused.body["detail"]
                .as_str()
                .is_some_and(|d| d.contains("last active administrator")),
            "{}",
            refused.body
        );
    }
    // With a second admin, the first may step down; then the second is the last.
    let second = app
        .post("/api/v1/users")
        .token(&w.admin.token)
        .json(
            &json!({"email": "admin2@acme.test", "display_name": "admin2",
                      "password": PASSWORD, "role_id": w.role("admin")}),
        )
        .send()
        .await
        .expect(201)
        .id();
    let second_token = app.token_for(second, w.ws);
    app.patch(&admin)
        .token(&second_token)
        .json(&json!({"role_id": w.role("sales")}))
        .send()
        .await
        .expect(200);
    app.patch(&format!("/api/v1/users/{second}"))
        .token(&second_token)
        .json(&json!({"active": false}))
        .send()
        .await
        .expect(409);
    // The other workspace's admin is untouched by any of this.
    app.get("/api/v1/roles")
        .token(&w.other_admin.token)
        .send()
        .await
        .expect(200);
}

async fn operators_reset_a_password_and_grant_admin_from_the_shell(app: TestApp) {
    let w = World::create(&app);
    let login = |email: &'static str, password: &'static str| {
        let app = &app;
        async move {
            app.post("/api/v1/auth/login")
                .json(&json!({"workspace": "acme", "email": email, "password": password}))
                .peer("10.7.0.1:5000")
                .send()
                .await
        }
    };
    // The admin forgot their password and blocked their account.
    for _ in 0..6 {
        login("admin@acme.test", "not-my-password").await;
    }
    login("admin@acme.test", PASSWORD).await.expect(429);
    crm_server::provision::reset_password(
        &mut app.conn(),
        "acme",
        "admin@acme.test",
        "a-fresh-long-password",
    )
    .expect("reset");
    login("admin@acme.test", "a-fresh-long-password")
        .await
        .expect(200);
    login("admin@acme.test", PASSWORD).await.expect(401);
    let short =
        crm_server::provision::reset_password(&mut app.conn(), "acme", "rep1@acme.test", "short");
    assert!(short.is_err(), "passwords keep their minimum length");
    assert!(
        crm_server::provision::grant_admin(&mut app.conn(), "acme", "nobody@acme.test").is_err()
    );

    // All admins gone: the operator makes a rep an admin.
    app.get("/api/v1/roles")
        .token(&w.rep3.token)
        .send()
        .await
        .expect(403);
    crm_server::provision::grant_admin(&mut app.conn(), "acme", "rep3@acme.test").expect("grant");
    app.get("/api/v1/roles")
        .token(&w.rep3.token)
        .send()
        .await
        .expect(200);
    let me = app
        .get("/api/v1/me")
        .token(&w.rep3.token)
        .send()
        .await
        .expect(200);
    assert_eq!(me.body["role"]["key"], "admin");
}

async fn reps_cannot_move_customers_into_teams_outside_their_scope(app: TestApp) {
    let w = World::create(&app);
    let created = app
        .post("/api/v1/customers")
        .token(&w.rep1.token)
        .json(&json!({"kind": "organization", "name": "一号客户"}))
        .send()
        .await
        .expect(201);
    assert_eq!(created.body["team_id"], w.team_a.to_string());
    let path = format!("/api/v1/customers/{}", created.id());
    app.patch(&path)
        .token(&w.rep1.token)
        .json(&json!({"team_id": w.team_b}))
        .send()
        .await
        .expect(403);
    // No team means the owner's team: the record stays in sight.
    let cleared = app
        .patch(&path)
        .token(&w.rep1.token)
        .json(&json!({"team_id": null}))
        .send()
        .await
        .expect(200);
    assert_eq!(cleared.body["team_id"], w.team_a.to_string());
    app.post("/api/v1/customers")
        .token(&w.rep1.token)
        .json(&json!({"kind": "organization", "name": "二号", "team_id": w.team_b}))
        .send()
        .await
        .expect(403);
    let batch = app
        .post("/api/v1/customers/batch")
        .token(&w.rep1.token)
        .json(&json!({"mode": "upsert", "records": [
            {"external_id": "R1", "kind": "organization", "name": "三号", "team_id": w.team_b}
        ]}))
        .send()
        .await
        .expect(200);
    assert_eq!(
        batch.body["results"][0]["status"], "failed",
        "{}",
        batch.body
    );
    // The manager still sees it.
    app.get(&path)
        .token(&w.manager1.token)
        .send()
        .await
        .expect(200);
    // A manager places records anywhere in their subtree, not beyond it.
    app.patch(&path)
        .token(&w.manager1.token)
        .json(&json!({"team_id": w.team_a2}))
        .send()
        .await
        .expect(200);
    app.patch(&path)
        .token(&w.manager1.token)
        .json(&json!({"team_id": w.team_b}))
        .send()
        .await
        .expect(403);
    // A record an admin put in another team stays editable by its owner.
    let elsewhere = CustomerBuilder::new(w.ws, "外地客户")
        .owner(&w.rep1)
        .build(&app);
    app.patch(&format!("/api/v1/customers/{elsewhere}"))
        .token(&w.admin.token)
        .json(&json!({"team_id": w.team_b}))
        .send()
        .await
        .expect(200);
    app.patch(&format!("/api/v1/customers/{elsewhere}"))
        .token(&w.rep1.token)
        .json(&json!({"phone": "13800138000"}))
        .send()
        .await
        .expect(200);
}

/// `crm admin reset-password` and `grant-admin` through the real binary.
fn recovery_commands_work_through_the_binary(postgres: bool) {
    use crm_tests::server::run;
    let db = crm_tests::TestDb::empty(postgres);
    let env = [
        ("CRM_DATABASE_URL", db.url()),
        ("CRM_JWT_SECRET", "e2e-secret-e2e-secret-e2e-secret-42"),
    ];
    let (ok, out) = run(
        &[
            "admin",
            "create-workspace",
            "--slug",
            "acme",
            "--name",
            "Acme",
            "--admin-email",
            "boss@acme.test",
            "--admin-password",
            "the-first-password",
        ],
        &env,
    );
    assert!(ok, "{out}");
    let reset = [
        "admin",
        "reset-password",
        "--workspace",
        "acme",
        "--email",
        "boss@acme.test",
    ];
    let mut with_password = env.to_vec();
    with_password.push(("CRM_NEW_PASSWORD", "the-second-password"));
    let (ok, out) = run(&reset, &with_password);
    assert!(ok && out.contains("new password set"), "{out}");
    let (ok, out) = run(&reset, &env);
    assert!(
        !ok && out.contains("--password"),
        "no password given: {out}"
    );
    let (ok, out) = run(&[&reset[..], &["--password", "short"]].concat(), &env);
    assert!(!ok && out.contains("password"), "{out}");
    let grant = ["admin", "grant-admin", "--workspace", "acme", "--email"];
    let (ok, out) = run(&[&grant[..], &["nobody@acme.test"]].concat(), &env);
    assert!(!ok && out.contains("no user nobody@acme.test"), "{out}");
    let (ok, out) = run(&[&grant[..], &["boss@acme.test"]].concat(), &env);
    assert!(ok && out.contains("is now an administrator"), "{out}");

    let pool = crm_db::connect_pool(db.url(), 1).expect("pool");
    let mut conn = pool.get().expect("connection");
    let ws = crm_db::workspaces::find_by_slug(&mut conn, "acme")
        .expect("read")
        .expect("workspace");
    let user = crm_db::users::find_by_email(&mut conn, ws.id.0, "boss@acme.test")
        .expect("read")
        .expect("user");
    assert!(crm_http::security::verify_password(
        "the-second-password",
        &user.password_hash
    ));
    assert!(!crm_http::security::verify_password(
        "the-first-password",
        &user.password_hash
    ));
}

#[test]
fn recovery_commands_work_through_the_binary_on_sqlite() {
    recovery_commands_work_through_the_binary(false);
}

#[test]
fn recovery_commands_work_through_the_binary_on_postgres() {
    recovery_commands_work_through_the_binary(true);
}
