//! The real `crm` binary: HTTPS with `CRM_TLS_CERT` / `CRM_TLS_KEY` (a
//! self-signed certificate made here, trusted by the client), clear start-up
//! errors for bad TLS files, `CRM_LOG` / `RUST_LOG` filtering of the access
//! log, and a first start on a fresh database that logs no error.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crm_tests::TestDb;
use crm_tests::server::{binary, free_port};
use ureq::Agent;
use ureq::tls::{Certificate, RootCerts, TlsConfig};

const SECRET: &str = "hardening-secret-hardening-secret-42";

/// `crm serve` with its stderr in a file, stopped when dropped.
struct Running {
    child: Child,
    base: String,
    log: std::path::PathBuf,
}

impl Running {
    fn start(dir: &Path, env: &[(&str, &str)], scheme: &str, agent: &Agent) -> Running {
        let port = free_port();
        let log = dir.join(format!("stderr-{port}.log"));
        let child = Command::new(binary())
            .arg("serve")
            .env_remove("CRM_LOG")
            .env_remove("RUST_LOG")
            .env("CRM_BIND", format!("127.0.0.1:{port}"))
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("start crm serve");
        let mut running = Running {
            child,
            base: format!("{scheme}://127.0.0.1:{port}"),
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if agent
                .get(format!("{}/api/health", running.base))
                .call()
                .is_ok_and(|r| r.status() == 200)
            {
                return running;
            }
            if let Ok(Some(status)) = running.child.try_wait() {
                panic!("crm serve exited with {status}: {}", running.stop());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("crm serve did not become healthy: {}", running.stop());
    }

    /// Stops the server and returns what it wrote to stderr, without
    /// terminal colour codes.
    fn stop(&mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let mut plain = String::with_capacity(log.len());
        let mut chars = log.chars();
        while let Some(c) = chars.next() {
            if c == '\u{1b}' {
                // ESC [ … letter
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            } else {
                plain.push(c);
            }
        }
        plain
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn plain_agent() -> Agent {
    Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent()
}

/// `crm serve` that must fail at start: (exited non-zero, stderr).
fn refused_start(env: &[(&str, &str)]) -> (bool, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/crm.db", dir.path().display());
    let log = dir.path().join("stderr.log");
    let mut child = Command::new(binary())
        .arg("serve")
        .env("CRM_BIND", "127.0.0.1:0")
        .env("CRM_DATABASE_URL", &url)
        .env_remove("CRM_TLS_CERT")
        .env_remove("CRM_TLS_KEY")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log file"))
        .spawn()
        .expect("start crm serve");
    let deadline = Instant::now() + Duration::from_secs(30);
    let failed = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break !status.success();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break false;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    (failed, std::fs::read_to_string(&log).unwrap_or_default())
}

#[test]
fn the_binary_serves_https_with_the_configured_certificate() {
    let dir = tempfile::tempdir().expect("temp dir");
    let certified =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .expect("certificate");
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    std::fs::write(&cert, certified.cert.pem()).expect("cert");
    std::fs::write(&key, certified.signing_key.serialize_pem()).expect("key");
    let trusted = Certificate::from_pem(certified.cert.pem().as_bytes()).expect("pem");
    let agent = Agent::config_builder()
        .http_status_as_error(false)
        .tls_config(
            TlsConfig::builder()
                .root_certs(RootCerts::Specific(Arc::new(vec![trusted])))
                .build(),
        )
        .build()
        .new_agent();
    let url = format!("sqlite://{}/crm.db", dir.path().display());
    let (cert, key) = (cert.display().to_string(), key.display().to_string());
    let env = [
        ("CRM_DATABASE_URL", url.as_str()),
        ("CRM_TLS_CERT", cert.as_str()),
        ("CRM_TLS_KEY", key.as_str()),
        ("CRM_LOG", "warn"),
    ];
    let server = Running::start(dir.path(), &env, "https", &agent);

    let health = agent
        .get(format!("{}/api/health", server.base))
        .call()
        .expect("https");
    assert_eq!(health.status(), 200);
    assert_eq!(
        health
            .headers()
            .get("strict-transport-security")
            .and_then(|v| v.to_str().ok()),
        Some("max-age=31536000"),
        "HSTS over TLS"
    );
    // HEAD over the wire: GET's length, no body.
    let mut spec = agent
        .get(format!("{}/api/openapi.json", server.base))
        .call()
        .expect("spec");
    let length = spec.body_mut().read_to_vec().expect("body").len();
    let head = agent
        .head(format!("{}/api/openapi.json", server.base))
        .call()
        .expect("head");
    assert_eq!(head.status(), 200);
    assert_eq!(
        head.headers()
            .get("content-length")
            .and_then(|v| v.to_str().ok()),
        Some(length.to_string().as_str())
    );
    // Plain HTTP on the TLS port gets nowhere.
    let plain = plain_agent()
        .get(server.base.replacen("https", "http", 1) + "/api/health")
        .call();
    assert!(
        !plain.is_ok_and(|r| r.status() == 200),
        "plain HTTP must not be served"
    );
}

#[test]
fn bad_tls_settings_stop_the_start_with_the_variable_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("missing.pem").display().to_string();
    let junk = dir.path().join("junk.pem");
    std::fs::write(&junk, "not a certificate").expect("junk");
    let junk = junk.display().to_string();
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("certificate");
    let cert = dir.path().join("cert.pem");
    std::fs::write(&cert, certified.cert.pem()).expect("cert");
    let cert = cert.display().to_string();
    let other_key = dir.path().join("other-key.pem");
    let other = rcgen::KeyPair::generate().expect("key");
    std::fs::write(&other_key, other.serialize_pem()).expect("key");
    let other_key = other_key.display().to_string();

    for (env, expected) in [
        (
            vec![("CRM_TLS_CERT", cert.as_str())],
            "CRM_TLS_CERT is set but CRM_TLS_KEY is not",
        ),
        (
            vec![
                ("CRM_TLS_CERT", missing.as_str()),
                ("CRM_TLS_KEY", junk.as_str()),
            ],
            "CRM_TLS_CERT: cannot read",
        ),
        (
            vec![
                ("CRM_TLS_CERT", junk.as_str()),
                ("CRM_TLS_KEY", junk.as_str()),
            ],
            "CRM_TLS_CERT",
        ),
        (
            vec![
                ("CRM_TLS_CERT", cert.as_str()),
                ("CRM_TLS_KEY", junk.as_str()),
            ],
            "CRM_TLS_KEY",
        ),
        (
            vec![
                ("CRM_TLS_CERT", cert.as_str()),
                ("CRM_TLS_KEY", other_key.as_str()),
            ],
            "does not fit the certificate",
        ),
    ] {
        let (failed, out) = refused_start(&env);
        assert!(failed, "{env:?} must stop the start: {out}");
        assert!(
            out.contains(expected),
            "{env:?}: expected {expected:?} in {out}"
        );
    }
}

/// A first start on a fresh database logs no error; `info` logs a line per
/// request, `warn` (from `CRM_LOG`, or `RUST_LOG` when that is unset) none.
fn logging_scenario(database: &[(&str, &str)]) {
    let dir = tempfile::tempdir().expect("temp dir");
    let agent = plain_agent();
    let runs: [(&[(&str, &str)], bool); 3] = [
        (&[("CRM_LOG", "info")], true),
        (&[("CRM_LOG", "warn"), ("RUST_LOG", "info")], false),
        (&[("RUST_LOG", "warn")], false),
    ];
    for (index, (log_env, per_request)) in runs.into_iter().enumerate() {
        let env: Vec<(&str, &str)> = database.iter().chain(log_env).copied().collect();
        let mut server = Running::start(dir.path(), &env, "http", &agent);
        for path in ["/api/health", "/api/v1/auth/options", "/api/openapi.json"] {
            let status = agent
                .get(format!("{}{path}", server.base))
                .call()
                .expect("request")
                .status();
            assert_eq!(status, 200, "{path}");
        }
        let log = server.stop();
        if index == 0 {
            assert!(log.contains("applied migrations"), "a first start: {log}");
        }
        assert!(
            !log.contains("ERROR"),
            "{log_env:?}: no error on a healthy start:\n{log}"
        );
        let requests = log.lines().filter(|l| l.contains("path=/api/")).count();
        if per_request {
            assert!(requests >= 3, "{log_env:?}: a line per request:\n{log}");
        } else {
            assert_eq!(requests, 0, "{log_env:?}: no request lines:\n{log}");
            assert!(
                !log.contains("INFO"),
                "{log_env:?}: nothing at info:\n{log}"
            );
        }
    }
}

#[test]
fn logs_follow_crm_log_then_rust_log_and_a_fresh_sqlite_start_has_no_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/fresh/crm.db", dir.path().display());
    logging_scenario(&[("CRM_DATABASE_URL", &url)]);
}

#[test]
fn logs_follow_crm_log_then_rust_log_and_a_fresh_postgres_start_has_no_error() {
    let db = TestDb::empty(true);
    logging_scenario(&[("CRM_DATABASE_URL", db.url()), ("CRM_JWT_SECRET", SECRET)]);
}
