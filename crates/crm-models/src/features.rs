//! Behavioural features of a buying customer, as K-means sees them. Each
//! is log-scaled (`ln(1 + x)`) before standardising, because order counts
//! and values are heavily skewed.

use chrono::NaiveDate;

/// What a feature measures, in natural units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Feature {
    /// Days since the last order.
    Recency,
    /// Orders per 30 days since the first order.
    Frequency,
    /// Revenue so far (minor units).
    Monetary,
    /// Average order value (minor units).
    AverageOrderValue,
    /// Days since the first order.
    Tenure,
    /// Longest silence between two orders, in days.
    LongestGap,
}

impl Feature {
    pub const ALL: [Feature; 6] = [
        Feature::Recency,
        Feature::Frequency,
        Feature::Monetary,
        Feature::AverageOrderValue,
        Feature::Tenure,
        Feature::LongestGap,
    ];

    /// The default set: rhythm, recency, basket size and pauses separate
    /// behaviour better than totals, which grow with tenure.
    pub const DEFAULT: [Feature; 4] = [
        Feature::Recency,
        Feature::Frequency,
        Feature::AverageOrderValue,
        Feature::LongestGap,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Feature::Recency => "recency",
            Feature::Frequency => "frequency",
            Feature::Monetary => "monetary",
            Feature::AverageOrderValue => "aov",
            Feature::Tenure => "tenure",
            Feature::LongestGap => "longest_gap",
        }
    }

    pub fn parse(text: &str) -> Option<Feature> {
        Feature::ALL.into_iter().find(|f| f.as_str() == text)
    }
}

/// A buyer's order history.
#[derive(Debug, Clone, Copy)]
pub struct Buyer {
    pub order_count: i32,
    pub revenue_minor: i64,
    pub first_order_on: NaiveDate,
    pub last_order_on: NaiveDate,
    pub longest_gap_days: i32,
}

impl Buyer {
    /// The feature in natural units on `today`.
    pub fn value(&self, feature: Feature, today: NaiveDate) -> f64 {
        let days = |d: NaiveDate| (today - d).num_days().max(0) as f64;
        let orders = f64::from(self.order_count.max(1));
        match feature {
            Feature::Recency => days(self.last_order_on),
            Feature::Frequency => orders * 30.0 / days(self.first_order_on).max(30.0),
            Feature::Monetary => self.revenue_minor as f64,
            Feature::AverageOrderValue => self.revenue_minor as f64 / orders,
            Feature::Tenure => days(self.first_order_on),
            Feature::LongestGap => f64::from(self.longest_gap_days.max(0)),
        }
    }

    /// The features as K-means gets them: `ln(1 + value)`.
    pub fn scaled(&self, features: &[Feature], today: NaiveDate) -> Vec<f64> {
        features
            .iter()
            .map(|f| self.value(*f, today).max(0.0).ln_1p())
            .collect()
    }
}
