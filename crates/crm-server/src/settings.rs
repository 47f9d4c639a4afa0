//! Configuration from `CRM_*` environment variables (see the README table).

use std::path::PathBuf;

use anyhow::{Context, bail};
use crm_db::connection::DatabaseUrl;

#[derive(Debug, Clone)]
pub struct Settings {
    /// `CRM_BIND`, default `127.0.0.1:8080`.
    pub bind: String,
    /// `CRM_DATABASE_URL`, default `sqlite://./data/crm.db`.
    pub database_url: String,
    /// `CRM_JWT_SECRET`: at least 32 bytes; required with PostgreSQL.
    pub jwt_secret: Option<String>,
    /// `CRM_DB_POOL_SIZE`, default 10.
    pub pool_size: u32,
    /// `CRM_HEAVY_READS`: how many aggregate reads (analytics, reports,
    /// dashboard widgets, forecasts) run at once; the others wait their
    /// turn. Default: half the cores, at least one.
    pub heavy_reads: Option<usize>,
    /// `CRM_TRUST_PROXY`: take client addresses from `X-Forwarded-For`.
    pub trust_proxy: bool,
    /// `CRM_WEB_DIR`, default `frontend/dist`: the built web app, served at `/` when present.
    pub web_dir: PathBuf,
    /// `CRM_RFM_REFRESH_SECONDS`, default 60: after an order write, reads serve
    /// the previous RFM scores until they are this old, then queue an
    /// `rfm_refresh` job (0: the read recomputes them).
    pub rfm_refresh_seconds: u64,
    /// `CRM_IMPORT_DIR`: uploaded CSV files of import jobs; default `imports`
    /// beside a SQLite database file, else `data/imports`.
    pub import_dir: PathBuf,
    /// `CRM_IMPORT_MAX_MB`, default 1024: the largest import file accepted.
    pub import_max_mb: u64,
    /// `CRM_ATTACHMENT_DIR`: where ticket attachments are kept (several
    /// instances must share it). Default: `attachments` beside a SQLite
    /// database file, else `data/attachments`.
    pub attachment_dir: PathBuf,
    /// `CRM_ATTACHMENT_MAX_MB`: the largest attachment accepted (default 20).
    pub attachment_max_mb: u64,
    /// `CRM_TLS_CERT` and `CRM_TLS_KEY`: serve HTTPS with this certificate
    /// chain and private key (PEM files); both or neither.
    pub tls: Option<TlsFiles>,
    /// `CRM_WORKERS`, default 2: background job workers `crm serve` runs
    /// beside the API (0: none; `crm worker` runs them alone).
    pub workers: usize,
    /// `CRM_JOB_LEASE_SECONDS`, default 30: how long a job's claim holds
    /// without a heartbeat, so how soon a dead worker's job is taken over.
    pub job_lease_seconds: u64,
    /// `CRM_JOB_POLL_MS`, default 1000: how often an idle worker looks for
    /// due jobs (jobs enqueued by this process wake it at once).
    pub job_poll_ms: u64,
    /// `CRM_SMTP_URL`: the SMTP server scheduled reports are mailed through
    /// (`smtp://host:25`, `smtp://user:pass@host:587?tls=required`,
    /// `smtps://user:pass@host:465`); unset, nothing is mailed.
    pub smtp_url: Option<String>,
    /// `CRM_MAIL_FROM`, default `CRM <crm@localhost>`: the mails' sender.
    pub mail_from: Option<String>,
    /// `CRM_PUBLIC_URL`: where customers open the web app
    /// (`https://crm.example.cn`); links in mails (satisfaction surveys)
    /// start with it, and without it no survey is mailed.
    pub public_url: Option<String>,
    /// `CRM_REPORT_TIME_LIMIT_SECONDS`, default 30: a report (or dashboard
    /// widget) statement running longer is stopped and refused with a 422
    /// that asks for a shorter period.
    pub report_time_limit_seconds: u64,
}

/// The PEM files `crm serve` listens with when TLS is on.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// `CRM_TLS_CERT`: the certificate chain, leaf first.
    pub cert: PathBuf,
    /// `CRM_TLS_KEY`: the private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

fn tls_files() -> anyhow::Result<Option<TlsFiles>> {
    match (var("CRM_TLS_CERT"), var("CRM_TLS_KEY")) {
        (Some(cert), Some(key)) => Ok(Some(TlsFiles {
            cert: PathBuf::from(cert),
            key: PathBuf::from(key),
        })),
        (None, None) => Ok(None),
        (Some(_), None) => bail!("CRM_TLS_CERT is set but CRM_TLS_KEY is not: set both for HTTPS"),
        (None, Some(_)) => bail!("CRM_TLS_KEY is set but CRM_TLS_CERT is not: set both for HTTPS"),
    }
}

/// `imports` beside a SQLite database file, else `data/imports`.
fn default_import_dir(database_url: &str) -> PathBuf {
    default_dir(database_url, "imports")
}

/// `name` beside a SQLite database file, else `data/<name>`.
fn default_dir(database_url: &str, name: &str) -> PathBuf {
    match DatabaseUrl::parse(database_url) {
        Ok(DatabaseUrl::Sqlite(file)) if file != ":memory:" => PathBuf::from(file)
            .parent()
            .map_or_else(|| PathBuf::from(name), |d| d.join(name)),
        _ => PathBuf::from("data").join(name),
    }
}

/// A non-negative number from the environment, or `default`.
fn number<T: std::str::FromStr>(name: &str, default: T) -> anyhow::Result<T> {
    match var(name) {
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| anyhow::anyhow!("{name} must be a non-negative number, not {v:?}")),
        None => Ok(default),
    }
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Settings {
    pub fn from_env() -> anyhow::Result<Self> {
        let database_url =
            var("CRM_DATABASE_URL").unwrap_or_else(|| "sqlite://./data/crm.db".to_owned());
        Ok(Self {
            bind: var("CRM_BIND").unwrap_or_else(|| "127.0.0.1:8080".to_owned()),
            database_url: database_url.clone(),
            jwt_secret: var("CRM_JWT_SECRET"),
            pool_size: var("CRM_DB_POOL_SIZE")
                .map(|v| v.parse())
                .transpose()
                .context("CRM_DB_POOL_SIZE must be a number")?
                .unwrap_or(10),
            heavy_reads: var("CRM_HEAVY_READS")
                .map(|v| v.parse())
                .transpose()
                .context("CRM_HEAVY_READS must be a number")?,
            trust_proxy: var("CRM_TRUST_PROXY")
                .is_some_and(|v| matches!(v.as_str(), "1" | "true" | "yes")),
            web_dir: PathBuf::from(
                var("CRM_WEB_DIR").unwrap_or_else(|| "frontend/dist".to_owned()),
            ),
            rfm_refresh_seconds: var("CRM_RFM_REFRESH_SECONDS")
                .map(|v| v.parse())
                .transpose()
                .context("CRM_RFM_REFRESH_SECONDS must be a number")?
                .unwrap_or(60),
            import_dir: match var("CRM_IMPORT_DIR") {
                Some(dir) => PathBuf::from(dir),
                None => default_import_dir(&database_url),
            },
            import_max_mb: var("CRM_IMPORT_MAX_MB")
                .map(|v| v.parse())
                .transpose()
                .context("CRM_IMPORT_MAX_MB must be a number")?
                .unwrap_or(1024),
            attachment_dir: match var("CRM_ATTACHMENT_DIR") {
                Some(dir) => PathBuf::from(dir),
                None => default_dir(&database_url, "attachments"),
            },
            attachment_max_mb: number("CRM_ATTACHMENT_MAX_MB", 20)?,
            tls: tls_files()?,
            workers: number("CRM_WORKERS", 2)?,
            job_lease_seconds: number("CRM_JOB_LEASE_SECONDS", 30)?.max(1),
            job_poll_ms: number("CRM_JOB_POLL_MS", 1000)?.max(10),
            smtp_url: var("CRM_SMTP_URL"),
            mail_from: var("CRM_MAIL_FROM"),
            public_url: var("CRM_PUBLIC_URL"),
            report_time_limit_seconds: number("CRM_REPORT_TIME_LIMIT_SECONDS", 30)?.max(1),
        })
    }

    /// Where mail goes (nowhere without `CRM_SMTP_URL`) and where its links
    /// point.
    pub fn mailer(&self) -> anyhow::Result<crm_app::mail::Mailer> {
        let mailer = match &self.smtp_url {
            Some(url) => crm_app::mail::Mailer::smtp(url, self.mail_from.as_deref())
                .map_err(anyhow::Error::msg)?,
            None => crm_app::mail::Mailer::none(),
        };
        match &self.public_url {
            Some(url) => mailer.with_public_url(url).map_err(anyhow::Error::msg),
            None => Ok(mailer),
        }
    }

    /// The signing secret: `CRM_JWT_SECRET`, or for a SQLite file a random
    /// secret generated once and kept beside it (development only).
    pub fn jwt_secret(&self) -> anyhow::Result<Vec<u8>> {
        if let Some(secret) = &self.jwt_secret {
            if secret.len() < 32 {
                bail!("CRM_JWT_SECRET must be at least 32 bytes");
            }
            return Ok(secret.as_bytes().to_vec());
        }
        let path = match DatabaseUrl::parse(&self.database_url).map_err(anyhow::Error::msg)? {
            DatabaseUrl::Sqlite(file) if file != ":memory:" => PathBuf::from(file)
                .parent()
                .map(|d| d.join("jwt-secret"))
                .unwrap_or_else(|| PathBuf::from("jwt-secret")),
            _ => bail!(
                "CRM_JWT_SECRET is required with PostgreSQL (at least 32 random bytes, e.g. `openssl rand -hex 32`)"
            ),
        };
        if let Ok(existing) = std::fs::read_to_string(&path)
            && existing.trim().len() >= 32
        {
            return Ok(existing.trim().as_bytes().to_vec());
        }
        let mut bytes = [0_u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
        let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, &secret)
            .with_context(|| format!("cannot write {}", path.display()))?;
        tracing::warn!(path = %path.display(), "CRM_JWT_SECRET is not set: generated a development secret; set CRM_JWT_SECRET in production");
        Ok(secret.into_bytes())
    }
}
