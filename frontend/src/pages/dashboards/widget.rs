//! One widget of a dashboard: its report run as the viewer under the
//! dashboard's filters (`POST /dashboards/run`), drawn as its chart, a
//! number with its comparison, or a table; run again when a live change
//! touches its object; a click on a customers, leads or tickets bar or slice opens the list
//! behind it; in edit mode the controls that move, resize and remove it
//! (and drag-and-drop onto another widget).

use crm_api_types::dashboards::{DashboardFilters, DashboardLayout, DashboardWidget, WidgetRun};
use crm_api_types::domain::dashboards::{COLUMNS, MAX_HEIGHT};
use crm_api_types::reports::{ChartKind, ReportData, ReportObject};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

use crate::api::{self, ApiError};
use crate::echarts::Chart;
use crate::i18n::{Locale, message, use_locale, use_t1};
use crate::pages::reports::chart;
use crate::session::{Lookups, use_lookups};

/// Moves the widget `from` to where `to` is.
pub fn move_to(layout: RwSignal<DashboardLayout>, from: &str, to: &str) {
    layout.update(|l| {
        let (Some(a), Some(b)) = (
            l.widgets.iter().position(|w| w.key == from),
            l.widgets.iter().position(|w| w.key == to),
        ) else {
            return;
        };
        let w = l.widgets.remove(a);
        l.widgets.insert(b, w);
    });
}

fn change(layout: RwSignal<DashboardLayout>, key: &str, f: impl FnOnce(&mut DashboardWidget)) {
    layout.update(|l| {
        if let Some(w) = l.widgets.iter_mut().find(|w| w.key == key) {
            f(w);
        }
    });
}

fn step(layout: RwSignal<DashboardLayout>, key: &str, by: isize) {
    layout.update(|l| {
        if let Some(i) = l.widgets.iter().position(|w| w.key == key) {
            let j = i as isize + by;
            if j >= 0 && (j as usize) < l.widgets.len() {
                l.widgets.swap(i, j as usize);
            }
        }
    });
}

/// The list behind a clicked bar or slice: the customers, leads or tickets
/// of its first grouping's key (owner, region, industry, size, lifecycle
/// stage; a lead's status, source, owner; a ticket's status, priority,
/// channel, type, assignee, team), with the dashboard's owner and region
/// where that list takes them; `None` where no list filters by the field.
fn list_link(
    locale: Locale,
    lookups: &Lookups,
    d: &ReportData,
    name: &str,
    filters: &DashboardFilters,
) -> Option<String> {
    let field = d.spec.group_by.first()?.field.as_str();
    let (path, param) = match (d.spec.object, field) {
        (ReportObject::Customers, "owner") => ("/customers", "owner_id"),
        (ReportObject::Customers, "province" | "city") => ("/customers", "region"),
        (ReportObject::Customers, "industry" | "size_band" | "lifecycle_stage") => {
            ("/customers", field)
        }
        (ReportObject::Leads, "status" | "source") => ("/leads", field),
        (ReportObject::Leads, "owner") => ("/leads", "owner_id"),
        (ReportObject::Tickets, "status" | "priority" | "channel" | "ticket_type") => {
            ("/tickets", field)
        }
        (ReportObject::Tickets, "assignee") => ("/tickets", "assignee_id"),
        (ReportObject::Tickets, "team") => ("/tickets", "team_id"),
        _ => return None,
    };
    // A bar or slice is named by its label, a map's province by its code.
    let row = (0..d.rows.len()).find(|&r| {
        chart::label(locale, lookups, d, r, 0) == name
            || d.rows[r].keys.first().cloned().flatten().as_deref() == Some(name)
    })?;
    let key = d.rows[row].keys.first().cloned().flatten()?;
    let mut query = vec![(param, key)];
    match path {
        "/customers" => {
            if let Some(owner) = filters.owner.filter(|_| param != "owner_id") {
                query.push(("owner_id", owner.to_string()));
            }
            if let Some(region) = filters.region.clone().filter(|_| param != "region") {
                query.push(("region", region));
            }
        }
        "/leads" => {
            if let Some(owner) = filters.owner.filter(|_| param != "owner_id") {
                query.push(("owner_id", owner.to_string()));
            }
        }
        // Every ticket of the group, not only the open queue.
        _ => query.push(("queue", "all".to_owned())),
    }
    let query: Vec<String> = query
        .into_iter()
        .map(|(k, v)| format!("{k}={}", js_sys::encode_uri_component(&v)))
        .collect();
    Some(format!("{path}?{}", query.join("&")))
}

#[component]
pub fn Widget(
    key: String,
    layout: RwSignal<DashboardLayout>,
    filters: Signal<DashboardFilters>,
    editing: Signal<bool>,
    /// The widget being dragged, if any.
    dragging: RwSignal<Option<String>>,
    /// Bumped to run every widget again.
    refresh: Signal<u32>,
    /// The latest live change: its number and the report objects it touched.
    changed: Signal<(u32, Vec<ReportObject>)>,
    title: Signal<String>,
) -> impl IntoView {
    let locale = use_locale();
    let lookups = use_lookups();
    let k = StoredValue::new(key.clone());
    let me = Memo::new(move |_| {
        layout.with(|l| l.widgets.iter().find(|w| w.key == k.get_value()).cloned())
    });
    let result = RwSignal::new(None::<Result<ReportData, ApiError>>);
    let generation = StoredValue::new(0_u32);
    // A change to the records this widget counts runs it again.
    let stale = RwSignal::new(0_u32);
    Effect::new(move |_| {
        let hit = changed.with(|(n, objects)| {
            *n > 0
                && result.with_untracked(
                    |r| matches!(r, Some(Ok(d)) if objects.contains(&d.spec.object)),
                )
        });
        if hit {
            stale.update(|n| *n += 1);
        }
    });
    Effect::new(move |_| {
        refresh.track();
        stale.track();
        let Some(w) = me.with(|w| w.as_ref().map(|w| (w.report_id, w.standard.clone()))) else {
            return;
        };
        let body = WidgetRun {
            report_id: w.0,
            standard: w.1,
            filters: filters.get(),
        };
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        spawn_local(async move {
            let answer = api::post::<ReportData, _>("/api/v1/dashboards/run", &body).await;
            if generation.try_get_value() == Some(mine) {
                result.set(Some(answer));
            }
        });
    });
    let el = NodeRef::new();
    let navigate = StoredValue::new_local(use_navigate());
    let drawn = Chart::new(
        move |name: String| {
            let to = result.with_untracked(|r| match r {
                Some(Ok(d)) => list_link(
                    locale.get_untracked(),
                    &lookups,
                    d,
                    &name,
                    &filters.get_untracked(),
                ),
                _ => None,
            });
            if let Some(to) = to {
                navigate.with_value(|n| n(&to, Default::default()));
            }
        },
        el,
    );
    let has_chart = Signal::derive(move || {
        result.with(|r| {
            matches!(r, Some(Ok(d)) if !matches!(d.spec.chart, ChartKind::Table | ChartKind::Number) && !d.rows.is_empty())
        })
    });
    // Drawn again when the data, the language or the widget's size changes.
    Effect::new(move |_| {
        let locale = locale.get();
        let _size = me.with(|w| w.as_ref().map(|w| (w.width, w.height)));
        let option = result.with(|r| match r {
            Some(Ok(d)) => chart::option(locale, &lookups, d).map(|o| (chart::map_of(d), o)),
            _ => None,
        });
        if let Some((map, option)) = option {
            spawn_local(async move {
                let _ = drawn.show(el, map, option.to_string()).await;
            });
        }
    });
    let style = move || {
        me.with(|w| {
            w.as_ref().map_or_else(String::new, |w| {
                format!(
                    "grid-column: span {}; grid-row: span {};",
                    w.width.min(COLUMNS),
                    w.height.min(MAX_HEIGHT)
                )
            })
        })
    };
    let chart_height = move || {
        let rows = me.with(|w| w.as_ref().map_or(2, |w| w.height));
        format!("height:{}px", u32::from(rows) * 160 - 56)
    };
    let t = move |key: &str| message(locale.get(), key, None);
    let t1 = use_t1();
    let key_attr = key.clone();
    view! {
        <div class="card widget" style=style data-key=key_attr
            draggable=move || if editing.get() { "true" } else { "false" }
            on:dragstart=move |ev: web_sys::DragEvent| {
                if let Some(t) = ev.data_transfer() {
                    let _set = t.set_data("text/plain", &k.get_value());
                }
                dragging.set(Some(k.get_value()));
            }
            on:dragover=move |ev| ev.prevent_default()
            on:drop=move |ev| {
                ev.prevent_default();
                if let Some(from) = dragging.get_untracked() {
                    move_to(layout, &from, &k.get_value());
                }
                dragging.set(None);
            }>
            <div class="widget-head">
                <h3>{move || title.get()}</h3>
                <span class="spacer"></span>
                {move || editing.get().then(|| view! {
                    <span class="widget-tools">
                        <button class="icon-button" data-act="left" title=t("db-left") on:click=move |_| step(layout, &k.get_value(), -1)>"←"</button>
                        <button class="icon-button" data-act="right" title=t("db-right") on:click=move |_| step(layout, &k.get_value(), 1)>"→"</button>
                        <button class="icon-button" data-act="narrower" title=t("db-narrower") on:click=move |_| change(layout, &k.get_value(), |w| w.width = w.width.saturating_sub(1).max(2))>"⇤"</button>
                        <button class="icon-button" data-act="wider" title=t("db-wider") on:click=move |_| change(layout, &k.get_value(), |w| w.width = (w.width + 1).min(COLUMNS))>"⇥"</button>
                        <button class="icon-button" data-act="shorter" title=t("db-shorter") on:click=move |_| change(layout, &k.get_value(), |w| w.height = w.height.saturating_sub(1).max(1))>"⤒"</button>
                        <button class="icon-button" data-act="taller" title=t("db-taller") on:click=move |_| change(layout, &k.get_value(), |w| w.height = (w.height + 1).min(MAX_HEIGHT))>"⤓"</button>
                        <button class="icon-button danger" data-act="remove" title=t("db-remove") on:click=move |_| layout.update(|l| l.widgets.retain(|w| w.key != k.get_value()))>"✕"</button>
                    </span>
                })}
            </div>
            <div node_ref=el class="chart" class:hidden=move || !has_chart.get() style=chart_height></div>
            {move || result.with(|r| match r {
                None => view! { <p class="hint">"…"</p> }.into_any(),
                Some(Err(e)) if e.status == 404 => view! { <p class="hint">{t("db-widget-gone")}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
                Some(Ok(d)) if d.spec.chart == ChartKind::Number => chart::number(locale.get(), d).into_any(),
                Some(Ok(d)) if d.rows.is_empty() => view! { <p class="hint">{t("db-no-data")}</p> }.into_any(),
                Some(Ok(d)) if d.spec.chart == ChartKind::Table => chart::mini_table(locale.get(), &lookups, d).into_any(),
                Some(Ok(d)) => view! {
                    <p class="widget-total">{t("rp-total")}" "<strong class="total">{chart::figure(locale.get(), d, d.total)}</strong>
                        " · "{t1("db-records", "count", d.records.to_string())}</p>
                }.into_any(),
            })}
        </div>
    }
}
