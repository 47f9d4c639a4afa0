//! Workspace archives: a demo workspace exported from one backend and
//! imported into the other answers the API the same (customers, analytics,
//! the changes feed with the same seq numbers); an import refuses a taken
//! workspace; the archive covers every workspace table; and the admin
//! backups API makes, shows and hands out the caller's workspace only.

use std::path::Path;

use crm_tests::{TestApp, TestDb, World, both};
use serde_json::Value;
use uuid::Uuid;

const CUSTOMERS: usize = 300;

/// Strips what is computed per request rather than stored.
fn stable(mut v: Value) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(map) => {
                for key in ["as_of", "computed_at", "generated_at", "refreshed_at"] {
                    map.remove(key);
                }
                map.values_mut().for_each(walk);
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut v);
    v
}

async fn all_customers(app: &TestApp, token: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = app
            .get(&format!("/api/v1/customers?limit=200{cursor}"))
            .token(token)
            .send()
            .await
            .expect(200);
        out.extend(page.body["items"].as_array().cloned().unwrap_or_default());
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => return out,
        }
    }
}

async fn all_changes(app: &TestApp, token: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut since = 0;
    loop {
        let page = app
            .get(&format!("/api/v1/changes?since={since}&limit=1000"))
            .token(token)
            .send()
            .await
            .expect(200);
        out.extend(page.body["items"].as_array().cloned().unwrap_or_default());
        since = page.body["next_since"].as_i64().expect("next_since");
        if page.body["has_more"] != true {
            return out;
        }
    }
}

/// What the demo admin sees: customers, RFM, KPIs and the changes feed.
async fn answers(app: &TestApp) -> Vec<Value> {
    let mut conn = app.conn();
    let ws = crm_db::workspaces::find_by_slug(&mut conn, crm_server::demo::SLUG)
        .expect("lookup")
        .expect("demo workspace");
    let admin = crm_db::users::find_by_email(&mut conn, ws.id.0, "admin@demo.test")
        .expect("lookup")
        .expect("demo admin");
    drop(conn);
    let token = app.token_for(admin.id.0, ws.id.0);
    let mut out = vec![Value::Array(all_customers(app, &token).await)];
    for path in ["/api/v1/analytics/rfm", "/api/v1/analytics/kpis"] {
        out.push(stable(
            app.get(path).token(&token).send().await.expect(200).body,
        ));
    }
    out.push(Value::Array(all_changes(app, &token).await));
    out
}

fn app_on(postgres: bool) -> TestApp {
    TestApp::new(if postgres {
        TestDb::postgres()
    } else {
        TestDb::sqlite()
    })
}

/// Seeds a demo on one backend, moves it to the other by archive, compares.
async fn move_demo(from_postgres: bool) {
    let source = app_on(from_postgres);
    let today = chrono::Utc::now().date_naive();
    crm_server::demo::seed(&mut source.conn(), CUSTOMERS, today).expect("demo");
    let dir = tempfile::tempdir().expect("temp dir");
    let archive = dir.path().join("demo.tar.gz");
    let started = std::time::Instant::now();
    let manifest = crm_server::portable::export_workspace(
        source.db.url(),
        crm_server::demo::SLUG,
        &archive,
        &dir.path().join("imports"),
    )
    .expect("export");
    let exported = started.elapsed();
    assert!(
        manifest
            .tables
            .iter()
            .any(|t| t.name == "orders" && t.rows > 0)
    );
    assert!(
        manifest.tables.iter().all(|t| t.name != "regions"),
        "global tables stay out"
    );

    let target = app_on(!from_postgres);
    let started = std::time::Instant::now();
    crm_server::portable::import_workspace(target.db.url(), &archive, &dir.path().join("in"))
        .expect("import");
    eprintln!(
        "demo of {CUSTOMERS} customers ({} rows): export from {} {:?}, import into {} {:?}",
        manifest.total_rows(),
        if from_postgres { "postgres" } else { "sqlite" },
        exported,
        if from_postgres { "sqlite" } else { "postgres" },
        started.elapsed()
    );
    // Same rows, same checksums, table by table (before reads refresh
    // analytics, which stamps its time).
    let ws = manifest.workspace.id;
    let sums = |app: &TestApp| crm_db::portable::checksums(&mut app.conn(), ws).expect("sums");
    for (x, y) in sums(&source).iter().zip(sums(&target)) {
        assert_eq!(*x, y, "table {} differs after the move", x.0);
    }
    let (a, b) = (answers(&source).await, answers(&target).await);
    assert_eq!(
        a[0].as_array().map(Vec::len),
        Some(CUSTOMERS),
        "every customer listed"
    );
    assert!(
        a[3].as_array().is_some_and(|c| !c.is_empty()),
        "the feed has entries"
    );
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        assert_eq!(x, y, "answer {i} differs after the move");
    }

    // The workspace is there now: a second import is refused, and changes nothing.
    let err = crm_server::portable::import_workspace(target.db.url(), &archive, dir.path())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("already has a workspace"), "{err}");
    // So is an archive of another schema version.
    let other = dir.path().join("other-version.tar.gz");
    crm_db::portable::archive::rewrite_manifest(&archive, &other, |m| {
        m.migration_version = "19990101000000".into();
    })
    .expect("rewrite");
    let fresh = app_on(!from_postgres);
    let err = crm_server::portable::import_workspace(fresh.db.url(), &other, dir.path())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("schema version 19990101000000"), "{err}");
    assert!(
        crm_db::workspaces::find_by_slug(&mut fresh.conn(), crm_server::demo::SLUG)
            .expect("lookup")
            .is_none()
    );
}

#[actix_rt::test]
async fn a_demo_moved_from_sqlite_to_postgres_answers_the_same() {
    move_demo(false).await;
}

#[actix_rt::test]
async fn a_demo_moved_from_postgres_to_sqlite_answers_the_same() {
    move_demo(true).await;
}

async fn the_archive_holds_every_workspace_table_with_the_databases_columns(app: TestApp) {
    let mut conn = app.conn();
    let specs = crm_db::portable::tables();
    for table in crm_db::backup::workspace_tables(&mut conn).expect("tables") {
        let listed = specs.iter().any(|s| s.name == table)
            || crm_db::portable::LEFT_OUT.iter().any(|(t, _)| *t == table);
        assert!(
            listed,
            "table {table} has a workspace_id but is not in the archive's tables"
        );
    }
    for spec in &specs {
        let mut ours: Vec<String> = spec.columns.iter().map(|c| c.name.clone()).collect();
        let mut theirs = crm_db::backup::column_names(&mut conn, spec.name).expect("columns");
        ours.sort();
        theirs.sort();
        assert_eq!(
            ours, theirs,
            "the schema's columns of {} match the database",
            spec.name
        );
    }
}

async fn poll_done(app: &TestApp, token: &str, location: &str) -> Value {
    for _ in 0..300 {
        let run = app.get(location).token(token).send().await.expect(200).body;
        match run["status"].as_str() {
            Some("done") => return run,
            Some("failed") => panic!("backup failed: {run}"),
            _ => actix_rt::time::sleep(std::time::Duration::from_millis(50)).await,
        }
    }
    panic!("the backup did not finish");
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).expect("write archive");
}

async fn an_admin_backs_up_their_workspace_only_and_downloads_an_importable_archive(app: TestApp) {
    let w = World::create(&app);
    for i in 0..25 {
        crm_tests::CustomerBuilder::new(w.ws, &format!("客户 {i}"))
            .owner(&w.rep1)
            .build(&app);
    }
    crm_tests::CustomerBuilder::new(w.other_ws, "别家客户").build(&app);
    // Only the built-in admin role may.
    for who in [&w.rep1, &w.manager1, &w.viewer] {
        app.post("/api/v1/admin/backups")
            .token(&who.token)
            .send()
            .await
            .expect(403);
    }
    let started = app
        .post("/api/v1/admin/backups")
        .token(&w.admin.token)
        .send()
        .await
        .expect(202);
    let location = started.header("location").expect("Location").to_owned();
    let id = started.id();
    assert_eq!(location, format!("/api/v1/admin/backups/{id}"));
    let run = poll_done(&app, &w.admin.token, &location).await;
    assert_eq!(run["row_counts"]["customers"], 25);
    assert!(run["size_bytes"].as_i64().is_some_and(|n| n > 0));
    let url = run["download_url"]
        .as_str()
        .expect("download url")
        .to_owned();

    // Another workspace's admin cannot see or fetch it; a rep may not either.
    app.get(&location)
        .token(&w.other_admin.token)
        .send()
        .await
        .expect(404);
    app.get(&url)
        .token(&w.other_admin.token)
        .send()
        .await
        .expect(404);
    app.get(&url).token(&w.rep1.token).send().await.expect(403);
    let missing = format!("/api/v1/admin/backups/{}", Uuid::now_v7());
    app.get(&missing)
        .token(&w.admin.token)
        .send()
        .await
        .expect(404);

    let download = app.get(&url).token(&w.admin.token).send().await.expect(200);
    let disposition = download.header("content-disposition").unwrap_or_default();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("acme.tar.gz");
    write(&file, &download.bytes);
    let manifest = crm_db::portable::archive::read_manifest(&file).expect("manifest");
    assert_eq!(manifest.workspace.id, w.ws);

    // It loads into an empty database of the other backend: that workspace only.
    let postgres = app.db.url().starts_with("postgres");
    let target = TestDb::empty(!postgres);
    crm_server::portable::import_workspace(target.url(), &file, dir.path()).expect("import");
    let pool = target.pool();
    let mut conn = pool.get().expect("connection");
    let sums = crm_db::portable::checksums(&mut conn, w.ws).expect("sums");
    let customers = sums
        .iter()
        .find(|(t, _, _)| t == "customers")
        .expect("customers");
    assert_eq!(customers.1, 25);
    assert!(
        crm_db::workspaces::find_by_slug(&mut conn, "other")
            .expect("lookup")
            .is_none()
    );
    assert!(
        !format!(
            "{:?}",
            crm_db::portable::checksums(&mut conn, w.other_ws).expect("sums")
        )
        .contains("customers\", 1,")
    );
}

async fn a_run_whose_worker_stopped_is_taken_over_when_its_lease_runs_out(app: TestApp) {
    let mut app = app;
    app.start_workers(0);
    let w = World::create(&app);
    crm_tests::CustomerBuilder::new(w.ws, "客户").build(&app);
    // A server stopped while its worker ran the backup: the run is
    // `running` and its job is held on a lease nobody extends.
    let id = {
        let mut conn = app.conn();
        let run = crm_db::backups::insert(&mut conn, w.ws, w.admin.id).expect("run");
        let payload = serde_json::json!({ "backup_id": run.id.0 });
        crm_db::jobs::enqueue(
            &mut conn,
            &crm_db::jobs::NewJob::new(w.ws, crm_app::backups::JOB, payload),
        )
        .expect("enqueue");
        let held = crm_db::jobs::claim(
            &mut conn,
            "stopped-node",
            &[crm_app::backups::JOB],
            std::time::Duration::from_millis(300),
        )
        .expect("claim")
        .expect("a job");
        assert_eq!(held.attempts, 1);
        crm_db::backups::start(&mut conn, w.ws, run.id.0).expect("running");
        run.id.0
    };
    let location = format!("/api/v1/admin/backups/{id}");
    let before = app
        .get(&location)
        .token(&w.admin.token)
        .send()
        .await
        .expect(200);
    assert_eq!(before.body["status"], "running");
    app.get(&format!("{location}/download"))
        .token(&w.admin.token)
        .send()
        .await
        .expect(409);
    // Another node's workers take it over once the lease is out, and finish it.
    app.start_workers(2);
    let run = poll_done(&app, &w.admin.token, &location).await;
    assert_eq!(run["row_counts"]["customers"], 1);
    let url = run["download_url"].as_str().expect("download url");
    app.get(url).token(&w.admin.token).send().await.expect(200);
    let jobs = app
        .get("/api/v1/admin/jobs?kind=backup")
        .token(&w.admin.token)
        .send()
        .await
        .expect(200);
    let job = &jobs.body["items"][0];
    assert_eq!(job["status"], "done", "{job}");
    assert_eq!(
        job["attempts"], 2,
        "the stopped attempt and the one that finished"
    );
}

both!(
    a_run_whose_worker_stopped_is_taken_over_when_its_lease_runs_out,
    the_archive_holds_every_workspace_table_with_the_databases_columns,
    an_admin_backs_up_their_workspace_only_and_downloads_an_importable_archive,
);
