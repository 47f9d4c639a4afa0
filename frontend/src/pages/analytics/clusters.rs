//! The k-means controls and cluster table: checkboxes for the features to
//! cluster on (at least two, for the scatter); each cluster's size, share
//! and centroid, the centroid written in each feature's unit (days, orders
//! per 30 days, money); the silhouette of every k tried when k was chosen
//! automatically.

use crm_api_types::analytics::{KmeansResult, RfmSummary};
use leptos::prelude::*;

use super::charts::CLUSTER_COLOURS;
use super::message1;
use super::params::{FEATURES, Params};
use crate::components::{Cell, data_table};
use crate::i18n::{self, Locale, message, use_locale};
use crate::load::Load;

/// A centroid value of `feature` in its natural unit.
fn feature_value(locale: Locale, feature: &str, value: f64, currency: &str) -> String {
    match feature {
        "frequency" => message1(locale, "an-per-30", "n", i18n::decimal(locale, value, 2)),
        "aov" | "monetary" => i18n::money_whole(locale, value, currency),
        _ => message1(locale, "an-days", "n", i18n::decimal(locale, value, 0)),
    }
}

#[component]
pub fn Clusters(
    result: Load<KmeansResult>,
    /// The RFM answer, for its currency.
    currency: Load<RfmSummary>,
) -> impl IntoView {
    let locale = use_locale();
    move || {
        let locale = locale.get();
        let currency = currency.ok_with(|s| s.currency.clone());
        result
            .ok_with(|r| table(locale, r, &currency?))
            .flatten()
            .unwrap_or_else(|| ().into_any())
    }
}

fn table(locale: Locale, r: &KmeansResult, currency: &str) -> Option<AnyView> {
    let t = |key: &str| message(locale, key, None);
    let note = format!(
        "k = {} · {} {} · {}",
        r.k,
        t("an-silhouette"),
        i18n::decimal(locale, r.silhouette, 2),
        message1(
            locale,
            "an-buyers-n",
            "n",
            i18n::number(locale, r.customers as f64)
        ),
    );
    let mut heads = vec![
        (t("an-cluster"), ""),
        (t("an-customers"), "num"),
        (t("dist-share"), "num"),
    ];
    heads.extend(
        r.features
            .iter()
            .map(|f| (t(&format!("an-feature-{}", f.replace('_', "-"))), "num")),
    );
    let candidates = (!r.candidates.is_empty()).then(|| {
        let list = r
            .candidates
            .iter()
            .map(|c| {
                let mark = if c.k == r.k { " ✓" } else { "" };
                format!("k={} {}{mark}", c.k, i18n::decimal(locale, c.silhouette, 2))
            })
            .collect::<Vec<_>>()
            .join(" · ");
        message1(locale, "an-candidates", "list", list)
    });
    let rows = r
        .clusters
        .iter()
        .map(|c| {
            let mut cells = vec![
                Cell {
                    text: message1(locale, "an-cluster-n", "n", (c.cluster + 1).to_string()),
                    swatch: Some(CLUSTER_COLOURS[c.cluster as usize % CLUSTER_COLOURS.len()]),
                    class: "nowrap",
                    ..Cell::default()
                },
                Cell::num(i18n::number(locale, c.size as f64)),
                Cell {
                    class: "num muted",
                    ..Cell::num(i18n::percent(locale, c.share))
                },
            ];
            cells.extend(
                r.features
                    .iter()
                    .zip(&c.centroid)
                    .map(|(f, v)| Cell::num(feature_value(locale, f, *v, currency))),
            );
            (c.cluster.to_string(), false, cells)
        })
        .collect();
    Some(
        view! {
            <div>
                <p class="muted hint-line" id="kmeans-note">{note}</p>
                {candidates.map(|c| view! { <p class="muted hint-line" id="kmeans-candidates">{c}</p> })}
                {data_table("clusters", "cluster", heads, rows)}
            </div>
        }
        .into_any(),
    )
}

/// One checkbox per feature; the last two checked cannot be unchecked.
#[component]
pub fn FeaturePicker(
    params: Memo<Params>,
    go: impl Fn(Params) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let locale = use_locale();
    FEATURES
        .iter()
        .map(|f| {
            let f = *f;
            let on = move || params.with(|p| p.features.iter().any(|g| g == f));
            let locked = move || on() && params.with(|p| p.features.len() <= 2);
            let label = move || message(locale.get(), &format!("an-feature-{}", f.replace('_', "-")), None);
            view! {
                <label class="check">
                    <input type="checkbox" id=format!("feature-{f}") value=f prop:checked=on disabled=locked
                        on:change=move |_| go(params.get_untracked().toggle_feature(f))/>
                    {label}
                </label>
            }
        })
        .collect_view()
}
