//! Durable jobs: a job whose worker died is taken again once its lease runs
//! out and its effect happens once; two runners on one database never run
//! the same job at once; failures back off exponentially and end `dead`
//! with their last error; admins list, retry and cancel their workspace's
//! jobs over the API; a CLV read queues the fit instead of fitting.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crm_app::jobs::{JobError, Registry, Runner, Wake, Worker};
use crm_db::jobs::{self as queue, NewJob};
use crm_tests::{TestApp, World, both};
use serde_json::{Value, json};
use uuid::Uuid;

both!(
    a_job_whose_lease_runs_out_is_taken_again_and_its_effect_happens_once,
    two_runners_on_one_database_never_run_the_same_job_at_once,
    backoff_grows_and_a_job_goes_dead_after_max_attempts_with_its_last_error,
    a_failure_retrying_cannot_fix_is_dead_at_once,
    an_admin_lists_retries_and_cancels_their_workspace_jobs_only,
    a_clv_read_queues_the_fit_and_a_worker_stores_it,
);

/// Waits until `done` holds (polling), or fails after `secs`.
async fn until(secs: u64, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        actix_rt::time::sleep(Duration::from_millis(25)).await;
    }
}

fn job(app: &TestApp, ws: Uuid, id: Uuid) -> queue::JobRow {
    queue::find(&mut app.conn(), ws, id).expect("job")
}

fn runner(app: &TestApp, registry: Registry, workers: usize) -> Runner {
    Runner::start(
        app.state().pool.clone(),
        registry,
        &TestApp::runner_config(workers),
        Wake::default(),
    )
}

async fn a_job_whose_lease_runs_out_is_taken_again_and_its_effect_happens_once(app: TestApp) {
    let w = World::create(&app);
    let ran = Arc::new(AtomicUsize::new(0));
    let counter = ran.clone();
    let mut registry = Registry::new();
    registry.register("tally", move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
        Ok(())
    });
    let id = {
        let mut conn = app.conn();
        let row = queue::enqueue(&mut conn, &NewJob::new(w.ws, "tally", json!({})))
            .expect("enqueue")
            .expect("queued");
        // A worker claims it and dies: nobody extends its lease.
        let held = queue::claim(
            &mut conn,
            "dead-worker",
            &["tally"],
            Duration::from_millis(600),
        )
        .expect("claim")
        .expect("the job");
        assert_eq!((held.status.as_str(), held.attempts), ("running", 1));
        row.id.0
    };
    let _live = runner(&app, registry, 2);
    actix_rt::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(ran.load(Ordering::SeqCst), 0, "not while the lease holds");
    until(10, "the job to be taken over", || {
        job(&app, w.ws, id).status == "done"
    })
    .await;
    actix_rt::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(ran.load(Ordering::SeqCst), 1, "its effect happened once");
    let done = job(&app, w.ws, id);
    assert_eq!(done.attempts, 2);
    assert_eq!(done.locked_by, None);
    // The dead worker, back, can no longer finish what is not theirs.
    let mut conn = app.conn();
    assert!(!queue::complete(&mut conn, w.ws, id, "dead-worker").expect("complete"));
    assert!(
        !queue::extend_lease(&mut conn, w.ws, id, "dead-worker", Duration::from_secs(5))
            .expect("extend")
    );
}

async fn two_runners_on_one_database_never_run_the_same_job_at_once(app: TestApp) {
    let w = World::create(&app);
    let jobs = 120;
    let running: Arc<Mutex<HashSet<Uuid>>> = Arc::default();
    let runs: Arc<Mutex<HashMap<Uuid, usize>>> = Arc::default();
    let overlaps = Arc::new(AtomicUsize::new(0));
    let mut registry = Registry::new();
    {
        let (running, runs, overlaps) = (running.clone(), runs.clone(), overlaps.clone());
        registry.register("count", move |ctx| {
            let id = ctx.job.id.0;
            if !running.lock().expect("lock").insert(id) {
                overlaps.fetch_add(1, Ordering::SeqCst);
            }
            std::thread::sleep(Duration::from_millis(2));
            *runs.lock().expect("lock").entry(id).or_default() += 1;
            running.lock().expect("lock").remove(&id);
            Ok(())
        });
    }
    {
        let mut conn = app.conn();
        for i in 0..jobs {
            queue::enqueue(&mut conn, &NewJob::new(w.ws, "count", json!({ "n": i })))
                .expect("enqueue");
        }
    }
    // Two nodes: each its own pool and three workers.
    let other_pool = app.db.pool();
    let first = runner(&app, registry.clone(), 3);
    let second = Runner::start(
        other_pool,
        registry,
        &TestApp::runner_config(3),
        Wake::default(),
    );
    until(60, "every job to run", || {
        runs.lock().expect("lock").len() == jobs
    })
    .await;
    first.stop();
    second.stop();
    let runs = runs.lock().expect("lock");
    assert!(
        runs.values().all(|n| *n == 1),
        "each job ran once: {runs:?}"
    );
    assert_eq!(overlaps.load(Ordering::SeqCst), 0, "never two at once");
    let done = queue::list(
        &mut app.conn(),
        w.ws,
        Some("done"),
        Some("count"),
        None,
        500,
    )
    .expect("list");
    assert_eq!(done.len(), jobs);
    assert!(done.iter().all(|j| j.attempts == 1));
}

async fn backoff_grows_and_a_job_goes_dead_after_max_attempts_with_its_last_error(app: TestApp) {
    let w = World::create(&app);
    let mut registry = Registry::new();
    registry.register("flaky", |ctx| {
        Err(JobError::retry(format!(
            "attempt {} failed",
            ctx.job.attempts
        )))
    });
    let worker = Worker {
        pool: app.state().pool.clone(),
        registry,
        name: "solo".into(),
        lease: Duration::from_secs(30),
        backoff_base: Duration::from_millis(100),
    };
    let id = queue::enqueue(
        &mut app.conn(),
        &NewJob::new(w.ws, "flaky", json!({})).max_attempts(4),
    )
    .expect("enqueue")
    .expect("queued")
    .id
    .0;
    let mut waits = Vec::new();
    for attempt in 1..=4 {
        let row = job(&app, w.ws, id);
        let due = row.run_at - crm_db::time::now();
        if let Ok(due) = due.to_std() {
            actix_rt::time::sleep(due).await;
        }
        assert!(worker.run_one().expect("run"), "attempt {attempt} was due");
        let row = job(&app, w.ws, id);
        assert_eq!(row.attempts, attempt);
        assert_eq!(
            row.last_error.as_deref(),
            Some(&*format!("attempt {attempt} failed"))
        );
        if attempt < 4 {
            assert_eq!(row.status, "queued");
            waits.push((row.run_at - row.updated_at).num_milliseconds());
            // Not due yet: nothing to claim.
            assert!(!worker.run_one().expect("poll"), "backing off");
        } else {
            assert_eq!(row.status, "dead");
            assert!(row.finished_at.is_some());
        }
    }
    // 100 ms, 200 ms, 400 ms, each ±25 %.
    assert!((75..=125).contains(&waits[0]), "{waits:?}");
    assert!(waits.windows(2).all(|p| p[1] > p[0]), "growing: {waits:?}");
    assert!((300..=500).contains(&waits[2]), "{waits:?}");
}

async fn a_failure_retrying_cannot_fix_is_dead_at_once(app: TestApp) {
    let w = World::create(&app);
    let mut registry = Registry::new();
    registry.register("broken", |_| Err(JobError::permanent("no such file")));
    let worker = Worker {
        pool: app.state().pool.clone(),
        registry,
        name: "solo".into(),
        lease: Duration::from_secs(30),
        backoff_base: Duration::from_millis(10),
    };
    let id = queue::enqueue(&mut app.conn(), &NewJob::new(w.ws, "broken", json!({})))
        .expect("enqueue")
        .expect("queued")
        .id
        .0;
    assert!(worker.run_one().expect("run"));
    let row = job(&app, w.ws, id);
    assert_eq!((row.status.as_str(), row.attempts), ("dead", 1));
    assert_eq!(row.last_error.as_deref(), Some("no such file"));
}

/// A dead job (one attempt, failed) and a queued one in `ws`.
fn dead_and_queued(app: &TestApp, ws: Uuid) -> (Uuid, Uuid) {
    let mut conn = app.conn();
    let dead = queue::enqueue(
        &mut conn,
        &NewJob::new(ws, "nothing", json!({})).max_attempts(1),
    )
    .expect("enqueue")
    .expect("queued")
    .id
    .0;
    let held = queue::claim(&mut conn, "w", &["nothing"], Duration::from_secs(30))
        .expect("claim")
        .expect("job");
    assert_eq!(held.id.0, dead);
    let to = queue::fail(&mut conn, ws, dead, "w", "it broke", Some(Duration::ZERO)).expect("fail");
    assert_eq!(to, Some("dead"), "out of attempts");
    let queued = queue::enqueue(&mut conn, &NewJob::new(ws, "later", json!({ "x": 1 })))
        .expect("enqueue")
        .expect("queued")
        .id
        .0;
    (dead, queued)
}

async fn an_admin_lists_retries_and_cancels_their_workspace_jobs_only(app: TestApp) {
    let w = World::create(&app);
    let (dead, queued) = dead_and_queued(&app, w.ws);
    let (other_dead, other_queued) = dead_and_queued(&app, w.other_ws);
    let admin = &w.admin.token;
    let list = |path: &str| app.get(path).token(admin).send();

    let all = list("/api/v1/admin/jobs").await.expect(200).body;
    let ids: Vec<&str> = all["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|j| j["id"].as_str().expect("id"))
        .collect();
    assert_eq!(
        ids,
        vec![queued.to_string(), dead.to_string()],
        "newest first, this workspace only"
    );
    let by_status = list("/api/v1/admin/jobs?status=dead")
        .await
        .expect(200)
        .body;
    assert_eq!(by_status["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(by_status["items"][0]["last_error"], "it broke");
    assert_eq!(by_status["items"][0]["attempts"], 1);
    let by_kind = list("/api/v1/admin/jobs?kind=later").await.expect(200).body;
    assert_eq!(by_kind["items"][0]["payload"], json!({ "x": 1 }));
    let first = list("/api/v1/admin/jobs?limit=1").await.expect(200).body;
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let second = list(&format!("/api/v1/admin/jobs?limit=1&cursor={cursor}"))
        .await
        .expect(200)
        .body;
    assert_eq!(second["items"][0]["id"], dead.to_string());
    assert_eq!(second["next_cursor"], Value::Null);
    let bad = list("/api/v1/admin/jobs?status=sleeping").await.expect(400);
    assert_eq!(bad.errors(), vec!["status"]);
    list("/api/v1/admin/jobs?limit=0").await.expect(400);
    list("/api/v1/admin/jobs?cursor=nonsense!")
        .await
        .expect(400);

    // Not an admin: 403 everywhere; another workspace's job: 404.
    for who in [&w.rep1, &w.manager1, &w.viewer] {
        app.get("/api/v1/admin/jobs")
            .token(&who.token)
            .send()
            .await
            .expect(403);
        app.post(&format!("/api/v1/admin/jobs/{dead}/retry"))
            .token(&who.token)
            .send()
            .await
            .expect(403);
        app.post(&format!("/api/v1/admin/jobs/{queued}/cancel"))
            .token(&who.token)
            .send()
            .await
            .expect(403);
    }
    app.post(&format!("/api/v1/admin/jobs/{other_dead}/retry"))
        .token(admin)
        .send()
        .await
        .expect(404);
    app.post(&format!("/api/v1/admin/jobs/{other_queued}/cancel"))
        .token(admin)
        .send()
        .await
        .expect(404);
    app.post(&format!("/api/v1/admin/jobs/{}/retry", Uuid::now_v7()))
        .token(admin)
        .send()
        .await
        .expect(404);

    // Cancel: queued only.
    let cancelled = app
        .post(&format!("/api/v1/admin/jobs/{queued}/cancel"))
        .token(admin)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(cancelled["status"], "cancelled");
    let again = app
        .post(&format!("/api/v1/admin/jobs/{queued}/cancel"))
        .token(admin)
        .send()
        .await
        .expect(409);
    assert!(
        again.errors().contains(&"status".to_owned()),
        "{}",
        again.body
    );
    app.post(&format!("/api/v1/admin/jobs/{dead}/cancel"))
        .token(admin)
        .send()
        .await
        .expect(409);
    // Retry: dead only, with fresh attempts and the last error kept.
    let retried = app
        .post(&format!("/api/v1/admin/jobs/{dead}/retry"))
        .token(admin)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(
        (retried["status"].clone(), retried["attempts"].clone()),
        (json!("queued"), json!(0))
    );
    assert_eq!(retried["last_error"], "it broke");
    app.post(&format!("/api/v1/admin/jobs/{dead}/retry"))
        .token(admin)
        .send()
        .await
        .expect(409);
    // The other workspace's jobs did not move.
    assert_eq!(job(&app, w.other_ws, other_dead).status, "dead");
    assert_eq!(job(&app, w.other_ws, other_queued).status, "queued");
}

async fn a_clv_read_queues_the_fit_and_a_worker_stores_it(app: TestApp) {
    let mut app = app;
    app.start_workers(0);
    let w = World::create(&app);
    let t = &w.admin.token;
    crate::analytics::setup_product(&app, t).await;
    let buyer = crm_tests::CustomerBuilder::new(w.ws, "甲").build(&app);
    crate::analytics::order(&app, t, buyer, 10, 50_000, "paid").await;
    assert!(
        crm_db::clv::model(&mut app.conn(), w.ws)
            .expect("model")
            .is_none()
    );
    // The read answers at once (no fit inline) and queues one fit, however often it is read.
    for _ in 0..3 {
        app.get(&format!("/api/v1/customers/{buyer}/profile"))
            .token(t)
            .send()
            .await
            .expect(200);
    }
    app.get("/api/v1/analytics/clv")
        .token(t)
        .send()
        .await
        .expect(200);
    let fits = queue::list(&mut app.conn(), w.ws, None, Some("clv_fit"), None, 10).expect("list");
    assert_eq!(fits.len(), 1);
    assert_eq!(fits[0].status, "queued");
    assert!(
        crm_db::clv::model(&mut app.conn(), w.ws)
            .expect("model")
            .is_none()
    );
    // A worker fits and stores it; a fresh model queues nothing more.
    app.start_workers(1);
    until(20, "the fit", || {
        crm_db::clv::model(&mut app.conn(), w.ws)
            .expect("model")
            .is_some()
    })
    .await;
    app.get("/api/v1/analytics/clv")
        .token(t)
        .send()
        .await
        .expect(200);
    let fits = queue::list(&mut app.conn(), w.ws, None, Some("clv_fit"), None, 10).expect("list");
    assert_eq!(fits.len(), 1, "{fits:?}");
}
