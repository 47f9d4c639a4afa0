//! How a CSV cell becomes a value of the entity's merge-patch body (the
//! fields themselves are in `catalogue`). Cells are read the way people type them in a
//! spreadsheet: `12,500.00` or `¥12500` for money, `2026/3/1` or
//! `2026年3月1日` for dates, `是` / `否` for yes and no, the web app's words
//! (`制造业`, `展会`) for vocabularies, region names (`广东省`, `深圳`) for
//! regions, a user's e-mail for the owner, tag names for tags. A blank cell
//! leaves the field alone.

use std::collections::{BTreeMap, HashMap};

use crm_domain::custom_field::FieldType;
use crm_domain::imports::cells::{
    boolean, date, integer, list, minor_units, number, order_status_word,
};
use crm_domain::imports::regions::RegionIndex;
use serde_json::{Map, Value, json};

pub use super::catalogue::{Field, Kind, describe, fields_of};
use super::pipelines::PipelineIndex;
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
            for name in list(raw) {
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
            FieldType::MultiSelect => {
                Value::Array(list(raw).map(|s| Value::String(s.to_owned())).collect())
            }
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

fn choice(raw: &str, codes: &[&str], prefix: &str) -> Result<String, String> {
    let code = raw.trim().to_lowercase().replace(['-', ' '], "_");
    if codes.contains(&code.as_str()) {
        return Ok(code);
    }
    if prefix == "order_status"
        && let Some(code) = order_status_word(raw)
    {
        return Ok(code.to_owned());
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
