//! Progress of long CLI work (backup, restore, workspace export and import, demo):
//! an `indicatif` bar with the count, rate and time left when stderr is a
//! terminal, and a plain `tracing` line every two seconds otherwise (logs,
//! CI, pipes).

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How often the plain log reports.
const LOG_EVERY: Duration = Duration::from_secs(2);

/// What is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Rows,
    Bytes,
}

#[derive(Debug)]
pub struct Progress {
    what: String,
    unit: Unit,
    bar: Option<ProgressBar>,
    done: u64,
    total: u64,
    started: Instant,
    logged: Instant,
}

impl Progress {
    /// A progress display for `what` (e.g. "export"), a bar on a terminal.
    pub fn new(what: &str, unit: Unit) -> Self {
        let terminal = std::io::stderr().is_terminal();
        Self::with_bar(what, unit, terminal)
    }

    fn with_bar(what: &str, unit: Unit, bar: bool) -> Self {
        let bar = bar.then(|| {
            let template = match unit {
                Unit::Rows => {
                    "{msg:>10} [{bar:30}] {human_pos}/{human_len} rows  {per_sec}  {elapsed} elapsed, {eta} left"
                }
                Unit::Bytes => {
                    "{msg:>10} [{bar:30}] {bytes}/{total_bytes}  {bytes_per_sec}  {elapsed} elapsed, {eta} left"
                }
            };
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(what.to_owned());
            bar
        });
        let now = Instant::now();
        Self {
            what: what.to_owned(),
            unit,
            bar,
            done: 0,
            total: 0,
            started: now,
            logged: now,
        }
    }

    pub fn set_total(&mut self, total: u64) {
        self.total = total;
        if let Some(bar) = &self.bar {
            bar.set_length(total);
        }
    }

    /// Sets the count reached so far (a file's size while it grows).
    pub fn set(&mut self, done: u64) {
        self.done = done;
        if let Some(bar) = &self.bar {
            bar.set_position(done);
        } else if self.logged.elapsed() >= LOG_EVERY {
            self.logged = Instant::now();
            self.log();
        }
    }

    pub fn add(&mut self, n: u64) {
        self.set(self.done + n);
    }

    fn log(&self) {
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        let rate = self.done as f64 / secs;
        let left = if rate > 0.0 && self.total > self.done {
            format!("{:.0} s", (self.total - self.done) as f64 / rate)
        } else {
            "?".to_owned()
        };
        let unit = match self.unit {
            Unit::Rows => "rows",
            Unit::Bytes => "bytes",
        };
        tracing::info!(
            "{}: {} of {} {unit}, {rate:.0} {unit}/s, {left} left",
            self.what,
            self.done,
            self.total
        );
    }

    /// Ends the display with a last line.
    pub fn finish(&mut self) {
        match &self.bar {
            Some(bar) => bar.finish(),
            None => self.log(),
        }
    }
}

impl crm_db::portable::Progress for Progress {
    fn total(&mut self, rows: u64) {
        self.set_total(rows);
    }

    fn advance(&mut self, table: &str, rows: u64) {
        if let Some(bar) = &self.bar {
            bar.set_message(table.to_owned());
        }
        self.add(rows);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_without_a_terminal() {
        let mut p = Progress::with_bar("test", Unit::Rows, false);
        p.set_total(10);
        crm_db::portable::Progress::advance(&mut p, "customers", 4);
        crm_db::portable::Progress::advance(&mut p, "orders", 6);
        assert_eq!((p.done, p.total), (10, 10));
        p.finish();
    }
}
