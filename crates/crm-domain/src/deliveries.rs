//! Scheduled delivery (定时发送): when a saved report or dashboard is
//! e-mailed to its recipients — daily, weekly on a weekday or monthly on a
//! day, at an hour of the workspace's local time — and in which format
//! the rows travel. This module owns the schedule's rules and the next
//! time it fires; who receives what (each recipient's own rows) and the
//! sending are the other layers'.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::FieldErrors;
use crate::string_enum;

string_enum! {
    /// How often a delivery goes out.
    Frequency {
        Daily = "daily",
        /// On `weekday`.
        Weekly = "weekly",
        /// On `day` of the month.
        Monthly = "monthly",
    }
}

string_enum! {
    /// The attachment the rows travel in (the mail's body always shows
    /// them as a table too).
    DeliveryFormat { Csv = "csv", Xlsx = "xlsx" }
}

/// When a delivery fires, in the workspace's local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"frequency": "weekly", "hour": 8, "weekday": 1}))]
pub struct Schedule {
    pub frequency: Frequency,
    /// The hour of the day (0–23) it goes out.
    #[schema(minimum = 0, maximum = 23)]
    pub hour: u8,
    /// For a weekly delivery: 1 Monday … 7 Sunday (Monday when absent);
    /// ignored otherwise.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 7)]
    pub weekday: Option<u8>,
    /// For a monthly delivery: the day of the month, 1–28 so that every
    /// month has it (the 1st when absent); ignored otherwise.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 28)]
    pub day: Option<u8>,
}

impl Schedule {
    /// Checks the ranges (errors under `prefix`) and drops what the
    /// frequency does not use, filling what it needs.
    pub fn checked(self, prefix: &str) -> Result<Schedule, FieldErrors> {
        let mut errors = FieldErrors::new();
        if self.hour > 23 {
            errors.add(format!("{prefix}.hour"), "must be 0 to 23");
        }
        if self.weekday.is_some_and(|d| !(1..=7).contains(&d)) {
            errors.add(format!("{prefix}.weekday"), "must be 1 to 7");
        }
        if self.day.is_some_and(|d| !(1..=28).contains(&d)) {
            errors.add(format!("{prefix}.day"), "must be 1 to 28");
        }
        errors.into_result()?;
        Ok(Schedule {
            weekday: (self.frequency == Frequency::Weekly).then(|| self.weekday.unwrap_or(1)),
            day: (self.frequency == Frequency::Monthly).then(|| self.day.unwrap_or(1)),
            ..self
        })
    }

    /// Whether `date` is a day this schedule fires on.
    fn fires_on(&self, date: NaiveDate) -> bool {
        match self.frequency {
            Frequency::Daily => true,
            Frequency::Weekly => {
                date.weekday().number_from_monday() == u32::from(self.weekday.unwrap_or(1))
            }
            Frequency::Monthly => date.day() == u32::from(self.day.unwrap_or(1)),
        }
    }

    /// The first firing strictly after `after`, both in local time.
    pub fn next_after(&self, after: NaiveDateTime) -> NaiveDateTime {
        let at = NaiveTime::from_hms_opt(u32::from(self.hour.min(23)), 0, 0).unwrap_or_default();
        let mut date = after.date();
        // A monthly day ≤ 28 comes within 31 days; 62 is a safe bound.
        for _ in 0..62 {
            let candidate = date.and_time(at);
            if candidate > after && self.fires_on(date) {
                return candidate;
            }
            date += Duration::days(1);
        }
        date.and_time(at)
    }

    /// The first firing strictly after `after_utc`, in UTC, for a workspace
    /// `utc_offset_minutes` ahead of UTC.
    pub fn next_after_utc(
        &self,
        after_utc: NaiveDateTime,
        utc_offset_minutes: i32,
    ) -> NaiveDateTime {
        let offset = Duration::minutes(i64::from(utc_offset_minutes));
        self.next_after(after_utc + offset) - offset
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn schedule(frequency: Frequency, hour: u8, weekday: Option<u8>, day: Option<u8>) -> Schedule {
        Schedule {
            frequency,
            hour,
            weekday,
            day,
        }
        .checked("schedule")
        .unwrap()
    }

    #[test]
    fn daily_fires_later_today_or_tomorrow() {
        let s = schedule(Frequency::Daily, 8, None, None);
        assert_eq!(s.next_after(at("2026-03-11 07:59")), at("2026-03-11 08:00"));
        assert_eq!(s.next_after(at("2026-03-11 08:00")), at("2026-03-12 08:00"));
        assert_eq!(s.next_after(at("2026-12-31 23:00")), at("2027-01-01 08:00"));
    }

    #[test]
    fn weekly_fires_on_its_weekday() {
        // 2026-03-11 is a Wednesday.
        let monday = schedule(Frequency::Weekly, 9, None, None);
        assert_eq!(monday.weekday, Some(1));
        assert_eq!(
            monday.next_after(at("2026-03-11 10:00")),
            at("2026-03-16 09:00")
        );
        let wednesday = schedule(Frequency::Weekly, 9, Some(3), None);
        assert_eq!(
            wednesday.next_after(at("2026-03-11 08:00")),
            at("2026-03-11 09:00")
        );
        assert_eq!(
            wednesday.next_after(at("2026-03-11 09:00")),
            at("2026-03-18 09:00")
        );
    }

    #[test]
    fn monthly_fires_on_its_day_across_months_and_years() {
        let s = schedule(Frequency::Monthly, 6, None, Some(28));
        assert_eq!(s.next_after(at("2026-02-28 06:00")), at("2026-03-28 06:00"));
        assert_eq!(s.next_after(at("2026-12-29 00:00")), at("2027-01-28 06:00"));
        let first = schedule(Frequency::Monthly, 0, None, None);
        assert_eq!(first.day, Some(1));
        assert_eq!(
            first.next_after(at("2026-01-31 23:59")),
            at("2026-02-01 00:00")
        );
    }

    #[test]
    fn local_hours_are_converted_to_utc() {
        // 08:00 in Shanghai (UTC+8) is midnight UTC.
        let s = schedule(Frequency::Daily, 8, None, None);
        assert_eq!(
            s.next_after_utc(at("2026-03-10 23:30"), 480),
            at("2026-03-11 00:00")
        );
        assert_eq!(
            s.next_after_utc(at("2026-03-11 00:00"), 480),
            at("2026-03-12 00:00")
        );
    }

    #[test]
    fn unused_parts_are_dropped_and_ranges_named() {
        let s = schedule(Frequency::Daily, 8, Some(3), Some(5));
        assert_eq!((s.weekday, s.day), (None, None));
        let bad = Schedule {
            frequency: Frequency::Monthly,
            hour: 24,
            weekday: Some(8),
            day: Some(29),
        }
        .checked("schedule")
        .unwrap_err();
        let fields: Vec<&str> = bad.0.keys().map(String::as_str).collect();
        assert_eq!(
            fields,
            ["schedule.day", "schedule.hour", "schedule.weekday"]
        );
    }
}
