//! The RFM segment table (each row links to its portrait) and the portrait
//! of the chosen segment: headline figures and the largest groups by
//! region, industry and owner.

use crm_api_types::analytics::{Portrait as Answer, PortraitDimension, RfmSummary};
use leptos::prelude::*;

use super::message1;
use super::params::Params;
use crate::components::{Cell, ErrorView, Skeleton, data_table, figure_list};
use crate::i18n::{self, Locale, message, tr, use_locale, vocab};
use crate::load::Load;
use crate::session::{Regions, use_lookups};

#[component]
pub fn Segments(summary: Load<RfmSummary>, params: Memo<Params>) -> impl IntoView {
    let locale = use_locale();
    move || {
        let locale = locale.get();
        params.with(|p| {
            summary
                .ok_with(|s| segments(locale, s, p))
                .unwrap_or_else(|| ().into_any())
        })
    }
}

fn segments(locale: Locale, s: &RfmSummary, params: &Params) -> AnyView {
    let t = |key| message(locale, key, None);
    let mut note = message1(
        locale,
        "an-buyers-n",
        "n",
        i18n::number(locale, s.buyers as f64),
    );
    if let Some(at) = s.as_of {
        note.push_str(&format!(" · {}", i18n::date(locale, &at.to_rfc3339())));
    }
    note.push_str(&format!(" · {}", t("an-portrait-hint")));
    let heads = vec![
        (t("an-segment"), ""),
        (t("an-customers"), "num"),
        (t("dist-share"), "num"),
        (t("an-recency"), "num"),
        (t("an-orders"), "num"),
        (t("an-revenue"), "num"),
    ];
    let rows = s
        .segments
        .iter()
        .map(|g| {
            let key = g.segment.as_str();
            let cells = vec![
                Cell {
                    text: vocab(locale, "rfm", key),
                    href: Some(params.with_segment(Some(key)).href()),
                    meter: Some(g.share),
                    ..Cell::default()
                },
                Cell::num(i18n::number(locale, g.customers as f64)),
                Cell {
                    class: "num muted",
                    ..Cell::num(i18n::percent(locale, g.share))
                },
                Cell::num(message1(
                    locale,
                    "an-days",
                    "n",
                    i18n::decimal(locale, g.average_recency_days, 0),
                )),
                Cell::num(i18n::decimal(locale, g.average_orders, 1)),
                Cell::num(i18n::money_whole(
                    locale,
                    g.average_revenue_minor,
                    &s.currency,
                )),
            ];
            let chosen = params.segment.as_deref() == Some(key);
            (key.to_owned(), chosen, cells)
        })
        .collect();
    view! {
        <p class="muted hint-line">{note}</p>
        {data_table("segments", "segment", heads, rows)}
    }
    .into_any()
}

/// The largest groups of one dimension, as "广东省 20% · 浙江省 13%".
fn top_groups(locale: Locale, d: &PortraitDimension, regions: &Regions) -> String {
    let dimension = d.dimension.as_str();
    d.groups
        .iter()
        .take(3)
        .map(|g| {
            let name = match g.key.as_deref() {
                None => message(locale, "dist-not-set", None),
                Some(code) if dimension == "region" => regions
                    .name(locale, code)
                    .or_else(|| g.label.clone())
                    .unwrap_or_else(|| code.to_owned()),
                Some(key) if dimension == "industry" => vocab(locale, "industry", key),
                Some(key) => g.label.clone().unwrap_or_else(|| key.to_owned()),
            };
            format!("{name} {}", i18n::percent(locale, g.share))
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

fn portrait(locale: Locale, p: &Answer, regions: &Regions) -> AnyView {
    let t = |key: &str| message(locale, key, None);
    let money = |v: Option<i64>| {
        v.map_or_else(
            || "—".to_owned(),
            |v| i18n::money_whole(locale, v as f64, &p.currency),
        )
    };
    let figures = vec![
        (t("an-customers"), i18n::number(locale, p.customers as f64)),
        (t("an-buyers"), i18n::number(locale, p.buyers as f64)),
        (t("an-total-revenue"), money(Some(p.revenue_minor))),
        (t("an-aov"), money(p.average_order_value_minor)),
        (t("an-clv"), money(p.clv_historical_minor)),
        (
            t("an-churn-rate"),
            p.churn_rate
                .map_or_else(|| "—".to_owned(), |r| i18n::percent(locale, r)),
        ),
    ];
    let groups = ["region", "industry", "owner"]
        .iter()
        .filter_map(|want| p.dimensions.iter().find(|d| d.dimension.as_str() == *want))
        .filter(|d| !d.groups.is_empty())
        .map(|d| {
            (
                t(&format!("dim-{}", d.dimension.as_str())),
                top_groups(locale, d, regions),
            )
        })
        .collect();
    view! {
        {figure_list("portrait-figures", "figures", figures)}
        {figure_list("portrait-groups", "portrait-groups", groups)}
    }
    .into_any()
}

#[component]
pub fn Portrait(params: Memo<Params>) -> impl IntoView {
    let locale = use_locale();
    let lookups = use_lookups();
    let segment = Memo::new(move |_| params.with(|p| p.segment.clone()));
    let path = Memo::new(move |_| {
        params.with(|p| {
            let segment = crate::api::encode(p.segment.as_deref().unwrap_or_default());
            p.api("portrait", &[format!("rfm_segment={segment}")])
        })
    });
    let answer = Load::<Answer>::new(move || path.get());
    let title = move || {
        let locale = locale.get();
        let name = vocab(locale, "rfm", &segment.get().unwrap_or_default());
        message1(locale, "an-portrait-title", "segment", name)
    };
    let body = move || match answer.get() {
        None => view! { <Skeleton rows=3/> }.into_any(),
        Some(Err(e)) => view! { <ErrorView error=e/> }.into_any(),
        Some(Ok(p)) => lookups.regions.with(|r| portrait(locale.get(), &p, r)),
    };
    view! {
        <div class="card" id="portrait" class:stale=move || answer.loading()>
            <div class="section-head">
                <h2 id="portrait-title">{title}</h2>
                <a class="button" id="portrait-close" href=move || params.with(|p| p.with_segment(None).href())>{tr("an-close")}</a>
            </div>
            {body}
        </div>
    }
}
