//! 销售预测 Sales forecast: for a quarter or month (previous / next in
//! place) and the caller's whole scope, one team's subtree or one rep —
//! closed won, the commit and best-case roll-ups, the pipeline and the
//! stage-weighted figure; a table per rep; and order revenue by month with
//! the Holt-Winters forecast of the months to come and its backtest
//! against seasonal-naive; and the period's quotas (`quotas`). From
//! `GET /api/v1/forecast`; the period, team and rep live in the URL
//! (`period_bar`).

use crm_api_types::forecast::{Forecast, ForecastFigures};
use leptos::prelude::*;
use serde_json::json;

use super::period_bar::{PeriodBar, PeriodQuery, Shown};
use crate::components::{ErrorView, Skeleton};
use crate::echarts::Chart;
use crate::i18n::{self, Locale, tr, use_locale, use_t};
use crate::load::Load;

/// The tiles: catalog key and figure.
fn tiles(f: &ForecastFigures) -> [(&'static str, i64); 5] {
    [
        ("fc-closed", f.closed_won_minor),
        ("fc-commit", f.closed_won_minor + f.commit_minor),
        (
            "fc-best-case",
            f.closed_won_minor + f.commit_minor + f.best_case_minor,
        ),
        ("fc-pipeline", f.pipeline_minor),
        ("fc-weighted", f.weighted_minor),
    ]
}

/// The revenue chart: booked months and the forecast of the months to come, as bars.
fn chart(f: &Forecast, locale: Locale, words: [String; 2]) -> serde_json::Value {
    let months: Vec<&str> = f.revenue.months.iter().map(|m| m.month.as_str()).collect();
    let major = |v: Option<i64>| v.map(|v| i18n::major(locale, v as f64, &f.currency));
    let actual: Vec<_> = f
        .revenue
        .months
        .iter()
        .map(|m| major(m.actual_minor))
        .collect();
    let forecast: Vec<_> = f
        .revenue
        .months
        .iter()
        .map(|m| major(m.forecast_minor))
        .collect();
    json!({
        "tooltip": {"trigger": "axis"},
        "legend": {"data": words, "top": 0},
        "grid": {"left": 64, "right": 16, "top": 36, "bottom": 32},
        "xAxis": {"type": "category", "data": months},
        "yAxis": {"type": "value"},
        "series": [
            {"name": words[0], "type": "bar", "data": actual, "itemStyle": {"color": "#4096ff"}},
            {"name": words[1], "type": "bar", "data": forecast,
             "itemStyle": {"color": "#fa8c16", "opacity": 0.75}},
        ],
    })
}

#[component]
pub fn SalesForecast() -> impl IntoView {
    let t = use_t();
    let locale = use_locale();
    let query = PeriodQuery::new();
    let forecast = Load::<Forecast>::new(move || format!("/api/v1/forecast?{}", query.api_query()));
    let shown = Signal::derive(move || {
        forecast.ok_with(|f| Shown {
            label: f.label.clone(),
            before: f.starts_on.pred_opt().map(|d| d.to_string()),
            after: f.ends_on.succ_opt().map(|d| d.to_string()),
        })
    });
    let el = NodeRef::new();
    let chart_error = RwSignal::new(None);
    let drawn = Chart::new(|_| {}, el);
    Effect::new(move |_| {
        let words = [t("fc-booked"), t("fc-forecast")];
        let locale = locale.get();
        if let Some(option) = forecast.ok_with(|f| chart(f, locale, words)) {
            leptos::task::spawn_local(async move {
                if let Err(e) = drawn.show(el, None, option.to_string()).await {
                    chart_error.set(Some(e));
                }
            });
        }
    });
    let money = move |v: i64, currency: &str| i18n::money_whole(locale.get(), v as f64, currency);

    view! {
        <section class="forecast-page" id="forecast-page">
            <PeriodBar prefix="fc" title="nav-forecast" route="/forecast" query=query shown=shown/>
            {move || match forecast.get() {
                None => view! { <Skeleton rows=6/> }.into_any(),
                Some(Err(e)) => view! { <ErrorView error=e/> }.into_any(),
                Some(Ok(f)) => {
                    let currency = f.currency.clone();
                    let tiles = tiles(&f.total).into_iter().map(|(key, value)| {
                        let currency = currency.clone();
                        view! {
                            <div class="kpi-tile" data-key=key>
                                <span class="kpi-label">{tr(key)}</span>
                                <strong class="kpi-value">{move || money(value, &currency)}</strong>
                            </div>
                        }
                    }).collect_view();
                    let expected = f.revenue.expected_minor;
                    let booked = f.revenue.actual_to_date_minor;
                    let backtest = f.revenue.backtest.clone().map(|b| {
                        let mut args = fluent_bundle::FluentArgs::new();
                        args.set("origins", b.origins);
                        args.set("horizon", b.horizon);
                        args.set("mase", format!("{:.2}", b.mase));
                        args.set("naive", format!("{:.2}", b.mase_seasonal_naive));
                        args.set("better", format!("{:.0}", b.improvement * 100.0));
                        i18n::message(locale.get(), "fc-backtest", Some(&args))
                    });
                    let rows = f.reps.iter().map(|r| {
                        let c = currency.clone();
                        let g = &r.figures;
                        let name = r.owner_name.clone().unwrap_or_else(|| t("fc-no-owner"));
                        let cells = [
                            g.closed_won_minor,
                            g.closed_won_minor + g.commit_minor,
                            g.closed_won_minor + g.commit_minor + g.best_case_minor,
                            g.pipeline_minor,
                            g.weighted_minor,
                        ];
                        view! {
                            <tr class="fc-rep">
                                <td>{name}</td>
                                {cells.into_iter().map(|v| {
                                    let c = c.clone();
                                    view! { <td class="num">{move || money(v, &c)}</td> }
                                }).collect_view()}
                            </tr>
                        }
                    }).collect_view();
                    let c2 = currency.clone();
                    let c3 = currency.clone();
                    view! {
                        <p class="muted" id="fc-range">{format!("{} – {}", f.starts_on, f.ends_on)}
                            {(f.other_currency_deals > 0).then(|| {
                                let mut args = fluent_bundle::FluentArgs::new();
                                args.set("n", f.other_currency_deals);
                                format!(" · {}", i18n::message(locale.get(), "fc-other-currency", Some(&args)))
                            })}
                        </p>
                        <div class="kpi-tiles card" id="fc-tiles">{tiles}</div>
                        <div class="card">
                            <h2>{tr("fc-by-rep")}</h2>
                            <div class="scroll-x">
                                <table class="rank" id="fc-reps">
                                    <thead><tr>
                                        <th>{tr("fc-rep")}</th>
                                        <th class="num">{tr("fc-closed")}</th>
                                        <th class="num">{tr("fc-commit")}</th>
                                        <th class="num">{tr("fc-best-case")}</th>
                                        <th class="num">{tr("fc-pipeline")}</th>
                                        <th class="num">{tr("fc-weighted")}</th>
                                    </tr></thead>
                                    <tbody>{rows}</tbody>
                                </table>
                            </div>
                        </div>
                        <div class="card" id="fc-revenue">
                            <h2>{tr("fc-revenue")}</h2>
                            <p>
                                <span id="fc-booked">{tr("fc-booked")}": "{move || money(booked, &c2)}</span>
                                " · "
                                <span id="fc-expected">{tr("fc-expected")}": "{move || match expected {
                                    Some(v) => money(v, &c3),
                                    None => t("fc-no-model"),
                                }}</span>
                            </p>
                            <p class="muted" id="fc-backtest">{backtest}</p>
                        </div>
                    }.into_any()
                }
            }}
            <super::quotas::QuotaCard period=Signal::derive(move || query.period()) date=Signal::derive(move || query.param("date"))/>
            <div class="card" class:hidden=move || forecast.ok_with(|_| ()).is_none()>
                {move || chart_error.get().map(|e| view! { <ErrorView error=e/> })}
                <div node_ref=el class="chart" id="fc-chart" style="height:320px"></div>
            </div>
        </section>
    }
}
