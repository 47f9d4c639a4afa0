//! End to end: `kill -9` of the real server during an import; the restarted
//! server's worker takes the job over once its lease runs out and the
//! import finishes with exactly the file's counts.

use std::time::{Duration, Instant};

use crm_tests::TestDb;
use crm_tests::server::{Server, run};
use serde_json::{Value, json};

const ROWS: usize = 20_000;

fn call(req: ureq::RequestBuilder<ureq::typestate::WithBody>, body: &[u8]) -> (u16, Value) {
    let mut resp = req
        .config()
        .http_status_as_error(false)
        .build()
        .send(body)
        .expect("request");
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

fn login(base: &str) -> String {
    let body = json!({"email": "boss@jobs.test", "password": "a-long-password"}).to_string();
    let (status, tokens) = call(
        ureq::post(&format!("{base}/api/v1/auth/login")).header("Content-Type", "application/json"),
        body.as_bytes(),
    );
    assert_eq!(status, 200, "{tokens}");
    tokens["access_token"].as_str().expect("token").to_owned()
}

fn import(base: &str, token: &str, id: &str) -> Value {
    let (status, body) = get(&format!("{base}/api/v1/imports/{id}"), token);
    assert_eq!(status, 200, "{body}");
    body
}

fn killed_mid_import_resumes_on_restart(env: &[(&str, &str)]) {
    let (ok, out) = run(&["migrate"], env);
    assert!(ok, "migrate: {out}");
    let (ok, out) = run(
        &[
            "admin",
            "create-workspace",
            "--slug",
            "jobs",
            "--name",
            "Jobs",
            "--admin-email",
            "boss@jobs.test",
            "--admin-password",
            "a-long-password",
        ],
        env,
    );
    assert!(ok, "create-workspace: {out}");
    let mut csv = String::from("external_id,name,city\n");
    for i in 0..ROWS {
        csv.push_str(&format!("E{i:06},客户{i},杭州\n"));
    }

    let server = Server::start(env);
    let token = login(&server.base);
    let (status, up) = call(
        ureq::post(&format!("{}/api/v1/imports?entity=customers", server.base))
            .header("Authorization", &format!("Bearer {token}"))
            .header("Content-Type", "text/csv"),
        csv.as_bytes(),
    );
    assert_eq!(status, 201, "{up}");
    let id = up["id"].as_str().expect("id").to_owned();
    let start = json!({"mapping": up["mapping"]}).to_string();
    let (status, started) = call(
        ureq::post(&format!("{}/api/v1/imports/{id}/start", server.base))
            .header("Authorization", &format!("Bearer {token}"))
            .header("Content-Type", "application/json"),
        start.as_bytes(),
    );
    assert_eq!(status, 202, "{started}");
    // Kill it (SIGKILL: no shutdown) once some batches are committed.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let now = import(&server.base, &token, &id);
        let read = now["rows_read"].as_i64().unwrap_or(0);
        assert_ne!(
            now["status"], "completed",
            "finished before the kill: use a bigger file"
        );
        if read >= 1_000 {
            break;
        }
        assert!(Instant::now() < deadline, "the import did not start: {now}");
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(server);

    let server = Server::start(env);
    let token = login(&server.base);
    let stopped = import(&server.base, &token, &id);
    assert_eq!(stopped["status"], "running", "{stopped}");
    let read_at_kill = stopped["rows_read"].as_i64().expect("rows_read");
    assert!(
        read_at_kill > 0 && read_at_kill < ROWS as i64 && read_at_kill % 500 == 0,
        "{stopped}"
    );
    let deadline = Instant::now() + Duration::from_secs(240);
    let done = loop {
        let now = import(&server.base, &token, &id);
        if now["status"] != "running" {
            break now;
        }
        assert!(
            Instant::now() < deadline,
            "the import did not finish: {now}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["rows_read"], ROWS);
    assert_eq!(done["failed"], 0);
    assert_eq!(
        done["created"].as_i64().expect("created") + done["unchanged"].as_i64().expect("unchanged"),
        ROWS as i64,
        "{done}"
    );
    assert_eq!(
        done["created"], ROWS,
        "the killed batch was rolled back, nothing written twice"
    );
    // The customers are exactly the file's.
    let mut resp = ureq::get(&format!("{}/api/v1/customers/export", server.base))
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .expect("export");
    let text = resp.body_mut().read_to_string().expect("csv");
    assert_eq!(text.lines().count(), 1 + ROWS);
    // Its job: taken over after the kill, then done.
    let (status, jobs) = get(
        &format!("{}/api/v1/admin/jobs?kind=import", server.base),
        &token,
    );
    assert_eq!(status, 200);
    assert_eq!(jobs["items"][0]["status"], "done", "{jobs}");
    assert!(
        jobs["items"][0]["attempts"]
            .as_i64()
            .is_some_and(|n| n >= 2),
        "{jobs}"
    );
}

fn env_for<'a>(url: &'a str, dir: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("CRM_DATABASE_URL", url),
        ("CRM_JWT_SECRET", "jobs-secret-jobs-secret-jobs-secret-42"),
        ("CRM_IMPORT_DIR", dir),
        ("CRM_JOB_LEASE_SECONDS", "2"),
        ("CRM_JOB_POLL_MS", "100"),
    ]
}

#[test]
fn a_server_killed_during_an_import_resumes_it_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("crm.db").display());
    let imports = dir.path().join("imports").display().to_string();
    killed_mid_import_resumes_on_restart(&env_for(&url, &imports));
}

#[test]
fn a_server_killed_during_an_import_resumes_it_on_postgres() {
    let db = TestDb::empty(true);
    let dir = tempfile::tempdir().expect("temp dir");
    let imports = dir.path().display().to_string();
    killed_mid_import_resumes_on_restart(&env_for(db.url(), &imports));
}
