//! Customer value and churn (客户价值与流失): per RFM segment or value tier,
//! the value per buying customer so far (CLV, `measure=clv`) beside the
//! share of buyers who have churned (`measure=churn_rate`), from
//! `GET /analytics/distribution`; the headline figures over everyone the
//! filters select, and which model predicts each customer's next 12 months.

use crm_api_types::analytics::{ClvMethod, CustomerProfile, Distribution, KmeansResult};
use crm_api_types::domain::analytics::{Dimension, RfmSegment};
use leptos::prelude::*;

use super::charts::{self, ValueRow};
use super::params::Params;
use super::{State, draw};
use crate::api::ApiError;
use crate::components::figure_list;
use crate::i18n::{self, Locale, message, tr, use_locale, vocab};
use crate::load::Load;

/// Value tiers from the top (customers without orders have no value).
const TIERS: [&str; 4] = ["top", "high", "mid", "low"];

/// The groups in their natural order, each with its CLV and churn rate.
fn rows(locale: Locale, by_tier: bool, clv: &Distribution, churn: &Distribution) -> Vec<ValueRow> {
    let keys: Vec<&str> = if by_tier {
        TIERS.to_vec()
    } else {
        RfmSegment::ALL.iter().map(|s| s.as_str()).collect()
    };
    let find = |d: &Distribution, key: &str| {
        d.groups
            .iter()
            .find(|g| g.key.as_deref() == Some(key))
            .map(|g| g.figure.value)
    };
    keys.into_iter()
        .filter_map(|key| {
            let (clv_minor, churn) = (find(clv, key), find(churn, key));
            if clv_minor.is_none() && churn.is_none() {
                return None;
            }
            let name = if by_tier {
                vocab(locale, "value-tier", key)
            } else {
                vocab(locale, "rfm", key)
            };
            Some(ValueRow {
                name,
                clv_minor,
                churn,
            })
        })
        .collect()
}

/// The model behind the 12-month predictions, read from one buyer's
/// profile (the API has no aggregate of predicted CLV yet).
fn watch_method(kmeans: Load<KmeansResult>, method: RwSignal<Option<ClvMethod>>) {
    Effect::new(move |_| {
        if method.get_untracked().is_some() {
            return;
        }
        let Some(id) = kmeans
            .ok_with(|r| r.points.first().map(|p| p.customer_id))
            .flatten()
        else {
            return;
        };
        leptos::task::spawn_local(async move {
            let path = format!("/api/v1/customers/{id}/profile");
            if let Ok(p) = crate::api::get::<CustomerProfile>(&path).await {
                method.set(p.clv_method);
            }
        });
    });
}

#[component]
pub fn ValuePanel(
    params: Memo<Params>,
    go: impl Fn(Params) + Copy + Send + Sync + 'static,
    kmeans: Load<KmeansResult>,
    chart_error: RwSignal<Option<ApiError>>,
) -> impl IntoView {
    let locale = use_locale();
    let by_tier = Memo::new(move |_| params.with(|p| p.by == "value_tier"));
    let path = move |measure: &'static str| {
        Memo::new(move |_| {
            let dimension = if by_tier.get() {
                "value_tier"
            } else {
                "rfm_segment"
            };
            params.with(|p| {
                p.api(
                    "distribution",
                    &[
                        format!("dimension={dimension}"),
                        format!("measure={measure}"),
                    ],
                )
            })
        })
    };
    let (clv_path, churn_path) = (path("clv"), path("churn_rate"));
    let clv = Load::<Distribution>::new(move || clv_path.get());
    let churn = Load::<Distribution>::new(move || churn_path.get());
    let method = RwSignal::new(None);
    watch_method(kmeans, method);

    // Both answers, once both are for the grouping shown (after a toggle one
    // may still be the previous grouping's).
    let both = move || {
        let clv = clv.get()?;
        let churn = churn.get()?;
        let pair = clv.and_then(|c| churn.map(|h| (c, h)));
        let wanted = if by_tier.get() {
            Dimension::ValueTier
        } else {
            Dimension::RfmSegment
        };
        match &pair {
            Ok((c, h)) if c.dimension != wanted || h.dimension != wanted => None,
            _ => Some(pair),
        }
    };
    let value_status = Signal::derive(move || {
        both().map(|r| r.map(|(c, _)| c.groups.is_empty() || c.total.value == 0.0))
    });
    let el = NodeRef::new();
    draw(
        el,
        chart_error,
        Box::new(move || {
            let (c, h) = both()?.ok()?;
            let locale = locale.get();
            let rows = rows(locale, by_tier.get(), &c, &h);
            let names = [
                message(locale, "an-clv-per-buyer", None),
                message(locale, "an-churn-rate", None),
            ];
            Some(charts::value_bars(&rows, locale, &c.currency, names))
        }),
    );
    let height = move || {
        let n = both()
            .and_then(Result::ok)
            .map_or(0, |(c, h)| rows(locale.get(), by_tier.get(), &c, &h).len());
        format!("{}px", 72 + n.max(1) * 34)
    };
    let figures = move || {
        let (c, h) = both()?.ok()?;
        let locale = locale.get();
        let t = |key: &str| message(locale, key, None);
        let items = vec![
            (
                t("an-clv-per-buyer"),
                i18n::money_whole(locale, c.total.value, &c.currency),
            ),
            (t("an-churn-rate"), i18n::percent(locale, h.total.value)),
        ];
        Some(figure_list("value-figures", "figures", items))
    };
    let model = move || {
        let key = match method.get()? {
            ClvMethod::BgNbdGammaGamma => "an-clv-model-bg-nbd",
            ClvMethod::RunRate => "an-clv-model-run-rate",
        };
        let locale = locale.get();
        let name = message(locale, key, None);
        Some(
            view! { <p class="muted hint-line" id="clv-model">{super::message1(locale, "an-clv-model", "model", name)}</p> },
        )
    };
    let set_by = move |tier: bool| {
        move |_| {
            let mut next = params.get_untracked();
            next.by = if tier {
                "value_tier".to_owned()
            } else {
                String::new()
            };
            go(next);
        }
    };
    view! {
        <div class="card" id="value" class:stale=move || clv.loading() || churn.loading()>
            <div class="section-head">
                <h2>{tr("an-value-title")}</h2>
                <div class="segmented">
                    <button id="value-by-rfm" class:active=move || !by_tier.get() on:click=set_by(false)>{tr("an-by-rfm")}</button>
                    <button id="value-by-tier" class:active=move || by_tier.get() on:click=set_by(true)>{tr("an-by-tier")}</button>
                </div>
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
