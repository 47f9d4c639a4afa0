//! 销售业绩 Rep performance: for a quarter or month (previous / next in
//! place) and the caller's whole scope, one team's subtree or one rep —
//! tiles for the totals, a ranked table per rep (won revenue, deals won and
//! lost, win rate, average deal, sales cycle, activities, new customers,
//! the previous period's commit accuracy), a bar chart of won revenue and
//! activities per rep, and the stage flow (entered, conversion, days in
//! stage). From `GET /api/v1/performance`; the period, team and rep live
//! in the URL (`period_bar`), as on the forecast page.

use crm_api_types::performance::{Performance, PerformanceFigures};
use leptos::prelude::*;
use serde_json::json;

use super::period_bar::{PeriodBar, PeriodQuery, Shown};
use crate::components::{ErrorView, Skeleton};
use crate::echarts::Chart;
use crate::i18n::{self, Locale, tr, use_locale, use_t};
use crate::load::Load;

/// A ratio as a percentage, or a dash.
fn share(locale: Locale, v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), |r| i18n::percent(locale, r))
}

/// Days with one decimal, or a dash.
fn days(locale: Locale, v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), |d| i18n::decimal(locale, d, 1))
}

/// The cells of a row (and the tiles): catalog key and text.
fn cells(f: &PerformanceFigures, locale: Locale, currency: &str) -> [(&'static str, String); 9] {
    let money = |v: i64| i18n::money_whole(locale, v as f64, currency);
    [
        ("pf-won-revenue", money(f.won_revenue_minor)),
        ("pf-won", f.deals_won.to_string()),
        ("pf-lost", f.deals_lost.to_string()),
        ("pf-win-rate", share(locale, f.win_rate)),
        (
            "pf-average-deal",
            f.average_deal_minor.map_or_else(|| "—".to_owned(), money),
        ),
        ("pf-cycle", days(locale, f.average_cycle_days)),
        ("pf-activities", f.activities.to_string()),
        ("pf-new-customers", f.new_customers.to_string()),
        ("pf-commit-accuracy", share(locale, f.commit_accuracy)),
    ]
}

/// Won revenue (bars, left axis) and activities (bars, right axis) per rep.
fn chart(p: &Performance, locale: Locale, words: [String; 3]) -> serde_json::Value {
    let names: Vec<String> = p
        .reps
        .iter()
        .map(|r| r.owner_name.clone().unwrap_or_else(|| words[2].clone()))
        .collect();
    let won: Vec<f64> = p
        .reps
        .iter()
        .map(|r| i18n::major(locale, r.figures.won_revenue_minor as f64, &p.currency))
        .collect();
    let activities: Vec<i64> = p.reps.iter().map(|r| r.figures.activities).collect();
    json!({
        "tooltip": {"trigger": "axis"},
        "legend": {"data": [words[0], words[1]], "top": 0},
        "grid": {"left": 64, "right": 48, "top": 36, "bottom": 48},
        "xAxis": {"type": "category", "data": names, "axisLabel": {"interval": 0, "rotate": 20}},
        "yAxis": [{"type": "value"}, {"type": "value", "splitLine": {"show": false}}],
        "series": [
            {"name": words[0], "type": "bar", "data": won, "itemStyle": {"color": "#4096ff"}},
            {"name": words[1], "type": "bar", "yAxisIndex": 1, "data": activities,
             "itemStyle": {"color": "#73d13d"}},
        ],
    })
}

#[component]
pub fn RepPerformance() -> impl IntoView {
    let t = use_t();
    let locale = use_locale();
    let query = PeriodQuery::new();
    let report =
        Load::<Performance>::new(move || format!("/api/v1/performance?{}", query.api_query()));
    let shown = Signal::derive(move || {
        report.ok_with(|p| Shown {
            label: p.label.clone(),
            before: p.starts_on.pred_opt().map(|d| d.to_string()),
            after: p.ends_on.succ_opt().map(|d| d.to_string()),
        })
    });
    let el = NodeRef::new();
    let chart_error = RwSignal::new(None);
    let drawn = Chart::new(|_| {}, el);
    Effect::new(move |_| {
        let words = [t("pf-won-revenue"), t("pf-activities"), t("fc-no-owner")];
        let locale = locale.get();
        if let Some(option) = report.ok_with(|p| chart(p, locale, words)) {
            leptos::task::spawn_local(async move {
                if let Err(e) = drawn.show(el, None, option.to_string()).await {
                    chart_error.set(Some(e));
                }
            });
        }
    });

    view! {
        <section class="performance-page" id="performance-page">
            <PeriodBar prefix="pf" title="nav-performance" route="/performance" query=query shown=shown/>
            {move || match report.get() {
                None => view! { <Skeleton rows=6/> }.into_any(),
                Some(Err(e)) => view! { <ErrorView error=e/> }.into_any(),
                Some(Ok(p)) => report_view(&p, locale.get(), t).into_any(),
            }}
            <div class="card" class:hidden=move || report.ok_with(|_| ()).is_none()>
                {move || chart_error.get().map(|e| view! { <ErrorView error=e/> })}
                <div node_ref=el class="chart" id="pf-chart" style="height:320px"></div>
            </div>
        </section>
    }
}

fn report_view(
    p: &Performance,
    locale: Locale,
    t: impl Fn(&str) -> String + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let tiles = cells(&p.total, locale, &p.currency)
        .into_iter()
        .map(|(key, text)| {
            view! {
                <div class="kpi-tile" data-key=key>
                    <span class="kpi-label">{tr(key)}</span>
                    <strong class="kpi-value">{text}</strong>
                </div>
            }
        })
        .collect_view();
    let heads = cells(&p.total, locale, &p.currency)
        .map(|(key, _)| view! { <th class="num">{tr(key)}</th> })
        .into_iter()
        .collect_view();
    let rows = p
        .reps
        .iter()
        .map(|r| {
            let name = r.owner_name.clone().unwrap_or_else(|| t("fc-no-owner"));
            let link = r.owner_id.map(|id| format!("/performance?owner_id={id}"));
            // The accuracy's cell names the commit and what was won.
            let basis = format!(
                "{} {} → {} {}",
                t("fc-commit"),
                i18n::money_whole(locale, r.figures.last_commit_minor as f64, &p.currency),
                t("pf-won-revenue"),
                i18n::money_whole(locale, r.figures.last_won_minor as f64, &p.currency),
            );
            let cells = cells(&r.figures, locale, &p.currency)
                .map(|(key, text)| {
                    let title = (key == "pf-commit-accuracy").then(|| basis.clone());
                    view! { <td class="num" data-key=key title=title>{text}</td> }
                })
                .into_iter()
                .collect_view();
            view! {
                <tr class="pf-rep">
                    <td class="num">{r.rank}</td>
                    <td>{match link {
                        Some(href) => view! { <a href=href>{name}</a> }.into_any(),
                        None => name.into_any(),
                    }}</td>
                    {cells}
                </tr>
            }
        })
        .collect_view();
    let stages = p
        .stages
        .iter()
        .map(|s| {
            view! {
                <tr class="pf-stage" data-kind=s.kind.clone()>
                    <td>{s.stage_name.clone()}</td>
                    <td class="num">{s.entered}</td>
                    <td class="num">{s.advanced}</td>
                    <td class="num">{share(locale, s.conversion)}</td>
                    <td class="num">{days(locale, s.average_days_in_stage)}</td>
                </tr>
            }
        })
        .collect_view();
    let mut args = fluent_bundle::FluentArgs::new();
    args.set("previous", p.previous_label.clone());
    let accuracy_note = i18n::message(locale, "pf-accuracy-note", Some(&args));
    view! {
        <p class="muted" id="pf-range">{format!("{} – {}", p.starts_on, p.ends_on)}</p>
        <div class="kpi-tiles card" id="pf-tiles">{tiles}</div>
        <div class="card">
            <h2>{tr("pf-ranking")}</h2>
            <div class="scroll-x">
                <table class="rank" id="pf-reps">
                    <thead><tr>
                        <th class="num">"#"</th>
                        <th>{tr("fc-rep")}</th>
                        {heads}
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <p class="muted">{accuracy_note}</p>
        </div>
        <div class="card">
            <h2>{tr("pf-stages")}</h2>
            <div class="scroll-x">
                <table class="rank" id="pf-stages">
                    <thead><tr>
                        <th>{tr("pf-stage")}</th>
                        <th class="num">{tr("pf-entered")}</th>
                        <th class="num">{tr("pf-advanced")}</th>
                        <th class="num">{tr("pf-conversion")}</th>
                        <th class="num">{tr("pf-days-in-stage")}</th>
                    </tr></thead>
                    <tbody>{stages}</tbody>
                </table>
            </div>
        </div>
    }
}
