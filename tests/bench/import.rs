//! `BENCH=import`: a CSV import job of `BENCH_IMPORT_ROWS` customers
//! (default 100,000; the 1,000,000 works the same, slower), upload
//! and run timed separately, with the process's resident memory sampled
//! while the job runs: the file is streamed to disk and read 500 rows at a
//! time, so memory stays flat whatever the file's size.

use std::time::{Duration, Instant};

use crm_tests::{TestApp, TestDb, World};
use serde_json::json;

const PROVINCES: [(&str, &str); 4] = [
    ("广东", "深圳"),
    ("浙江", "杭州"),
    ("北京", "北京"),
    ("四川", "成都"),
];

/// Resident memory of this process, in MiB (Linux).
fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|k| k.parse::<f64>().ok())
            })
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

fn file(rows: usize) -> Vec<u8> {
    let mut text = String::from("客户编号,客户名称,行业,省份,城市,电话\n");
    for i in 0..rows {
        let (p, c) = PROVINCES[i % PROVINCES.len()];
        text.push_str(&format!(
            "IMP{i:07},导入客户{i},制造业,{p},{c},1380000{:04}\n",
            i % 10_000
        ));
    }
    text.into_bytes()
}

pub async fn bench(db: TestDb, rows: usize) {
    let backend = if db.url().starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let app = TestApp::new(db);
    let w = World::create(&app);
    let t = &w.admin.token;
    let body = file(rows);
    let bytes = body.len();
    let started = Instant::now();
    let up = app
        .post("/api/v1/imports?entity=customers")
        .token(t)
        .raw("text/csv", body)
        .send()
        .await
        .expect(201);
    let upload = started.elapsed();
    let id = up.id();
    let before = rss_mib();
    let started = Instant::now();
    app.post(&format!("/api/v1/imports/{id}/start"))
        .token(t)
        .json(&json!({"mapping": up.body["mapping"]}))
        .send()
        .await
        .expect(202);
    let mut peak = before;
    let done = loop {
        let import = app
            .get(&format!("/api/v1/imports/{id}"))
            .token(t)
            .send()
            .await
            .expect(200)
            .body;
        peak = peak.max(rss_mib());
        if import["status"] != "running" {
            break import;
        }
        actix_rt::time::sleep(Duration::from_millis(200)).await;
    };
    let run = started.elapsed();
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["created"], rows, "{done}");
    println!(
        "\n{backend}: CSV import of {rows} customers ({:.1} MB, names → region codes)",
        bytes as f64 / 1e6
    );
    println!(
        "  upload {:>8.2} s   run {:>8.2} s   {:>8.0} rows/s",
        upload.as_secs_f64(),
        run.as_secs_f64(),
        rows as f64 / run.as_secs_f64().max(1e-9)
    );
    println!(
        "  resident memory while running: {before:.0} MiB before, {peak:.0} MiB at most (+{:.0})",
        peak - before
    );
    let what = format!("CSV import of {rows} customers");
    let rate = rows as f64 / run.as_secs_f64().max(1e-9);
    crate::results::record(
        "import",
        backend,
        &what,
        "rows/s",
        rate,
        None,
        crate::results::Better::Higher,
    );
    let what = format!("{what}, peak memory growth");
    crate::results::record(
        "import",
        backend,
        &what,
        "MiB",
        peak - before,
        None,
        crate::results::Better::Lower,
    );
}
