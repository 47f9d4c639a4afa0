//! Two nodes, one database (DESIGN §1b): two real `crm serve` processes on
//! one fresh PostgreSQL database, each with its own job workers, driven over
//! plain HTTP. Nothing that must be shared lives in a process: a sign-in
//! throttled on one node is throttled on the other, an `Idempotency-Key`
//! answered by one node is replayed by the other, each import job is claimed
//! and run by exactly one node, and the changes feed reads the same from both.
//!
//! PostgreSQL only, on purpose: two processes on one embedded SQLite file is
//! not a supported deployment (SQLite is the single-node backend). The nodes
//! share `CRM_JWT_SECRET` and `CRM_IMPORT_DIR` (an uploaded file is kept on
//! disk, so nodes that run imports need a shared import directory, as they
//! would share a volume in production).

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use crm_tests::TestDb;
use crm_tests::server::{Server, run};
use serde_json::{Value, json};

const SECRET: &str = "two-nodes-secret-two-nodes-secret-42";
const PASSWORD: &str = "a-long-password";
/// Imports started (half on each node) and data rows in each file.
const IMPORTS: usize = 4;
const ROWS: usize = 600;

/// One HTTP answer: status, headers we look at, JSON body.
struct Answer {
    status: u16,
    replayed: Option<String>,
    retry_after: Option<String>,
    body: Value,
}

fn answer(mut resp: ureq::http::Response<ureq::Body>) -> Answer {
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (replayed, retry_after) = (header("idempotent-replayed"), header("retry-after"));
    Answer {
        status: resp.status().as_u16(),
        replayed,
        retry_after,
        body: resp.body_mut().read_json().unwrap_or(Value::Null),
    }
}

fn send(
    url: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    content_type: &str,
    body: &[u8],
) -> Answer {
    let mut req = ureq::post(url)
        .config()
        .http_status_as_error(false)
        .build()
        .header("Content-Type", content_type);
    if let Some(t) = token {
        req = req.header("Authorization", &format!("Bearer {t}"));
    }
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    answer(req.send(body).expect("request"))
}

fn post(url: &str, token: Option<&str>, headers: &[(&str, &str)], body: &Value) -> Answer {
    send(
        url,
        token,
        headers,
        "application/json",
        body.to_string().as_bytes(),
    )
}

fn get(url: &str, token: &str) -> Value {
    let resp = ureq::get(url)
        .config()
        .http_status_as_error(false)
        .build()
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .expect("request");
    let got = answer(resp);
    assert_eq!(got.status, 200, "GET {url}: {}", got.body);
    got.body
}

fn login(base: &str, workspace: &str, email: &str, password: &str) -> Answer {
    post(
        &format!("{base}/api/v1/auth/login"),
        None,
        &[],
        &json!({"workspace": workspace, "email": email, "password": password}),
    )
}

fn token(base: &str, workspace: &str, email: &str) -> String {
    let got = login(base, workspace, email, PASSWORD);
    assert_eq!(got.status, 200, "{}", got.body);
    got.body["access_token"].as_str().expect("token").to_owned()
}

fn create_workspace(env: &[(&str, &str)], slug: &str, email: &str) {
    let (ok, out) = run(
        &[
            "admin",
            "create-workspace",
            "--slug",
            slug,
            "--name",
            slug,
            "--admin-email",
            email,
            "--admin-password",
            PASSWORD,
        ],
        env,
    );
    assert!(ok, "create-workspace {slug}: {out}");
}

/// Step 1: failures counted on A block the account on B, even with the right password.
fn a_throttled_sign_in_is_throttled_on_both(a: &Server, b: &Server) {
    let mut failures = 0;
    loop {
        let got = login(&a.base, "locked", "locked@two.test", "wrong-password");
        if got.status == 429 {
            break;
        }
        assert_eq!(got.status, 401, "{}", got.body);
        failures += 1;
        assert!(failures <= 5, "A checked {failures} wrong passwords");
    }
    assert_eq!(failures, 5, "the account limit is 5 failures");
    let refused = login(&b.base, "locked", "locked@two.test", PASSWORD);
    assert_eq!(refused.status, 429, "B lets it in: {}", refused.body);
    assert!(
        refused
            .retry_after
            .as_deref()
            .and_then(|s| s.parse::<i64>().ok())
            .is_some_and(|s| (1..=900).contains(&s)),
        "Retry-After {:?}",
        refused.retry_after
    );
    assert_eq!(refused.body["status"], 429);
}

/// Step 2: a POST answered by A is replayed, not repeated, by B.
fn an_idempotency_key_is_replayed_across_nodes(a: &Server, b: &Server, token: &str) {
    let body = json!({"kind": "organization", "name": "两节点幂等 Two Nodes Idempotent"});
    let key = [("Idempotency-Key", "two-nodes-0001")];
    let first = post(
        &format!("{}/api/v1/customers", a.base),
        Some(token),
        &key,
        &body,
    );
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(first.replayed, None);
    let again = post(
        &format!("{}/api/v1/customers", b.base),
        Some(token),
        &key,
        &body,
    );
    assert_eq!(again.status, 201, "{}", again.body);
    assert_eq!(again.replayed.as_deref(), Some("true"));
    assert_eq!(again.body, first.body, "the identical answer");
    for node in [a, b] {
        let found = get(
            &format!("{}/api/v1/customers?q=idempotent", node.base),
            token,
        );
        assert_eq!(
            found["items"].as_array().map(Vec::len),
            Some(1),
            "written once: {found}"
        );
    }
}

/// Uploads a file of `ROWS` customers to `up` and starts its run on `on`.
fn start_import(up: &Server, on: &Server, token: &str, n: usize) -> String {
    let mut csv = String::from("external_id,name,city\n");
    for i in 0..ROWS {
        csv.push_str(&format!("N{n}-{i:05},两节点客户{n}-{i},杭州\n"));
    }
    let uploaded = send(
        &format!("{}/api/v1/imports?entity=customers", up.base),
        Some(token),
        &[],
        "text/csv",
        csv.as_bytes(),
    );
    assert_eq!(uploaded.status, 201, "{}", uploaded.body);
    let id = uploaded.body["id"].as_str().expect("id").to_owned();
    let started = post(
        &format!("{}/api/v1/imports/{id}/start", on.base),
        Some(token),
        &[],
        &json!({"mapping": uploaded.body["mapping"]}),
    );
    assert_eq!(started.status, 202, "{}", started.body);
    id
}

/// Step 3: imports started on both nodes, both running workers: each job is
/// claimed by one worker of one node, once, and each import's counts are
/// exactly its file's.
fn each_import_runs_once_on_one_node(a: &Server, b: &Server, token: &str) {
    let ids: Vec<String> = (0..IMPORTS)
        .map(|n| {
            let (up, on) = if n % 2 == 0 { (a, b) } else { (b, a) };
            start_import(up, on, token, n)
        })
        .collect();
    let pids = [a.pid(), b.pid()];
    // While they run, note which worker holds each job (read from either node).
    let mut holders: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let deadline = Instant::now() + Duration::from_secs(40);
    let mut turn = 0;
    loop {
        let node = if turn % 2 == 0 { a } else { b };
        turn += 1;
        let jobs = get(
            &format!("{}/api/v1/admin/jobs?kind=import&limit=200", node.base),
            token,
        );
        for job in jobs["items"].as_array().expect("items") {
            if let Some(worker) = job["locked_by"].as_str() {
                let import = job["payload"]["import_id"].to_string();
                holders.entry(import).or_default().insert(worker.to_owned());
            }
        }
        let statuses: Vec<Value> = ids
            .iter()
            .map(|id| get(&format!("{}/api/v1/imports/{id}", node.base), token)["status"].clone())
            .collect();
        if statuses.iter().all(|s| s != "running") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "imports not finished: {statuses:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    for (import, workers) in &holders {
        assert_eq!(workers.len(), 1, "{import} was held by {workers:?}");
        let worker = workers.iter().next().expect("a worker");
        assert!(
            pids.iter().any(|p| worker.starts_with(&format!("pid{p}-"))),
            "{worker} is neither node ({pids:?})"
        );
    }
    for (n, id) in ids.iter().enumerate() {
        let node = if n % 2 == 0 { b } else { a };
        let done = get(&format!("{}/api/v1/imports/{id}", node.base), token);
        assert_eq!(done["status"], "completed", "{done}");
        assert_eq!(done["rows_read"], ROWS, "{done}");
        assert_eq!(done["created"], ROWS, "{done}");
        assert_eq!(done["updated"], 0, "{done}");
        assert_eq!(done["unchanged"], 0, "{done}");
        assert_eq!(done["failed"], 0, "{done}");
    }
    // One job per import, done in its first attempt, seen alike from both nodes.
    let from_a = get(
        &format!("{}/api/v1/admin/jobs?kind=import&limit=200", a.base),
        token,
    );
    let from_b = get(
        &format!("{}/api/v1/admin/jobs?kind=import&limit=200", b.base),
        token,
    );
    assert_eq!(from_a, from_b);
    let jobs = from_a["items"].as_array().expect("items");
    assert_eq!(jobs.len(), IMPORTS, "{from_a}");
    let mut ran: Vec<String> = Vec::new();
    for job in jobs {
        assert_eq!(job["status"], "done", "{job}");
        assert_eq!(job["attempts"], 1, "claimed once: {job}");
        assert_eq!(job["last_error"], Value::Null, "{job}");
        ran.push(
            job["payload"]["import_id"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
    }
    ran.sort();
    let mut started = ids.clone();
    started.sort();
    assert_eq!(ran, started, "one job row per import: {from_a}");
    // The customers are the files' rows plus the one of step 2, once each.
    let mut resp = ureq::get(&format!("{}/api/v1/customers/export", b.base))
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .expect("export");
    let text = resp.body_mut().read_to_string().expect("csv");
    assert_eq!(text.lines().count(), 1 + IMPORTS * ROWS + 1);
}

/// Every entry of the changes feed through `node`, paged to the end.
fn whole_feed(node: &Server, token: &str) -> (Vec<Value>, usize) {
    let (mut entries, mut pages, mut since) = (Vec::new(), 0, 0);
    loop {
        let page = get(
            &format!("{}/api/v1/changes?since={since}&limit=500", node.base),
            token,
        );
        pages += 1;
        entries.extend(page["items"].as_array().cloned().unwrap_or_default());
        if page["has_more"] == false {
            return (entries, pages);
        }
        since = page["next_since"].as_i64().expect("next_since");
        assert!(pages < 100, "the feed does not end");
    }
}

/// Step 4: the changes feed, paged to the end, is the same from both nodes.
fn the_changes_feed_is_identical_from_both(a: &Server, b: &Server, token: &str) {
    let (from_a, pages_a) = whole_feed(a, token);
    let (from_b, pages_b) = whole_feed(b, token);
    assert_eq!(from_a.len(), IMPORTS * ROWS + 1);
    assert!(pages_a > 1, "paged: {pages_a} page(s)");
    assert_eq!(pages_a, pages_b);
    assert_eq!(from_a, from_b);
}

#[test]
fn two_nodes_on_one_postgres_database_share_throttles_keys_jobs_and_the_feed() {
    let db = TestDb::empty(true);
    let dir = tempfile::tempdir().expect("temp dir");
    let imports = dir.path().display().to_string();
    let env = [
        ("CRM_DATABASE_URL", db.url()),
        ("CRM_JWT_SECRET", SECRET),
        ("CRM_IMPORT_DIR", imports.as_str()),
        ("CRM_WORKERS", "2"),
        ("CRM_JOB_POLL_MS", "50"),
    ];
    let (ok, out) = run(&["migrate"], &env);
    assert!(ok, "migrate: {out}");
    create_workspace(&env, "two", "boss@two.test");
    create_workspace(&env, "locked", "locked@two.test");
    let a = Server::start(&env);
    let b = Server::start(&env);
    // A token from one node is good on the other (the same secret).
    let token = token(&a.base, "two", "boss@two.test");
    a_throttled_sign_in_is_throttled_on_both(&a, &b);
    an_idempotency_key_is_replayed_across_nodes(&a, &b, &token);
    each_import_runs_once_on_one_node(&a, &b, &token);
    the_changes_feed_is_identical_from_both(&a, &b, &token);
}
