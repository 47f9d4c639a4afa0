//! The load test (issue 19): `BENCH_LOAD_USERS` (100) people working at
//! once for `BENCH_LOAD_SECS` (300) seconds against the release `crm serve`
//! on PostgreSQL with `crm demo`'s data of `BENCH_LOAD_CUSTOMERS` (100,000,
//! the `m` size). Each person is one of the demo's users (administrator,
//! managers, reps, service, viewer, marketing: each sees what their role
//! sees) and, after each answer, thinks for 0.5–1.5 s (1 s on average) and
//! does one of: read a list page or a record (80 %), write — a note on a
//! customer or an edit of one (15 %), an analytics read (5 %). Prints each
//! kind's count, p50 and p99, the errors (any answer that is not 2xx) and
//! the server's peak resident memory, sampled every half second.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use crm_tests::{TestApp, TestDb};
use serde_json::{Value, json};

use crate::results::{Better, record};

/// What a person does, in a hundred: writes, analytics (the rest reads).
struct Mix {
    writes: u32,
    analytics: u32,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Kind {
    Read,
    Write,
    Analytics,
}

/// A small xorshift generator per person: no shared state, no dependency.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

struct Person {
    name: &'static str,
    token: String,
    /// Customers this person sees (the first page of their list).
    customers: Vec<String>,
    /// The other lists their role may read (deals, activities, orders).
    lists: Vec<&'static str>,
    /// Whether their role may write notes and edit customers; a person who
    /// may not reads instead.
    writes: bool,
}

/// Lists read besides the customers', where the role may.
const LISTS: &[&str] = &[
    "/api/v1/deals?limit=50",
    "/api/v1/activities?limit=50",
    "/api/v1/orders?limit=50",
];

struct Outcome {
    kind: Kind,
    took: Duration,
    ok: bool,
    what: String,
}

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0)
}

/// One request of `kind`, as `person` would make it.
fn act(agent: &ureq::Agent, base: &str, person: &Person, kind: Kind, dice: &mut Dice) -> Outcome {
    let auth = format!("Bearer {}", person.token);
    let today = Utc::now().date_naive();
    let customer = |dice: &mut Dice| {
        let at = dice.below(person.customers.len() as u64) as usize;
        person.customers[at].clone()
    };
    let kind = if kind == Kind::Write && !person.writes {
        Kind::Read
    } else {
        kind
    };
    let started = Instant::now();
    let (what, result) = match kind {
        Kind::Read => {
            let path = match dice.below(10) {
                0..=3 => "/api/v1/customers?limit=50".to_owned(),
                7..=9 if !person.lists.is_empty() => {
                    person.lists[dice.below(person.lists.len() as u64) as usize].to_owned()
                }
                _ => format!("/api/v1/customers/{}", customer(dice)),
            };
            let r = agent
                .get(&format!("{base}{path}"))
                .header("authorization", &auth)
                .call();
            (path, r)
        }
        Kind::Write => {
            let id = customer(dice);
            if dice.below(3) == 0 {
                let path = format!("/api/v1/customers/{id}");
                let body = json!({"phone": format!("1390000{:04}", dice.below(10_000))});
                let r = agent
                    .patch(&format!("{base}{path}"))
                    .header("authorization", &auth)
                    .send_json(&body);
                ("PATCH /customers/{id}".to_owned(), r)
            } else {
                let body = json!({"kind": "note", "subject": "压测备注", "customer_id": id});
                let r = agent
                    .post(&format!("{base}/api/v1/activities"))
                    .header("authorization", &auth)
                    .send_json(&body);
                ("POST /activities".to_owned(), r)
            }
        }
        Kind::Analytics => {
            let path = match dice.below(4) {
                0 => format!("/api/v1/analytics/distribution?dimension=region&to={today}"),
                1 => "/api/v1/analytics/rfm".to_owned(),
                2 => "/api/v1/analytics/kpis".to_owned(),
                _ => "/api/v1/analytics/cohorts".to_owned(),
            };
            let r = agent
                .get(&format!("{base}{path}"))
                .header("authorization", &auth)
                .call();
            (path, r)
        }
    };
    let failure = match result {
        Ok(mut r) => r.body_mut().read_to_vec().err().map(|e| e.to_string()),
        Err(e) => Some(e.to_string()),
    };
    Outcome {
        kind,
        took: started.elapsed(),
        ok: failure.is_none(),
        what: format!("{what} ({}): {}", person.name, failure.unwrap_or_default()),
    }
}

fn pick(dice: &mut Dice, mix: &Mix) -> Kind {
    let roll = dice.below(100) as u32;
    if roll < mix.writes {
        Kind::Write
    } else if roll < mix.writes + mix.analytics {
        Kind::Analytics
    } else {
        Kind::Read
    }
}

fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 * q) as usize).min(sorted.len() - 1)]
}

pub async fn bench(db: TestDb, customers: usize, users: usize, secs: u64, analytics: u32) {
    let mix = Arc::new(Mix {
        writes: 15,
        analytics: analytics.min(85),
    });
    let url = db.url().to_owned();
    let app = TestApp::new(db);
    let today = Utc::now().date_naive();
    let seeded = {
        let mut conn = app.conn();
        crm_server::demo::seed(&mut conn, customers, today).expect("demo data")
    };
    let ws = seeded.workspace_id;
    let emails = [
        "admin",
        "manager1",
        "manager2",
        "rep1",
        "rep2",
        "rep3",
        "rep4",
        "service",
        "viewer",
        "marketing",
    ];
    let (served, base) = crate::reads::serve(&url, None);
    let pid = served.0.id();
    let mut people = Vec::new();
    for name in emails {
        let user = {
            let mut conn = app.conn();
            crm_db::users::find_by_email(&mut conn, ws, &format!("{name}@demo.test"))
                .expect("query")
                .unwrap_or_else(|| panic!("{name}@demo.test"))
        };
        let token = app.token_for(user.id.0, ws);
        let mut r = ureq::get(&format!("{base}/api/v1/customers?limit=50"))
            .header("authorization", &format!("Bearer {token}"))
            .call()
            .expect("first page");
        let page: Value =
            serde_json::from_slice(&r.body_mut().read_to_vec().expect("body")).expect("json");
        let ids: Vec<String> = page["items"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|c| c["id"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        // A role that sees no customer (none in the demo) would only read lists.
        if ids.is_empty() {
            println!("{name}@demo.test sees no customers; left out of the load");
            continue;
        }
        // What the role may do, as its person would find out.
        let bearer = format!("Bearer {token}");
        let lists = LISTS
            .iter()
            .copied()
            .filter(|path| {
                ureq::get(&format!("{base}{path}"))
                    .header("authorization", &bearer)
                    .call()
                    .is_ok()
            })
            .collect();
        let writes = ureq::post(&format!("{base}/api/v1/activities"))
            .header("authorization", &bearer)
            .send_json(json!({"kind": "note", "subject": "压测", "customer_id": ids[0]}))
            .is_ok();
        people.push(Person {
            name,
            token,
            customers: ids,
            lists,
            writes,
        });
    }
    let people = Arc::new(people);
    let stop = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(std::sync::atomic::AtomicU64::new(rss_kb(pid)));
    let sampler = {
        let (stop, peak) = (stop.clone(), peak.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                peak.fetch_max(rss_kb(pid), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(500));
            }
        })
    };
    let started = Instant::now();
    let workers: Vec<_> = (0..users)
        .map(|u| {
            let (stop, people, base, mix) =
                (stop.clone(), people.clone(), base.clone(), mix.clone());
            std::thread::spawn(move || {
                // Answers that are not 2xx come back as errors.
                let agent = ureq::Agent::new_with_defaults();
                let mut dice =
                    Dice(0x9E37_79B9_7F4A_7C15 ^ ((u as u64 + 1) * 0xBF58_476D_1CE4_E5B9));
                let person = &people[u % people.len()];
                let mut seen = Vec::new();
                // People do not start in step.
                std::thread::sleep(Duration::from_millis(dice.below(1_000)));
                while !stop.load(Ordering::Relaxed) {
                    let kind = pick(&mut dice, &mix);
                    seen.push(act(&agent, &base, person, kind, &mut dice));
                    std::thread::sleep(Duration::from_millis(500 + dice.below(1_000)));
                }
                seen
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(secs));
    stop.store(true, Ordering::Relaxed);
    let outcomes: Vec<Outcome> = workers
        .into_iter()
        .flat_map(|w| w.join().expect("person"))
        .collect();
    let elapsed = started.elapsed().as_secs_f64();
    let _ = sampler.join();
    let peak_mb = peak.load(Ordering::Relaxed) as f64 / 1024.0;
    drop(served);

    let mut by_kind: BTreeMap<Kind, Vec<Duration>> = BTreeMap::new();
    let mut errors: BTreeMap<String, usize> = BTreeMap::new();
    for o in &outcomes {
        by_kind.entry(o.kind).or_default().push(o.took);
        if !o.ok {
            *errors.entry(o.what.clone()).or_default() += 1;
        }
    }
    let total_errors: usize = errors.values().sum();
    println!(
        "\nPostgreSQL load: {users} people, {} customers, {secs} s, think time 0.5-1.5 s, \
         {}% writes, {}% analytics",
        seeded.planted.len(),
        mix.writes,
        mix.analytics
    );
    println!(
        "{:<12}{:>10}{:>10}{:>10}{:>10}",
        "", "requests", "p50 ms", "p99 ms", "max ms"
    );
    for (kind, mut took) in by_kind {
        took.sort();
        let (p50, p99) = (quantile(&took, 0.5), quantile(&took, 0.99));
        let max = took.last().copied().unwrap_or_default();
        println!(
            "{:<12}{:>10}{:>10.1}{:>10.1}{:>10.1}",
            format!("{kind:?}"),
            took.len(),
            p50.as_secs_f64() * 1000.0,
            p99.as_secs_f64() * 1000.0,
            max.as_secs_f64() * 1000.0
        );
        let name = format!("{kind:?}").to_lowercase();
        record(
            "load",
            "PostgreSQL",
            &format!("{name} p50"),
            "ms",
            p50.as_secs_f64() * 1000.0,
            None,
            Better::Lower,
        );
        record(
            "load",
            "PostgreSQL",
            &format!("{name} p99"),
            "ms",
            p99.as_secs_f64() * 1000.0,
            None,
            Better::Lower,
        );
    }
    let rate = outcomes.len() as f64 / elapsed;
    println!(
        "{} requests ({rate:.0}/s), {total_errors} errors, server peak RSS {peak_mb:.0} MB",
        outcomes.len()
    );
    for (what, n) in &errors {
        println!("  error x{n}: {what}");
    }
    record(
        "load",
        "PostgreSQL",
        "requests/s",
        "requests/s",
        rate,
        None,
        Better::Higher,
    );
    record(
        "load",
        "PostgreSQL",
        "errors",
        "count",
        total_errors as f64,
        None,
        Better::Lower,
    );
    record(
        "load",
        "PostgreSQL",
        "peak RSS",
        "MB",
        peak_mb,
        None,
        Better::Lower,
    );
}
