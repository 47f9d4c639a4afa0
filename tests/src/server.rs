//! The real `crm` binary on a free port, for end-to-end tests.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The `crm` binary next to the test executable (built by `make test`).
pub fn binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable");
    let dir = exe.parent().and_then(|d| d.parent()).expect("target dir");
    let bin = dir.join("crm");
    assert!(
        bin.exists(),
        "{} is missing: build it first (`cargo build -p crm-server`, which `make test` does)",
        bin.display()
    );
    bin
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Runs a `crm` subcommand to completion; returns (success, stdout + stderr).
pub fn run(args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let out = Command::new(binary())
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("run crm");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

pub struct Server {
    child: Child,
    pub base: String,
}

impl Server {
    /// Starts `crm serve` and waits until `/api/health` answers.
    pub fn start(env: &[(&str, &str)]) -> Server {
        let port = free_port();
        let bind = format!("127.0.0.1:{port}");
        let child = Command::new(binary())
            .arg("serve")
            .env("CRM_BIND", &bind)
            .env("CRM_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start crm serve");
        let server = Server {
            child,
            base: format!("http://{bind}"),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if ureq::get(&format!("{}/api/health", server.base))
                .call()
                .is_ok()
            {
                return server;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("crm serve did not become healthy on {bind}");
    }

    /// The server's process id (its job workers are named `pid<id>-…`).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
