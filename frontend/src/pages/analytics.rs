//! Customer analytics (客户分析): KPI tiles over a period with the change
//! against the period before; predicted customer value and churn per RFM
//! segment; RFM segments with their R × F heatmap and, for the segment
//! picked, its portrait; acquisition cohorts' retention or revenue; and
//! k-means behavioural clusters on the features picked, as a scatter with a
//! table of centroids. From `GET /api/v1/analytics/{kpis,clv,distribution,
//! rfm,portrait,cohorts,kmeans}`; every panel applies the page's filters, and
//! all state lives in the URL (`params`).

mod charts;
mod clusters;
mod filters;
mod kpis;
mod params;
mod segments;
mod value;

use crm_api_types::analytics::{CohortMatrix, KmeansResult, RfmSummary};
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};
use serde::de::DeserializeOwned;

use self::params::Params;
use crate::api::ApiError;
use crate::components::{Empty, ErrorView, Skeleton, When};
use crate::echarts::Chart;
use crate::i18n::{Locale, message, tr, use_locale};
use crate::load::Load;

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

/// The name of a scatter axis: the feature and its unit.
fn axis_name(locale: Locale, feature: &str, currency: &str) -> String {
    let mut args = fluent_bundle::FluentArgs::new();
    args.set(
        "name",
        message(
            locale,
            &format!("an-feature-{}", feature.replace('_', "-")),
            None,
        ),
    );
    args.set("currency", currency.to_owned());
    let key = match charts::unit(feature) {
        charts::Unit::Days => "an-axis-days",
        charts::Unit::Rate => "an-axis-rate",
        charts::Unit::Money => "an-axis-money",
    };
    message(locale, key, Some(&args))
}

#[component]
pub fn Analytics() -> impl IntoView {
    let locale = use_locale();
    let query = use_query_map();
    let params = Memo::new(move |_| query.with(Params::from_query));
    // A control changes the URL in place: no jump to the top, which would
    // also swallow a click whose mousedown blurred an edited field (its
    // change event navigates first); an unchanged state navigates nowhere.
    let go = move |p: Params| {
        let href = p.href();
        if params.with_untracked(|now| now.href()) != href {
            let options = NavigateOptions {
                scroll: false,
                ..Default::default()
            };
            use_navigate()(&href, options);
        }
    };
    let rfm_path = Memo::new(move |_| params.with(|p| p.api("rfm", &[])));
    let cohort_path =
        Memo::new(move |_| params.with(|p| p.api("cohorts", &["months=12".to_owned()])));
    let kmeans_path = Memo::new(move |_| params.with(Params::kmeans_api));
    let rfm = Load::<RfmSummary>::new(move || rfm_path.get());
    let cohorts = Load::<CohortMatrix>::new(move || cohort_path.get());
    let kmeans = Load::<KmeansResult>::new(move || kmeans_path.get());
    let revenue = Memo::new(move |_| params.with(|p| p.cohort == "revenue"));
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
            let revenue = revenue.get();
            cohorts
                .ok_with(|m| {
                    let columns = m.cohorts.iter().map(|c| c.retention.len()).max()?;
                    let words = charts::CohortWords {
                        size: t("an-customers"),
                        cohort: t("an-cohort"),
                        retention: t("an-retention"),
                        revenue: t("an-cohort-revenue"),
                        active: t("an-active-buyers"),
                        months: (0..columns)
                            .map(|n| message1(locale, "an-month-n", "n", n.to_string()))
                            .collect(),
                    };
                    Some(charts::cohorts(m, locale, words, revenue))
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
                    let (x, y) = charts::axes(&r.features)?;
                    let words = charts::ScatterWords {
                        x: axis_name(locale, &r.features[x], &currency),
                        y: axis_name(locale, &r.features[y], &currency),
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
        let mut next = params.get_untracked();
        next.k = event_target_value(&ev).parse().ok();
        go(next);
    };
    let set_cohort = move |to_revenue: bool| {
        move |_| {
            let mut next = params.get_untracked();
            next.cohort = if to_revenue {
                "revenue".to_owned()
            } else {
                String::new()
            };
            go(next);
        }
    };
    let cohort_title = move || {
        t(if revenue.get() {
            "an-cohort-revenue-title"
        } else {
            "an-cohort-title"
        })
    };

    view! {
        <section class="analytics">
            <div class="toolbar an-toolbar">
                <h1 id="page-title">{tr("nav-analytics")}</h1>
                <filters::Filters params=params go=go/>
            </div>
            {move || chart_error.get().map(|e| view! { <ErrorView error=e/> })}
            <kpis::KpiPanel params=params go=go/>
            <value::ValuePanel params=params chart_error=chart_error/>
            <div class="an-grid">
                <div class="card">
                    <h2>{tr("an-rfm-title")}</h2>
                    <State status=rfm_status>
                        <segments::Segments summary=rfm params=params/>
                    </State>
                </div>
                <div class="card">
                    <h2>{tr("an-grid-title")}</h2>
                    <State status=rfm_status>
                        <div id="rfm-chart" class="chart square" node_ref=rfm_el></div>
                    </State>
                </div>
            </div>
            <When when=move || params.with(|p| p.segment.is_some())>
                <segments::Portrait params=params/>
            </When>
            <div class="card" id="cohorts" class:stale=move || cohorts.loading()>
                <div class="section-head">
                    <h2 id="cohort-title">{cohort_title}</h2>
                    <div class="segmented">
                        <button id="cohort-retention" class:active=move || !revenue.get() on:click=set_cohort(false)>{tr("an-retention")}</button>
                        <button id="cohort-revenue" class:active=move || revenue.get() on:click=set_cohort(true)>{tr("an-cohort-revenue")}</button>
                    </div>
                </div>
                <State status=cohort_status>
                    <div class="scroll-x">
                        <div id="cohort-chart" class="chart" node_ref=cohort_el style=cohort_width style:height=cohort_height></div>
                    </div>
                </State>
            </div>
            <div class="card" id="kmeans" class:stale=move || kmeans.loading()>
                <div class="section-head">
                    <h2>{tr("an-kmeans-title")}</h2>
                    <select id="k" aria-label=tr("an-k") on:change=pick_k prop:value=move || params.with(|p| p.k.map(|k| k.to_string()).unwrap_or_default())>
                        <option value="">{tr("an-k-auto")}</option>
                        {(2..=8).map(|n| view! { <option value=n.to_string()>{format!("k = {n}")}</option> }).collect_view()}
                    </select>
                </div>
                <div class="an-features" id="kmeans-features">
                    <span class="muted">{tr("an-features")}</span>
                    <clusters::FeaturePicker params=params go=go/>
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
