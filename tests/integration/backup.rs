//! `crm backup` / `crm restore` of the whole database: a backup taken while
//! a writer keeps committing restores to a transactionally consistent
//! database, and a backup of a quiet database restores to one equal to the
//! source table by table (row counts and a checksum of every workspace's
//! rows). A restore refuses a database that already has workspaces.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use actix_web::test;
use crm_db::AnyConnection;
use crm_db::portable::{Row, tables};
use crm_tests::{TestApp, TestDb, World, both};
use serde_json::{Value, json};
use uuid::Uuid;

/// Customers (and then orders) per batch request: each batch is one transaction.
const BATCH: usize = 10;

/// Keeps pushing batches of customers, then their orders, through the API
/// until `stop`; counts the batches committed.
fn spawn_writer(
    state: crm_http::AppState,
    token: String,
    stop: Arc<AtomicBool>,
    batches: Arc<AtomicUsize>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        actix_rt::System::new().block_on(async move {
            let service = test::init_service(crm_http::app(state)).await;
            let mut round = 0;
            while !stop.load(Ordering::Relaxed) {
                round += 1;
                let customers: Vec<Value> = (0..BATCH)
                    .map(|k| json!({"external_id": format!("L{round}-{k}"), "kind": "person", "name": format!("负载 {round}-{k}")}))
                    .collect();
                let orders: Vec<Value> = (0..BATCH)
                    .map(|k| json!({"external_id": format!("LO{round}-{k}"), "customer_external_id": format!("L{round}-{k}"),
                        "order_date": "2026-03-01", "currency": "CNY", "lines": [{"product_external_id": "M1", "quantity": 2}]}))
                    .collect();
                for (path, records) in [
                    ("/api/v1/customers/batch", customers),
                    ("/api/v1/orders/batch", orders),
                ] {
                    let req = test::TestRequest::post()
                        .uri(path)
                        .insert_header(("Authorization", format!("Bearer {token}")))
                        .set_json(json!({"mode": "create", "all_or_none": true, "records": records}))
                        .to_request();
                    let resp = test::call_service(&service, req).await;
                    assert_eq!(resp.status().as_u16(), 200, "writer batch {path}");
                    batches.fetch_add(1, Ordering::SeqCst);
                }
            }
        });
    })
}

/// A fresh, empty database of the same backend to restore into.
fn fresh_target(postgres: bool) -> TestDb {
    TestDb::empty(postgres)
}

fn all_rows(conn: &mut AnyConnection, table: &str, ws: Uuid) -> Vec<Row> {
    let spec = tables()
        .into_iter()
        .find(|t| t.name == table)
        .expect("table");
    let mut out = Vec::new();
    let mut after: Option<Row> = None;
    loop {
        let rows =
            crm_db::portable::read_rows(conn, &spec, ws, after.as_ref(), 1000).expect("read rows");
        let n = rows.len();
        after = rows.last().cloned();
        out.extend(rows);
        if n < 1000 {
            return out;
        }
    }
}

fn ids(rows: &[Row]) -> HashSet<String> {
    rows.iter()
        .filter_map(|r| r["id"].as_str().map(str::to_owned))
        .collect()
}

/// Every change the log names exists, the workspace's counter equals the
/// log's last seq, and each writer batch is there whole or not at all.
fn assert_consistent(conn: &mut AnyConnection, ws: Uuid) -> usize {
    let workspace = all_rows(conn, "workspaces", ws);
    let log = all_rows(conn, "change_log", ws);
    let max_seq = log
        .iter()
        .filter_map(|r| r["seq"].as_i64())
        .max()
        .unwrap_or(0);
    assert_eq!(
        workspace[0]["change_seq"].as_i64(),
        Some(max_seq),
        "counter = last seq"
    );
    assert_eq!(log.len() as i64, max_seq, "no seq is missing");
    let customers = all_rows(conn, "customers", ws);
    let orders = all_rows(conn, "orders", ws);
    let (customer_ids, order_ids) = (ids(&customers), ids(&orders));
    for entry in &log {
        let id = entry["entity_id"].as_str().expect("entity id").to_owned();
        match entry["entity"].as_str() {
            Some("customer") => assert!(customer_ids.contains(&id), "logged customer exists"),
            Some("order") => assert!(order_ids.contains(&id), "logged order exists"),
            _ => {}
        }
    }
    let load = |rows: &[Row], prefix: &str| {
        rows.iter()
            .filter(|r| {
                r["external_id"]
                    .as_str()
                    .is_some_and(|e| e.starts_with(prefix))
            })
            .count()
    };
    let (load_customers, load_orders) = (load(&customers, "L"), load(&orders, "LO"));
    assert_eq!(load_customers % BATCH, 0, "customer batches are whole");
    assert_eq!(load_orders % BATCH, 0, "order batches are whole");
    assert!(load_orders <= load_customers);
    load_customers
}

/// Table names, row counts of every table, and each workspace's checksums.
fn fingerprint(conn: &mut AnyConnection) -> Vec<String> {
    let mut out = Vec::new();
    for table in crm_db::backup::table_names(conn).expect("tables") {
        let n = crm_db::backup::count_all(conn, &table).expect("count");
        out.push(format!("{table}: {n}"));
    }
    let workspaces = all_rows_of_every_workspace(conn);
    for ws in workspaces {
        for (table, rows, sum) in crm_db::portable::checksums(conn, ws).expect("checksums") {
            out.push(format!("{ws} {table}: {rows} {sum}"));
        }
    }
    out
}

fn all_rows_of_every_workspace(conn: &mut AnyConnection) -> Vec<Uuid> {
    let mut ids = Vec::new();
    for slug in ["acme", "other"] {
        if let Some(w) = crm_db::workspaces::find_by_slug(conn, slug).expect("workspace") {
            ids.push(w.id.0);
        }
    }
    ids
}

fn restore_into(postgres: bool, file: &Path) -> TestDb {
    let target = fresh_target(postgres);
    crm_server::backup::restore(target.url(), file).expect("restore");
    target
}

async fn a_backup_under_write_load_restores_consistently_and_a_quiet_one_exactly(app: TestApp) {
    let w = World::create(&app);
    let postgres = app.db.url().starts_with("postgres");
    app.post("/api/v1/products/batch")
        .token(&w.admin.token)
        .json(&json!({"mode": "upsert", "records": [
            {"external_id": "M1", "sku": "S1", "name": "一", "price": {"amount_minor": 100, "currency": "CNY"}}]}))
        .send()
        .await
        .expect(200);
    let stop = Arc::new(AtomicBool::new(false));
    let batches = Arc::new(AtomicUsize::new(0));
    let writer = spawn_writer(
        app.state().clone(),
        w.admin.token.clone(),
        stop.clone(),
        batches.clone(),
    );
    while batches.load(Ordering::SeqCst) < 6 {
        actix_rt::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let before = batches.load(Ordering::SeqCst);
    let during = dir.path().join("during.backup");
    crm_server::backup::backup(app.db.url(), &during).expect("backup under load");
    // Let the writer commit more after the backup point.
    while batches.load(Ordering::SeqCst) < before + 4 {
        actix_rt::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let restored = restore_into(postgres, &during);
    {
        let pool = restored.pool();
        let mut conn = pool.get().expect("restored connection");
        let loaded = assert_consistent(&mut conn, w.ws);
        assert!(
            loaded >= BATCH,
            "the backup holds the writer's early batches"
        );
        let source_now = all_rows(&mut app.conn(), "customers", w.ws).len();
        let restored_count = all_rows(&mut conn, "customers", w.ws).len();
        assert!(
            restored_count < source_now,
            "the backup is a point in time before later writes"
        );
    }
    stop.store(true, Ordering::SeqCst);
    writer.join().expect("writer");

    let quiet = dir.path().join("quiet.backup");
    crm_server::backup::backup(app.db.url(), &quiet).expect("backup");
    let restored = restore_into(postgres, &quiet);
    let pool = restored.pool();
    let mut conn = pool.get().expect("restored connection");
    let source = fingerprint(&mut app.conn());
    assert!(
        source
            .iter()
            .any(|l| l.contains("customers") && !l.ends_with(": 0"))
    );
    assert_eq!(
        fingerprint(&mut conn),
        source,
        "the restore equals the source"
    );
    assert_consistent(&mut conn, w.ws);

    // A database that has workspaces is never overwritten.
    let err = crm_server::backup::restore(app.db.url(), &quiet)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("already has workspaces"), "{err}");
    // Nor is an existing backup file.
    let err = crm_server::backup::backup(app.db.url(), &quiet)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("already exists"), "{err}");
}

both!(a_backup_under_write_load_restores_consistently_and_a_quiet_one_exactly);
