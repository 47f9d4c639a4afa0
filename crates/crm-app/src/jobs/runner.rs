//! The runner: `workers` threads that each claim one job at a time, run
//! its handler while a heartbeat thread extends the lease, and record done
//! or a failure (retried after [`super::backoff`], or dead). Idle workers
//! sleep for `poll` or until [`super::Wake`] wakes them. The first worker,
//! when idle, also runs the tables' upkeep every `upkeep`
//! ([`crate::batch::upkeep`]).

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use crm_db::DbPool;
use crm_db::jobs::{self as queue, JobRow};

use super::{JobContext, JobError, Registry, Wake, backoff};

/// How the runner works.
#[derive(Debug, Clone)]
pub struct RunnerConfig {
    /// Worker threads (`CRM_WORKERS`); 0 starts none.
    pub workers: usize,
    /// How long an idle worker sleeps before looking again.
    pub poll: Duration,
    /// How long a claim holds without a heartbeat; the heartbeat extends it
    /// every third of that.
    pub lease: Duration,
    /// The first retry's wait (doubling with each attempt).
    pub backoff_base: Duration,
    /// Names this process's workers (`<name>-<n>`) in `jobs.locked_by`.
    pub name: String,
    /// How often the first worker, when idle, refreshes the statistics of
    /// the tables writes fill and vacuums those due (`None`: never).
    pub upkeep: Option<Duration>,
}

impl RunnerConfig {
    pub fn new(workers: usize) -> Self {
        Self {
            workers,
            poll: Duration::from_secs(1),
            lease: Duration::from_secs(30),
            backoff_base: Duration::from_secs(5),
            upkeep: Some(Duration::from_secs(300)),
            name: format!(
                "pid{}-{}",
                std::process::id(),
                &uuid::Uuid::now_v7().simple().to_string()[24..]
            ),
        }
    }
}

/// One worker's identity and tools; [`Worker::run_one`] is one turn of its loop.
#[derive(Clone)]
pub struct Worker {
    pub pool: DbPool,
    pub registry: Registry,
    pub name: String,
    pub lease: Duration,
    pub backoff_base: Duration,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker").field("name", &self.name).finish()
    }
}

impl Worker {
    /// Claims a due job and runs it to its recorded outcome. `Ok(false)`:
    /// nothing was due.
    pub fn run_one(&self) -> Result<bool, JobError> {
        let kinds = self.registry.kinds();
        let kinds: Vec<&str> = kinds.iter().map(String::as_str).collect();
        let job = {
            let mut conn = self.pool.get().map_err(JobError::retry)?;
            queue::claim(&mut conn, &self.name, &kinds, self.lease)?
        };
        let Some(job) = job else {
            return Ok(false);
        };
        let outcome = self.run_leased(&job);
        let (ws, id) = (job.workspace_id.0, job.id.0);
        let mut conn = self.pool.get().map_err(JobError::retry)?;
        match outcome {
            Ok(()) => {
                if !queue::complete(&mut conn, ws, id, &self.name)? {
                    tracing::warn!(job = %id, kind = %job.kind, "finished a job whose lease another worker had taken");
                }
            }
            Err(e) => {
                let retry_in = e
                    .retry
                    .then(|| backoff::jittered(self.backoff_base, job.attempts));
                let to = queue::fail(&mut conn, ws, id, &self.name, &e.message, retry_in)?;
                tracing::warn!(job = %id, kind = %job.kind, attempt = job.attempts, error = %e.message, now = ?to, "job attempt failed");
            }
        }
        Ok(true)
    }

    /// Runs the handler while a heartbeat extends the lease.
    fn run_leased(&self, job: &JobRow) -> Result<(), JobError> {
        let Some(handler) = self.registry.get(&job.kind) else {
            return Err(JobError::permanent(format!(
                "no handler for job kind {}",
                job.kind
            )));
        };
        let done = (Mutex::new(false), Condvar::new());
        std::thread::scope(|s| {
            s.spawn(|| self.heartbeat(job, &done));
            let ctx = JobContext {
                pool: &self.pool,
                job,
                worker: &self.name,
                lease: self.lease,
            };
            let result = std::panic::catch_unwind(AssertUnwindSafe(|| handler(&ctx)))
                .unwrap_or_else(|panic| {
                    let what = panic
                        .downcast_ref::<&str>()
                        .map(|s| (*s).to_owned())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_default();
                    Err(JobError::retry(format!("the handler panicked: {what}")))
                });
            *done.0.lock().unwrap_or_else(PoisonError::into_inner) = true;
            done.1.notify_all();
            result
        })
    }

    fn heartbeat(&self, job: &JobRow, done: &(Mutex<bool>, Condvar)) {
        let every = (self.lease / 3).max(Duration::from_millis(10));
        let mut finished = done.0.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            finished = done
                .1
                .wait_timeout_while(finished, every, |f| !*f)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
            if *finished {
                return;
            }
            let extended = self
                .pool
                .get()
                .map_err(|e| e.to_string())
                .and_then(|mut c| {
                    queue::extend_lease(
                        &mut c,
                        job.workspace_id.0,
                        job.id.0,
                        &self.name,
                        self.lease,
                    )
                    .map_err(|e| e.to_string())
                });
            match extended {
                Ok(true) => {}
                Ok(false) => {
                    tracing::warn!(job = %job.id, "lost the job's lease (another worker may run it)");
                    return;
                }
                Err(e) => tracing::warn!(job = %job.id, error = %e, "could not extend the lease"),
            }
        }
    }
}

/// Running workers; dropping it (or [`Runner::stop`]) lets each finish its
/// job in hand and joins them.
pub struct Runner {
    stop: Arc<AtomicBool>,
    wake: Wake,
    threads: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("workers", &self.threads.len())
            .finish()
    }
}

impl Runner {
    /// Starts `config.workers` threads over the pool; `wake` is the handle
    /// enqueuers in this process poke.
    pub fn start(pool: DbPool, registry: Registry, config: &RunnerConfig, wake: Wake) -> Runner {
        let stop = Arc::new(AtomicBool::new(false));
        let mut threads = Vec::with_capacity(config.workers);
        for n in 0..config.workers {
            let worker = Worker {
                pool: pool.clone(),
                registry: registry.clone(),
                name: format!("{}-{n}", config.name),
                lease: config.lease,
                backoff_base: config.backoff_base,
            };
            let (stop, wake, poll) = (stop.clone(), wake.clone(), config.poll);
            let upkeep = config.upkeep.filter(|_| n == 0);
            let spawned = std::thread::Builder::new()
                .name(format!("job-worker-{n}"))
                .spawn(move || work(&worker, &stop, &wake, poll, upkeep));
            match spawned {
                Ok(t) => threads.push(t),
                Err(e) => tracing::error!(error = %e, "could not start a job worker"),
            }
        }
        Runner {
            stop,
            wake,
            threads,
        }
    }

    pub fn workers(&self) -> usize {
        self.threads.len()
    }

    /// Stops the workers after their current job and waits for them.
    pub fn stop(mut self) {
        self.halt();
    }

    /// Tells the workers to stop after their current job without waiting
    /// (a process about to exit: a job still in hand is taken over by
    /// another worker when its lease runs out).
    pub fn detach(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.wake.wake();
        self.threads.clear();
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.wake.wake();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        self.halt();
    }
}

fn work(worker: &Worker, stop: &AtomicBool, wake: &Wake, poll: Duration, upkeep: Option<Duration>) {
    let mut upkept = std::time::Instant::now();
    while !stop.load(Ordering::SeqCst) {
        let seen = wake.seen();
        match worker.run_one() {
            Ok(true) => continue,
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(worker = %worker.name, error = %e.message, "job worker could not reach the queue")
            }
        }
        if upkeep.is_some_and(|every| upkept.elapsed() >= every) {
            upkept = std::time::Instant::now();
            run_upkeep(worker);
        }
        if stop.load(Ordering::SeqCst) {
            break;
        }
        wake.wait(seen, poll);
    }
}

/// One round of [`crate::batch::upkeep`]; a failure is logged, and the next
/// round tries again.
fn run_upkeep(worker: &Worker) {
    let done = worker
        .pool
        .get()
        .map_err(|e| e.to_string())
        .and_then(|mut conn| crate::batch::upkeep(&mut conn).map_err(|e| e.to_string()));
    match done {
        Ok(vacuumed) if !vacuumed.is_empty() => {
            tracing::info!(worker = %worker.name, tables = ?vacuumed, "tables vacuumed")
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(worker = %worker.name, error = %e, "table upkeep failed"),
    }
}
