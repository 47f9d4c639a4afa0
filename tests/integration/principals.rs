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
    a_read_checked_in_its_own_statement_follows_every_change,
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

/// The record and list reads run as the cached principal and check the
/// counter their own statement read (`crm_app::auth::read_as`): a role
/// change made elsewhere widens and narrows what the very next read shows,
/// and a deactivation ends it, with no separate read of the counter.
async fn a_read_checked_in_its_own_statement_follows_every_change(app: TestApp) {
    let w = World::create(&app);
    let created = app
        .post("/api/v1/customers")
        .token(&w.rep1.token)
        .json(&json!({"kind": "organization", "name": "只给一号", "external_id": "C-ONLY-1"}))
        .send()
        .await
        .expect(201);
    let path = format!("/api/v1/customers/{}", created.id());
    // By id and by the ERP's key: the same record, confirmed the same way.
    let record_paths = [path, "/api/v1/customers/by-external-id/C-ONLY-1".to_owned()];
    let read = async |token: &str, status: u16| {
        for path in &record_paths {
            let got = app.get(path).token(token).send().await.expect(status);
            if status == 200 {
                assert_eq!(got.body["name"], "只给一号", "{path}: {}", got.body);
            }
        }
    };
    // The order's reads confirm the principal in their own statement too.
    crate::analytics::setup_product(&app, &w.admin.token).await;
    let order = app
        .post("/api/v1/orders")
        .token(&w.rep1.token)
        .json(&json!({
            "customer_id": created.id(), "external_id": "ERP-只给一号",
            "order_date": "2026-01-05", "status": "paid", "currency": "CNY",
            "lines": [{"sku": "P", "quantity": 1, "unit_price_minor": 500}]
        }))
        .send()
        .await
        .expect(201);
    let mut lists_of_rep1 = vec![
        (
            "/api/v1/customers?limit=50".to_owned(),
            created.body["id"].clone(),
        ),
        (
            "/api/v1/orders?limit=50".to_owned(),
            order.body["id"].clone(),
        ),
    ];
    let mut records_of_rep1 = vec![
        format!("/api/v1/orders/{}", order.id()),
        "/api/v1/orders/by-external-id/ERP-%E5%8F%AA%E7%BB%99%E4%B8%80%E5%8F%B7".to_owned(),
    ];
    // And so do a deal, a contact, a lead, a ticket and an activity of the
    // rep's, by id (and those with a key by key).
    let customer = created.id();
    for (entity, body) in [
        (
            "deals",
            json!({"customer_id": customer, "name": "只给一号的商机", "external_id": "D-ONLY-1",
            "amount": {"amount_minor": 100, "currency": "CNY"}}),
        ),
        (
            "contacts",
            json!({"customer_id": customer, "name": "王芳", "external_id": "P-ONLY-1"}),
        ),
        ("leads", json!({"person_name": "只给一号的线索"})),
        (
            "tickets",
            json!({"customer_id": customer, "subject": "只给一号的工单",
            "ticket_type": "inquiry", "external_id": "T-ONLY-1"}),
        ),
        (
            "activities",
            json!({"kind": "call", "subject": "只给一号的电话", "customer_id": customer}),
        ),
    ] {
        let made = app
            .post(&format!("/api/v1/{entity}"))
            .token(&w.rep1.token)
            .json(&body)
            .send()
            .await
            .expect(201);
        records_of_rep1.push(format!("/api/v1/{entity}/{}", made.id()));
        lists_of_rep1.push((
            format!("/api/v1/{entity}?limit=50"),
            made.body["id"].clone(),
        ));
        if let Some(key) = body["external_id"].as_str() {
            records_of_rep1.push(format!("/api/v1/{entity}/by-external-id/{key}"));
        }
    }
    let others = async |token: &str, status: u16| {
        for path in &records_of_rep1 {
            let got = app.get(path).token(token).send().await.expect(status);
            if status == 200 && path.starts_with("/api/v1/orders/") {
                assert_eq!(got.body["id"], order.body["id"], "{path}: {}", got.body);
            }
        }
    };
    // Every list carries the counter in its page's statement (the
    // tickets' reads it first): each shows the rep's record exactly when
    // the current rights do.
    let listed = async |token: &str| {
        let mut seen = Vec::new();
        for (path, id) in &lists_of_rep1 {
            let page = app.get(path).token(token).send().await.expect(200);
            let items = page.body["items"].as_array().expect("items").clone();
            seen.push((path.as_str(), items.iter().any(|c| &c["id"] == id)));
        }
        assert!(
            seen.iter().all(|(_, s)| *s == seen[0].1),
            "listed: {seen:?}"
        );
        seen[0].1
    };
    let admin = admin(&app, &w);
    let make = |role: &str, active: Option<bool>| {
        let mut conn = app.conn();
        crm_app::users::update(
            &mut conn,
            &admin,
            w.rep2.id,
            Expected(None),
            patch(Some(w.role(role)), active),
        )
        .expect("rep2 changed");
    };
    // Twice each, so the second read runs from the cache.
    for _ in 0..2 {
        read(&w.rep2.token, 404).await;
        assert!(!listed(&w.rep2.token).await, "a rep sees their own only");
        others(&w.rep2.token, 404).await;
    }
    make("viewer", None);
    for _ in 0..2 {
        read(&w.rep2.token, 200).await;
        assert!(listed(&w.rep2.token).await, "a viewer sees all");
        others(&w.rep2.token, 200).await;
    }
    make("sales", None);
    for _ in 0..2 {
        read(&w.rep2.token, 404).await;
        assert!(!listed(&w.rep2.token).await, "a rep again");
        others(&w.rep2.token, 404).await;
    }
    make("viewer", None);
    assert!(listed(&w.rep2.token).await, "a viewer again");
    make("viewer", Some(false));
    read(&w.rep2.token, 401).await;
    others(&w.rep2.token, 401).await;
    for (list, _) in &lists_of_rep1 {
        app.get(list).token(&w.rep2.token).send().await.expect(401);
    }
    // The owner's own reads were never disturbed.
    read(&w.rep1.token, 200).await;
    assert!(listed(&w.rep1.token).await);
    others(&w.rep1.token, 200).await;
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
    assert!(
        terminate_connections(&app) > 0,
        "the pool had connections open"
    );
    std::thread::sleep(std::time::Duration::from_millis(200));
    for _ in 0..6 {
        app.get("/api/v1/customers")
            .token(&w.rep1.token)
            .send()
            .await
            .expect(200);
    }
    // The record read, which first reads as the cached principal, too.
    let created = app
        .post("/api/v1/customers")
        .token(&w.rep1.token)
        .json(&json!({"kind": "person", "name": "重连"}))
        .send()
        .await
        .expect(201);
    assert!(
        terminate_connections(&app) > 0,
        "the pool had connections open"
    );
    std::thread::sleep(std::time::Duration::from_millis(200));
    for _ in 0..3 {
        app.get(&format!("/api/v1/customers/{}", created.id()))
            .token(&w.rep1.token)
            .send()
            .await
            .expect(200);
    }
}

/// Has PostgreSQL end every other connection to the app's database; how many.
fn terminate_connections(app: &TestApp) -> i64 {
    let out = std::process::Command::new("psql")
        .arg(app.db.url())
        .arg("-Atc")
        .arg(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .output()
        .expect("psql");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("a count")
}
