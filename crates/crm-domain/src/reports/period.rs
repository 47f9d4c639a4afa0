//! Relative periods (本月, 上季度, 近 30 天 …): a report or a dashboard
//! saved with one covers different days each day it is opened, resolved
//! against "today" in the workspace's time zone; and the window before a
//! period, which a number compares itself with.

use chrono::{Datelike, Duration, Months, NaiveDate};

use super::{DateGrain, bucket_start};
use crate::string_enum;

string_enum! {
    /// A period named relative to today (weeks start on Monday).
    RelativePeriod {
        Today = "today",
        ThisWeek = "this_week",
        LastWeek = "last_week",
        ThisMonth = "this_month",
        LastMonth = "last_month",
        ThisQuarter = "this_quarter",
        LastQuarter = "last_quarter",
        ThisYear = "this_year",
        LastYear = "last_year",
        /// Today and the six days before it.
        Last7Days = "last_7_days",
        Last30Days = "last_30_days",
        Last90Days = "last_90_days",
    }
}

/// The last day of the bucket of `grain` that starts on `start`.
fn bucket_end(grain: DateGrain, start: NaiveDate) -> NaiveDate {
    let next = match grain {
        DateGrain::Day => start + Duration::days(1),
        DateGrain::Week => start + Duration::days(7),
        DateGrain::Month => start + Months::new(1),
        DateGrain::Quarter => start + Months::new(3),
        DateGrain::Year => start + Months::new(12),
    };
    next - Duration::days(1)
}

impl RelativePeriod {
    /// The first and last day (both inclusive) the period covers on `today`.
    pub fn resolve(self, today: NaiveDate) -> (NaiveDate, NaiveDate) {
        use RelativePeriod::*;
        let this = |grain| {
            let start = bucket_start(grain, today);
            (start, bucket_end(grain, start))
        };
        let last = |grain| {
            let (start, _) = this(grain);
            let before = bucket_start(grain, start - Duration::days(1));
            (before, start - Duration::days(1))
        };
        let days = |n: i64| (today - Duration::days(n - 1), today);
        match self {
            Today => (today, today),
            ThisWeek => this(DateGrain::Week),
            LastWeek => last(DateGrain::Week),
            ThisMonth => this(DateGrain::Month),
            LastMonth => last(DateGrain::Month),
            ThisQuarter => this(DateGrain::Quarter),
            LastQuarter => last(DateGrain::Quarter),
            ThisYear => this(DateGrain::Year),
            LastYear => last(DateGrain::Year),
            Last7Days => days(7),
            Last30Days => days(30),
            Last90Days => days(90),
        }
    }
}

/// The window just before `from..=to` that a figure is compared with:
/// whole calendar months shift by their number of months (this month
/// against last month, a quarter against the one before), any other
/// window by its length in days.
pub fn previous(from: NaiveDate, to: NaiveDate) -> (NaiveDate, NaiveDate) {
    let whole_months = from.day() == 1 && (to + Duration::days(1)).day() == 1 && to >= from;
    if whole_months {
        let months = (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32 + 1;
        let months = Months::new(months.max(1) as u32);
        return (from - months, from - Duration::days(1));
    }
    let length = (to - from).num_days() + 1;
    (from - Duration::days(length), from - Duration::days(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("a date")
    }

    #[test]
    fn periods_resolve_around_today() {
        let today = d(2026, 3, 11); // a Wednesday
        use RelativePeriod::*;
        assert_eq!(Today.resolve(today), (today, today));
        assert_eq!(ThisWeek.resolve(today), (d(2026, 3, 9), d(2026, 3, 15)));
        assert_eq!(LastWeek.resolve(today), (d(2026, 3, 2), d(2026, 3, 8)));
        assert_eq!(ThisMonth.resolve(today), (d(2026, 3, 1), d(2026, 3, 31)));
        assert_eq!(LastMonth.resolve(today), (d(2026, 2, 1), d(2026, 2, 28)));
        assert_eq!(ThisQuarter.resolve(today), (d(2026, 1, 1), d(2026, 3, 31)));
        assert_eq!(
            LastQuarter.resolve(today),
            (d(2025, 10, 1), d(2025, 12, 31))
        );
        assert_eq!(ThisYear.resolve(today), (d(2026, 1, 1), d(2026, 12, 31)));
        assert_eq!(LastYear.resolve(today), (d(2025, 1, 1), d(2025, 12, 31)));
        assert_eq!(Last7Days.resolve(today), (d(2026, 3, 5), today));
        assert_eq!(Last30Days.resolve(today), (d(2026, 2, 10), today));
    }

    #[test]
    fn last_month_in_january_is_december() {
        let today = d(2027, 1, 15);
        assert_eq!(
            RelativePeriod::LastMonth.resolve(today),
            (d(2026, 12, 1), d(2026, 12, 31))
        );
        assert_eq!(
            RelativePeriod::LastQuarter.resolve(today),
            (d(2026, 10, 1), d(2026, 12, 31))
        );
    }

    #[test]
    fn the_window_before_keeps_calendar_months() {
        // March against February (28 days), not against the 31 days before.
        assert_eq!(
            previous(d(2026, 3, 1), d(2026, 3, 31)),
            (d(2026, 2, 1), d(2026, 2, 28))
        );
        assert_eq!(
            previous(d(2026, 1, 1), d(2026, 3, 31)),
            (d(2025, 10, 1), d(2025, 12, 31))
        );
        assert_eq!(
            previous(d(2026, 3, 5), d(2026, 3, 11)),
            (d(2026, 2, 26), d(2026, 3, 4))
        );
    }
}
