//! `make bench`: batch-upsert throughput of the API against the database's
//! own bulk loader, on a fresh PostgreSQL database and a fresh SQLite file.
//!
//! For each backend it pushes `BENCH_CUSTOMERS` customers and
//! `BENCH_ORDERS` orders (two lines each) through `POST /{entity}/batch`
//! (1,000 records per request, in process, JSON parsing and validation
//! included), then pushes the same data again (every record unchanged).
//! The baseline loads the very rows the API wrote into an identical table
//! (same columns and indexes; on PostgreSQL the same foreign keys too) with
//! `psql \copy` or the `sqlite3` shell's `.import`. Prints rows/s and the
//! ratio; it asserts nothing.
//!
//! `import` times a CSV import job of `BENCH_IMPORT_ROWS` customers
//! (default 100,000) and samples memory while it runs.
//!
//! `reads` serves `GET /customers/{id}` and a list page from the release
//! `crm serve` on one core to 16 connections, against pgbench running the
//! row's indexed read and the page query (PostgreSQL only).
//!
//! Then `analytics` times the analytics endpoints on demo data of the `m`
//! size against their SQL run directly, and `service` the knowledge-base
//! search over 10,000 articles and the assignment of 10,000 queued
//! tickets against the same statements in the shell. `BENCH=batch`,
//! `BENCH=import`, `BENCH=reads`, `BENCH=analytics` or `BENCH=service`
//! runs one part only; `BENCH_DB=postgres` or `sqlite` one backend.
//!
//! `BENCH=load` (only when asked: it takes the seed of the `m` demo and
//! five minutes) runs the mixed workload of 100 people against the release
//! `crm serve` on PostgreSQL (see `load`).

mod analytics;
mod dashboards;
mod import;
mod load;
mod reads;
mod results;
mod service;
mod wrk;

use std::process::Command;
use std::time::{Duration, Instant};

use crm_tests::sync_data::{PRODUCTS, customer, order, product};
use crm_tests::{TestApp, TestDb, World};
use serde_json::{Value, json};

/// The server's allocator (see `crm-server`'s `main.rs`): the in-process
/// parts measure the code as `crm serve` runs it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn push(app: &TestApp, token: &str, path: &str, records: &[Value]) -> Duration {
    let started = Instant::now();
    for chunk in records.chunks(1000) {
        let r = app
            .post(path)
            .token(token)
            .json(&json!({"mode": "upsert", "records": chunk}))
            .send()
            .await
            .expect(200);
        assert_eq!(r.body["failed"], 0, "{}", r.body);
    }
    started.elapsed()
}

fn rate(rows: usize, took: Duration) -> f64 {
    rows as f64 / took.as_secs_f64().max(1e-9)
}

fn run(cmd: &mut Command) -> Duration {
    let started = Instant::now();
    let out = cmd.output().expect("run the database shell");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    started.elapsed()
}

/// Copies `table`'s rows to CSV and times loading them into an identical
/// empty table with the backend's own bulk loader: on PostgreSQL with the
/// same indexes and foreign keys (the `sqlite3` shell loads with foreign
/// keys off, its default).
fn baseline(db: &TestDb, table: &str, dir: &std::path::Path) -> Duration {
    let file = dir.join(format!("{table}.csv"));
    let file = file.display();
    let url = db.url().to_owned();
    if let Some(path) = url.strip_prefix("sqlite://") {
        let schema = Command::new("sqlite3")
            .arg(path)
            .arg(format!(
                "SELECT sql || ';' FROM sqlite_master WHERE tbl_name = '{table}' AND sql IS NOT NULL"
            ))
            .output()
            .expect("sqlite3");
        let ddl = String::from_utf8_lossy(&schema.stdout).replace(table, &format!("bench_{table}"));
        run(Command::new("sqlite3").arg(path).arg(&ddl));
        run(Command::new("sqlite3")
            .arg(path)
            .arg(".mode csv")
            .arg(format!(".once {file}"))
            .arg(format!("SELECT * FROM {table}")));
        run(Command::new("sqlite3")
            .arg(path)
            .arg(format!(".import --csv {file} bench_{table}")))
    } else {
        // `LIKE … INCLUDING ALL` copies columns, defaults, checks and
        // indexes but not foreign keys, which PostgreSQL checks row by row
        // on every load: the same keys are added, against the same parents.
        run(Command::new("psql").arg(&url).arg("-qc").arg(format!(
            "CREATE TABLE bench_{table} (LIKE {table} INCLUDING ALL);
             DO $$ DECLARE c record; BEGIN
               FOR c IN SELECT conname, pg_get_constraintdef(oid) AS def
                          FROM pg_constraint
                         WHERE conrelid = '{table}'::regclass AND contype = 'f' LOOP
                 EXECUTE format('ALTER TABLE bench_{table} ADD CONSTRAINT %I %s',
                                'bench_' || c.conname, c.def);
               END LOOP;
             END $$"
        )));
        run(Command::new("psql")
            .arg(&url)
            .arg("-qc")
            .arg(format!("\\copy {table} TO '{file}' CSV")));
        run(Command::new("psql")
            .arg(&url)
            .arg("-qc")
            .arg(format!("\\copy bench_{table} FROM '{file}' CSV")))
    }
}

async fn bench(db: TestDb, customers: usize, orders: usize) {
    let backend = if db.url().starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let app = TestApp::new(db);
    let w = World::create(&app);
    let t = &w.admin.token;
    let products: Vec<Value> = (0..PRODUCTS).map(product).collect();
    push(&app, t, "/api/v1/products/batch", &products).await;
    let cs: Vec<Value> = (0..customers).map(|i| customer(i, 1)).collect();
    let os: Vec<Value> = (0..orders).map(|i| order(i, customers, 1)).collect();
    let c_new = push(&app, t, "/api/v1/customers/batch", &cs).await;
    let o_new = push(&app, t, "/api/v1/orders/batch", &os).await;
    let c_same = push(&app, t, "/api/v1/customers/batch", &cs).await;
    let o_same = push(&app, t, "/api/v1/orders/batch", &os).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let c_copy = baseline(&app.db, "customers", dir.path());
    let o_copy =
        baseline(&app.db, "orders", dir.path()) + baseline(&app.db, "order_lines", dir.path());
    let loader = if backend == "SQLite" {
        "sqlite3 .import"
    } else {
        "psql \\copy"
    };
    println!(
        "\n{backend}: {customers} customers, {orders} orders ({} lines)",
        orders * 2
    );
    println!(
        "{:<34}{:>12}{:>14}{:>10}",
        "", "API rows/s", "bulk rows/s", "API/bulk"
    );
    for (what, api, rows, copy) in [
        ("customers, batch upsert (new)", c_new, customers, c_copy),
        ("orders + lines, batch upsert (new)", o_new, orders, o_copy),
        ("customers, resent unchanged", c_same, customers, c_copy),
        ("orders, resent unchanged", o_same, orders, o_copy),
    ] {
        let (a, b) = (rate(rows, api), rate(rows, copy));
        println!("{what:<34}{a:>12.0}{b:>14.0}{:>9.2}x", a / b);
        results::record(
            "batch",
            backend,
            what,
            "rows/s",
            a,
            Some(b),
            results::Better::Higher,
        );
    }
    println!(
        "(bulk = {loader} of the same rows into an identical table with the same indexes{})",
        if backend == "SQLite" {
            ""
        } else {
            " and foreign keys"
        }
    );
}

#[actix_rt::main]
async fn main() {
    let part = std::env::var("BENCH").unwrap_or_default();
    let only = std::env::var("BENCH_DB").unwrap_or_default();
    if part.is_empty() || part == "batch" {
        let customers = count("BENCH_CUSTOMERS", 20_000);
        let orders = count("BENCH_ORDERS", 100_000);
        if only != "sqlite" {
            bench(TestDb::postgres(), customers, orders).await;
        }
        if only != "postgres" {
            bench(TestDb::sqlite(), customers, orders).await;
        }
    }
    if part.is_empty() || part == "import" {
        let rows = count("BENCH_IMPORT_ROWS", 100_000);
        if only != "sqlite" {
            import::bench(TestDb::postgres(), rows).await;
        }
        if only != "postgres" {
            import::bench(TestDb::sqlite(), rows).await;
        }
    }
    if (part.is_empty() || part == "reads") && only != "sqlite" {
        let customers = count("BENCH_READ_CUSTOMERS", 20_000);
        let secs = count("BENCH_READ_SECS", 10) as u64;
        reads::bench(TestDb::postgres(), customers, secs).await;
    }
    if part.is_empty() || part == "service" {
        let articles = count("BENCH_ARTICLES", 10_000);
        let queued = count("BENCH_QUEUED", 10_000);
        if only != "sqlite" {
            service::bench(TestDb::postgres(), articles, queued).await;
        }
        if only != "postgres" {
            service::bench(TestDb::sqlite(), articles, queued).await;
        }
    }
    if part.is_empty() || part == "analytics" {
        let customers = count("BENCH_ANALYTICS_CUSTOMERS", 100_000);
        if only != "sqlite" {
            analytics::bench(TestDb::postgres(), customers).await;
        }
        if only != "postgres" {
            analytics::bench(TestDb::sqlite(), customers).await;
        }
    }
    if part == "load" && only != "sqlite" {
        let customers = count("BENCH_LOAD_CUSTOMERS", 100_000);
        let users = count("BENCH_LOAD_USERS", 100);
        let secs = count("BENCH_LOAD_SECS", 300) as u64;
        let analytics = count("BENCH_LOAD_ANALYTICS", 5) as u32;
        load::bench(TestDb::postgres(), customers, users, secs, analytics).await;
    }
    results::write();
}
