//! How a CSV cell becomes a value of the entity's merge-patch body (the
//! fields themselves are in `catalogue`). Cells are read the way people type them in a
//! spreadsheet: `12,500.00` or `¥12500` for money, `2026/3/1` or
//! `2026年3月1日` for dates, `是` / `否` for yes and no, the web app's words
//! (`制造业`, `展会`) for vocabularies, region names (`广东省`, `深圳`) for
//! regions, a user's e-mail for the owner, tag names for tags. A blank cell
//! leaves the field alone.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use crm_domain::custom_field::FieldType;
use serde_json::{Map, Value, json};

pub use super::catalogue::{Field, Kind, describe, fields_of};
use super::pipelines::PipelineIndex;
use super::regions::RegionIndex;
pub use super::suggest::suggest;

/// The web app's words for the vocabularies: `(prefix, label) → code`, from
/// its Fluent catalogs, so a file typed in the app's language imports.
fn labels() -> &'static HashMap<(String, String), String> {
    static LABELS: std::sync::LazyLock<HashMap<(String, String), String>> =
        std::sync::LazyLock::new(|| {
            let mut map = HashMap::new();
            for catalog in [
                include_str!("../../../../frontend/locales/zh-CN.ftl"),
                include_str!("../../../../frontend/locales/en.ftl"),
            ] {
                for line in catalog.lines() {
                    let Some((key, label)) = line.split_once(" = ") else {
                        continue;
                    };
                    let Some((prefix, code)) = key.trim().split_once('-') else {
                        continue;
                    };
                    if ["kind", "industry", "size", "stage", "source", "gender"].contains(&prefix) {
                        map.insert(
                            (prefix.to_owned(), label.trim().to_lowercase()),
                            code.replace('-', "_"),
                        );
                    }
                }
            }
            map
        });
    &LABELS
}

/// What converting one row needs from the workspace.
pub struct Context {
    pub base_currency: String,
    /// Lower-cased e-mail → user id.
    pub users: HashMap<String, uuid::Uuid>,
    /// Tag name → tag id.
    pub tags: HashMap<String, uuid::Uuid>,
    pub regions: RegionIndex,
    pub pipelines: PipelineIndex,
}

/// A row's cells as the entity's merge-patch body, or its errors by column.
pub fn record(
    cells: &[String],
    columns: &[(usize, &Field)],
    headers: &[String],
    ctx: &Context,
) -> Result<Value, BTreeMap<String, Vec<String>>> {
    let mut body = Map::new();
    let mut errors: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut regions: [Option<&str>; 4] = [None; 4];
    let mut region_columns: [&str; 4] = ["country", "province", "city", "district"];
    // The pipeline and the stage, as typed, and their columns.
    let mut stages: [Option<&str>; 2] = [None; 2];
    let mut stage_columns: [&str; 2] = ["pipeline", "stage"];
    for &(index, f) in columns {
        let raw = cells.get(index).map_or("", |s| s.trim());
        if raw.is_empty() {
            continue;
        }
        let column = headers.get(index).map_or(f.name.as_str(), String::as_str);
        if let Kind::Region(level) = f.kind {
            regions[level as usize] = Some(raw);
            region_columns[level as usize] = column;
            continue;
        }
        if matches!(f.kind, Kind::Pipeline | Kind::Stage) {
            let at = usize::from(f.kind == Kind::Stage);
            stages[at] = Some(raw);
            stage_columns[at] = column;
            continue;
        }
        match cell(raw, f, ctx) {
            Ok((key, value)) => {
                if let Some(custom) = key.strip_prefix("custom.") {
                    let entry = body
                        .entry("custom_fields")
                        .or_insert_with(|| Value::Object(Map::new()));
                    if let Value::Object(map) = entry {
                        map.insert(custom.to_owned(), value);
                    }
                } else {
                    body.insert(key, value);
                }
            }
            Err(message) => errors.entry(column.to_owned()).or_default().push(message),
        }
    }
    if regions.iter().any(Option::is_some) {
        match ctx.regions.resolve(regions) {
            Ok(codes) => {
                for (key, code) in [
                    "country_code",
                    "province_code",
                    "city_code",
                    "district_code",
                ]
                .into_iter()
                .zip(codes)
                {
                    if let Some(code) = code {
                        body.insert(key.to_owned(), Value::String(code));
                    }
                }
            }
            Err((level, message)) => errors
                .entry(region_columns[level].to_owned())
                .or_default()
                .push(message),
        }
    }
    if stages.iter().any(Option::is_some) {
        match ctx.pipelines.resolve(stages[0], stages[1]) {
            Ok((pipeline, stage)) => {
                for (key, id) in [("pipeline_id", pipeline), ("stage_id", stage)] {
                    if let Some(id) = id {
                        body.insert(key.to_owned(), json!(id));
                    }
                }
            }
            Err((at, message)) => errors
                .entry(stage_columns[at].to_owned())
                .or_default()
                .push(message),
        }
    }
    // A currency column sets the currency of the row's amount (deals).
    if let (Some(Value::String(currency)), Some(Value::Object(_))) =
        (body.get("currency").cloned(), body.get("amount"))
    {
        body.remove("currency");
        if let Some(Value::Object(amount)) = body.get_mut("amount") {
            amount.insert(
                "currency".to_owned(),
                Value::String(currency.to_uppercase()),
            );
        }
    }
    if errors.is_empty() {
        Ok(Value::Object(body))
    } else {
        Err(errors)
    }
}

/// One cell as `(body key, value)`.
fn cell(raw: &str, f: &Field, ctx: &Context) -> Result<(String, Value), String> {
    let value = match &f.kind {
        Kind::Text => Value::String(raw.to_owned()),
        Kind::Integer => json!(integer(raw)?),
        Kind::Number => json!(number(raw)?),
        Kind::Minor => json!(minor_units(raw)?),
        Kind::Money => json!({"amount_minor": minor_units(raw)?, "currency": ctx.base_currency}),
        Kind::Date => Value::String(date(raw)?.to_string()),
        Kind::Bool => Value::Bool(boolean(raw)?),
        Kind::Choice(codes, prefix) => Value::String(choice(raw, codes, prefix)?),
        Kind::Owner => {
            let id = ctx
                .users
                .get(&raw.to_lowercase())
                .ok_or_else(|| format!("no user has the e-mail {raw}"))?;
            return Ok(("owner_id".to_owned(), json!(id)));
        }
        Kind::Tags => {
            let mut ids = Vec::new();
            for name in raw.split([',', ';', '|', '，', '；', '、']).map(str::trim) {
                if name.is_empty() {
                    continue;
                }
                let id = ctx
                    .tags
                    .get(name)
                    .ok_or_else(|| format!("no tag is named {name}"))?;
                ids.push(json!(id));
            }
            return Ok(("tag_ids".to_owned(), Value::Array(ids)));
        }
        Kind::Region(_) | Kind::Pipeline | Kind::Stage => Value::String(raw.to_owned()),
        Kind::Custom(t) => match t {
            FieldType::Number => json!(number(raw)?),
            FieldType::Boolean => Value::Bool(boolean(raw)?),
            FieldType::Date => Value::String(date(raw)?.to_string()),
            FieldType::MultiSelect => Value::Array(
                raw.split([',', ';', '|', '，', '；', '、'])
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| Value::String(s.to_owned()))
                    .collect(),
            ),
            _ => Value::String(raw.to_owned()),
        },
    };
    let key = match f.name.as_str() {
        "owner_email" => "owner_id",
        "line.unit_price" => "line.unit_price_minor",
        "line.discount" => "line.discount_minor",
        name => name,
    };
    Ok((key.to_owned(), value))
}

fn strip_number(raw: &str) -> String {
    raw.chars()
        .filter(|c| !matches!(c, ',' | '，' | ' ' | '¥' | '￥' | '$' | '€' | '£' | '元'))
        .collect()
}

fn integer(raw: &str) -> Result<i64, String> {
    strip_number(raw)
        .parse()
        .map_err(|_| format!("{raw} is not a whole number"))
}

fn number(raw: &str) -> Result<f64, String> {
    strip_number(raw)
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .ok_or_else(|| format!("{raw} is not a number"))
}

/// `12,500.5` → 1250050 (hundredths), exactly, without floating point.
pub fn minor_units(raw: &str) -> Result<i64, String> {
    let bad = || format!("{raw} is not an amount (e.g. 12500.00)");
    let text = strip_number(raw);
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.as_str()),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() && fraction.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !fraction.chars().all(|c| c.is_ascii_digit())
        || fraction.len() > 2
    {
        return Err(bad());
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let cents: i64 = format!("{fraction:0<2}").parse().map_err(|_| bad())?;
    let minor = whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(cents))
        .ok_or_else(bad)?;
    Ok(if negative { -minor } else { minor })
}

fn date(raw: &str) -> Result<NaiveDate, String> {
    let text = raw.replace(['年', '月', '/', '.'], "-").replace('日', "");
    let text = text.split([' ', 'T']).next().unwrap_or("");
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("{raw} is not a date (e.g. 2026-03-01)"))
}

fn boolean(raw: &str) -> Result<bool, String> {
    match raw.to_lowercase().as_str() {
        "true" | "yes" | "y" | "1" | "是" | "启用" | "有效" | "在售" | "active" => Ok(true),
        "false" | "no" | "n" | "0" | "否" | "停用" | "无效" | "停售" | "inactive" => {
            Ok(false)
        }
        _ => Err(format!("{raw} is not yes or no")),
    }
}

/// Order statuses as Chinese order systems write them.
const ORDER_STATUS_WORDS: [(&str, &str); 14] = [
    ("草稿", "draft"),
    ("待确认", "draft"),
    ("已确认", "confirmed"),
    ("确认", "confirmed"),
    ("已付款", "paid"),
    ("已支付", "paid"),
    ("已发货", "shipped"),
    ("发货", "shipped"),
    ("已完成", "completed"),
    ("完成", "completed"),
    ("已取消", "cancelled"),
    ("取消", "cancelled"),
    ("已退款", "refunded"),
    ("退款", "refunded"),
];

fn choice(raw: &str, codes: &[&str], prefix: &str) -> Result<String, String> {
    let code = raw.trim().to_lowercase().replace(['-', ' '], "_");
    if codes.contains(&code.as_str()) {
        return Ok(code);
    }
    if prefix == "order_status"
        && let Some((_, code)) = ORDER_STATUS_WORDS.iter().find(|(w, _)| *w == raw.trim())
    {
        return Ok((*code).to_owned());
    }
    labels()
        .get(&(prefix.to_owned(), raw.trim().to_lowercase()))
        .filter(|c| codes.contains(&c.as_str()))
        .cloned()
        .ok_or_else(|| format!("{raw} is not one of {}", codes.join(", ")))
}

#[cfg(test)]
mod tests {
    use crm_domain::customer::Industry;

    use super::*;

    #[test]
    fn money_is_read_exactly() {
        assert_eq!(minor_units("12,500.5"), Ok(1_250_050));
        assert_eq!(minor_units("¥12500"), Ok(1_250_000));
        assert_eq!(minor_units("0.07"), Ok(7));
        assert_eq!(minor_units("-3.2"), Ok(-320));
        assert!(minor_units("1.234").is_err());
        assert!(minor_units("abc").is_err());
        assert!(minor_units(".").is_err());
    }

    #[test]
    fn dates_and_yes_no_as_typed_in_china() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 1);
        assert_eq!(date("2026年3月1日").ok(), d);
        assert_eq!(date("2026/3/1").ok(), d);
        assert_eq!(date("2026-03-01 10:00").ok(), d);
        assert!(date("3/1/2026").is_err());
        assert_eq!(boolean("是"), Ok(true));
        assert_eq!(boolean("停用"), Ok(false));
    }

    #[test]
    fn vocabularies_accept_codes_and_the_apps_labels() {
        let codes: Vec<&str> = Industry::ALL.iter().map(|v| v.as_str()).collect();
        let codes = codes.as_slice();
        assert_eq!(
            choice("制造业", codes, "industry").as_deref(),
            Ok("manufacturing")
        );
        assert_eq!(
            choice("Real Estate", codes, "industry").as_deref(),
            Ok("real_estate")
        );
        assert_eq!(
            choice("real-estate", codes, "industry").as_deref(),
            Ok("real_estate")
        );
        assert!(choice("火星", codes, "industry").is_err());
    }
}
