//! Every figure the bench prints, collected as it runs and written at the
//! end to `target/bench/results.json` (an array of figures), so that two
//! runs can be compared by a program. Each figure names its part, backend
//! and workload, the API's value and the direct one (the database's own
//! tool on the same work, when there is one), their unit, and the ratio
//! as the tables print it with which way is better.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde_json::{Value, json};

static FIGURES: Mutex<Vec<Value>> = Mutex::new(Vec::new());

/// Which way a figure's ratio improves.
#[derive(Clone, Copy)]
pub enum Better {
    /// Throughputs: the API's share of the direct rate.
    Higher,
    /// Latencies: the API's time over the direct time.
    Lower,
}

/// Records one figure; `direct` is `None` where nothing does the same work.
pub fn record(
    part: &str,
    backend: &str,
    what: &str,
    unit: &str,
    api: f64,
    direct: Option<f64>,
    better: Better,
) {
    let ratio = direct.filter(|d| *d > 0.0).map(|d| api / d);
    let figure = json!({
        "part": part,
        "backend": backend,
        "what": what,
        "unit": unit,
        "api": api,
        "direct": direct,
        "ratio": ratio,
        "better": match better { Better::Higher => "higher", Better::Lower => "lower" },
    });
    if let Ok(mut figures) = FIGURES.lock() {
        figures.push(figure);
    }
}

/// Writes the figures of this run next to the build's other outputs.
pub fn write() {
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let tests = Path::new(env!("CARGO_MANIFEST_DIR"));
            tests.parent().unwrap_or(tests).join("target")
        })
        .join("bench");
    let figures = FIGURES.lock().map(|f| f.clone()).unwrap_or_default();
    let doc = json!({
        "run_at": chrono::Utc::now().to_rfc3339(),
        "bench": std::env::var("BENCH").unwrap_or_default(),
        "figures": figures,
    });
    let path = dir.join("results.json");
    let written = std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(&path, serde_json::to_vec_pretty(&doc).unwrap_or_default()));
    match written {
        Ok(()) => println!("\nfigures written to {}", path.display()),
        Err(e) => eprintln!("\ncould not write {}: {e}", path.display()),
    }
}
