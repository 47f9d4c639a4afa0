//! End to end: the real `crm` binary on a free port, driven over HTTP.

use std::time::{Duration, Instant};

use crm_tests::TestDb;
use crm_tests::server::{Server, run};
use serde_json::{Value, json};

fn post(url: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
    let mut req = ureq::post(url).config().http_status_as_error(false).build();
    if let Some(t) = token {
        req = req.header("Authorization", &format!("Bearer {t}"));
    }
    let mut resp = req.send_json(body).expect("request");
    let status = resp.status().as_u16();
    (status, resp.body_mut().read_json().unwrap_or(Value::Null))
}

fn get(url: &str, token: &str) -> (u16, Value) {
    let mut resp = ureq::get(url)
        .config()
        .http_status_as_error(false)
        .build()
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .expect("request");
    let status = resp.status().as_u16();
    (status, resp.body_mut().read_json().unwrap_or(Value::Null))
}

/// Creates a workspace with the CLI, serves, signs in and creates a customer.
fn scenario(env: &[(&str, &str)], backend: &str) {
    let (ok, out) = run(&["migrate"], env);
    assert!(ok, "migrate: {out}");
    let (ok, out) = run(
        &[
            "admin",
            "create-workspace",
            "--slug",
            "e2e",
            "--name",
            "E2E",
            "--admin-email",
            "boss@e2e.test",
            "--admin-password",
            "a-long-password",
        ],
        env,
    );
    assert!(ok, "create-workspace: {out}");
    let (ok, out) = run(
        &[
            "admin",
            "create-workspace",
            "--slug",
            "e2e",
            "--name",
            "E2E",
            "--admin-email",
            "boss@e2e.test",
            "--admin-password",
            "a-long-password",
        ],
        env,
    );
    assert!(!ok && out.contains("already exists"), "{out}");
    let server = Server::start(env);
    let (status, health) = get(&format!("{}/api/health", server.base), "none");
    assert_eq!((status, health["backend"].as_str()), (200, Some(backend)));
    let (status, tokens) = post(
        &format!("{}/api/v1/auth/login", server.base),
        None,
        &json!({"email": "boss@e2e.test", "password": "a-long-password"}),
    );
    assert_eq!(status, 200, "{tokens}");
    let token = tokens["access_token"].as_str().expect("token");
    let (status, created) = post(
        &format!("{}/api/v1/customers", server.base),
        Some(token),
        &json!({"kind": "organization", "name": "端到端客户", "city_code": "440100", "province_code": "440000"}),
    );
    assert_eq!(status, 201, "{created}");
    let (status, list) = get(&format!("{}/api/v1/customers", server.base), token);
    assert_eq!(status, 200);
    assert_eq!(list["items"][0]["name"], "端到端客户");
    let (status, problem) = post(
        &format!("{}/api/v1/customers", server.base),
        Some(token),
        &json!({"kind": "organization", "name": "x", "email": "bad"}),
    );
    assert_eq!(
        (status, problem["errors"]["email"][0].as_str()),
        (422, Some("is not a valid e-mail address"))
    );
}

#[test]
fn the_binary_serves_the_api_on_a_fresh_sqlite_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/nested/crm.db", dir.path().display());
    scenario(&[("CRM_DATABASE_URL", &url)], "sqlite");
    assert!(
        dir.path().join("nested/crm.db").exists(),
        "the SQLite file is created on first start"
    );
    assert!(
        dir.path().join("nested/jwt-secret").exists(),
        "a development secret is kept beside it"
    );
}

#[test]
fn the_binary_serves_the_api_on_postgres() {
    let db = TestDb::empty(true);
    scenario(
        &[
            ("CRM_DATABASE_URL", db.url()),
            ("CRM_JWT_SECRET", "e2e-secret-e2e-secret-e2e-secret-42"),
        ],
        "postgres",
    );
}

#[test]
fn postgres_without_a_jwt_secret_is_refused() {
    let db = TestDb::empty(true);
    let (ok, out) = run(
        &["serve"],
        &[("CRM_DATABASE_URL", db.url()), ("CRM_BIND", "127.0.0.1:0")],
    );
    assert!(!ok && out.contains("CRM_JWT_SECRET is required"), "{out}");
}

#[test]
fn an_unreachable_database_fails_fast_with_its_own_message() {
    let started = Instant::now();
    let (ok, out) = run(
        &["migrate"],
        &[("CRM_DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")],
    );
    assert!(!ok);
    assert!(
        out.contains("cannot connect to the database") && out.contains("127.0.0.1"),
        "{out}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    let (ok, out) = run(&["migrate"], &[("CRM_DATABASE_URL", "mysql://x")]);
    assert!(!ok && out.contains("unsupported database URL"), "{out}");
}

#[test]
fn the_demo_command_seeds_the_documented_logins() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/crm.db", dir.path().display());
    let env = [("CRM_DATABASE_URL", url.as_str())];
    let (ok, out) = run(&["demo", "--customers", "120"], &env);
    assert!(ok, "{out}");
    for login in [
        "admin@demo.test",
        "manager1@demo.test",
        "manager2@demo.test",
        "rep1@demo.test",
        "rep4@demo.test",
        "service@demo.test",
        "viewer@demo.test",
        "demo-password",
    ] {
        assert!(out.contains(login), "{login} missing from {out}");
    }
    let (ok, out) = run(&["demo", "--if-empty"], &env);
    assert!(ok && out.contains("already has data"), "{out}");
    let server = Server::start(&env);
    let login = |email: &str| {
        let (status, tokens) = post(
            &format!("{}/api/v1/auth/login", server.base),
            None,
            &json!({"workspace": "demo", "email": email, "password": "demo-password"}),
        );
        assert_eq!(status, 200, "{email}: {tokens}");
        tokens["access_token"].as_str().expect("token").to_owned()
    };
    let ids = |token: &str| -> Vec<(String, String)> {
        let (_, page) = get(
            &format!("{}/api/v1/customers?limit=200", server.base),
            token,
        );
        page["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|c| {
                (
                    c["owner_id"].as_str().unwrap_or_default().to_owned(),
                    c["team_id"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    };
    let admin_sees = ids(&login("admin@demo.test"));
    assert_eq!(admin_sees.len(), 120);
    let (_, me) = get(
        &format!("{}/api/v1/me", server.base),
        &login("rep1@demo.test"),
    );
    let rep1 = me["user"]["id"].as_str().expect("id").to_owned();
    let rep1_sees = ids(&login("rep1@demo.test"));
    assert!(
        !rep1_sees.is_empty() && rep1_sees.iter().all(|(owner, _)| *owner == rep1),
        "a rep sees only their own"
    );
    let (_, me) = get(
        &format!("{}/api/v1/me", server.base),
        &login("manager1@demo.test"),
    );
    let team = me["team"]["id"]
        .as_str()
        .expect("manager1 heads a team")
        .to_owned();
    let manager_sees = ids(&login("manager1@demo.test"));
    assert!(manager_sees.len() > rep1_sees.len() && manager_sees.iter().all(|(_, t)| *t == team));
    assert_eq!(ids(&login("viewer@demo.test")).len(), 120);
}
