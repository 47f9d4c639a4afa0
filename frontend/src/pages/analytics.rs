//! Customer analytics (客户分析): RFM segments with their R × F heatmap and,
//! for the segment picked, its portrait; acquisition cohorts' retention; and
//! k-means behavioural clusters as a scatter with a table of centroids.
//! From `GET /api/v1/analytics/{rfm,cohorts,kmeans,portrait}`; the chosen
//! segment and k live in the URL (`?segment=…&k=…`).

mod charts;
mod clusters;
mod segments;

use crm_api_types::analytics::{CohortMatrix, KmeansResult, RfmSummary};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use serde::de::DeserializeOwned;

use crate::api::ApiError;
use crate::components::{Empty, ErrorView, Skeleton, When};
use crate::echarts::Chart;
use crate::i18n::{Locale, message, tr, use_locale};
use crate::load::Load;

/// The page's address with `segment` and `k` (each optional).
fn href(segment: Option<&str>, k: Option<u32>) -> String {
    let mut query = Vec::new();
    if let Some(s) = segment {
        query.push(format!("segment={s}"));
    }
    if let Some(k) = k {
        query.push(format!("k={k}"));
    }
    if query.is_empty() {
        "/analytics".to_owned()
    } else {
        format!("/analytics?{}", query.join("&"))
    }
}

/// A message with one argument.
pub(crate) fn message1(locale: Locale, key: &str, name: &'static str, value: String) -> String {
    let mut args = fluent_bundle::FluentArgs::new();
    args.set(name, value);
    message(locale, key, Some(&args))
}

/// Draws `option()` into a chart element whenever what it reads changes;
/// a failure to load the library lands in `error`.
fn draw(
    el: NodeRef<leptos::html::Div>,
    error: RwSignal<Option<ApiError>>,
    option: Box<dyn Fn() -> Option<serde_json::Value>>,
) {
    let chart = Chart::new(|_| {}, el);
    Effect::new(move |_| {
        if let Some(option) = option() {
            leptos::task::spawn_local(async move {
                if let Err(e) = chart.show(el, None, option.to_string()).await {
                    error.set(Some(e));
                }
            });
        }
    });
}

/// What a card shows: `None` while loading, the error, or whether the
/// answer is empty.
type Status = Signal<Option<Result<bool, ApiError>>>;

fn status<T: DeserializeOwned + Clone + Send + Sync + 'static>(
    load: Load<T>,
    empty: fn(&T) -> bool,
) -> Status {
    Signal::derive(move || {
        load.with(|r| {
            r.as_ref()
                .map(|r| r.as_ref().map(empty).map_err(Clone::clone))
        })
    })
}

/// One card's body: a skeleton while loading, the error, the empty state,
/// or `children` (always in the DOM, so its chart element exists).
#[component]
fn State(status: Status, children: Children) -> impl IntoView {
    view! {
        {move || match status.get() {
            None => view! { <Skeleton rows=4/> }.into_any(),
            Some(Err(e)) => view! { <ErrorView error=e/> }.into_any(),
            Some(Ok(true)) => view! { <Empty message=tr("an-empty")/> }.into_any(),
            Some(Ok(false)) => ().into_any(),
        }}
        <div class:hidden=move || status.get() != Some(Ok(false))>{children()}</div>
    }
}

#[component]
pub fn Analytics() -> impl IntoView {
    let locale = use_locale();
    let query = use_query_map();
    let segment = Memo::new(move |_| query.with(|q| q.get("segment")));
    let k = Memo::new(move |_| {
        query
            .with(|q| q.get("k").and_then(|k| k.parse::<u32>().ok()))
            .filter(|k| (2..=8).contains(k))
    });
    let rfm = Load::<RfmSummary>::new(|| "/api/v1/analytics/rfm".to_owned());
    let cohorts = Load::<CohortMatrix>::new(|| "/api/v1/analytics/cohorts?months=12".to_owned());
    let kmeans = Load::<KmeansResult>::new(move || match k.get() {
        Some(k) => format!("/api/v1/analytics/kmeans?k={k}"),
        None => "/api/v1/analytics/kmeans".to_owned(),
    });
    let chart_error = RwSignal::new(None);
    let t = move |key: &str| message(locale.get(), key, None);

    let rfm_el = NodeRef::new();
    draw(
        rfm_el,
        chart_error,
        Box::new(move || {
            let words = [t("an-r-axis"), t("an-f-axis"), t("an-customers")];
            rfm.ok_with(|s| charts::rfm_grid(s, words.clone()))
        }),
    );
    let cohort_el = NodeRef::new();
    draw(
        cohort_el,
        chart_error,
        Box::new(move || {
            let locale = locale.get();
            cohorts
                .ok_with(|m| {
                    let columns = m.cohorts.iter().map(|c| c.retention.len()).max()?;
                    let words = charts::CohortWords {
                        size: t("an-customers"),
                        cohort: t("an-cohort"),
                        retention: t("an-retention"),
                        months: (0..columns)
                            .map(|n| message1(locale, "an-month-n", "n", n.to_string()))
                            .collect(),
                    };
                    Some(charts::cohorts(m, locale, words))
                })
                .flatten()
        }),
    );
    let cohort_width = move || {
        let columns = cohorts
            .ok_with(|m| m.cohorts.iter().map(|c| c.retention.len()).max())
            .flatten()
            .unwrap_or(0);
        format!("min-width:{}px", 120 + columns * 56)
    };
    let cohort_height = move || {
        let rows = cohorts.ok_with(|m| m.cohorts.len()).unwrap_or(0);
        format!("{}px", 48 + rows * 30)
    };
    let scatter_el = NodeRef::new();
    draw(
        scatter_el,
        chart_error,
        Box::new(move || {
            let locale = locale.get();
            let currency = rfm.ok_with(|s| s.currency.clone())?;
            kmeans
                .ok_with(|r| {
                    let words = charts::ScatterWords {
                        x: t("an-x-recency"),
                        y: message1(locale, "an-y-aov", "currency", currency.clone()),
                        clusters: (1..=r.clusters.len())
                            .map(|n| message1(locale, "an-cluster-n", "n", n.to_string()))
                            .collect(),
                    };
                    charts::scatter(r, locale, &currency, words)
                })
                .flatten()
        }),
    );

    let rfm_status = status(rfm, |s| s.buyers == 0);
    let cohort_status = status(cohorts, |m| m.cohorts.is_empty());
    let kmeans_status = status(kmeans, |r| r.clusters.is_empty());
    let pick_k = move |ev: leptos::ev::Event| {
        let k = event_target_value(&ev).parse().ok();
        use_navigate()(
            &href(segment.get_untracked().as_deref(), k),
            Default::default(),
        );
    };

    view! {
        <section class="analytics">
            <div class="toolbar"><h1 id="page-title">{tr("nav-analytics")}</h1></div>
            {move || chart_error.get().map(|e| view! { <ErrorView error=e/> })}
            <div class="an-grid">
                <div class="card">
                    <h2>{tr("an-rfm-title")}</h2>
                    <State status=rfm_status>
                        <segments::Segments summary=rfm selected=segment k=k/>
                    </State>
                </div>
                <div class="card">
                    <h2>{tr("an-grid-title")}</h2>
                    <State status=rfm_status>
                        <div id="rfm-chart" class="chart square" node_ref=rfm_el></div>
                    </State>
                </div>
            </div>
            <When when=move || segment.with(Option::is_some)>
                <segments::Portrait segment=segment k=k/>
            </When>
            <div class="card">
                <h2>{tr("an-cohort-title")}</h2>
                <State status=cohort_status>
                    <div class="scroll-x">
                        <div id="cohort-chart" class="chart" node_ref=cohort_el style=cohort_width style:height=cohort_height></div>
                    </div>
                </State>
            </div>
            <div class="card">
                <div class="section-head">
                    <h2>{tr("an-kmeans-title")}</h2>
                    <select id="k" aria-label=tr("an-k") on:change=pick_k prop:value=move || k.get().map(|k| k.to_string()).unwrap_or_default()>
                        <option value="">{tr("an-k-auto")}</option>
                        {(2..=8).map(|n| view! { <option value=n.to_string()>{format!("k = {n}")}</option> }).collect_view()}
                    </select>
                </div>
                <State status=kmeans_status>
                    <div class="km-grid">
                        <div id="kmeans-chart" class="chart" node_ref=scatter_el></div>
                        <clusters::Clusters result=kmeans currency=rfm/>
                    </div>
                </State>
            </div>
        </section>
    }
}
