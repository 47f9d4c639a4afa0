//! Reads against the database's own speed, on PostgreSQL: the release `crm
//! serve` pinned to core 0 answers `GET /customers/{id}` and
//! `GET /customers?limit=50` from 16 keep-alive connections on core 1 for
//! `BENCH_READ_SECS` seconds each (driven by `wrk`, see `crate::wrk`); then pgbench (`-M prepared`, 16 clients,
//! also on core 1) runs the one indexed read of such a row, and the page
//! query, for as long. Prints requests/s against transactions/s, and the
//! API's p50 and p99.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crm_tests::app::SECRET;
use crm_tests::sync_data::customer;
use crm_tests::{TestApp, TestDb, World};

use crate::wrk::{CLIENTS, load};

pub(crate) struct Served(pub(crate) Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `crm serve` from next to this executable, on `core` when given.
pub(crate) fn serve(url: &str, core: Option<&str>) -> (Served, String) {
    let exe = std::env::current_exe().expect("bench executable");
    let crm = exe.with_file_name("crm");
    assert!(
        crm.exists(),
        "{} is missing: `make bench` builds it",
        crm.display()
    );
    let port = crm_tests::server::free_port();
    let bind = format!("127.0.0.1:{port}");
    let secret = String::from_utf8_lossy(SECRET).into_owned();
    let mut command = match core {
        Some(core) => {
            let mut c = Command::new("taskset");
            c.args(["-c", core]).arg(&crm);
            c
        }
        None => Command::new(&crm),
    };
    let child = command
        .arg("serve")
        .env("CRM_BIND", &bind)
        .env("CRM_DATABASE_URL", url)
        .env("CRM_JWT_SECRET", secret)
        .env("CRM_DB_POOL_SIZE", "16")
        .env("CRM_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start crm serve");
    let served = Served(child);
    let base = format!("http://{bind}");
    let deadline = Instant::now() + Duration::from_secs(60);
    while ureq::get(&format!("{base}/api/health")).call().is_err() {
        assert!(Instant::now() < deadline, "crm serve did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    (served, base)
}

/// Pins this process's threads (and those it starts later) to core 1.
fn pin_to_core_1() {
    let pid = std::process::id().to_string();
    let status = Command::new("taskset")
        .args(["-a", "-p", "-c", "1", &pid])
        .stdout(Stdio::null())
        .status()
        .expect("taskset");
    assert!(status.success(), "taskset failed");
}

/// pgbench's transactions/s for `script`, 16 clients, prepared statements.
fn pgbench(url: &str, script: &str, secs: u64, vars: &[(&str, String)]) -> f64 {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("script.sql");
    std::fs::write(&file, script).expect("script");
    let mut cmd = Command::new("pgbench");
    cmd.args(["-n", "-M", "prepared", "-c", "16", "-j", "1", "-T"])
        .arg(secs.to_string())
        .arg("-f")
        .arg(&file);
    for (name, value) in vars {
        cmd.arg("-D").arg(format!("{name}={value}"));
    }
    let out = cmd.arg(url).output().expect("pgbench");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text.lines()
        .find_map(|l| {
            let rest = l.strip_prefix("tps = ")?;
            rest.split(' ').next()?.parse().ok()
        })
        .unwrap_or_else(|| panic!("no tps from pgbench: {text}"))
}

pub async fn bench(db: TestDb, customers: usize, secs: u64) {
    let url = db.url().to_owned();
    let app = TestApp::new(db);
    let w = World::create(&app);
    let records: Vec<serde_json::Value> = (0..customers).map(|i| customer(i, 1)).collect();
    super::push(&app, &w.admin.token, "/api/v1/customers/batch", &records).await;
    let ids = Command::new("psql")
        .arg(&url)
        .arg("-Atc")
        .arg(format!(
            "ANALYZE; SELECT id FROM customers WHERE workspace_id = '{}' ORDER BY external_id",
            w.ws
        ))
        .output()
        .expect("psql");
    let ids: Vec<String> = String::from_utf8_lossy(&ids.stdout)
        .lines()
        .filter(|l| l.len() == 36)
        .map(str::to_owned)
        .collect();
    assert_eq!(ids.len(), customers);
    // The load above wrote its WAL; flush it now, so that a checkpoint does
    // not land inside a measured run (a superuser's right: where it is
    // refused, the runs go on as they are).
    let _ = Command::new("psql")
        .arg(&url)
        .arg("-qc")
        .arg("CHECKPOINT")
        .output();
    let (_served, base) = serve(&url, Some("0"));
    pin_to_core_1();
    let token = w.admin.token.clone();
    let records: Vec<String> = (0..ids.len())
        .map(|i| format!("/api/v1/customers/{}", ids[(i * 7919) % ids.len()]))
        .collect();
    // Warm each path up, then measure it.
    load(&base, &token, 2, &records);
    let by_id = load(&base, &token, secs, &records);
    load(&base, &token, 2, &["/api/v1/customers?limit=50".to_owned()]);
    let page = load(
        &base,
        &token,
        secs,
        &["/api/v1/customers?limit=50".to_owned()],
    );
    // The server's own ceiling: one hop to the blocking pool, `SELECT 1`,
    // HTTP and JSON; no read of a record can go faster.
    let health = load(&base, &token, secs, &["/api/health".to_owned()]);
    let ws = w.ws.to_string();
    let row = pgbench(
        &url,
        &format!(
            "\\set n random(0, {})\n\
             SELECT * FROM customers WHERE workspace_id = :ws AND deleted_at IS NULL \
             AND external_id = 'CUST-' || lpad(:n::text, 5, '0');\n",
            customers - 1
        ),
        secs,
        &[("ws", ws.clone())],
    );
    let list = pgbench(
        &url,
        "SELECT * FROM customers WHERE workspace_id = :ws AND deleted_at IS NULL \
         ORDER BY created_at DESC, id DESC LIMIT 51;\n",
        secs,
        &[("ws", ws)],
    );
    println!("\nPostgreSQL reads: {customers} customers, {CLIENTS} connections, {secs} s each");
    println!(
        "{:<28}{:>10}{:>10}{:>10}{:>14}{:>8}",
        "", "API rps", "p50 ms", "p99 ms", "pgbench tps", "ratio"
    );
    for (what, api, sql) in [
        ("GET /customers/{id}", &by_id, row),
        ("GET /customers?limit=50", &page, list),
        ("GET /health (ceiling)", &health, row),
    ] {
        println!(
            "{what:<28}{:>10.0}{:>10.1}{:>10.1}{sql:>14.0}{:>7.2}x",
            api.rate,
            api.p50.as_secs_f64() * 1000.0,
            api.p99.as_secs_f64() * 1000.0,
            api.rate / sql
        );
        let backend = "PostgreSQL";
        crate::results::record(
            "reads",
            backend,
            what,
            "requests/s",
            api.rate,
            Some(sql),
            crate::results::Better::Higher,
        );
        let p99 = format!("{what} p99/p50");
        let tail = api.p99.as_secs_f64() / api.p50.as_secs_f64().max(1e-9);
        crate::results::record(
            "reads",
            backend,
            &p99,
            "ratio",
            tail,
            None,
            crate::results::Better::Lower,
        );
    }
    println!(
        "(the API on core 0, {} and pgbench on core 1; pgbench runs the one indexed read of a row, and the page query; \
         the health check is one database round trip, `SELECT 1`, against the indexed read: no API read can beat it)",
        if crate::wrk::available() {
            "wrk (one thread)"
        } else {
            "ureq client threads"
        }
    );
}
