//! Customer value and churn (客户价值与流失): what the buyers the filters
//! select are predicted to spend over the next 12 months, from
//! `GET /analytics/clv`. Headline figures over everyone (buyers, predicted
//! revenue, predicted value per buyer, buyers likely lost, mean P(alive)),
//! then per RFM segment, in the API's order (largest predicted revenue
//! first): the predicted value per buyer beside the segment's churn rate
//! from `GET /analytics/distribution` (`measure=churn_rate`), and the model
//! the predictions come from.
//!
//! The churn rate, not the mean P(alive), stands beside the value: it
//! exists under both models and says what happened (silent for longer than
//! the churn period), whereas BG/NBD counts one-order buyers as alive, so
//! the "lost" segment can show a high P(alive). P(alive) and the buyers
//! likely lost are in each bar's tooltip and the headline.

use crm_api_types::analytics::{ClvGroup, ClvMethod, ClvSummary, Distribution};
use leptos::prelude::*;

use super::charts::{self, ValueRow};
use super::params::Params;
use super::{State, draw};
use crate::api::ApiError;
use crate::i18n::{self, Locale, message, tr, use_locale, vocab};
use crate::load::Load;

fn args(pairs: &[(&'static str, String)]) -> fluent_bundle::FluentArgs<'static> {
    let mut args = fluent_bundle::FluentArgs::new();
    for (name, value) in pairs {
        args.set(*name, value.clone());
    }
    args
}

/// "7 位（11.1%）": the buyers of `g` likely lost and their share.
fn likely_lost(locale: Locale, g: &ClvGroup) -> String {
    let share = if g.buyers > 0 {
        g.likely_lost as f64 / g.buyers as f64
    } else {
        0.0
    };
    let args = args(&[
        ("n", i18n::number(locale, g.likely_lost as f64)),
        ("share", i18n::percent(locale, share)),
    ]);
    message(locale, "an-clv-lost-n", Some(&args))
}

/// The headline figures over everyone: `(data-key, label, value)`.
fn headline(locale: Locale, s: &ClvSummary) -> Vec<(&'static str, String, String)> {
    let t = |key: &str| message(locale, key, None);
    let money = |minor: i64| i18n::money_whole(locale, minor as f64, &s.currency);
    let g = &s.total;
    let mut items = vec![
        (
            "buyers",
            t("an-buyers"),
            i18n::number(locale, g.buyers as f64),
        ),
        (
            "predicted",
            t("an-clv-predicted"),
            money(g.predicted_12m_minor),
        ),
        (
            "average",
            t("an-clv-average"),
            money(g.average_predicted_12m_minor),
        ),
        ("likely_lost", t("an-clv-lost"), likely_lost(locale, g)),
    ];
    if let Some(p) = g.average_p_alive {
        items.push(("p_alive", t("an-clv-p-alive"), i18n::percent(locale, p)));
    }
    items
}

/// One bar per segment with buyers, in the API's order, with its churn rate
/// and the segment's other figures for the tooltip.
fn rows(locale: Locale, s: &ClvSummary, churn: &Distribution) -> Vec<ValueRow> {
    let t = |key: &str| message(locale, key, None);
    let money = |minor: i64| i18n::money_whole(locale, minor as f64, &s.currency);
    s.segments
        .iter()
        .filter(|g| g.buyers > 0)
        .filter_map(|g| {
            let key = g.segment?.as_str();
            let rate = churn
                .groups
                .iter()
                .find(|c| c.key.as_deref() == Some(key))
                .map(|c| c.figure.value);
            let mut lines = vec![
                format!(
                    "{}: {}",
                    t("an-buyers"),
                    i18n::number(locale, g.buyers as f64)
                ),
                format!(
                    "{}: {}",
                    t("an-clv-predicted"),
                    money(g.predicted_12m_minor)
                ),
                format!("{}: {}", t("an-clv-historical"), money(g.historical_minor)),
            ];
            if let Some(p) = g.average_p_alive {
                lines.push(format!(
                    "{}: {}",
                    t("an-clv-p-alive"),
                    i18n::percent(locale, p)
                ));
            }
            lines.push(format!("{}: {}", t("an-clv-lost"), likely_lost(locale, g)));
            Some(ValueRow {
                name: vocab(locale, "rfm", key),
                value_minor: Some(g.average_predicted_12m_minor as f64),
                rate,
                details: lines.join("<br/>"),
            })
        })
        .collect()
}

#[component]
pub fn ValuePanel(params: Memo<Params>, chart_error: RwSignal<Option<ApiError>>) -> impl IntoView {
    let locale = use_locale();
    let clv_path = Memo::new(move |_| params.with(|p| p.api("clv", &[])));
    let churn_path = Memo::new(move |_| {
        params.with(|p| {
            p.api(
                "distribution",
                &[
                    "dimension=rfm_segment".to_owned(),
                    "measure=churn_rate".to_owned(),
                ],
            )
        })
    });
    let clv = Load::<ClvSummary>::new(move || clv_path.get());
    let churn = Load::<Distribution>::new(move || churn_path.get());

    // The figures wait for the prediction only; the bars for both answers.
    let value_status = Signal::derive(move || {
        clv.with(|r| {
            r.as_ref().map(|r| {
                r.as_ref()
                    .map(|s| s.total.buyers == 0)
                    .map_err(Clone::clone)
            })
        })
    });
    let both = move || {
        let s = clv.get()?.ok()?;
        let h = churn.get()?.ok()?;
        Some((s, h))
    };
    let el = NodeRef::new();
    draw(
        el,
        chart_error,
        Box::new(move || {
            let (s, h) = both()?;
            let locale = locale.get();
            let rows = rows(locale, &s, &h);
            let names = [
                message(locale, "an-clv-average", None),
                message(locale, "an-churn-rate", None),
            ];
            Some(charts::value_bars(&rows, locale, &s.currency, names))
        }),
    );
    let height = move || {
        let n = clv
            .ok_with(|s| s.segments.iter().filter(|g| g.buyers > 0).count())
            .unwrap_or(0);
        format!("{}px", 72 + n.max(1) * 34)
    };
    let figures = move || {
        let locale = locale.get();
        let items = clv.ok_with(|s| headline(locale, s))?;
        Some(view! {
            <dl class="figures" id="value-figures">
                {items.into_iter().map(|(key, label, value)| view! {
                    <div data-key=key><dt>{label}</dt><dd>{value}</dd></div>
                }).collect_view()}
            </dl>
        })
    };
    let model = move || {
        let locale = locale.get();
        let (method, as_of) = clv.ok_with(|s| (s.method, s.as_of))?;
        let key = match method? {
            ClvMethod::BgNbdGammaGamma => "an-clv-model-bg-nbd",
            ClvMethod::RunRate => "an-clv-model-run-rate",
        };
        let args = args(&[
            ("model", message(locale, key, None)),
            ("date", i18n::date(locale, &format!("{as_of}T00:00:00"))),
        ]);
        let mut text = message(locale, "an-clv-model", Some(&args));
        if method == Some(ClvMethod::BgNbdGammaGamma) {
            text.push(' ');
            text.push_str(&message(locale, "an-clv-p-alive-hint", None));
        }
        Some(view! { <p class="muted hint-line" id="clv-model">{text}</p> })
    };
    view! {
        <div class="card" id="value" class:stale=move || clv.loading() || churn.loading()>
            <div class="section-head">
                <h2>{tr("an-value-title")}</h2>
            </div>
            <State status=value_status>
                {figures}
                <div id="value-chart" class="chart" node_ref=el style:height=height></div>
                <p class="muted hint-line">{tr("an-value-hint")}</p>
                {model}
            </State>
        </div>
    }
}
