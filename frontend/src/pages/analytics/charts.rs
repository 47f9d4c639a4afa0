//! The ECharts options of the Analytics page: the RFM R × F heatmap, the
//! cohort heatmap of retention or revenue (cohort size as a grey first
//! column), the k-means scatter and the bars of predicted value and churn
//! per RFM segment. The fixed part of each option is a JSON template (text
//! costs the WASM far less than code building it); the data, already
//! translated and formatted, goes into its slots.

use crm_api_types::analytics::{CohortMatrix, KmeansResult, RfmSummary};
use serde_json::{Value, json};

use crate::i18n::{self, Locale};

/// One colour per cluster (cluster 0 first).
pub const CLUSTER_COLOURS: [&str; 10] = [
    "#3370ff", "#14c9c9", "#ffc60a", "#f76964", "#7f3bf5", "#34c724", "#ff8800", "#c74fb4",
    "#8f959e", "#245bdb",
];

const RFM: &str = r##"{
 "tooltip": {"trigger": "item", "confine": true},
 "grid": {"left": 40, "right": 8, "top": 8, "bottom": 40},
 "xAxis": {"type": "category", "data": ["1","2","3","4","5"], "nameLocation": "middle", "nameGap": 26,
   "nameTextStyle": {"color": "#646a73"}, "axisTick": {"show": false}, "axisLine": {"show": false},
   "axisLabel": {"color": "#1f2329"}},
 "yAxis": {"type": "category", "data": ["1","2","3","4","5"], "nameLocation": "middle", "nameGap": 26,
   "nameTextStyle": {"color": "#646a73"}, "axisTick": {"show": false}, "axisLine": {"show": false},
   "axisLabel": {"color": "#1f2329"}},
 "visualMap": {"show": false, "min": 0, "max": 1, "seriesIndex": 0,
   "inRange": {"color": ["#eef3ff", "#bcd3ff", "#5a8cff", "#1a4fd0"]}},
 "series": [{"type": "heatmap", "data": [], "label": {"show": true, "color": "#1f2329"},
   "itemStyle": {"borderColor": "#fff", "borderWidth": 2}}]
}"##;

const COHORTS: &str = r##"{
 "tooltip": {"trigger": "item", "confine": true},
 "grid": {"left": 8, "right": 8, "top": 28, "bottom": 8, "containLabel": true},
 "xAxis": {"type": "category", "data": [], "position": "top", "axisTick": {"show": false},
   "axisLine": {"show": false}, "axisLabel": {"color": "#646a73", "interval": 0}},
 "yAxis": {"type": "category", "data": [], "inverse": true, "nameLocation": "start",
   "nameTextStyle": {"color": "#646a73", "align": "right"}, "axisTick": {"show": false},
   "axisLine": {"show": false}, "axisLabel": {"color": "#1f2329"}},
 "visualMap": {"show": false, "min": 0, "max": 100, "seriesIndex": 1,
   "inRange": {"color": ["#eef3ff", "#bcd3ff", "#5a8cff", "#1a4fd0"]}},
 "series": [
   {"type": "heatmap", "data": [], "label": {"show": true, "color": "#1f2329", "fontWeight": "bold"},
    "itemStyle": {"color": "#f2f3f5", "borderColor": "#fff", "borderWidth": 2}},
   {"type": "heatmap", "data": [], "label": {"show": true, "color": "#1f2329", "fontSize": 11},
    "itemStyle": {"borderColor": "#fff", "borderWidth": 2}}]
}"##;

const SCATTER: &str = r##"{
 "tooltip": {"trigger": "item", "confine": true},
 "legend": {"type": "scroll", "top": 0, "textStyle": {"color": "#1f2329"}},
 "grid": {"left": 56, "right": 16, "top": 36, "bottom": 40},
 "xAxis": {"type": "value", "nameLocation": "middle", "nameGap": 26, "nameTextStyle": {"color": "#646a73"},
   "axisLabel": {"color": "#646a73"}, "splitLine": {"lineStyle": {"color": "#eef0f3"}}},
 "yAxis": {"type": "log", "nameLocation": "middle", "nameGap": 44, "nameTextStyle": {"color": "#646a73"},
   "axisLabel": {"color": "#646a73"}, "splitLine": {"lineStyle": {"color": "#eef0f3"}}},
 "series": []
}"##;

fn template(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

/// A data item with its label text (none: the default) and tooltip.
fn item(value: Value, label: Option<String>, tip: String) -> Value {
    let mut item = json!({ "value": value, "tooltip": { "formatter": tip } });
    if let Some(label) = label {
        item["label"] = json!({ "formatter": label });
    }
    item
}

/// Customers per R (rows, 5 on top) × F (columns) score. `words`: the
/// names of the R and F axes and of the figure.
pub fn rfm_grid(s: &RfmSummary, words: [String; 3]) -> Value {
    let [r_name, f_name, customers] = words;
    let mut option = template(RFM);
    let max = s.grid.iter().map(|c| c.customers).max().unwrap_or(0);
    option["xAxis"]["name"] = f_name.into();
    option["yAxis"]["name"] = r_name.into();
    option["visualMap"]["max"] = max.max(1).into();
    option["series"][0]["data"] = s
        .grid
        .iter()
        .map(|c| {
            let tip = format!("R {} · F {}<br/>{customers}: {}", c.r, c.f, c.customers);
            item(json!([c.f - 1, c.r - 1, c.customers]), None, tip)
        })
        .collect();
    option
}

/// Words of the cohort chart: the size column, the axis names, the
/// figures' names and the column label of each month after the first order.
pub struct CohortWords {
    pub size: String,
    pub cohort: String,
    pub retention: String,
    pub revenue: String,
    pub active: String,
    pub months: Vec<String>,
}

/// Rows = cohorts (oldest on top), columns = the size, then months 0, 1, …
/// (a cohort without customers has no cells). Each cell shows the share of
/// the cohort that ordered that month or, with `revenue`, what it spent
/// (short money on the cell, whole money in the tooltip); revenue colours
/// scale to the later months, month 0 being the largest by far.
pub fn cohorts(m: &CohortMatrix, locale: Locale, words: CohortWords, revenue: bool) -> Value {
    let mut option = template(COHORTS);
    let mut sizes = Vec::new();
    let mut cells = Vec::new();
    let mut max: f64 = 0.0;
    for (y, c) in m.cohorts.iter().enumerate() {
        let size = i18n::number(locale, c.customers as f64);
        let tip = format!("{}<br/>{}: {size}", c.month, words.size);
        sizes.push(item(json!([0, y, c.customers]), Some(size.clone()), tip));
        if c.customers == 0 {
            continue;
        }
        for (k, r) in c.retention.iter().enumerate().take(words.months.len()) {
            let active = i18n::number(locale, c.active.get(k).copied().unwrap_or(0) as f64);
            let head = format!("{} · {}", c.month, words.months[k]);
            let (value, text, tip) = if revenue {
                let minor = c.revenue_minor.get(k).copied().unwrap_or(0) as f64;
                let major = i18n::major(locale, minor, &m.currency);
                if k > 0 {
                    max = max.max(major);
                }
                let tip = format!(
                    "{head}<br/>{}: {}<br/>{}: {active}",
                    words.revenue,
                    i18n::money_whole(locale, minor, &m.currency),
                    words.active
                );
                (major, i18n::compact(locale, minor, Some(&m.currency)), tip)
            } else {
                let text = i18n::percent(locale, *r);
                let tip = format!("{head}<br/>{}: {text} ({active} / {size})", words.retention);
                (r * 100.0, text, tip)
            };
            cells.push(item(json!([k + 1, y, value]), Some(text), tip));
        }
    }
    let mut columns = vec![words.size];
    columns.extend(words.months);
    option["xAxis"]["data"] = columns.into();
    option["yAxis"]["data"] = m.cohorts.iter().map(|c| c.month.clone()).collect();
    option["yAxis"]["name"] = words.cohort.into();
    option["series"][0]["data"] = sizes.into();
    option["series"][1]["data"] = cells.into();
    if revenue {
        option["visualMap"]["max"] = max.max(1.0).into();
        option["visualMap"]["inRange"]["color"] =
            json!(["#fff7e6", "#ffd591", "#ffa940", "#d46b08"]);
    }
    option
}

/// How a k-means feature is measured: days, orders per 30 days or money.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Days,
    Rate,
    Money,
}

pub fn unit(feature: &str) -> Unit {
    match feature {
        "frequency" => Unit::Rate,
        "aov" | "monetary" => Unit::Money,
        _ => Unit::Days,
    }
}

/// The scatter's axes: recency × average order value when both were
/// clustered on, else the first two features; `None` with fewer than two.
pub fn axes(features: &[String]) -> Option<(usize, usize)> {
    let at = |name: &str| features.iter().position(|f| f == name);
    match (at("recency"), at("aov")) {
        (Some(x), Some(y)) => Some((x, y)),
        _ if features.len() >= 2 => Some((0, 1)),
        _ => None,
    }
}

/// Words of the scatter: axis names and each cluster's name.
pub struct ScatterWords {
    pub x: String,
    pub y: String,
    pub clusters: Vec<String>,
}

/// Each sampled customer at the two `axes` features (money in major units;
/// money and rates on a log scale), one series per cluster.
pub fn scatter(
    k: &KmeansResult,
    locale: Locale,
    currency: &str,
    words: ScatterWords,
) -> Option<Value> {
    let (x, y) = axes(&k.features)?;
    let units = (unit(&k.features[x]), unit(&k.features[y]));
    let mut option = template(SCATTER);
    let major = i18n::major(locale, 1.0, currency);
    let scale = |u: Unit, v: f64| match u {
        Unit::Money => ((v * major * 100.0).round() / 100.0).max(0.01),
        Unit::Rate => ((v * 1000.0).round() / 1000.0).max(0.001),
        Unit::Days => v.round(),
    };
    let tip = format!("{{a}}<br/>{}: {{@[0]}}<br/>{}: {{@[1]}}", words.x, words.y);
    option["series"] = k
        .clusters
        .iter()
        .zip(&words.clusters)
        .map(|(c, name)| {
            let data: Vec<Value> = k
                .points
                .iter()
                .filter(|p| p.cluster == c.cluster)
                .filter_map(|p| {
                    let (a, b) = (*p.values.get(x)?, *p.values.get(y)?);
                    Some(json!([scale(units.0, a), scale(units.1, b)]))
                })
                .collect();
            let colour = CLUSTER_COLOURS[c.cluster as usize % CLUSTER_COLOURS.len()];
            json!({
                "type": "scatter", "name": name, "data": data, "symbolSize": 7,
                "itemStyle": { "opacity": 0.75, "color": colour },
                "tooltip": { "formatter": tip },
            })
        })
        .collect();
    let kind = |u: Unit| if u == Unit::Days { "value" } else { "log" };
    option["xAxis"]["type"] = kind(units.0).into();
    option["yAxis"]["type"] = kind(units.1).into();
    option["xAxis"]["name"] = words.x.into();
    option["yAxis"]["name"] = words.y.into();
    Some(option)
}

const VALUE: &str = r##"{
 "tooltip": {"trigger": "item", "confine": true},
 "grid": [{"left": 8, "width": "46%", "top": 44, "bottom": 8, "containLabel": true},
          {"right": 44, "width": "28%", "top": 44, "bottom": 8, "containLabel": true}],
 "xAxis": [{"type": "value", "gridIndex": 0, "position": "top", "splitNumber": 3,
            "axisLabel": {"show": false}, "splitLine": {"lineStyle": {"color": "#eef0f3"}},
            "nameLocation": "middle", "nameGap": 18, "nameTextStyle": {"color": "#1f2329", "fontWeight": "bold"}},
           {"type": "value", "gridIndex": 1, "position": "top", "min": 0, "max": 100, "splitNumber": 2,
            "axisLabel": {"color": "#646a73", "fontSize": 11, "formatter": "{value}%"}, "splitLine": {"lineStyle": {"color": "#eef0f3"}},
            "nameLocation": "middle", "nameGap": 24, "nameTextStyle": {"color": "#1f2329", "fontWeight": "bold"}}],
 "yAxis": [{"type": "category", "gridIndex": 0, "inverse": true, "data": [], "axisTick": {"show": false},
            "axisLine": {"show": false}, "axisLabel": {"color": "#1f2329"}},
           {"type": "category", "gridIndex": 1, "inverse": true, "data": [], "axisTick": {"show": false},
            "axisLine": {"show": false}, "axisLabel": {"show": false}}],
 "series": [
   {"type": "bar", "xAxisIndex": 0, "yAxisIndex": 0, "data": [], "barMaxWidth": 18,
    "itemStyle": {"color": "#3370ff", "borderRadius": [0, 3, 3, 0]},
    "label": {"show": true, "position": "right", "color": "#1f2329", "fontSize": 11}},
   {"type": "bar", "xAxisIndex": 1, "yAxisIndex": 1, "data": [], "barMaxWidth": 18,
    "itemStyle": {"color": "#f76964", "borderRadius": [0, 3, 3, 0]},
    "label": {"show": true, "position": "right", "color": "#1f2329", "fontSize": 11}}]
}"##;

/// One group of the value chart: its name, predicted value per buyer (minor
/// units), churn rate (0–1) and more figures for the tooltip (HTML lines).
pub struct ValueRow {
    pub name: String,
    pub value_minor: Option<f64>,
    pub rate: Option<f64>,
    pub details: String,
}

/// Per group, side by side: the value per buyer (blue) and the churn rate
/// (red). `names`: the two figures' names.
pub fn value_bars(rows: &[ValueRow], locale: Locale, currency: &str, names: [String; 2]) -> Value {
    let mut option = template(VALUE);
    let [value, rate] = names;
    let categories: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
    option["yAxis"][0]["data"] = json!(categories);
    option["yAxis"][1]["data"] = json!(categories);
    option["series"][0]["name"] = value.clone().into();
    option["series"][1]["name"] = rate.clone().into();
    option["series"][0]["data"] = rows
        .iter()
        .map(|r| match r.value_minor {
            Some(v) => {
                let major = i18n::major(locale, v, currency).round();
                let whole = i18n::money_whole(locale, v, currency);
                let tip = format!("{}<br/>{value}: {whole}<br/>{}", r.name, r.details);
                let short = i18n::compact(locale, v, Some(currency));
                item(json!(major), Some(short), tip)
            }
            None => json!("-"),
        })
        .collect();
    option["series"][1]["data"] = rows
        .iter()
        .map(|r| match r.rate {
            Some(v) => {
                let text = i18n::percent(locale, v);
                let tip = format!("{}<br/>{rate}: {text}<br/>{}", r.name, r.details);
                item(json!((v * 1000.0).round() / 10.0), Some(text), tip)
            }
            None => json!("-"),
        })
        .collect();
    option["xAxis"][0]["name"] = value.into();
    option["xAxis"][1]["name"] = rate.into();
    option
}
