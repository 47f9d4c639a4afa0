//! The ECharts options of the Distribution page, as JSON: a choropleth of
//! regions (joined to the outline by region code) with a legend of value
//! bands, or bars / a pie for the other dimensions. Every text in them is
//! already translated and formatted here.

use serde_json::{Value, json};

use super::figures::{Format, Row, short_region};

/// Light to dark; one colour per legend band.
const BANDS: [&str; 6] = [
    "#e3edff", "#bcd3ff", "#8ab2ff", "#5a8cff", "#3370ff", "#1a4fd0",
];
const NO_DATA: &str = "#f2f3f5";
const TEXT: &str = "#1f2329";

/// Translated words the charts need.
pub struct Words {
    pub measure: String,
    pub share: String,
    pub change: String,
    pub no_data: String,
    pub other: String,
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn tooltip(row: &Row, format: &Format, words: &Words) -> String {
    let mut html = format!(
        "<b>{}</b><br/>{}: {}",
        escape(&row.name),
        words.measure,
        format.value(row.value)
    );
    if let Some(share) = row.share {
        html.push_str(&format!(
            "<br/>{}: {}",
            words.share,
            crate::i18n::percent(format.locale, share)
        ));
    }
    if let Some(change) = row.change {
        let (text, good) = format.change(change, row.change_ratio);
        let colour = if good { "#2ea121" } else { "#d83931" };
        html.push_str(&format!(
            "<br/>{}: <span style=\"color:{colour}\">{text}</span>",
            words.change
        ));
    }
    html
}

/// A round step that cuts `0..=max` into at most `BANDS.len() - 1` bands
/// (whole numbers for counts and money).
fn band_step(max: f64, whole: bool) -> f64 {
    let raw = (max / 5.0).max(f64::MIN_POSITIVE);
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0]
        .into_iter()
        .filter(|n| !(whole && magnitude < 10.0 && *n == 2.5))
        .map(|n| n * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    if whole { step.max(1.0) } else { step }
}

/// The legend's value bands, lowest first: `(from, to, colour, label)`.
pub fn bands(max: f64, format: &Format) -> Vec<(f64, f64, &'static str, String)> {
    let whole = !matches!(
        format.unit,
        crm_api_types::analytics::Unit::Ratio | crm_api_types::analytics::Unit::Score
    );
    let step = band_step(max, whole);
    let count = ((max / step).ceil() as usize).clamp(1, BANDS.len());
    (0..count)
        .map(|i| {
            let (lo, hi) = (i as f64 * step, (i + 1) as f64 * step);
            let label = format!("{} – {}", format.short(lo), format.short(hi));
            // Spread over the palette: the top band is always the darkest.
            let colour = BANDS[(i * (BANDS.len() - 1))
                .div_ceil(count.max(2) - 1)
                .min(BANDS.len() - 1)];
            (lo, hi, colour, label)
        })
        .collect()
}

pub fn max(rows: &[Row]) -> f64 {
    rows.iter()
        .filter(|r| r.key.is_some())
        .map(|r| r.value)
        .fold(0.0, f64::max)
}

/// The colour of regions without a figure (or with 0).
pub const NO_DATA_COLOUR: &str = NO_DATA;

/// The outline a choropleth draws and how.
pub struct Outline<'a> {
    /// The registered map (regions named by code).
    pub map: &'a str,
    /// Every region of the outline with a name: those without a group are
    /// grey and say 0 when the measure adds up (`zero`), else "no data".
    pub places: &'a [(String, String)],
    pub zero: bool,
    /// Region names on the map (off where they would crowd).
    pub labels: bool,
}

/// A choropleth of `outline`, coloured by the legend's `bands`.
pub fn map(
    outline: &Outline,
    rows: &[Row],
    bands: &[(f64, f64, &'static str, String)],
    format: &Format,
    words: &Words,
) -> Value {
    let Outline {
        map,
        places,
        zero,
        labels,
    } = *outline;
    let pieces: Vec<Value> = bands
        .iter()
        .map(|(lo, hi, colour, _)| json!({ "min": lo, "max": hi, "color": colour }))
        .collect();
    let mut data: Vec<Value> = Vec::new();
    let label = |name: &str, value: f64| {
        if labels && value > 0.0 {
            json!({ "formatter": short_region(name) })
        } else {
            json!({ "show": false })
        }
    };
    for row in rows {
        let Some(code) = row.key.as_deref() else {
            continue;
        };
        data.push(json!({
            "name": code, "value": row.value, "label": label(&row.name, row.value),
            "tooltip": { "formatter": tooltip(row, format, words) },
        }));
    }
    for (code, name) in places {
        if rows.iter().any(|r| r.key.as_deref() == Some(code)) {
            continue;
        }
        // Grey like "no data" (not the lowest band), so any figure stands out.
        let tip = if zero {
            format!(
                "<b>{}</b><br/>{}: {}",
                escape(name),
                words.measure,
                format.value(0.0)
            )
        } else {
            format!("<b>{}</b><br/>{}", escape(name), words.no_data)
        };
        data.push(json!({
            "name": code, "value": Value::Null, "label": label(name, 0.0),
            "tooltip": { "formatter": tip },
        }));
    }
    json!({
        "tooltip": { "trigger": "item", "confine": true },
        // The legend is drawn by the page, beside the chart.
        "visualMap": { "type": "piecewise", "show": false, "pieces": pieces },
        "series": [{
            "type": "map", "map": map, "nameProperty": "code", "roam": false,
            "left": 4, "right": 4, "top": 4, "bottom": 4, "preserveAspect": "contain",
            "selectedMode": false,
            "label": {
                "show": labels, "fontSize": 11, "color": TEXT,
                "textBorderColor": "#ffffff", "textBorderWidth": 2,
            },
            "itemStyle": { "areaColor": NO_DATA, "borderColor": "#ffffff", "borderWidth": 0.8 },
            "emphasis": {
                "label": { "show": labels, "color": TEXT },
                "itemStyle": { "areaColor": "#ffd666" },
            },
            "data": data,
        }],
    })
}

/// Horizontal bars, largest on top, each labelled with its value.
pub fn bars(rows: &[Row], format: &Format, words: &Words) -> Value {
    let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
    let data: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "value": r.value, "label": { "formatter": format.short(r.value) },
                "tooltip": { "formatter": tooltip(r, format, words) },
            })
        })
        .collect();
    json!({
        "tooltip": { "trigger": "item", "confine": true },
        "grid": { "left": 8, "right": 72, "top": 8, "bottom": 8, "containLabel": true },
        "xAxis": { "type": "value", "axisLabel": { "show": false },
                   "splitLine": { "lineStyle": { "color": "#eef0f3" } } },
        "yAxis": { "type": "category", "inverse": true, "data": names,
                   "axisTick": { "show": false },
                   "axisLine": { "lineStyle": { "color": "#c9cdd4" } },
                   "axisLabel": { "color": TEXT, "fontSize": 12 } },
        "series": [{
            "type": "bar", "barMaxWidth": 18,
            "itemStyle": { "color": "#3370ff", "borderRadius": [0, 3, 3, 0] },
            "label": { "show": true, "position": "right", "color": TEXT },
            "data": data,
        }],
    })
}

/// A ring of shares: the seven largest groups and the rest as "other".
pub fn pie(rows: &[Row], format: &Format, words: &Words) -> Value {
    let mut slices: Vec<Row> = rows.iter().take(7).cloned().collect();
    if rows.len() > 7 {
        let rest = &rows[7..];
        slices.push(Row {
            key: None,
            name: words.other.clone(),
            value: rest.iter().map(|r| r.value).sum(),
            share: Some(rest.iter().filter_map(|r| r.share).sum()),
            change: None,
            change_ratio: None,
        });
    }
    let data: Vec<Value> = slices
        .iter()
        .map(|r| {
            json!({
                "name": r.name, "value": r.value,
                "tooltip": { "formatter": tooltip(r, format, words) },
            })
        })
        .collect();
    json!({
        "tooltip": { "trigger": "item", "confine": true },
        "color": ["#3370ff", "#14c9c9", "#ffc60a", "#f76964", "#7f3bf5", "#34c724", "#ff8800", "#c9cdd4"],
        "series": [{
            "type": "pie", "radius": ["38%", "66%"], "avoidLabelOverlap": true,
            "itemStyle": { "borderColor": "#ffffff", "borderWidth": 2 },
            "label": { "formatter": "{b}\n{d}%", "color": TEXT },
            "data": data,
        }],
    })
}
