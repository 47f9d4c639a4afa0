//! The `crm` binary's library: settings from the environment, workspace
//! provisioning, demo data, and the server start-up. `main.rs` only parses
//! the command line and calls in here, so tests can use the same code.

pub mod backup;
pub mod demo;
pub mod portable;
pub mod progress;
pub mod provision;
pub mod settings;
pub mod tls;

use std::net::TcpListener;

use crm_app::security::TokenKeys;
use crm_db::DbPool;
use crm_http::AppState;

pub use settings::Settings;

/// Connects, migrates and returns the pool and backend; sets this
/// process's report time limit.
pub fn open_database(settings: &Settings) -> anyhow::Result<(DbPool, crm_db::Backend)> {
    crm_app::reports::run::set_time_limit(std::time::Duration::from_secs(
        settings.report_time_limit_seconds,
    ));
    let pool = crm_db::connect_pool(&settings.database_url, settings.pool_size)
        .map_err(anyhow::Error::msg)?;
    let mut conn = pool.get()?;
    let backend = conn.backend();
    let applied = crm_db::migrate::run_pending(&mut conn).map_err(anyhow::Error::msg)?;
    if !applied.is_empty() {
        tracing::info!(count = applied.len(), "applied migrations");
    }
    Ok((pool, backend))
}

pub fn app_state(
    settings: &Settings,
    pool: DbPool,
    backend: crm_db::Backend,
    secret: &[u8],
) -> AppState {
    AppState {
        pool,
        backend,
        tokens: TokenKeys::new(secret),
        trust_proxy: settings.trust_proxy,
        throttles: crm_app::throttle::Throttles::default(),
        web_dir: Some(settings.web_dir.clone()),
        rfm_max_age: std::time::Duration::from_secs(settings.rfm_refresh_seconds),
        import_dir: settings.import_dir.clone(),
        import_max_bytes: settings.import_max_mb.saturating_mul(1024 * 1024),
        attachments: crm_app::tickets::attachments::Store {
            dir: settings.attachment_dir.clone(),
            max_bytes: settings.attachment_max_mb.saturating_mul(1024 * 1024),
        },
        jobs: crm_app::jobs::Wake::default(),
        principals: Default::default(),
        live: Default::default(),
        heavy: match settings.heavy_reads {
            Some(at_once) => crm_http::state::HeavyReads::new(at_once),
            None => crm_http::state::HeavyReads::half_the_cores(),
        },
    }
}

/// The runner of this server's job workers (`CRM_WORKERS` of them), waking
/// on `wake`; dropping it stops them after their current job.
pub fn job_runner(
    settings: &Settings,
    pool: DbPool,
    wake: crm_app::jobs::Wake,
) -> anyhow::Result<crm_app::jobs::Runner> {
    let mut config = crm_app::jobs::RunnerConfig::new(settings.workers);
    config.lease = std::time::Duration::from_secs(settings.job_lease_seconds);
    config.poll = std::time::Duration::from_millis(settings.job_poll_ms);
    let registry = crm_app::jobs::registry(&settings.import_dir, &settings.mailer()?);
    Ok(crm_app::jobs::Runner::start(pool, registry, &config, wake))
}

/// Runs only job workers until stopped (Ctrl-C or SIGTERM ends the process;
/// a job in hand is taken over by another worker when its lease runs out).
pub fn work(settings: &Settings) -> anyhow::Result<()> {
    if settings.workers == 0 {
        anyhow::bail!("CRM_WORKERS is 0: `crm worker` has nothing to run");
    }
    let (pool, backend) = open_database(settings)?;
    let runner = job_runner(settings, pool, crm_app::jobs::Wake::default())?;
    println!(
        "CRM worker running {} job worker(s) on {}",
        runner.workers(),
        backend.as_str()
    );
    loop {
        std::thread::park();
    }
}

/// Serves until stopped (Ctrl-C or SIGTERM).
pub async fn serve(settings: Settings, listener: TcpListener) -> anyhow::Result<()> {
    // Bad certificate files fail before anything else happens.
    let tls = settings.tls.as_ref().map(tls::server_config).transpose()?;
    let secret = settings.jwt_secret()?;
    let (pool, backend) = open_database(&settings)?;
    let demo = {
        let mut conn = pool.get()?;
        crm_db::workspaces::find_by_slug(&mut conn, demo::SLUG)?.is_some()
    };
    let state = app_state(&settings, pool, backend, &secret);
    let address = listener.local_addr()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!(
        "CRM is running at {scheme}://{address}/  (API docs: {scheme}://{address}/api/docs/, database: {})",
        backend.as_str()
    );
    if demo {
        println!("{}", demo::logins_text());
    }
    // Job workers beside the API; jobs a stopped server left running are
    // taken over when their lease runs out.
    let runner = job_runner(&settings, state.pool.clone(), state.jobs.clone())?;
    // Open dashboards hear of changes within moments (`/live`).
    let live = crm_app::live::Live::start(
        state.pool.clone(),
        &settings.database_url,
        std::time::Duration::from_secs(2),
        state.live.notify(),
    )
    .map_err(|e| anyhow::anyhow!("live updates: {e}"))?;
    let served = crm_http::run(state, listener, tls).await;
    runner.detach();
    drop(live);
    served?;
    Ok(())
}
