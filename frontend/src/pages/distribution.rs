//! Customer distribution (客户分布): one dimension × one measure over a time
//! window, from `GET /api/v1/analytics/distribution`. Regions show as a map
//! (world → China's provinces → a province's cities, by click or
//! breadcrumb), other dimensions as bars or a pie; beside the chart a ranked
//! table. All state is in the URL (`view`).

mod chart;
mod controls;
mod figures;
mod ranking;
mod view;

use std::collections::HashMap;

use crm_api_types::Page;
use crm_api_types::analytics::Distribution as Answer;
use crm_api_types::regions::Region;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

use self::figures::{Format, Names};
use self::view::View;
use crate::components::{Empty, ErrorView, Skeleton, When};
use crate::echarts::Chart;
use crate::i18n::{self, Locale, message, tr, use_locale};
use crate::load::Load;
use crate::session::use_lookups;

fn args(pairs: &[(&'static str, String)]) -> fluent_bundle::FluentArgs<'static> {
    let mut args = fluent_bundle::FluentArgs::new();
    for (name, value) in pairs {
        args.set(*name, value.clone());
    }
    args
}

/// "全国各省份的客户数" / "Revenue by city in Guangdong".
fn heading(locale: Locale, v: &View, place: String) -> String {
    let measure = message(locale, &controls::key("measure", &v.measure), None);
    let (key, extra) = match (v.is_region(), v.level.as_str()) {
        (true, "country") => ("dist-title-country", None),
        (true, "city") => ("dist-title-city", Some(("place", place))),
        (true, _) => ("dist-title-province", None),
        (false, _) => (
            "dist-title-dimension",
            Some((
                "dimension",
                message(locale, &controls::key("dim", &v.dimension), None),
            )),
        ),
    };
    let mut pairs = vec![("measure", measure)];
    pairs.extend(extra);
    message(locale, key, Some(&args(&pairs)))
}

/// A calendar day (`2026-11-29`) in the locale's words, as a local date.
fn day(locale: Locale, d: impl std::fmt::Display) -> String {
    i18n::date(locale, &format!("{d}T00:00:00"))
}

fn is_additive(measure: &str) -> bool {
    matches!(
        measure,
        "customers" | "new_customers" | "revenue" | "orders"
    )
}

#[component]
pub fn Distribution() -> impl IntoView {
    let locale = use_locale();
    let lookups = use_lookups();
    let query = use_query_map();
    let view = Memo::new(move |_| View::from_query(&query.get()));
    let path = Memo::new(move |_| view.with(View::api_path));
    let load = Load::<Answer>::new(move || path.get());
    let go = move |v: View| use_navigate()(&v.href(), Default::default());

    // Country names (both languages) for the world map, once it is asked for.
    let countries = RwSignal::new(HashMap::<String, (String, String)>::new());
    Effect::new(move |_| {
        if view.with(|v| v.is_region() && v.level == "country")
            && countries.with_untracked(HashMap::is_empty)
        {
            leptos::task::spawn_local(async move {
                if let Ok(page) =
                    crate::api::get::<Page<Region>>("/api/v1/regions?level=country").await
                {
                    countries.set(
                        page.items
                            .into_iter()
                            .map(|r| (r.code, (r.name_zh, r.name_en)))
                            .collect(),
                    );
                }
            });
        }
    });

    let answer = Memo::new(move |_| load.get().and_then(Result::ok));
    let format =
        Memo::new(move |_| answer.with(|a| a.as_ref().map(|a| Format::of(locale.get(), a))));
    let rows = Memo::new(move |_| {
        answer.with(|a| {
            let Some(a) = a else { return Vec::new() };
            lookups.regions.with(|regions| {
                countries.with(|countries| {
                    figures::rows(
                        a,
                        &Names {
                            locale: locale.get(),
                            regions,
                            countries,
                        },
                    )
                })
            })
        })
    });
    let place_name = move |code: &str| {
        lookups
            .regions
            .with(|r| r.name(locale.get(), code))
            .unwrap_or_else(|| code.to_owned())
    };

    // The chart follows the answer (not the URL, which may be ahead of it).
    let chart_ref = NodeRef::<leptos::html::Div>::new();
    let navigate = use_navigate();
    let chart = Chart::new(
        move |code: String| {
            if let Some(next) = view.get_untracked().drill(&code) {
                navigate(&next.href(), Default::default());
            }
        },
        chart_ref,
    );
    let chart_error = RwSignal::new(None);
    let is_map = move || view.with(|v| v.map_name().is_some());
    let legend = Memo::new(move |_| match format.get() {
        Some(format) if is_map() => rows.with(|rows| chart::bands(chart::max(rows), &format)),
        _ => Vec::new(),
    });
    Effect::new(move |_| {
        let rows = rows.get();
        let (Some(a), Some(format)) = (answer.get(), format.get()) else {
            return;
        };
        if rows.is_empty() {
            return;
        }
        let locale = locale.get();
        let words = chart::Words {
            measure: message(locale, &controls::key("measure", a.measure.as_str()), None),
            share: message(locale, "dist-share", None),
            change: message(locale, "dist-change", None),
            no_data: message(locale, "dist-no-data", None),
            other: message(locale, "dist-other", None),
        };
        let shown = View {
            dimension: a.dimension.as_str().to_owned(),
            level: a.level.map(|l| l.as_str().to_owned()).unwrap_or_default(),
            parent: a.parent.clone().unwrap_or_default(),
            ..view.get()
        };
        let (map, option) = match shown.map_name() {
            Some(map) => {
                let places: Vec<(String, String)> =
                    lookups.regions.with(|r| match shown.level.as_str() {
                        "province" => r
                            .provinces
                            .iter()
                            .map(|p| (p.code.clone(), r.name(locale, &p.code).unwrap_or_default()))
                            .collect(),
                        "city" => r
                            .cities_of(&shown.parent)
                            .map(|c| (c.code.clone(), r.name(locale, &c.code).unwrap_or_default()))
                            .collect(),
                        _ => countries.with(|c| {
                            c.iter()
                                .map(|(code, (zh, en))| {
                                    (
                                        code.clone(),
                                        if locale == Locale::ZhCn {
                                            zh.clone()
                                        } else {
                                            en.clone()
                                        },
                                    )
                                })
                                .collect()
                        }),
                    });
                let wide = window()
                    .inner_width()
                    .ok()
                    .and_then(|w| w.as_f64())
                    .unwrap_or(1280.0)
                    >= 600.0;
                let labels = shown.level != "country" && (wide || shown.level == "city");
                let outline = chart::Outline {
                    map: &map,
                    places: &places,
                    zero: is_additive(&shown.measure),
                    labels,
                };
                let option = chart::map(&outline, &rows, &legend.get(), &format, &words);
                (Some(map), option)
            }
            None if shown.chart == "pie" && is_additive(&shown.measure) => {
                (None, chart::pie(&rows, &format, &words))
            }
            None => (None, chart::bars(&rows, &format, &words)),
        };
        leptos::task::spawn_local(async move {
            chart_error.set(chart.show(chart_ref, map, option.to_string()).await.err());
        });
    });

    let crumbs = move || {
        let v = view.get();
        if !v.is_region() {
            return Vec::new();
        }
        let t = |key| message(locale.get(), key, None);
        let link = |level: &str| {
            if v.level == level {
                String::new()
            } else {
                v.at_level(level).href()
            }
        };
        let mut crumbs = vec![(t("dist-world"), link("country"))];
        if v.level != "country" {
            crumbs.push((t("dist-china"), link("province")));
        }
        if v.level == "city" {
            crumbs.push((place_name(&v.parent), String::new()));
        }
        crumbs
    };
    let title = move || {
        view.with(|v| {
            heading(
                locale.get(),
                v,
                if v.level == "city" {
                    place_name(&v.parent)
                } else {
                    String::new()
                },
            )
        })
    };
    let total = move || {
        answer.with(|a| {
            a.as_ref()
                .map(|a| (a.total.clone(), a.window, a.previous_window))
        })
    };
    let empty = move || answer.with(|a| a.as_ref().is_some_and(|a| a.groups.is_empty()));
    let failure = move || {
        load.get()
            .and_then(Result::err)
            .or_else(|| chart_error.get())
    };
    let bar_height = move || format!("{}px", (rows.with(Vec::len) * 30 + 24).max(240));
    let set_chart = move |kind: &'static str| {
        move |_| {
            let mut next = view.get_untracked();
            next.chart = kind.to_owned();
            go(next);
        }
    };
    let drill = move |code: &str| view.with_untracked(|v| v.drill(code).map(|n| n.href()));

    view! {
        <section class="distribution">
            <div class="toolbar"><h1 id="page-title">{tr("nav-distribution")}</h1></div>
            <controls::Controls view=view window=Signal::derive(move || answer.with(|a| a.as_ref().map(|a| a.window))) go=go/>
            {move || failure().map(|e| view! { <ErrorView error=e/> })}
            <When when=move || load.get().is_some() fallback=|| view! { <Skeleton rows=8/> }>
                <When when=empty>
                    <Empty message=tr("dist-empty")/>
                </When>
            </When>
            <div class="dist-grid" class:hidden=move || load.get().is_none_or(|r| r.is_err()) || empty() class:stale=move || load.loading()>
                <div class="card chart-card">
                    <div class="chart-head">
                        <div class="chart-name">
                            <h2 id="chart-title">{title}</h2>
                            <When when=move || !crumbs().is_empty()>
                                <nav class="breadcrumbs" id="crumbs" aria-label="breadcrumb">
                                    {move || crumbs().into_iter().map(|(label, href)| if href.is_empty() {
                                        view! { <span class="current">{label}</span> }.into_any()
                                    } else {
                                        view! { <a href=href>{label}</a><span class="sep">"›"</span> }.into_any()
                                    }).collect_view()}
                                </nav>
                            </When>
                        </div>
                        {move || total().map(|(total, window, previous)| {
                            let locale = locale.get();
                            let format = format.get()?;
                            let day = |d| day(locale, d);
                            let change = total.change.map(|c| format.change(c, total.change_ratio));
                            Some(view! {
                                <div class="kpi" id="total">
                                    <small class="muted">{tr("dist-total")}</small>
                                    <strong class="kpi-value">{format.value(total.value)}</strong>
                                    {change.map(|(text, good)| view! { <span class=if good { "change good" } else { "change bad" }>{text}</span> })}
                                    <small class="muted kpi-window">
                                        {day(window.from)}" – "{day(window.to)}
                                        {previous.map(|p| view! { <br/>{tr("dist-previous")}": "{day(p.from)}" – "{day(p.to)}{total.previous.map(|v| format!(" · {}", format.value(v)))} })}
                                    </small>
                                </div>
                            })
                        })}
                    </div>
                    <When when=move || !is_map() && view.with(|v| is_additive(&v.measure))>
                        <div class="segmented">
                            <button id="chart-bar" class:active=move || view.with(|v| v.chart != "pie") on:click=set_chart("bar")>{tr("dist-chart-bar")}</button>
                            <button id="chart-pie" class:active=move || view.with(|v| v.chart == "pie") on:click=set_chart("pie")>{tr("dist-chart-pie")}</button>
                        </div>
                    </When>
                    <div id="chart" node_ref=chart_ref class=move || if is_map() { "chart map" } else { "chart" }
                        style:height=move || if is_map() { String::new() } else { bar_height() }></div>
                    <ul class="legend" id="legend">
                        {move || legend.get().into_iter().rev().map(|(_, _, colour, label)| view! {
                            <li><span class="swatch" style=format!("background:{colour}")></span>{label}</li>
                        }).collect_view()}
                        <When when=move || !legend.with(Vec::is_empty)>
                            <li><span class="swatch" style=format!("background:{}", chart::NO_DATA_COLOUR)></span>{tr("dist-no-data")}</li>
                        </When>
                    </ul>
                    <When when=move || view.with(|v| v.is_region() && v.level != "city")>
                        <p class="muted hint-line">{move || tr(if view.with(|v| v.level == "country") { "dist-hint-country" } else { "dist-hint-province" })}</p>
                    </When>
                </div>
                <div class="card rank-card">
                    <ranking::Ranking rows=rows format=format drill=drill
                        dimension=Signal::derive(move || message(locale.get(), &controls::key("dim", &view.with(|v| v.dimension.clone())), None))
                        measure=Signal::derive(move || message(locale.get(), &controls::key("measure", &view.with(|v| v.measure.clone())), None))/>
                </div>
            </div>
        </section>
    }
}
