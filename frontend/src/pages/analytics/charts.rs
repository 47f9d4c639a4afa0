//! The ECharts options of the Analytics page: the RFM R × F heatmap, the
//! cohort retention heatmap (cohort size as a grey first column) and the
//! k-means scatter. The fixed part of each option is a JSON template (text
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

/// Words of the cohort chart: the size column, the axis names and the
/// column label of each month after the first order.
pub struct CohortWords {
    pub size: String,
    pub cohort: String,
    pub retention: String,
    pub months: Vec<String>,
}

/// Rows = cohorts (oldest on top), columns = the size, then months 0, 1, …
/// (a cohort without customers has no retention cells).
pub fn cohorts(m: &CohortMatrix, locale: Locale, words: CohortWords) -> Value {
    let mut option = template(COHORTS);
    let mut sizes = Vec::new();
    let mut cells = Vec::new();
    for (y, c) in m.cohorts.iter().enumerate() {
        let size = i18n::number(locale, c.customers as f64);
        let tip = format!("{}<br/>{}: {size}", c.month, words.size);
        sizes.push(item(json!([0, y, c.customers]), Some(size.clone()), tip));
        if c.customers == 0 {
            continue;
        }
        for (k, r) in c.retention.iter().enumerate().take(words.months.len()) {
            let text = i18n::percent(locale, *r);
            let active = i18n::number(locale, c.active.get(k).copied().unwrap_or(0) as f64);
            let tip = format!(
                "{} · {}<br/>{}: {text} ({active} / {size})",
                c.month, words.months[k], words.retention
            );
            cells.push(item(json!([k + 1, y, r * 100.0]), Some(text), tip));
        }
    }
    let mut columns = vec![words.size];
    columns.extend(words.months);
    option["xAxis"]["data"] = columns.into();
    option["yAxis"]["data"] = m.cohorts.iter().map(|c| c.month.clone()).collect();
    option["yAxis"]["name"] = words.cohort.into();
    option["series"][0]["data"] = sizes.into();
    option["series"][1]["data"] = cells.into();
    option
}

/// Words of the scatter: axis names and each cluster's name.
pub struct ScatterWords {
    pub x: String,
    pub y: String,
    pub clusters: Vec<String>,
}

/// Each sampled customer at (recency days, average order value in major
/// units), one series per cluster; `None` when the features lack either.
pub fn scatter(
    k: &KmeansResult,
    locale: Locale,
    currency: &str,
    words: ScatterWords,
) -> Option<Value> {
    let at = |name: &str| k.features.iter().position(|f| f == name);
    let (x, y) = (at("recency")?, at("aov")?);
    let mut option = template(SCATTER);
    let unit = i18n::major(locale, 1.0, currency);
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
                    let (days, aov) = (*p.values.get(x)?, *p.values.get(y)?);
                    let aov = (aov * unit * 100.0).round() / 100.0;
                    Some(json!([days, aov.max(0.01)]))
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
    option["xAxis"]["name"] = words.x.into();
    option["yAxis"]["name"] = words.y.into();
    Some(option)
}
