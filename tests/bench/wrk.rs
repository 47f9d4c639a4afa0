//! The load generator of the reads part: `wrk` (the tool the issue measured
//! with), one event-loop thread holding `CLIENTS` keep-alive connections,
//! each request's path taken in turn from a list written beside its Lua
//! script. A generator that costs little leaves the core it shares with
//! PostgreSQL's backends to them, as pgbench's one thread does when it
//! runs the same SQL. Where `wrk` is not installed (`make bench` installs it
//! from Debian's packages), `load` falls back to threads of blocking `ureq`
//! clients and says so: those cost more, so the API's rates come out lower.

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

pub(crate) const CLIENTS: usize = 16;

pub(crate) struct Stats {
    pub(crate) rate: f64,
    pub(crate) p50: Duration,
    pub(crate) p99: Duration,
}

/// Whether `wrk` can be run here.
pub(crate) fn available() -> bool {
    Command::new("wrk")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("wrk"))
        .unwrap_or(false)
}

/// Requests/s, p50 and p99 of `CLIENTS` connections asking for `paths` in
/// turn (from `i`th on for connection `i`) for `secs` seconds; panics on any
/// answer that is not a success.
pub(crate) fn load(base: &str, token: &str, secs: u64, paths: &[String]) -> Stats {
    assert!(!paths.is_empty());
    if available() {
        with_wrk(base, token, secs, paths)
    } else {
        with_threads(base, token, secs, paths)
    }
}

const SCRIPT: &str = r#"
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99),
    e.status + e.connect + e.read + e.write + e.timeout))
end
"#;

fn with_wrk(base: &str, token: &str, secs: u64, paths: &[String]) -> Stats {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("paths.lua");
    let list = dir.path().join("paths.txt");
    std::fs::write(&script, SCRIPT).expect("script");
    std::fs::write(&list, paths.join("\n") + "\n").expect("paths");
    let out = Command::new("wrk")
        .args(["-t1", "-c", &CLIENTS.to_string(), "-d"])
        .arg(format!("{secs}s"))
        .arg("-s")
        .arg(&script)
        .arg(base)
        .env("BENCH_PATHS", &list)
        .env("BENCH_TOKEN", token)
        .output()
        .expect("wrk");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("BENCH "))
        .unwrap_or_else(|| panic!("no summary from wrk: {text}"));
    let n: Vec<f64> = line
        .split(' ')
        .map(|v| v.parse().expect("wrk number"))
        .collect();
    assert_eq!(n[4], 0.0, "wrk saw failed requests: {text}");
    let micros = |v: f64| Duration::from_micros(v as u64);
    Stats {
        rate: n[0] / (n[1] / 1e6),
        p50: micros(n[2]),
        p99: micros(n[3]),
    }
}

fn with_threads(base: &str, token: &str, secs: u64, paths: &[String]) -> Stats {
    static SAID: std::sync::Once = std::sync::Once::new();
    SAID.call_once(|| {
        eprintln!(
            "wrk is not installed: the load comes from {CLIENTS} ureq threads, which cost more"
        );
    });
    let stop = Arc::new(AtomicBool::new(false));
    let samples: Vec<Vec<Duration>> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..CLIENTS)
            .map(|c| {
                let stop = stop.clone();
                s.spawn(move || {
                    let agent = ureq::Agent::new_with_defaults();
                    let mut taken = Vec::new();
                    let mut i = c;
                    while !stop.load(Ordering::Relaxed) {
                        let started = Instant::now();
                        let mut r = agent
                            .get(&format!("{base}{}", paths[i % paths.len()]))
                            .header("authorization", &format!("Bearer {token}"))
                            .call()
                            .expect("request");
                        let body = r.body_mut().read_to_vec().expect("body");
                        assert!(!body.is_empty());
                        taken.push(started.elapsed());
                        i += CLIENTS;
                    }
                    taken
                })
            })
            .collect();
        std::thread::sleep(Duration::from_secs(secs));
        stop.store(true, Ordering::Relaxed);
        workers
            .into_iter()
            .map(|w| w.join().expect("client"))
            .collect()
    });
    let mut all: Vec<Duration> = samples.into_iter().flatten().collect();
    all.sort();
    let at = |q: f64| all[((all.len() as f64 * q) as usize).min(all.len() - 1)];
    Stats {
        rate: all.len() as f64 / secs as f64,
        p50: at(0.5),
        p99: at(0.99),
    }
}
