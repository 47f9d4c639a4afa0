//! Custom fields: per-workspace definitions and the check of a record's
//! values against them. Values live in one JSON object per record.

use serde_json::{Map, Value};

use crate::string_enum;
use crate::validation::FieldErrors;

string_enum! {
    /// The kinds of value a custom field holds.
    FieldType {
        /// Free text up to 2000 characters.
        Text = "text",
        /// A JSON number.
        Number = "number",
        /// A calendar date, `YYYY-MM-DD`.
        Date = "date",
        Boolean = "boolean",
        /// One of the field's options.
        SingleSelect = "single_select",
        /// A list of distinct options.
        MultiSelect = "multi_select",
    }
}

string_enum! {
    /// The record types that carry custom fields.
    FieldEntity { Customer = "customer", Contact = "contact", Ticket = "ticket" }
}

/// A definition as the rules need it.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDef {
    pub key: String,
    pub field_type: FieldType,
    pub options: Vec<String>,
    pub required: bool,
}

/// Keys are identifiers clients can rely on: `^[a-z][a-z0-9_]{0,62}$`.
pub fn parse_key(input: &str) -> Result<String, &'static str> {
    let mut chars = input.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase());
    let rest_ok = input.len() <= 63
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if first_ok && rest_ok {
        Ok(input.to_owned())
    } else {
        Err("must start with a lowercase letter and contain only a-z, 0-9 and _ (at most 63)")
    }
}

/// Checks a definition's options against its type.
pub fn check_options(field_type: FieldType, options: &[String]) -> Result<(), &'static str> {
    let selects = matches!(field_type, FieldType::SingleSelect | FieldType::MultiSelect);
    if selects && options.is_empty() {
        return Err("a select field needs at least one option");
    }
    if !selects && !options.is_empty() {
        return Err("only select fields have options");
    }
    let mut seen = std::collections::HashSet::new();
    if options
        .iter()
        .any(|o| o.trim().is_empty() || !seen.insert(o.as_str()))
    {
        return Err("options must be non-empty and distinct");
    }
    Ok(())
}

/// Validates a complete set of values (after a PATCH has been merged in).
/// `null` clears a value. Errors are keyed `custom_fields.<key>`.
pub fn validate_values(
    defs: &[FieldDef],
    values: &Map<String, Value>,
) -> Result<Map<String, Value>, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut clean = Map::new();
    for (key, value) in values {
        let path = format!("custom_fields.{key}");
        let Some(def) = defs.iter().find(|d| &d.key == key) else {
            errors.add(path, "is not a defined custom field");
            continue;
        };
        if value.is_null() {
            continue;
        }
        match check_value(def, value) {
            Ok(()) => {
                clean.insert(key.clone(), value.clone());
            }
            Err(message) => errors.add(path, message),
        }
    }
    for def in defs.iter().filter(|d| d.required) {
        if !clean.contains_key(&def.key)
            && !errors.0.contains_key(&format!("custom_fields.{}", def.key))
        {
            errors.add(format!("custom_fields.{}", def.key), "is required");
        }
    }
    errors.into_result().map(|()| clean)
}

fn check_value(def: &FieldDef, value: &Value) -> Result<(), String> {
    match def.field_type {
        FieldType::Text => match value.as_str() {
            Some(s) if s.chars().count() <= 2000 => Ok(()),
            Some(_) => Err("must be at most 2000 characters".into()),
            None => Err("must be a string".into()),
        },
        FieldType::Number => {
            if value.is_number() {
                Ok(())
            } else {
                Err("must be a number".into())
            }
        }
        FieldType::Boolean => {
            if value.is_boolean() {
                Ok(())
            } else {
                Err("must be true or false".into())
            }
        }
        FieldType::Date => match value.as_str() {
            Some(s) if chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() => Ok(()),
            _ => Err("must be a date YYYY-MM-DD".into()),
        },
        FieldType::SingleSelect => match value.as_str() {
            Some(s) if def.options.iter().any(|o| o == s) => Ok(()),
            _ => Err(format!("must be one of: {}", def.options.join(", "))),
        },
        FieldType::MultiSelect => {
            let Some(items) = value.as_array() else {
                return Err("must be a list of options".into());
            };
            let mut seen = std::collections::HashSet::new();
            for item in items {
                match item.as_str() {
                    Some(s) if def.options.iter().any(|o| o == s) => {
                        if !seen.insert(s) {
                            return Err(format!("lists {s} twice"));
                        }
                    }
                    _ => return Err(format!("items must be among: {}", def.options.join(", "))),
                }
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn defs() -> Vec<FieldDef> {
        vec![
            FieldDef {
                key: "vip".into(),
                field_type: FieldType::Boolean,
                options: vec![],
                required: true,
            },
            FieldDef {
                key: "tier".into(),
                field_type: FieldType::SingleSelect,
                options: vec!["A".into(), "B".into()],
                required: false,
            },
            FieldDef {
                key: "channels".into(),
                field_type: FieldType::MultiSelect,
                options: vec!["wechat".into(), "email".into()],
                required: false,
            },
            FieldDef {
                key: "signed".into(),
                field_type: FieldType::Date,
                options: vec![],
                required: false,
            },
        ]
    }

    fn map(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn valid_values_pass_and_nulls_are_dropped() {
        let clean = validate_values(
            &defs(),
            &map(json!({"vip": true, "tier": "A", "channels": ["wechat"], "signed": null})),
        );
        assert_eq!(
            clean,
            Ok(map(
                json!({"vip": true, "tier": "A", "channels": ["wechat"]})
            ))
        );
    }

    #[test]
    fn each_bad_value_is_reported_under_its_key() {
        let errors = validate_values(
            &defs(),
            &map(json!({"tier": "C", "channels": ["fax"], "signed": "2024-13-01", "nope": 1})),
        )
        .expect_err("invalid");
        let keys: Vec<&str> = errors.0.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "custom_fields.channels",
                "custom_fields.nope",
                "custom_fields.signed",
                "custom_fields.tier",
                "custom_fields.vip"
            ]
        );
        assert_eq!(errors.0["custom_fields.vip"], vec!["is required"]);
    }

    #[test]
    fn keys_and_options_are_checked() {
        assert!(parse_key("vip_level2").is_ok());
        assert!(parse_key("2vip").is_err());
        assert!(parse_key("VIP").is_err());
        assert!(check_options(FieldType::SingleSelect, &[]).is_err());
        assert!(check_options(FieldType::Text, &["x".into()]).is_err());
        assert!(check_options(FieldType::MultiSelect, &["x".into(), "x".into()]).is_err());
    }

    fn def(field_type: FieldType, options: &[&str], required: bool) -> Vec<FieldDef> {
        vec![FieldDef {
            key: "f".into(),
            field_type,
            options: options.iter().map(|o| (*o).to_owned()).collect(),
            required,
        }]
    }

    fn check(defs: &[FieldDef], value: Value) -> Result<Map<String, Value>, Vec<String>> {
        validate_values(defs, &map(json!({ "f": value })))
            .map_err(|e| e.0.get("custom_fields.f").cloned().unwrap_or_default())
    }

    #[test]
    fn text_is_counted_in_characters_up_to_2000() {
        let text = def(FieldType::Text, &[], false);
        assert!(check(&text, json!("长".repeat(2000))).is_ok());
        assert_eq!(
            check(&text, json!("长".repeat(2001))),
            Err(vec!["must be at most 2000 characters".to_owned()])
        );
        assert_eq!(
            check(&text, json!(5)),
            Err(vec!["must be a string".to_owned()])
        );
    }

    #[test]
    fn numbers_booleans_and_dates_are_not_coerced_from_strings() {
        let number = def(FieldType::Number, &[], false);
        assert!(check(&number, json!(-1.5)).is_ok());
        assert_eq!(
            check(&number, json!("1")),
            Err(vec!["must be a number".to_owned()])
        );
        let boolean = def(FieldType::Boolean, &[], false);
        assert_eq!(
            check(&boolean, json!("是")),
            Err(vec!["must be true or false".to_owned()])
        );
        assert_eq!(
            check(&boolean, json!(1)),
            Err(vec!["must be true or false".to_owned()])
        );
        let date = def(FieldType::Date, &[], false);
        assert!(check(&date, json!("2024-02-29")).is_ok());
        for bad in [json!("2023-02-29"), json!("2026/3/1"), json!(20260301)] {
            assert_eq!(
                check(&date, bad),
                Err(vec!["must be a date YYYY-MM-DD".to_owned()])
            );
        }
    }

    #[test]
    fn selects_match_options_exactly_and_lists_have_no_repeats() {
        let single = def(FieldType::SingleSelect, &["金卡", "银卡"], false);
        assert!(check(&single, json!("金卡")).is_ok());
        assert_eq!(
            check(&single, json!(" 金卡")),
            Err(vec!["must be one of: 金卡, 银卡".to_owned()])
        );
        let multi = def(FieldType::MultiSelect, &["a", "b"], false);
        assert!(check(&multi, json!([])).is_ok(), "an empty list is a value");
        assert!(check(&multi, json!(["b", "a"])).is_ok());
        assert_eq!(
            check(&multi, json!(["a", "a"])),
            Err(vec!["lists a twice".to_owned()])
        );
        assert_eq!(
            check(&multi, json!("a")),
            Err(vec!["must be a list of options".to_owned()])
        );
        assert_eq!(
            check(&multi, json!(["a", 1])),
            Err(vec!["items must be among: a, b".to_owned()])
        );
    }

    #[test]
    fn a_required_field_is_missing_when_null_and_reported_once_when_wrong() {
        let required = def(FieldType::Number, &[], true);
        assert_eq!(
            check(&required, json!(null)),
            Err(vec!["is required".to_owned()])
        );
        // A wrong value says what is wrong, not also that a value is required.
        assert_eq!(
            check(&required, json!("x")),
            Err(vec!["must be a number".to_owned()])
        );
        assert_eq!(
            validate_values(&required, &Map::new()).map_err(|e| e.0),
            Err([("custom_fields.f".to_owned(), vec!["is required".to_owned()])].into())
        );
    }

    #[test]
    fn options_must_be_distinct_and_not_blank() {
        assert!(check_options(FieldType::SingleSelect, &["A".into(), "a".into()]).is_ok());
        assert!(check_options(FieldType::SingleSelect, &["A".into(), " ".into()]).is_err());
        assert!(check_options(FieldType::Number, &[]).is_ok());
        assert!(parse_key(&format!("a{}", "b".repeat(62))).is_ok());
        assert!(parse_key(&format!("a{}", "b".repeat(63))).is_err());
        assert!(parse_key("").is_err());
        assert!(parse_key("vip-level").is_err());
    }
}
