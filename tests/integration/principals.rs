//! The cache of authenticated principals (`crm_app::auth::Principals`) is
//! never stale: a role change, a deactivation or a key's revocation made
//! outside this server's process (here: through the use cases on a
//! connection of their own, as another node would) takes effect on this
//! server's very next request. And a connection the database closed is
//! replaced without the request failing.

use crm_api_types::access::UserPatch;
use crm_app::Expected;
use crm_tests::{TestApp, TestDb, World, both};
use serde_json::json;

both!(
    a_role_change_made_elsewhere_applies_to_the_next_request,
    a_deactivation_made_elsewhere_ends_cached_sessions,
    a_key_revoked_elsewhere_stops_at_once,
    the_access_counter_moves_with_users_roles_and_keys_only,
);

fn admin(app: &TestApp, w: &World) -> crm_app::auth::Authenticated {
    let mut conn = app.conn();
    crm_app::auth::load(&mut conn, w.ws, w.admin.id, None).expect("admin")
}

fn patch(role_id: Option<uuid::Uuid>, active: Option<bool>) -> UserPatch {
    serde_json::from_value(json!({})).map_or_else(
        |e| panic!("empty patch: {e}"),
        |p: UserPatch| UserPatch {
            role_id,
            active,
            ..p
        },
    )
}

async fn a_role_change_made_elsewhere_applies_to_the_next_request(app: TestApp) {
    let w = World::create(&app);
    let create = json!({"kind": "organization", "name": "缓存测试"});
    app.post("/api/v1/customers")
        .token(&w.rep1.token)
        .json(&create)
        .send()
        .await
        .expect(201);
    assert!(!app.state().principals.is_empty(), "the rep is cached now");
    let admin = admin(&app, &w);
    let mut conn = app.conn();
    crm_app::users::update(
        &mut conn,
        &admin,
        w.rep1.id,
        Expected(None),
        patch(Some(w.role("viewer")), None),
    )
    .expect("rep1 made a viewer");
    drop(conn);
    app.post("/api/v1/customers")
        .token(&w.rep1.token)
        .json(&create)
        .send()
        .await
        .expect(403);
    let me = app
        .get("/api/v1/me")
        .token(&w.rep1.token)
        .send()
        .await
        .expect(200);
    assert_eq!(me.body["role"]["key"], "viewer", "{}", me.body);
}

async fn a_deactivation_made_elsewhere_ends_cached_sessions(app: TestApp) {
    let w = World::create(&app);
    app.get("/api/v1/customers")
        .token(&w.rep2.token)
        .send()
        .await
        .expect(200);
    let admin = admin(&app, &w);
    let mut conn = app.conn();
    crm_app::users::update(
        &mut conn,
        &admin,
        w.rep2.id,
        Expected(None),
        patch(None, Some(false)),
    )
    .expect("rep2 deactivated");
    drop(conn);
    app.get("/api/v1/customers")
        .token(&w.rep2.token)
        .send()
        .await
        .expect(401);
    // Others in the workspace are reloaded, not refused.
    app.get("/api/v1/customers")
        .token(&w.rep1.token)
        .send()
        .await
        .expect(200);
}

async fn a_key_revoked_elsewhere_stops_at_once(app: TestApp) {
    let w = World::create(&app);
    let created = app
        .post("/api/v1/api-keys")
        .token(&w.admin.token)
        .json(&json!({"name": "ERP sync", "role_id": w.role("sales")}))
        .send()
        .await
        .expect(201);
    let secret = created.body["secret"].as_str().expect("secret").to_owned();
    for _ in 0..3 {
        app.get("/api/v1/customers")
            .token(&secret)
            .send()
            .await
            .expect(200);
    }
    let admin = admin(&app, &w);
    let mut conn = app.conn();
    crm_app::api_keys::revoke(&mut conn, &admin, created.id()).expect("revoked");
    drop(conn);
    app.get("/api/v1/customers")
        .token(&secret)
        .send()
        .await
        .expect(401);
}

async fn the_access_counter_moves_with_users_roles_and_keys_only(app: TestApp) {
    let w = World::create(&app);
    let version = || {
        let mut conn = app.conn();
        crm_db::auth::access_version(&mut conn, w.ws).expect("counter")
    };
    let start = version();
    assert!(start > 0, "creating the world's users moved it");
    let created = app
        .post("/api/v1/api-keys")
        .token(&w.admin.token)
        .json(&json!({"name": "ERP", "role_id": w.role("sales")}))
        .send()
        .await
        .expect(201);
    let after_key = version();
    assert!(after_key > start, "a new key moves it");
    let secret = created.body["secret"].as_str().expect("secret").to_owned();
    app.get("/api/v1/customers")
        .token(&secret)
        .send()
        .await
        .expect(200);
    app.post("/api/v1/customers")
        .token(&w.admin.token)
        .json(&json!({"kind": "person", "name": "王五"}))
        .send()
        .await
        .expect(201);
    assert_eq!(
        version(),
        after_key,
        "using a key (its last use is written) and business writes do not"
    );
    let other = {
        let mut conn = app.conn();
        crm_db::auth::access_version(&mut conn, w.other_ws).expect("counter")
    };
    app.patch(&format!("/api/v1/users/{}", w.rep3.id))
        .token(&w.admin.token)
        .json(&json!({"display_name": "Rep Three"}))
        .send()
        .await
        .expect(200);
    assert!(version() > after_key, "a user's edit moves it");
    let mut conn = app.conn();
    assert_eq!(
        crm_db::auth::access_version(&mut conn, w.other_ws).expect("counter"),
        other,
        "another workspace's counter stays"
    );
}

/// PostgreSQL terminates every connection of the app's pool; the next
/// requests succeed on new ones (the failed check-out is retried once, and
/// the pool tests connections for a while after seeing a closed one).
#[actix_rt::test]
async fn connections_the_server_closed_are_replaced_without_failing_requests() {
    let mut app = TestApp::new(TestDb::postgres());
    app.start_workers(0);
    let w = World::create(&app);
    for _ in 0..4 {
        app.get("/api/v1/customers")
            .token(&w.rep1.token)
            .send()
            .await
            .expect(200);
    }
    let out = std::process::Command::new("psql")
        .arg(app.db.url())
        .arg("-Atc")
        .arg(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .output()
        .expect("psql");
    let killed: i64 = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("a count");
    assert!(killed > 0, "the pool had connections open");
    std::thread::sleep(std::time::Duration::from_millis(200));
    for _ in 0..6 {
        app.get("/api/v1/customers")
            .token(&w.rep1.token)
            .send()
            .await
            .expect(200);
    }
}
