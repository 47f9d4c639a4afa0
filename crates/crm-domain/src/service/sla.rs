//! SLA targets (服务级别): first-response and resolution times per
//! priority, in business minutes of the workspace's calendar, and the
//! state of one clock of a ticket at a moment.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::TicketPriority;
use crate::string_enum;

/// The targets of one priority, in business minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlaTarget {
    #[schema(minimum = 1, maximum = 525600)]
    pub first_response_minutes: u32,
    #[schema(minimum = 1, maximum = 525600)]
    pub resolution_minutes: u32,
}

/// The targets per priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlaPolicy {
    pub urgent: SlaTarget,
    pub high: SlaTarget,
    pub normal: SlaTarget,
    pub low: SlaTarget,
}

impl Default for SlaPolicy {
    /// Urgent: 30 minutes / 4 hours; high: 1 hour / one working day;
    /// normal: 4 hours / three working days; low: one day / five days
    /// (a working day of the default calendar is 7½ hours).
    fn default() -> Self {
        let t = |first_response_minutes, resolution_minutes| SlaTarget {
            first_response_minutes,
            resolution_minutes,
        };
        Self {
            urgent: t(30, 240),
            high: t(60, 450),
            normal: t(240, 3 * 450),
            low: t(450, 5 * 450),
        }
    }
}

impl SlaPolicy {
    pub fn target(&self, priority: TicketPriority) -> SlaTarget {
        match priority {
            TicketPriority::Urgent => self.urgent,
            TicketPriority::High => self.high,
            TicketPriority::Normal => self.normal,
            TicketPriority::Low => self.low,
        }
    }

    /// Targets outside 1 minute to a year, as (field, message).
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut errors = Vec::new();
        for (name, t) in [
            ("urgent", self.urgent),
            ("high", self.high),
            ("normal", self.normal),
            ("low", self.low),
        ] {
            for (field, v) in [
                ("first_response_minutes", t.first_response_minutes),
                ("resolution_minutes", t.resolution_minutes),
            ] {
                if !(1..=525_600).contains(&v) {
                    errors.push((
                        format!("sla.{name}.{field}"),
                        "must be between 1 and 525600".into(),
                    ));
                }
            }
        }
        errors
    }
}

string_enum! {
    /// Where one SLA clock of a ticket stands.
    SlaState {
        /// Running, with more than a fifth of the target left.
        OnTrack = "on_track",
        /// Running, due within a fifth of the target (or 15 minutes).
        AtRisk = "at_risk",
        /// Due and not met (or met late).
        Breached = "breached",
        /// Stopped while the ticket waits for the customer.
        Paused = "paused",
        /// Met in time.
        Met = "met",
    }
}

/// The state at `now` of a clock that started at `started_at`, is due at
/// `due_at` and was met at `met_at` if it was; it is at risk in the last
/// fifth of its span (at least the last 15 minutes).
pub fn state(
    started_at: DateTime<Utc>,
    due_at: DateTime<Utc>,
    met_at: Option<DateTime<Utc>>,
    paused: bool,
    now: DateTime<Utc>,
) -> SlaState {
    match met_at {
        Some(at) if at <= due_at => SlaState::Met,
        Some(_) => SlaState::Breached,
        None if now > due_at => SlaState::Breached,
        None if paused => SlaState::Paused,
        None => {
            let warn = ((due_at - started_at) / 5).max(Duration::minutes(15));
            if due_at - now <= warn {
                SlaState::AtRisk
            } else {
                SlaState::OnTrack
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_is_at_risk_in_its_last_fifth_and_breached_after_its_due_time() {
        let due = DateTime::parse_from_rfc3339("2026-12-07T10:00:00Z")
            .unwrap()
            .to_utc();
        let at = |m: i64| due - Duration::minutes(m);
        let start = at(240);
        assert_eq!(state(start, due, None, false, at(60)), SlaState::OnTrack);
        assert_eq!(state(start, due, None, false, at(40)), SlaState::AtRisk);
        assert_eq!(state(start, due, None, false, at(-1)), SlaState::Breached);
        assert_eq!(state(start, due, None, true, at(10)), SlaState::Paused);
        assert_eq!(
            state(start, due, Some(at(1)), false, at(-60)),
            SlaState::Met
        );
        assert_eq!(
            state(start, due, Some(at(-1)), false, at(-60)),
            SlaState::Breached
        );
        // Short spans warn 15 minutes ahead.
        assert_eq!(state(at(30), due, None, false, at(14)), SlaState::AtRisk);
    }

    #[test]
    fn each_priority_has_its_targets() {
        let p = SlaPolicy::default();
        assert_eq!(p.target(TicketPriority::Urgent).first_response_minutes, 30);
        assert!(p.validate().is_empty());
    }
}
