//! An SMTP sink for tests: a real SMTP server on a free local port that
//! takes every message (EHLO, MAIL, RCPT, DATA, QUIT, as RFC 5321 says)
//! and keeps it, so a test reads what the CRM actually sent over the wire.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    /// The message (headers and body) with the dot-stuffing undone.
    pub data: Vec<u8>,
}

/// The running sink; it stops with the test process.
#[derive(Clone)]
pub struct SmtpSink {
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
}

impl SmtpSink {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the SMTP sink");
        let port = listener.local_addr().expect("sink address").port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let keep = received.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let keep = keep.clone();
                std::thread::spawn(move || {
                    let _ = session(stream, &keep);
                });
            }
        });
        Self { port, received }
    }

    /// The `CRM_SMTP_URL` of this sink (plain SMTP, no TLS).
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn received(&self) -> Vec<Received> {
        self.received
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Waits until `n` messages arrived (panics after `timeout`).
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            assert!(
                start.elapsed() < timeout,
                "the SMTP sink got {} of {n} messages in {timeout:?}",
                got.len()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// The address inside `MAIL FROM:<a>` / `RCPT TO:<b>`.
fn path(arg: &str) -> String {
    let arg = arg.trim();
    let start = arg.find('<').map_or(0, |i| i + 1);
    let end = arg.find('>').unwrap_or(arg.len());
    arg[start..end].to_owned()
}

fn session(stream: TcpStream, keep: &Mutex<Vec<Received>>) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut out = stream.try_clone()?;
    let mut lines = BufReader::new(stream);
    out.write_all(b"220 sink.test ESMTP ready\r\n")?;
    let (mut from, mut to) = (String::new(), Vec::new());
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_owned();
        let upper = command.to_ascii_uppercase();
        if upper.starts_with("EHLO") {
            out.write_all(b"250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")?;
        } else if upper.starts_with("HELO") || upper.starts_with("NOOP") {
            out.write_all(b"250 ok\r\n")?;
        } else if upper.starts_with("MAIL FROM:") {
            from = path(&command[10..]);
            to.clear();
            out.write_all(b"250 ok\r\n")?;
        } else if upper.starts_with("RCPT TO:") {
            to.push(path(&command[8..]));
            out.write_all(b"250 ok\r\n")?;
        } else if upper == "DATA" {
            out.write_all(b"354 end with <CRLF>.<CRLF>\r\n")?;
            let mut data = Vec::new();
            let mut raw = Vec::new();
            loop {
                raw.clear();
                if lines.read_until(b'\n', &mut raw)? == 0 {
                    return Ok(());
                }
                if raw == b".\r\n" || raw == b".\n" {
                    break;
                }
                let unstuffed = if raw.starts_with(b"..") {
                    &raw[1..]
                } else {
                    &raw[..]
                };
                data.extend_from_slice(unstuffed);
            }
            keep.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(Received {
                    from: from.clone(),
                    to: to.clone(),
                    data,
                });
            out.write_all(b"250 queued\r\n")?;
        } else if upper.starts_with("RSET") {
            to.clear();
            out.write_all(b"250 ok\r\n")?;
        } else if upper.starts_with("QUIT") {
            out.write_all(b"221 bye\r\n")?;
            return Ok(());
        } else {
            out.write_all(b"502 not implemented\r\n")?;
        }
    }
}
