//! What the Distribution page shows, as it lives in the URL query (so a
//! reload or a shared link shows the same view): dimension, region level
//! and parent, measure, time window, comparison, chart kind and filters.
//! Also the API path that answers it and the window presets.

use leptos_router::params::ParamsMap;

use crate::api::encode;

/// The customer-list filters the page offers.
pub const FILTERS: [&str; 3] = ["industry", "lifecycle_stage", "owner_id"];

pub const DIMENSIONS: [&str; 13] = [
    "region",
    "industry",
    "size",
    "lifecycle_stage",
    "source",
    "kind",
    "owner",
    "team",
    "tag",
    "gender",
    "age_band",
    "value_tier",
    "rfm_segment",
];

pub const MEASURES: [&str; 8] = [
    "customers",
    "new_customers",
    "revenue",
    "orders",
    "average_order_value",
    "clv",
    "churn_rate",
    "csat",
];

/// Window presets: key, catalog label.
pub const PRESETS: [(&str, &str); 5] = [
    ("30d", "preset-30d"),
    ("90d", "preset-90d"),
    ("12m", "preset-12m"),
    ("ytd", "preset-ytd"),
    ("last-year", "preset-last-year"),
];

#[derive(Debug, Clone, PartialEq, Default)]
pub struct View {
    pub dimension: String,
    /// `country`, `province` or `city` (region dimension only).
    pub level: String,
    /// The province whose cities are shown (`level=city`).
    pub parent: String,
    pub measure: String,
    /// `YYYY-MM-DD`, both empty for the server's default (the last 12 months).
    pub from: String,
    pub to: String,
    pub compare: bool,
    /// `bar` or `pie` (other dimensions than region).
    pub chart: String,
    /// Values of `FILTERS`, in that order.
    pub filters: [String; 3],
}

impl View {
    pub fn from_query(q: &ParamsMap) -> Self {
        let get = |key: &str, default: &str| {
            q.get(key)
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| default.to_owned())
        };
        let dimension = get("dimension", "region");
        let parent = get("parent", "");
        let level = get(
            "level",
            if parent.is_empty() {
                "province"
            } else {
                "city"
            },
        );
        Self {
            level,
            parent,
            dimension,
            measure: get("measure", "customers"),
            from: get("from", ""),
            to: get("to", ""),
            compare: get("compare", "") == "true",
            chart: get("chart", "bar"),
            filters: FILTERS.map(|key| get(key, "")),
        }
    }

    pub fn is_region(&self) -> bool {
        self.dimension == "region"
    }

    /// The non-default parameters, `key=value&…`.
    fn pairs(&self, with_chart: bool) -> Vec<(&'static str, String)> {
        let mut pairs = vec![("dimension", self.dimension.clone())];
        if self.is_region() {
            pairs.push(("level", self.level.clone()));
            if self.level == "city" {
                pairs.push(("parent", self.parent.clone()));
            }
        } else if with_chart && self.chart != "bar" {
            pairs.push(("chart", self.chart.clone()));
        }
        pairs.push(("measure", self.measure.clone()));
        pairs.push(("from", self.from.clone()));
        pairs.push(("to", self.to.clone()));
        if self.compare {
            pairs.push(("compare", "true".to_owned()));
        }
        for (key, value) in FILTERS.iter().zip(&self.filters) {
            pairs.push((key, value.clone()));
        }
        pairs.retain(|(_, v)| !v.is_empty());
        pairs
    }

    fn join(pairs: Vec<(&'static str, String)>) -> String {
        pairs
            .into_iter()
            .map(|(k, v)| format!("{k}={}", encode(&v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// This view's address in the app.
    pub fn href(&self) -> String {
        format!("/distribution?{}", Self::join(self.pairs(true)))
    }

    /// The API call that answers this view. Inside a country or province,
    /// totals and shares are of that region (`region=`), not of everyone.
    pub fn api_path(&self) -> String {
        let mut pairs = self.pairs(false);
        if self.is_region() {
            match self.level.as_str() {
                "province" => pairs.push(("region", "CN".to_owned())),
                "city" => pairs.push(("region", self.parent.clone())),
                _ => {}
            }
        }
        format!("/api/v1/analytics/distribution?{}", Self::join(pairs))
    }

    /// The registered outline the map draws: `world`, `china` or a province code.
    pub fn map_name(&self) -> Option<String> {
        if !self.is_region() {
            return None;
        }
        match self.level.as_str() {
            "country" => Some("world".to_owned()),
            "province" => Some("china".to_owned()),
            "city" if is_province(&self.parent) => Some(self.parent.clone()),
            _ => None,
        }
    }

    /// One level down from a clicked region: China's provinces, a province's cities.
    pub fn drill(&self, code: &str) -> Option<View> {
        if !self.is_region() {
            return None;
        }
        let (level, parent) = match self.level.as_str() {
            "country" if code == "CN" => ("province", String::new()),
            "province" if is_province(code) => ("city", code.to_owned()),
            _ => return None,
        };
        Some(View {
            level: level.to_owned(),
            parent,
            ..self.clone()
        })
    }

    /// The same view at another region level (breadcrumbs).
    pub fn at_level(&self, level: &str) -> View {
        View {
            level: level.to_owned(),
            parent: String::new(),
            ..self.clone()
        }
    }

    pub fn preset(&self) -> &'static str {
        if self.from.is_empty() && self.to.is_empty() {
            return "12m";
        }
        PRESETS
            .iter()
            .map(|(key, _)| *key)
            .find(|key| preset_window(key) == (self.from.clone(), self.to.clone()))
            .unwrap_or("custom")
    }
}

/// A six-digit province code (`440000`), not Taiwan's outline without codes.
fn is_province(code: &str) -> bool {
    code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) && code.ends_with("0000")
}

fn ymd(date: &js_sys::Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.get_full_year(),
        date.get_month() + 1,
        date.get_date()
    )
}

/// A preset's `(from, to)` in this browser's calendar; empty for the default.
pub fn preset_window(key: &str) -> (String, String) {
    let now = js_sys::Date::new_0();
    let (year, month, day) = (
        now.get_full_year(),
        now.get_month() as i32,
        now.get_date() as i32,
    );
    let day_of = |y: u32, m: i32, d: i32| ymd(&js_sys::Date::new_with_year_month_day(y, m, d));
    let today = day_of(year, month, day);
    match key {
        "30d" => (day_of(year, month, day - 29), today),
        "90d" => (day_of(year, month, day - 89), today),
        "ytd" => (day_of(year, 0, 1), today),
        "last-year" => (day_of(year - 1, 0, 1), day_of(year - 1, 11, 31)),
        _ => (String::new(), String::new()),
    }
}
