//! The vocabulary and rules of customer analytics: what the distribution map
//! can group by and measure, RFM segments (one rule table drives both the
//! Rust classifier and the SQL `CASE` the refresh runs), the derived
//! lifecycle, the churn-risk score and age bands. Pure functions, no IO.

use chrono::{Datelike, NaiveDate};

use crate::string_enum;

string_enum! {
    /// What the distribution map groups customers by.
    Dimension {
        /// Country, province, city or district (see `level` and `parent`).
        Region = "region",
        Industry = "industry",
        Size = "size",
        LifecycleStage = "lifecycle_stage",
        Source = "source",
        Kind = "kind",
        Owner = "owner",
        Team = "team",
        Tag = "tag",
        Gender = "gender",
        AgeBand = "age_band",
        /// The monetary RFM score as a tier (top, high, mid, low, none).
        ValueTier = "value_tier",
        RfmSegment = "rfm_segment",
    }
}

string_enum! {
    /// Which figure each group of the distribution shows.
    Measure {
        /// Customers in the group (created before the window's end).
        Customers = "customers",
        /// Customers created inside the window.
        NewCustomers = "new_customers",
        /// Sum of revenue orders' totals inside the window (base currency, minor units).
        Revenue = "revenue",
        /// Revenue orders inside the window.
        Orders = "orders",
        /// Revenue ÷ orders inside the window (minor units).
        AverageOrderValue = "average_order_value",
        /// Historical customer value: lifetime revenue per buying customer (minor units).
        Clv = "clv",
        /// Buying customers whose last order is older than the churn setting at
        /// the window's end, as a share (0–1) of buying customers.
        ChurnRate = "churn_rate",
        /// The average CSAT score (1–5) of the satisfaction surveys the
        /// group's customers answered inside the window.
        Csat = "csat",
    }
}

string_enum! {
    /// Level of the region dimension.
    RegionLevel {
        Country = "country",
        Province = "province",
        City = "city",
        District = "district",
    }
}

string_enum! {
    /// Named RFM segments, after the common 11-segment scheme folded to 8.
    RfmSegment {
        Champions = "champions",
        Loyal = "loyal",
        New = "new",
        PotentialLoyalists = "potential_loyalists",
        CantLose = "cant_lose",
        AtRisk = "at_risk",
        Hibernating = "hibernating",
        Lost = "lost",
    }
}

/// One row of the segment table: the first row whose ranges contain the
/// scores names the segment. `fm` is F + M (2–10).
struct Rule {
    segment: RfmSegment,
    r: (i16, i16),
    f: (i16, i16),
    fm: (i16, i16),
}

const RULES: [Rule; 8] = [
    rule(RfmSegment::Champions, (4, 5), (1, 5), (8, 10)),
    rule(RfmSegment::Loyal, (3, 5), (1, 5), (6, 10)),
    rule(RfmSegment::New, (4, 5), (1, 1), (2, 10)),
    rule(RfmSegment::PotentialLoyalists, (3, 5), (1, 5), (2, 10)),
    rule(RfmSegment::CantLose, (1, 1), (1, 5), (8, 10)),
    rule(RfmSegment::AtRisk, (1, 2), (1, 5), (6, 10)),
    rule(RfmSegment::Hibernating, (2, 2), (1, 5), (2, 10)),
    rule(RfmSegment::Lost, (1, 5), (1, 5), (2, 10)),
];

const fn rule(segment: RfmSegment, r: (i16, i16), f: (i16, i16), fm: (i16, i16)) -> Rule {
    Rule { segment, r, f, fm }
}

/// The segment of quintile scores (each 1–5; out-of-range scores are clamped).
pub fn rfm_segment(r: i16, f: i16, m: i16) -> RfmSegment {
    let (r, f, m) = (r.clamp(1, 5), f.clamp(1, 5), m.clamp(1, 5));
    let within = |v: i16, (lo, hi): (i16, i16)| lo <= v && v <= hi;
    RULES
        .iter()
        .find(|x| within(r, x.r) && within(f, x.f) && within(f + m, x.fm))
        .map_or(RfmSegment::Lost, |x| x.segment)
}

/// The same table as an SQL `CASE` over three score columns (both backends).
pub fn rfm_segment_sql(r: &str, f: &str, m: &str) -> String {
    let mut sql = String::from("CASE");
    for x in &RULES {
        sql.push_str(&format!(
            " WHEN {r} BETWEEN {} AND {} AND {f} BETWEEN {} AND {} AND ({f} + {m}) BETWEEN {} AND {} THEN '{}'",
            x.r.0, x.r.1, x.f.0, x.f.1, x.fm.0, x.fm.1, x.segment.as_str()
        ));
    }
    sql.push_str(" ELSE 'lost' END");
    sql
}

string_enum! {
    /// A customer's value tier: their monetary RFM score (5 top, 4 high,
    /// 3 mid, 1–2 low; none before a first scored order).
    ValueTier {
        Top = "top",
        High = "high",
        Mid = "mid",
        Low = "low",
        None = "none",
    }
}

impl ValueTier {
    /// The tier of a monetary score.
    pub fn of(m: Option<i16>) -> Self {
        match m {
            Some(5..) => Self::Top,
            Some(4) => Self::High,
            Some(3) => Self::Mid,
            Some(_) => Self::Low,
            None => Self::None,
        }
    }
}

/// The value tier shown for a monetary score.
pub fn value_tier(m: Option<i16>) -> &'static str {
    ValueTier::of(m).as_str()
}

string_enum! {
    /// Where a customer stands, derived from their orders (beside the
    /// manually kept lifecycle stage).
    DerivedLifecycle {
        /// No order yet.
        Prospect = "prospect",
        /// First order within the last 90 days.
        New = "new",
        Active = "active",
        /// Silent for more than half the churn period.
        AtRisk = "at_risk",
        /// Silent for longer than the churn period.
        Churned = "churned",
        /// Came back after a silence longer than the churn period.
        WonBack = "won_back",
    }
}

/// A customer's order history as the models need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderHistory {
    pub order_count: i32,
    pub first_order_on: NaiveDate,
    pub last_order_on: NaiveDate,
    pub longest_gap_days: i32,
}

impl OrderHistory {
    pub fn days_since_last(&self, today: NaiveDate) -> i64 {
        (today - self.last_order_on).num_days().max(0)
    }

    /// Mean days between consecutive orders; `None` with a single order.
    pub fn mean_gap_days(&self) -> Option<f64> {
        (self.order_count > 1).then(|| {
            (self.last_order_on - self.first_order_on).num_days() as f64
                / f64::from(self.order_count - 1)
        })
    }
}

pub fn derived_lifecycle(
    history: Option<&OrderHistory>,
    today: NaiveDate,
    churn_after_days: i32,
) -> DerivedLifecycle {
    let Some(h) = history else {
        return DerivedLifecycle::Prospect;
    };
    let silent = h.days_since_last(today);
    let churn = i64::from(churn_after_days.max(1));
    if silent > churn {
        DerivedLifecycle::Churned
    } else if silent > churn / 2 {
        DerivedLifecycle::AtRisk
    } else if h.longest_gap_days > churn_after_days {
        DerivedLifecycle::WonBack
    } else if (today - h.first_order_on).num_days() <= 90 {
        DerivedLifecycle::New
    } else {
        DerivedLifecycle::Active
    }
}

/// Churn risk in 0–1: the silence since the last order measured against the
/// customer's own rhythm, `1 − exp(−silence / (2 × mean gap))`; a customer
/// with one order is measured against half the churn period.
pub fn churn_risk(history: &OrderHistory, today: NaiveDate, churn_after_days: i32) -> f64 {
    let rhythm = history
        .mean_gap_days()
        .unwrap_or(f64::from(churn_after_days) / 2.0)
        .max(7.0);
    let silence = history.days_since_last(today) as f64;
    1.0 - (-silence / (2.0 * rhythm)).exp()
}

/// Age bands, youngest first, as (name, minimum age).
pub const AGE_BANDS: [(&str, u32); 5] = [
    ("under_25", 0),
    ("25_34", 25),
    ("35_44", 35),
    ("45_54", 45),
    ("55_plus", 55),
];

/// The latest birth date of someone at least `age` years old on `today`.
pub fn born_on_or_before(today: NaiveDate, age: u32) -> NaiveDate {
    let year = today.year() - age as i32;
    NaiveDate::from_ymd_opt(year, today.month(), today.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, 2, 28))
        .unwrap_or(today)
}

/// The age band of a birth date on `today`.
pub fn age_band(birth: NaiveDate, today: NaiveDate) -> &'static str {
    AGE_BANDS
        .iter()
        .rev()
        .find(|(_, age)| birth <= born_on_or_before(today, *age))
        .map_or("under_25", |(name, _)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    #[test]
    fn segments_follow_the_table() {
        assert_eq!(rfm_segment(5, 5, 5), RfmSegment::Champions);
        assert_eq!(rfm_segment(3, 4, 4), RfmSegment::Loyal);
        assert_eq!(rfm_segment(5, 1, 1), RfmSegment::New);
        assert_eq!(rfm_segment(4, 2, 2), RfmSegment::PotentialLoyalists);
        assert_eq!(rfm_segment(1, 5, 5), RfmSegment::CantLose);
        assert_eq!(rfm_segment(2, 3, 3), RfmSegment::AtRisk);
        assert_eq!(rfm_segment(2, 1, 2), RfmSegment::Hibernating);
        assert_eq!(rfm_segment(1, 1, 1), RfmSegment::Lost);
        // Every score combination has a segment, and the SQL names them all.
        let sql = rfm_segment_sql("r", "f", "m");
        for s in RfmSegment::ALL {
            assert!(sql.contains(&format!("'{s}'")), "{s} missing from the CASE");
        }
    }

    #[test]
    fn lifecycle_and_risk_follow_silence() {
        let today = day(2026, 6, 30);
        let h = OrderHistory {
            order_count: 10,
            first_order_on: day(2024, 1, 1),
            last_order_on: day(2026, 6, 1),
            longest_gap_days: 60,
        };
        assert_eq!(
            derived_lifecycle(Some(&h), today, 180),
            DerivedLifecycle::Active
        );
        assert_eq!(
            derived_lifecycle(None, today, 180),
            DerivedLifecycle::Prospect
        );
        let silent = OrderHistory {
            last_order_on: day(2025, 6, 1),
            ..h
        };
        assert_eq!(
            derived_lifecycle(Some(&silent), today, 180),
            DerivedLifecycle::Churned
        );
        let back = OrderHistory {
            longest_gap_days: 300,
            ..h
        };
        assert_eq!(
            derived_lifecycle(Some(&back), today, 180),
            DerivedLifecycle::WonBack
        );
        assert!(churn_risk(&silent, today, 180) > churn_risk(&h, today, 180));
        assert!((0.0..=1.0).contains(&churn_risk(&silent, today, 180)));
    }

    #[test]
    fn age_bands_use_birthdays() {
        let today = day(2026, 6, 30);
        assert_eq!(age_band(day(2001, 7, 1), today), "under_25");
        assert_eq!(age_band(day(2001, 6, 30), today), "25_34");
        assert_eq!(age_band(day(1960, 1, 1), today), "55_plus");
    }
}
