//! The answer as the page shows it: one `Row` per group with its label in
//! the current language, and the figures formatted for the measure's unit
//! (counts, money, ratios) through the `Intl` helpers.

use std::collections::HashMap;

use crm_api_types::analytics::{Distribution, DistributionGroup, Unit};

use crate::i18n::{self, Locale, message, vocab};
use crate::session::Regions;

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The group's key (region code, enum value, id); `None` = not set.
    pub key: Option<String>,
    pub name: String,
    pub value: f64,
    pub share: Option<f64>,
    pub change: Option<f64>,
    pub change_ratio: Option<f64>,
}

/// How the figures of one answer are written.
#[derive(Debug, Clone, PartialEq)]
pub struct Format {
    pub locale: Locale,
    pub unit: Unit,
    pub currency: String,
    /// A rise is bad news (churn rate).
    pub rise_is_bad: bool,
}

impl Format {
    pub fn of(locale: Locale, d: &Distribution) -> Self {
        Self {
            locale,
            unit: d.unit,
            currency: d.currency.clone(),
            rise_is_bad: d.measure.as_str() == "churn_rate",
        }
    }

    pub fn value(&self, v: f64) -> String {
        match self.unit {
            Unit::Count => i18n::number(self.locale, v),
            Unit::MoneyMinor => i18n::money_whole(self.locale, v, &self.currency),
            Unit::Ratio => i18n::percent(self.locale, v),
            Unit::Score => format!("{v:.1}"),
        }
    }

    /// Short, for legends and labels on the chart.
    pub fn short(&self, v: f64) -> String {
        match self.unit {
            Unit::Count => i18n::compact(self.locale, v, None),
            Unit::MoneyMinor => i18n::compact(self.locale, v, Some(&self.currency)),
            Unit::Ratio => i18n::percent(self.locale, v),
            Unit::Score => format!("{v:.1}"),
        }
    }

    /// "▲ 12 (+5.2%)": the arrow, the text, and whether it is good news.
    pub fn change(&self, change: f64, ratio: Option<f64>) -> (String, bool) {
        let arrow = if change > 0.0 {
            "▲"
        } else if change < 0.0 {
            "▼"
        } else {
            "–"
        };
        let mut text = format!("{arrow} {}", self.value(change.abs()));
        if let Some(r) = ratio {
            let sign = if r > 0.0 { "+" } else { "" };
            text.push_str(&format!(" ({sign}{})", i18n::percent(self.locale, r)));
        }
        (text, (change >= 0.0) != self.rise_is_bad)
    }
}

/// The catalog group of an enum dimension's values (`industry-energy`).
fn vocab_group(dimension: &str) -> Option<&'static str> {
    Some(match dimension {
        "industry" => "industry",
        "size" => "size",
        "lifecycle_stage" => "stage",
        "source" => "source",
        "kind" => "kind",
        "gender" => "gender",
        "age_band" => "age-band",
        "value_tier" => "value-tier",
        "rfm_segment" => "rfm",
        _ => return None,
    })
}

/// Names of regions in the current language: provinces and cities from the
/// shared lookups, countries when the page loaded them.
pub struct Names<'a> {
    pub locale: Locale,
    pub regions: &'a Regions,
    pub countries: &'a HashMap<String, (String, String)>,
}

impl Names<'_> {
    pub fn region(&self, code: &str) -> Option<String> {
        self.regions.name(self.locale, code).or_else(|| {
            self.countries.get(code).map(|(zh, en)| match self.locale {
                Locale::ZhCn => zh.clone(),
                Locale::En => en.clone(),
            })
        })
    }

    pub fn group(&self, dimension: &str, g: &DistributionGroup) -> String {
        let Some(key) = g.key.as_deref() else {
            return message(self.locale, "dist-not-set", None);
        };
        if dimension == "region"
            && let Some(name) = self.region(key)
        {
            return name;
        }
        match vocab_group(dimension) {
            Some(group) => vocab(self.locale, group, key),
            None => g.label.clone().unwrap_or_else(|| key.to_owned()),
        }
    }
}

pub fn rows(d: &Distribution, names: &Names) -> Vec<Row> {
    let dimension = d.dimension.as_str();
    d.groups
        .iter()
        .map(|g| Row {
            key: g.key.clone(),
            name: names.group(dimension, g),
            value: g.figure.value,
            share: g.share,
            change: g.figure.change,
            change_ratio: g.figure.change_ratio,
        })
        .collect()
}

/// A region's name as a map label: "广西" for 广西壮族自治区, "深圳" for 深圳市.
pub fn short_region(name: &str) -> String {
    const SUFFIXES: [&str; 7] = [
        "维吾尔自治区",
        "壮族自治区",
        "回族自治区",
        "特别行政区",
        "自治区",
        "省",
        "市",
    ];
    SUFFIXES
        .iter()
        .find_map(|s| {
            name.strip_suffix(s)
                .filter(|rest| rest.chars().count() >= 2)
        })
        .unwrap_or(name)
        .to_owned()
}
