//! The KPI tiles at the top of the page, from `GET /analytics/kpis`: active
//! and new buyers, revenue and revenue per buyer, repeat-purchase,
//! retention and churn rates, and CAC once an acquisition cost is entered;
//! each with its change against the period of the same length just before.

use crm_api_types::analytics::{DateWindow, Kpis};
use leptos::prelude::*;

use super::message1;
use super::params::{PERIODS, Params};
use crate::components::{ErrorView, Skeleton};
use crate::i18n::{self, Locale, message, tr, use_locale};
use crate::load::Load;

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Count,
    Money,
    Rate,
}

/// One tile: its key (`data-key`, and the catalog key `an-kpi-…`), what its
/// figure is, and whether a rise is good news.
struct Tile {
    key: &'static str,
    kind: Kind,
    rise_is_good: bool,
    value: fn(&Kpis) -> Option<f64>,
}

const TILES: [Tile; 8] = [
    Tile {
        key: "active_buyers",
        kind: Kind::Count,
        rise_is_good: true,
        value: |k| Some(k.active_buyers as f64),
    },
    Tile {
        key: "new_buyers",
        kind: Kind::Count,
        rise_is_good: true,
        value: |k| Some(k.new_buyers as f64),
    },
    Tile {
        key: "revenue",
        kind: Kind::Money,
        rise_is_good: true,
        value: |k| Some(k.revenue_minor as f64),
    },
    Tile {
        key: "revenue_per_buyer",
        kind: Kind::Money,
        rise_is_good: true,
        value: |k| k.revenue_per_buyer_minor.map(|v| v as f64),
    },
    Tile {
        key: "repeat_purchase_rate",
        kind: Kind::Rate,
        rise_is_good: true,
        value: |k| k.repeat_purchase_rate,
    },
    Tile {
        key: "retention_rate",
        kind: Kind::Rate,
        rise_is_good: true,
        value: |k| k.retention_rate,
    },
    Tile {
        key: "churn_rate",
        kind: Kind::Rate,
        rise_is_good: false,
        value: |k| k.churn_rate,
    },
    Tile {
        key: "cac",
        kind: Kind::Money,
        rise_is_good: false,
        value: |k| k.cac_minor.map(|v| v as f64),
    },
];

/// The window of the same length that ends the day before `w` starts.
fn previous_window(w: DateWindow) -> Option<DateWindow> {
    let length = w.to.signed_duration_since(w.from);
    let to = w.from.pred_opt()?;
    let from = to.checked_sub_signed(length)?;
    Some(DateWindow { from, to })
}

fn day(locale: Locale, d: impl std::fmt::Display) -> String {
    i18n::date(locale, &format!("{d}T00:00:00"))
}

fn format(locale: Locale, kind: Kind, value: Option<f64>, currency: &str) -> String {
    match (kind, value) {
        (_, None) => "—".to_owned(),
        (Kind::Count, Some(v)) => i18n::number(locale, v),
        (Kind::Money, Some(v)) => i18n::money_whole(locale, v, currency),
        (Kind::Rate, Some(v)) => i18n::percent(locale, v),
    }
}

/// "↑ 12.3%" (counts and money: relative) or "↓ 1.5 个百分点" (rates), and
/// whether the change is good news; `None` when there is nothing to compare.
fn change(locale: Locale, tile: &Tile, now: f64, before: f64) -> Option<(String, bool)> {
    let (delta, text) = match tile.kind {
        Kind::Rate => {
            let points = (now - before) * 100.0;
            let n = i18n::decimal(locale, points.abs(), 1);
            (points, message1(locale, "an-kpi-points", "n", n))
        }
        _ if before == 0.0 => return None,
        _ => {
            let ratio = (now - before) / before;
            (ratio, i18n::percent(locale, ratio.abs()))
        }
    };
    if delta.abs() < 1e-9 {
        return Some(("±0".to_owned(), true));
    }
    let arrow = if delta > 0.0 { "↑" } else { "↓" };
    Some((
        format!("{arrow} {text}"),
        (delta > 0.0) == tile.rise_is_good,
    ))
}

fn tiles(locale: Locale, now: &Kpis, before: Option<&Kpis>) -> AnyView {
    TILES
        .iter()
        .map(|tile| {
            let value = (tile.value)(now);
            let previous = before.and_then(|b| (tile.value)(b));
            let shown = format(locale, tile.kind, value, &now.currency);
            let delta = value
                .zip(previous)
                .and_then(|(v, p)| change(locale, tile, v, p));
            let hint = match (tile.key, value) {
                ("cac", None) => message(locale, "an-kpi-cac-hint", None),
                _ => previous.map_or_else(String::new, |p| {
                    let p = format(locale, tile.kind, Some(p), &now.currency);
                    message1(locale, "an-kpi-before", "value", p)
                }),
            };
            let label = message(locale, &format!("an-kpi-{}", tile.key.replace('_', "-")), None);
            view! {
                <div class="kpi-tile" data-key=tile.key>
                    <span class="kpi-label">{label}</span>
                    <strong class="kpi-value">{shown}</strong>
                    {delta.map(|(text, good)| view! { <span class=if good { "change good" } else { "change bad" }>{text}</span> })}
                    <small class="muted kpi-before">{hint}</small>
                </div>
            }
        })
        .collect_view()
        .into_any()
}

#[component]
pub fn KpiPanel(
    params: Memo<Params>,
    go: impl Fn(Params) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let locale = use_locale();
    let path = Memo::new(move |_| params.with(|p| p.kpis_api(None)));
    let load = Load::<Kpis>::new(move || path.get());
    // The period just before, once the server has said which window it used.
    let previous = RwSignal::new(None::<Kpis>);
    let generation = StoredValue::new(0u32);
    Effect::new(move |_| {
        let window = load.ok_with(|k| k.window);
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        previous.set(None);
        let Some(before) = window.and_then(previous_window) else {
            return;
        };
        let path = params
            .with_untracked(|p| p.kpis_api(Some((before.from.to_string(), before.to.to_string()))));
        leptos::task::spawn_local(async move {
            let answer = crate::api::get::<Kpis>(&path).await.ok();
            if generation.try_get_value() == Some(mine) {
                previous.set(answer);
            }
        });
    });
    let window_line = move || {
        let locale = locale.get();
        load.ok_with(|k| {
            let mut text = format!(
                "{} – {}",
                day(locale, k.window.from),
                day(locale, k.window.to)
            );
            if let Some(b) = previous_window(k.window) {
                let range = format!("{} – {}", day(locale, b.from), day(locale, b.to));
                text.push_str(" · ");
                text.push_str(&message1(locale, "an-kpi-compare", "range", range));
            }
            text
        })
    };
    let pick_period = move |ev: leptos::ev::Event| {
        let mut next = params.get_untracked();
        next.period = event_target_value(&ev);
        if next.period == "12m" {
            next.period.clear();
        }
        go(next);
    };
    // The cost is typed in major units and kept in minor units.
    let currency = move || load.ok_with(|k| k.currency.clone());
    let cost_text = move || {
        let cost = params.with(|p| p.cost.parse::<f64>().ok());
        match (cost, currency()) {
            (Some(c), Some(cur)) => i18n::major(locale.get(), c, &cur).to_string(),
            _ => String::new(),
        }
    };
    let set_cost = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        let unit = currency()
            .map(|cur| i18n::major(locale.get_untracked(), 1.0, &cur))
            .unwrap_or(0.01);
        let mut next = params.get_untracked();
        next.cost = text
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v > 0.0)
            .map(|v| format!("{}", (v / unit).round() as i64))
            .unwrap_or_default();
        go(next);
    };
    let body = move || match load.get() {
        None => view! { <Skeleton rows=2/> }.into_any(),
        Some(Err(e)) => view! { <ErrorView error=e/> }.into_any(),
        Some(Ok(k)) => previous.with(|p| tiles(locale.get(), &k, p.as_ref())),
    };
    view! {
        <div class="card kpi-card" id="kpis" class:stale=move || load.loading()>
            <div class="section-head">
                <div>
                    <h2>{tr("an-kpi-title")}</h2>
                    <p class="muted hint-line" id="kpi-window">{window_line}</p>
                </div>
                <div class="kpi-controls">
                    <select id="kpi-period" aria-label=tr("an-kpi-period") on:change=pick_period>
                        {PERIODS.iter().map(|&(key, label)| {
                            let selected = Signal::derive(move || params.with(|p| p.period == key || (p.period.is_empty() && key == "12m")));
                            view! { <option value=key selected=selected>{tr(label)}</option> }
                        }).collect_view()}
                    </select>
                    <label class="kpi-cost">{tr("an-kpi-cost")}
                        <input id="kpi-cost" type="number" min="0" step="any" inputmode="decimal"
                            prop:value=cost_text on:change=set_cost/>
                    </label>
                </div>
            </div>
            <div class="kpi-tiles">{body}</div>
        </div>
    }
}
