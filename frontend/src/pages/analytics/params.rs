//! The Analytics page's state, all of it in the URL: the filters every
//! panel applies (owner, team, province, industry), the KPI period, the
//! cohort matrix shown, the k-means features and k, and the segment whose
//! portrait is open.

use leptos_router::params::ParamsMap;

/// Every feature the k-means endpoint accepts, in the order offered.
pub const FEATURES: [&str; 6] = [
    "recency",
    "frequency",
    "aov",
    "monetary",
    "tenure",
    "longest_gap",
];
/// The endpoint's default features.
pub const DEFAULT_FEATURES: [&str; 4] = ["recency", "frequency", "aov", "longest_gap"];

/// KPI periods: URL value and catalog key (`12m`, the API's default, first).
pub const PERIODS: [(&str, &str); 4] = [
    ("12m", "preset-12m"),
    ("90d", "preset-90d"),
    ("30d", "preset-30d"),
    ("ytd", "preset-ytd"),
];

/// The filters (URL and API parameter name); each panel's request carries them.
pub const FILTERS: [&str; 4] = ["owner_id", "team_id", "region", "industry"];

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Params {
    /// The RFM segment whose portrait is open.
    pub segment: Option<String>,
    /// k-means k (2–8); `None` lets the server choose.
    pub k: Option<u32>,
    /// k-means features, in `FEATURES` order; the default set when none is named.
    pub features: Vec<String>,
    /// The cohort matrix: `revenue`, or retention when empty.
    pub cohort: String,
    /// KPI period (a `PERIODS` key); empty = the last 12 months.
    pub period: String,
    /// What acquiring customers cost in the period (minor units), for CAC.
    pub cost: String,
    /// Filter values in `FILTERS` order; empty = any.
    pub filters: [String; 4],
}

impl Params {
    pub fn from_query(q: &ParamsMap) -> Self {
        let get = |name: &str| q.get(name).unwrap_or_default();
        let named: Vec<String> = get("features").split(',').map(str::to_owned).collect();
        let mut features: Vec<String> = FEATURES
            .iter()
            .filter(|f| named.iter().any(|n| n == *f))
            .map(|f| (*f).to_owned())
            .collect();
        if features.is_empty() {
            features = DEFAULT_FEATURES.iter().map(|f| (*f).to_owned()).collect();
        }
        let one_of = |value: String, allowed: &[&str]| {
            if allowed.contains(&value.as_str()) {
                value
            } else {
                String::new()
            }
        };
        Self {
            segment: q.get("segment").filter(|s| !s.is_empty()),
            k: get("k").parse::<u32>().ok().filter(|k| (2..=8).contains(k)),
            features,
            cohort: one_of(get("cohort"), &["revenue"]),
            period: one_of(get("period"), &["90d", "30d", "ytd"]),
            cost: Some(get("cost"))
                .filter(|c| !c.is_empty() && c.len() < 16 && c.bytes().all(|b| b.is_ascii_digit()))
                .unwrap_or_default(),
            filters: FILTERS.map(get),
        }
    }

    fn is_default_features(&self) -> bool {
        self.features.len() == DEFAULT_FEATURES.len()
            && DEFAULT_FEATURES
                .iter()
                .all(|d| self.features.iter().any(|f| f == d))
    }

    /// The filters as `name=value` pairs, each value encoded.
    fn filter_pairs(&self) -> Vec<String> {
        FILTERS
            .iter()
            .zip(&self.filters)
            .filter(|(_, v)| !v.is_empty())
            .map(|(name, v)| format!("{name}={}", crate::api::encode(v)))
            .collect()
    }

    /// The page's address with this state.
    pub fn href(&self) -> String {
        let mut query = Vec::new();
        if let Some(s) = &self.segment {
            query.push(format!("segment={}", crate::api::encode(s)));
        }
        if let Some(k) = self.k {
            query.push(format!("k={k}"));
        }
        if !self.is_default_features() {
            query.push(format!("features={}", self.features.join(",")));
        }
        for (name, value) in [
            ("cohort", &self.cohort),
            ("period", &self.period),
            ("cost", &self.cost),
        ] {
            if !value.is_empty() {
                query.push(format!("{name}={value}"));
            }
        }
        query.extend(self.filter_pairs());
        if query.is_empty() {
            "/analytics".to_owned()
        } else {
            format!("/analytics?{}", query.join("&"))
        }
    }

    /// `/api/v1/analytics/{endpoint}` with `extra` pairs and the filters.
    pub fn api(&self, endpoint: &str, extra: &[String]) -> String {
        let mut query = extra.to_vec();
        query.extend(self.filter_pairs());
        if query.is_empty() {
            format!("/api/v1/analytics/{endpoint}")
        } else {
            format!("/api/v1/analytics/{endpoint}?{}", query.join("&"))
        }
    }

    /// The k-means request: k and the features (only when not the default).
    pub fn kmeans_api(&self) -> String {
        let mut extra = Vec::new();
        if let Some(k) = self.k {
            extra.push(format!("k={k}"));
        }
        if !self.is_default_features() {
            extra.push(format!("features={}", self.features.join(",")));
        }
        self.api("kmeans", &extra)
    }

    /// The KPI request for the chosen period, or for `window` when given.
    pub fn kpis_api(&self, window: Option<(String, String)>) -> String {
        let (from, to) = window.unwrap_or_else(|| period_window(&self.period));
        let extra: Vec<String> = [
            ("from", from),
            ("to", to),
            ("acquisition_cost_minor", self.cost.clone()),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(n, v)| format!("{n}={v}"))
        .collect();
        self.api("kpis", &extra)
    }

    /// With the portrait of `segment` open (or closed).
    pub fn with_segment(&self, segment: Option<&str>) -> Self {
        Self {
            segment: segment.map(str::to_owned),
            ..self.clone()
        }
    }

    /// With the feature `name` switched on or off (kept in `FEATURES` order).
    pub fn toggle_feature(&self, name: &str) -> Self {
        let mut next = self.clone();
        let on = !self.features.iter().any(|f| f == name);
        next.features = FEATURES
            .iter()
            .filter(|f| {
                if **f == name {
                    on
                } else {
                    self.features.iter().any(|g| g == *f)
                }
            })
            .map(|f| (*f).to_owned())
            .collect();
        next
    }
}

fn ymd(date: &js_sys::Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.get_full_year(),
        date.get_month() + 1,
        date.get_date()
    )
}

/// A period's `(from, to)` in this browser's calendar; empty for the
/// server's default (the last 365 days).
pub fn period_window(key: &str) -> (String, String) {
    let now = js_sys::Date::new_0();
    let (year, month, day) = (
        now.get_full_year(),
        now.get_month() as i32,
        now.get_date() as i32,
    );
    let day_of = |d: i32, m: i32| ymd(&js_sys::Date::new_with_year_month_day(year, m, d));
    let today = day_of(day, month);
    match key {
        "30d" => (day_of(day - 29, month), today),
        "90d" => (day_of(day - 89, month), today),
        "ytd" => (day_of(1, 0), today),
        _ => (String::new(), String::new()),
    }
}
