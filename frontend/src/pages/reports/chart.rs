//! What a report run looks like: each key's label in the reader's language
//! (vocabulary values from the catalog, regions by their name, the
//! server's names for people and stages), figures (money in major units)
//! and the ECharts option of the chosen chart.

use crm_api_types::reports::{ChartKind, ReportData, ReportFieldKind, ReportObject};
use leptos::prelude::*;
use serde_json::{Value, json};

use crate::i18n::{self, Locale, message, message_or};
use crate::session::Lookups;

/// The catalog group a text field's values are labelled from.
fn vocab_group(object: ReportObject, field: &str) -> Option<&'static str> {
    use ReportObject::*;
    Some(match (object, field) {
        (Customers, "kind") => "kind",
        (_, "industry") => "industry",
        (_, "size_band") => "size",
        (_, "source") => "source",
        (_, "lifecycle_stage") => "stage",
        (Leads, "status") => "lead-status",
        (Deals, "status") => "stage-kind",
        (Deals, "forecast_category") => "forecast",
        (Activities, "kind") => "activity",
        (Activities, "priority") => "priority",
        (Orders, "status") | (OrderLines, "order_status") => "order-status",
        (Tickets, "status") => "ticket-status",
        (Tickets, "priority") => "ticket-priority",
        (Tickets, "channel") => "channel",
        _ => return None,
    })
}

/// The values a text field takes, when it is a closed vocabulary (for
/// the condition's picker), with the catalog group that labels them.
pub fn vocabulary(object: ReportObject, field: &str) -> Option<(&'static str, Vec<&'static str>)> {
    use crm_api_types::domain::{customer, forecast, sales, service};
    fn all<T: Copy>(values: &[T], name: fn(T) -> &'static str) -> Vec<&'static str> {
        values.iter().map(|v| name(*v)).collect()
    }
    let group = vocab_group(object, field)?;
    let values = match group {
        "kind" => all(customer::CustomerKind::ALL, customer::CustomerKind::as_str),
        "industry" => all(customer::Industry::ALL, customer::Industry::as_str),
        "size" => all(customer::SizeBand::ALL, customer::SizeBand::as_str),
        "source" => all(customer::Source::ALL, customer::Source::as_str),
        "stage" => all(
            customer::LifecycleStage::ALL,
            customer::LifecycleStage::as_str,
        ),
        "lead-status" => all(sales::LeadStatus::ALL, sales::LeadStatus::as_str),
        "stage-kind" => all(sales::StageKind::ALL, sales::StageKind::as_str),
        "forecast" => all(
            forecast::ForecastCategory::ALL,
            forecast::ForecastCategory::as_str,
        ),
        "activity" => all(sales::ActivityKind::ALL, sales::ActivityKind::as_str),
        "priority" => all(sales::Priority::ALL, sales::Priority::as_str),
        "order-status" => all(sales::OrderStatus::ALL, sales::OrderStatus::as_str),
        "ticket-status" => all(service::TicketStatus::ALL, service::TicketStatus::as_str),
        "ticket-priority" => all(
            service::TicketPriority::ALL,
            service::TicketPriority::as_str,
        ),
        "channel" => all(service::Channel::ALL, service::Channel::as_str),
        _ => return None,
    };
    Some((group, values))
}

thread_local! {
    /// The labels of the customers' custom fields, by `custom.<key>`.
    static CUSTOM_LABELS: std::cell::RefCell<std::collections::HashMap<String, String>> =
        Default::default();
}

/// Remembers the custom fields' labels for [`field_name`].
pub fn name_custom_fields(defs: &[crm_api_types::custom_fields::CustomFieldDef]) {
    CUSTOM_LABELS.with(|labels| {
        let mut labels = labels.borrow_mut();
        labels.clear();
        for d in defs {
            labels.insert(format!("custom.{}", d.key), d.label.clone());
        }
    });
}

/// A field's name: a custom field's label, `rf-closed-at`, or the key itself.
pub fn field_name(locale: Locale, key: &str) -> String {
    if let Some(label) = CUSTOM_LABELS.with(|l| l.borrow().get(key).cloned()) {
        return label;
    }
    message_or(locale, &format!("rf-{}", key.replace('_', "-")), key)
}

/// The label of grouping `i` of a row, in the reader's language.
pub fn label(locale: Locale, lookups: &Lookups, data: &ReportData, row: usize, i: usize) -> String {
    let Some(r) = data.rows.get(row) else {
        return String::new();
    };
    let (Some(Some(key)), Some(given)) = (r.keys.get(i), r.labels.get(i)) else {
        return message(locale, "rp-blank", None);
    };
    let given = given.clone().unwrap_or_else(|| key.clone());
    let field = data
        .spec
        .group_by
        .get(i)
        .map(|g| g.field.as_str())
        .unwrap_or_default();
    match data.kinds.get(i) {
        Some(ReportFieldKind::Bool) => {
            message(locale, if key == "true" { "rp-yes" } else { "rp-no" }, None)
        }
        Some(ReportFieldKind::Region) => lookups
            .regions
            .with(|regions| regions.name(locale, key))
            .unwrap_or(given),
        // A custom yes/no field's value.
        Some(ReportFieldKind::Text)
            if field.starts_with("custom.") && matches!(key.as_str(), "true" | "false") =>
        {
            message(locale, if key == "true" { "rp-yes" } else { "rp-no" }, None)
        }
        Some(ReportFieldKind::Text) => match vocab_group(data.spec.object, field) {
            Some(group) => message_or(
                locale,
                &format!("{group}-{}", key.replace('_', "-")),
                &given,
            ),
            None => given,
        },
        _ => given,
    }
}

/// The measure's name: "计数", "求和 · 金额".
pub fn measure_name(locale: Locale, data: &ReportData) -> String {
    let aggregate = message(
        locale,
        &format!(
            "agg-{}",
            data.spec.measure.aggregate.as_str().replace('_', "-")
        ),
        None,
    );
    match &data.spec.measure.field {
        Some(f) => format!("{aggregate} · {}", field_name(locale, f)),
        None => aggregate,
    }
}

/// A figure as shown: money in major units, counts whole.
pub fn figure(locale: Locale, data: &ReportData, value: Option<f64>) -> String {
    match (value, &data.currency) {
        (None, _) => "—".to_owned(),
        (Some(v), Some(currency)) => i18n::money_whole(locale, v, currency),
        (Some(v), None) if v.fract() == 0.0 => i18n::number(locale, v),
        (Some(v), None) => i18n::decimal(locale, v, 2),
    }
}

/// The value drawn: money in major units.
fn plotted(locale: Locale, data: &ReportData, value: Option<f64>) -> f64 {
    let v = value.unwrap_or(0.0);
    match &data.currency {
        Some(c) => i18n::major(locale, v, c),
        None => v,
    }
}

/// A number: the figure, its period and how it compares with the window
/// before (▲ 12.5% / ▼ 3.0% / no change).
pub fn number(locale: Locale, data: &ReportData) -> impl IntoView + use<> {
    let value = data.rows.first().and_then(|r| r.value).or(data.total);
    let shown = figure(locale, data, Some(value.unwrap_or(0.0)));
    let period = data
        .from
        .zip(data.to)
        .map(|(f, t)| format!("{f} – {t}"))
        .unwrap_or_default();
    let change = data.previous.map(|before| {
        let now = value.unwrap_or(0.0);
        let text = if before == 0.0 {
            message(locale, "rp-before-none", None)
        } else {
            let pct = (now - before) / before.abs() * 100.0;
            let arrow = if pct > 0.0 {
                "▲"
            } else if pct < 0.0 {
                "▼"
            } else {
                "="
            };
            format!("{arrow} {}%", i18n::decimal(locale, pct.abs(), 1))
        };
        let class = if now > before {
            "up"
        } else if now < before {
            "down"
        } else {
            "flat"
        };
        let before = figure(locale, data, Some(before));
        (text, class, before)
    });
    view! {
        <div class="report-number">
            <strong class="figure">{shown}</strong>
            {change.map(|(text, class, before)| view! {
                <span class=format!("change {class}")>{text}</span>
                <small>{message(locale, "rp-before", None)}" "{before}</small>
            })}
            <small class="period">{period}</small>
        </div>
    }
}

/// The outline a run's chart draws on: China's provinces for a map.
pub fn map_of(data: &ReportData) -> Option<String> {
    (data.spec.chart == ChartKind::Map).then(|| "china".to_owned())
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The ECharts option of a run; `None` for a table or a number.
pub fn option(locale: Locale, lookups: &Lookups, data: &ReportData) -> Option<Value> {
    let kind = data.spec.chart;
    if matches!(kind, ChartKind::Table | ChartKind::Number) || data.rows.is_empty() {
        return None;
    }
    let first: Vec<String> = (0..data.rows.len())
        .map(|r| label(locale, lookups, data, r, 0))
        .collect();
    if kind == ChartKind::Funnel {
        let stages: Vec<Value> = data
            .rows
            .iter()
            .zip(&first)
            .map(|(r, name)| json!({"name": name, "value": plotted(locale, data, r.value)}))
            .collect();
        return Some(json!({
            "tooltip": {"trigger": "item"},
            "legend": {"type": "scroll", "bottom": 0},
            "series": [{"type": "funnel", "sort": "descending", "left": "10%", "width": "80%",
                "top": 16, "bottom": 40, "label": {"show": true, "position": "inside"}, "data": stages}],
        }));
    }
    if kind == ChartKind::Map {
        // Provinces by code (the outline's `code`), shaded from white to blue.
        let measure = measure_name(locale, data);
        let mut max: f64 = 0.0;
        let regions: Vec<Value> = data
            .rows
            .iter()
            .zip(&first)
            .filter_map(|(r, name)| {
                let code = r.keys.first().cloned().flatten()?;
                let value = plotted(locale, data, r.value);
                max = max.max(value);
                let tip = format!(
                    "<b>{}</b><br/>{}: {}",
                    escape(name),
                    escape(&measure),
                    escape(&figure(locale, data, r.value))
                );
                Some(json!({"name": code, "value": value, "tooltip": {"formatter": tip}}))
            })
            .collect();
        return Some(json!({
            "tooltip": {"trigger": "item", "confine": true},
            "visualMap": {"type": "continuous", "min": 0, "max": max.max(1.0), "calculable": false,
                "left": 8, "bottom": 8, "itemHeight": 80,
                "inRange": {"color": ["#e6f4ff", "#1677ff", "#003eb3"]}},
            "series": [{"type": "map", "map": "china", "nameProperty": "code", "roam": false,
                "left": 4, "right": 4, "top": 4, "bottom": 4, "preserveAspect": "contain",
                "selectedMode": false,
                "itemStyle": {"areaColor": "#f0f0f0", "borderColor": "#ffffff", "borderWidth": 0.8},
                "emphasis": {"label": {"show": false}, "itemStyle": {"areaColor": "#ffd666"}},
                "data": regions}],
        }));
    }
    if kind == ChartKind::Pie || data.spec.group_by.is_empty() {
        let slices: Vec<Value> = data
            .rows
            .iter()
            .zip(&first)
            .map(|(r, name)| json!({"name": name, "value": plotted(locale, data, r.value)}))
            .collect();
        return Some(json!({
            "tooltip": {"trigger": "item"},
            "legend": {"type": "scroll", "bottom": 0},
            "series": [{"type": "pie", "radius": ["35%", "65%"], "data": slices}],
        }));
    }
    let mut categories: Vec<String> = Vec::new();
    for name in &first {
        if !categories.contains(name) {
            categories.push(name.clone());
        }
    }
    let area = kind == ChartKind::Area;
    let line = kind == ChartKind::Line || area;
    let series_type = if line { "line" } else { "bar" };
    let series: Vec<Value> = if data.spec.group_by.len() == 2 {
        let mut names: Vec<String> = Vec::new();
        let second: Vec<String> = (0..data.rows.len())
            .map(|r| label(locale, lookups, data, r, 1))
            .collect();
        for name in &second {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
        names
            .iter()
            .map(|s| {
                let values: Vec<Value> = categories
                    .iter()
                    .map(|c| {
                        data.rows
                            .iter()
                            .enumerate()
                            .find(|(i, _)| &first[*i] == c && &second[*i] == s)
                            .map_or(Value::Null, |(_, r)| json!(plotted(locale, data, r.value)))
                    })
                    .collect();
                let mut one = json!({"name": s, "type": series_type, "data": values});
                if kind == ChartKind::StackedBar || area {
                    one["stack"] = json!("total");
                }
                if area {
                    one["areaStyle"] = json!({});
                }
                one
            })
            .collect()
    } else {
        let values: Vec<f64> = data
            .rows
            .iter()
            .map(|r| plotted(locale, data, r.value))
            .collect();
        let mut one =
            json!({"name": measure_name(locale, data), "type": series_type, "data": values});
        if area {
            one["areaStyle"] = json!({});
        }
        vec![one]
    };
    Some(json!({
        "tooltip": {"trigger": "axis"},
        "legend": {"type": "scroll", "top": 0},
        "grid": {"left": 72, "right": 24, "top": 40, "bottom": 64},
        "xAxis": {"type": "category", "data": categories, "axisLabel": {"rotate": 20}},
        "yAxis": {"type": "value"},
        "series": series,
    }))
}

/// A compact table of a run: the groups' labels and figures.
pub fn mini_table(locale: Locale, lookups: &Lookups, data: &ReportData) -> impl IntoView + use<> {
    let rows: Vec<(String, String)> = (0..data.rows.len())
        .map(|r| {
            let labels: Vec<String> = (0..data.spec.group_by.len())
                .map(|i| label(locale, lookups, data, r, i))
                .collect();
            (labels.join(" · "), figure(locale, data, data.rows[r].value))
        })
        .collect();
    view! {
        <table class="list compact">
            <tbody>
                {rows.into_iter().map(|(l, v)| view! { <tr><td>{l}</td><td class="num">{v}</td></tr> }).collect_view()}
            </tbody>
        </table>
    }
}
