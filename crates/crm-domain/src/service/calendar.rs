//! The business calendar SLAs are measured on: working periods per weekday
//! (split shifts such as 9:00–12:00 and 13:30–18:00), a time zone, public
//! holidays and make-up working days (调休: a Saturday worked with
//! Monday's hours). [`Clock`] adds business time to an instant and counts
//! the business time between two instants.
//!
//! Periods are wall-clock times of the calendar's zone; on a day whose
//! clocks change, a period is as long as the wall clock says.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Days a search for working time looks ahead before it gives up.
const HORIZON_DAYS: i64 = 3 * 366;

/// One span of working time in a day, `HH:MM` to `HH:MM` (`24:00` ends at midnight).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkPeriod {
    #[schema(pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$", example = "09:00")]
    pub start: String,
    #[schema(pattern = "^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$", example = "12:00")]
    pub end: String,
}

/// Working periods per weekday, in order; an empty day is not worked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WeekHours {
    #[schema(max_items = 4)]
    pub monday: Vec<WorkPeriod>,
    #[schema(max_items = 4)]
    pub tuesday: Vec<WorkPeriod>,
    #[schema(max_items = 4)]
    pub wednesday: Vec<WorkPeriod>,
    #[schema(max_items = 4)]
    pub thursday: Vec<WorkPeriod>,
    #[schema(max_items = 4)]
    pub friday: Vec<WorkPeriod>,
    #[schema(max_items = 4)]
    pub saturday: Vec<WorkPeriod>,
    #[schema(max_items = 4)]
    pub sunday: Vec<WorkPeriod>,
}

impl WeekHours {
    fn days(&self) -> [(&'static str, &Vec<WorkPeriod>); 7] {
        [
            ("monday", &self.monday),
            ("tuesday", &self.tuesday),
            ("wednesday", &self.wednesday),
            ("thursday", &self.thursday),
            ("friday", &self.friday),
            ("saturday", &self.saturday),
            ("sunday", &self.sunday),
        ]
    }
}

/// When the service desk works.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BusinessCalendar {
    /// An IANA time zone name.
    #[schema(min_length = 1, max_length = 64, example = "Asia/Shanghai")]
    pub time_zone: String,
    pub hours: WeekHours,
    /// Public holidays: not worked, whatever their weekday.
    #[schema(max_items = 1000)]
    pub holidays: Vec<NaiveDate>,
    /// Make-up working days (调休): worked with Monday's hours although
    /// their weekday is not.
    #[schema(max_items = 1000)]
    pub workdays: Vec<NaiveDate>,
}

impl Default for BusinessCalendar {
    /// Monday to Friday, 9:00–12:00 and 13:30–18:00, Beijing time.
    fn default() -> Self {
        let day = || {
            vec![
                WorkPeriod {
                    start: "09:00".into(),
                    end: "12:00".into(),
                },
                WorkPeriod {
                    start: "13:30".into(),
                    end: "18:00".into(),
                },
            ]
        };
        Self {
            time_zone: "Asia/Shanghai".into(),
            hours: WeekHours {
                monday: day(),
                tuesday: day(),
                wednesday: day(),
                thursday: day(),
                friday: day(),
                saturday: vec![],
                sunday: vec![],
            },
            holidays: vec![],
            workdays: vec![],
        }
    }
}

/// `HH:MM` as seconds after midnight.
fn seconds(hhmm: &str) -> Option<u32> {
    let b = hhmm.as_bytes();
    let digits = [0, 1, 3, 4]
        .iter()
        .all(|&i| b.get(i).is_some_and(u8::is_ascii_digit));
    if b.len() != 5 || b[2] != b':' || !digits {
        return None;
    }
    let (h, m): (u32, u32) = (hhmm[..2].parse().ok()?, hhmm[3..].parse().ok()?);
    (h < 24 && m < 60 || h == 24 && m == 0).then_some(h * 3600 + m * 60)
}

impl BusinessCalendar {
    /// The rules beyond the schema: a known zone, each day's periods in
    /// order without overlap, some working time in the week, no date
    /// listed twice or as both a holiday and a working day.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut errors = Vec::new();
        if self.time_zone.chars().count() > 64 || self.time_zone.parse::<Tz>().is_err() {
            errors.push((
                "calendar.time_zone".into(),
                "is not a known time zone".into(),
            ));
        }
        let mut any = false;
        for (day, periods) in self.hours.days() {
            let mut last_end = 0;
            if periods.len() > 4 {
                errors.push((
                    format!("calendar.hours.{day}"),
                    "has more than 4 periods".into(),
                ));
            }
            for (i, p) in periods.iter().enumerate() {
                let field = format!("calendar.hours.{day}[{i}]");
                match (seconds(&p.start), seconds(&p.end)) {
                    (Some(s), Some(e)) if s < e => {
                        if i > 0 && s < last_end {
                            errors.push((field, "starts before the previous period ends".into()));
                        }
                        last_end = e;
                        any = true;
                    }
                    (Some(_), Some(_)) => errors.push((field, "ends before it starts".into())),
                    (None, _) => errors.push((field + ".start", "is not a time HH:MM".into())),
                    (_, None) => errors.push((field + ".end", "is not a time HH:MM".into())),
                }
            }
        }
        if !any {
            errors.push((
                "calendar.hours".into(),
                "the week has no working hours".into(),
            ));
        }
        for (list, dates) in [("holidays", &self.holidays), ("workdays", &self.workdays)] {
            if dates.len() > 1000 {
                errors.push((
                    format!("calendar.{list}"),
                    "has more than 1000 dates".into(),
                ));
            }
            for i in super::repeated(dates) {
                errors.push((format!("calendar.{list}[{i}]"), "is listed twice".into()));
            }
        }
        let holidays: BTreeSet<_> = self.holidays.iter().collect();
        for (i, d) in self.workdays.iter().enumerate() {
            if holidays.contains(d) {
                errors.push((
                    format!("calendar.workdays[{i}]"),
                    "is both a holiday and a working day".into(),
                ));
            }
        }
        errors
    }

    /// Minutes the calendar's zone is ahead of UTC at `at` (UTC): where
    /// its days begin (reports bucket dates by them). 0 for an unknown zone.
    pub fn utc_offset_minutes(&self, at: NaiveDateTime) -> i32 {
        self.time_zone.parse::<Tz>().map_or(0, |tz| {
            tz.offset_from_utc_datetime(&at).fix().local_minus_utc() / 60
        })
    }

    /// The clock of a valid calendar (see [`Self::validate`]); `None` when
    /// it is not valid.
    pub fn clock(&self) -> Option<Clock> {
        if !self.validate().is_empty() {
            return None;
        }
        let tz = self.time_zone.parse::<Tz>().ok()?;
        let mut week: [Vec<(u32, u32)>; 7] = Default::default();
        for (slot, (_, periods)) in week.iter_mut().zip(self.hours.days()) {
            for p in periods {
                slot.push((seconds(&p.start)?, seconds(&p.end)?));
            }
        }
        Some(Clock {
            tz,
            week,
            holidays: self.holidays.iter().copied().collect(),
            workdays: self.workdays.iter().copied().collect(),
        })
    }
}

/// A valid calendar, ready to measure business time.
#[derive(Debug, Clone)]
pub struct Clock {
    tz: Tz,
    /// Monday first; (start, end) in seconds after local midnight.
    week: [Vec<(u32, u32)>; 7],
    holidays: BTreeSet<NaiveDate>,
    workdays: BTreeSet<NaiveDate>,
}

impl Clock {
    /// The working periods of a local date.
    fn periods(&self, date: NaiveDate) -> &[(u32, u32)] {
        if self.holidays.contains(&date) {
            &[]
        } else if self.workdays.contains(&date) {
            &self.week[0]
        } else {
            &self.week[date.weekday().num_days_from_monday() as usize]
        }
    }

    /// The instant of a local date's wall-clock second (the later side of
    /// a gap, the earlier of a repeated hour).
    fn instant(&self, date: NaiveDate, second: u32) -> DateTime<Utc> {
        let local: NaiveDateTime =
            date.and_time(chrono::NaiveTime::MIN) + Duration::seconds(second.into());
        match self.tz.from_local_datetime(&local).earliest() {
            Some(t) => t.with_timezone(&Utc),
            None => {
                let offset = self
                    .tz
                    .offset_from_utc_datetime(&local)
                    .fix()
                    .local_minus_utc();
                (local - Duration::seconds(offset.into())).and_utc()
            }
        }
    }

    /// The instant `minutes` of business time after `start` (`start`
    /// itself, moved to the next working time, for 0); `None` when the
    /// calendar has no working time within three years.
    pub fn add_minutes(&self, start: DateTime<Utc>, minutes: i64) -> Option<DateTime<Utc>> {
        let mut remaining = minutes.max(0) * 60;
        let mut date = start.with_timezone(&self.tz).date_naive();
        for _ in 0..HORIZON_DAYS {
            for &(s, e) in self.periods(date) {
                let (from, to) = (self.instant(date, s).max(start), self.instant(date, e));
                if from >= to {
                    continue;
                }
                let available = (to - from).num_seconds();
                if remaining <= available {
                    return Some(from + Duration::seconds(remaining));
                }
                remaining -= available;
            }
            date = date.succ_opt()?;
        }
        None
    }

    /// The business minutes (rounded down) from `from` to `to`; 0 when
    /// `to` is not later.
    pub fn minutes_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        if to <= from {
            return 0;
        }
        let mut seconds = 0;
        let mut date = from.with_timezone(&self.tz).date_naive();
        let last = to.with_timezone(&self.tz).date_naive();
        while date <= last {
            for &(s, e) in self.periods(date) {
                let (lo, hi) = (
                    self.instant(date, s).max(from),
                    self.instant(date, e).min(to),
                );
                if hi > lo {
                    seconds += (hi - lo).num_seconds();
                }
            }
            match date.succ_opt() {
                Some(next) => date = next,
                None => break,
            }
        }
        seconds / 60
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Beijing time as UTC.
    fn bj(s: &str) -> DateTime<Utc> {
        let local = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        (local - Duration::hours(8)).and_utc()
    }

    #[test]
    fn the_offset_follows_the_zone_and_its_summer_time() {
        let at = |s| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        let mut c = BusinessCalendar::default();
        assert_eq!(c.utc_offset_minutes(at("2026-07-01 00:00")), 480);
        c.time_zone = "Europe/Berlin".into();
        assert_eq!(c.utc_offset_minutes(at("2026-01-15 12:00")), 60);
        assert_eq!(c.utc_offset_minutes(at("2026-07-15 12:00")), 120);
        c.time_zone = "Mars/Olympus".into();
        assert_eq!(c.utc_offset_minutes(at("2026-07-15 12:00")), 0);
    }

    fn clock(holidays: &[&str], workdays: &[&str]) -> Clock {
        let date = |s: &&str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        BusinessCalendar {
            holidays: holidays.iter().map(date).collect(),
            workdays: workdays.iter().map(date).collect(),
            ..BusinessCalendar::default()
        }
        .clock()
        .unwrap()
    }

    // 2026-12-07 is a Monday.
    #[test]
    fn two_hours_from_eleven_skip_the_lunch_break() {
        let c = clock(&[], &[]);
        assert_eq!(
            c.add_minutes(bj("2026-12-07 11:00"), 120),
            Some(bj("2026-12-07 14:30"))
        );
        assert_eq!(
            c.minutes_between(bj("2026-12-07 11:00"), bj("2026-12-07 14:30")),
            120
        );
    }

    #[test]
    fn ninety_minutes_from_five_in_the_afternoon_end_the_next_morning() {
        let c = clock(&[], &[]);
        assert_eq!(
            c.add_minutes(bj("2026-12-07 17:00"), 60),
            Some(bj("2026-12-07 18:00"))
        );
        assert_eq!(
            c.add_minutes(bj("2026-12-07 17:00"), 90),
            Some(bj("2026-12-08 09:30"))
        );
        // Received at night: the clock starts at nine.
        assert_eq!(
            c.add_minutes(bj("2026-12-07 22:00"), 30),
            Some(bj("2026-12-08 09:30"))
        );
        assert_eq!(
            c.minutes_between(bj("2026-12-07 18:00"), bj("2026-12-08 09:00")),
            0
        );
    }

    #[test]
    fn friday_afternoon_continues_on_monday() {
        let c = clock(&[], &[]);
        // 2026-12-11 is a Friday: 30 minutes left that day, 90 on Monday.
        assert_eq!(
            c.add_minutes(bj("2026-12-11 17:30"), 120),
            Some(bj("2026-12-14 10:30"))
        );
        assert_eq!(
            c.minutes_between(bj("2026-12-11 17:30"), bj("2026-12-14 10:30")),
            120
        );
    }

    #[test]
    fn a_holiday_is_skipped() {
        let c = clock(&["2026-12-08"], &[]);
        assert_eq!(
            c.add_minutes(bj("2026-12-07 17:00"), 90),
            Some(bj("2026-12-09 09:30"))
        );
    }

    #[test]
    fn a_make_up_saturday_is_worked_with_mondays_hours() {
        let c = clock(&[], &["2026-12-12"]);
        assert_eq!(
            c.add_minutes(bj("2026-12-11 17:30"), 60),
            Some(bj("2026-12-12 09:30"))
        );
        assert_eq!(
            c.minutes_between(bj("2026-12-12 00:00"), bj("2026-12-13 00:00")),
            450
        );
    }

    #[test]
    fn a_full_working_day_is_seven_and_a_half_hours() {
        let c = clock(&[], &[]);
        assert_eq!(
            c.minutes_between(bj("2026-12-07 00:00"), bj("2026-12-14 00:00")),
            5 * 450
        );
        assert_eq!(
            c.add_minutes(bj("2026-12-07 09:00"), 450),
            Some(bj("2026-12-07 18:00"))
        );
    }

    #[test]
    fn a_calendar_with_no_working_time_is_refused() {
        let cal = BusinessCalendar {
            time_zone: "Mars/Olympus".into(),
            hours: WeekHours {
                monday: vec![],
                tuesday: vec![],
                wednesday: vec![],
                thursday: vec![],
                friday: vec![],
                saturday: vec![],
                sunday: vec![],
            },
            ..BusinessCalendar::default()
        };
        let fields: Vec<_> = cal.validate().into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["calendar.time_zone", "calendar.hours"]);
        assert!(cal.clock().is_none());
    }

    #[test]
    fn overlapping_or_reversed_periods_and_double_dates_are_refused() {
        let mut cal = BusinessCalendar::default();
        cal.hours.monday[1].start = "11:00".into();
        cal.hours.tuesday[0].end = "08:00".into();
        let d = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        cal.holidays = vec![d, d];
        cal.workdays = vec![d];
        let fields: Vec<_> = cal.validate().into_iter().map(|(f, _)| f).collect();
        assert_eq!(
            fields,
            [
                "calendar.hours.monday[1]",
                "calendar.hours.tuesday[0]",
                "calendar.holidays[1]",
                "calendar.workdays[0]"
            ]
        );
    }

    #[test]
    fn times_are_two_digit_hours_and_minutes() {
        assert_eq!(seconds("09:30"), Some(34_200));
        assert_eq!(seconds("24:00"), Some(86_400));
        for bad in ["9:30", "09:3", "24:01", "09:60", "0930", "+9:30", "０9:30"] {
            assert_eq!(seconds(bad), None, "{bad}");
        }
    }

    #[test]
    fn business_time_follows_the_zones_clock_change() {
        let cal = BusinessCalendar {
            time_zone: "Europe/Berlin".into(),
            ..BusinessCalendar::default()
        };
        let c = cal.clock().unwrap();
        // Friday 2026-10-23 17:00 CEST (15:00 UTC) + 90 min → Monday 09:30 CET (08:30 UTC).
        let start = NaiveDateTime::parse_from_str("2026-10-23 15:00", "%Y-%m-%d %H:%M")
            .unwrap()
            .and_utc();
        let end = NaiveDateTime::parse_from_str("2026-10-26 08:30", "%Y-%m-%d %H:%M")
            .unwrap()
            .and_utc();
        assert_eq!(c.add_minutes(start, 90), Some(end));
    }
}
