//! What every upsert by external id shares (`PUT /{entity}/by-external-id/{key}`,
//! a batch record in upsert mode): the body may not name another key, a
//! create needs certain fields, and a patch's custom fields become create
//! values. The transport answers 201 or 200.

use crm_domain::FieldErrors;
use serde_json::{Map, Value};

use crate::AppError;

/// A body `external_id` must equal the key the upsert is for.
pub fn same_key(body: &Option<Option<String>>, path: &str) -> Result<(), AppError> {
    match body {
        Some(Some(other)) if other != path => Err(AppError::validation(
            "external_id",
            "must equal the external id in the path",
        )),
        _ => Ok(()),
    }
}

/// A validation error naming every field (given as `(name, present)`) a create lacks.
pub fn require_for_create(fields: &[(&str, bool)], entity: &str) -> Result<(), AppError> {
    let mut errors = FieldErrors::new();
    for (name, present) in fields {
        if !present {
            errors.add(*name, format!("is required to create a {entity}"));
        }
    }
    errors.into_result().map_err(AppError::Validation)
}

/// A patch's custom fields as create values: `null` (remove) means absent.
pub fn present_values(values: Option<Map<String, Value>>) -> Map<String, Value> {
    values
        .unwrap_or_default()
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_key_must_be_the_path_key() {
        assert!(same_key(&None, "k").is_ok());
        assert!(same_key(&Some(None), "k").is_ok());
        assert!(same_key(&Some(Some("k".into())), "k").is_ok());
        assert!(matches!(
            same_key(&Some(Some("other".into())), "k"),
            Err(AppError::Validation(_))
        ));
    }

    #[test]
    fn a_create_names_every_missing_field() {
        let Err(AppError::Validation(errors)) =
            require_for_create(&[("kind", false), ("name", true), ("x", false)], "customer")
        else {
            panic!("expected a validation error");
        };
        let fields: Vec<&String> = errors.0.keys().collect();
        assert_eq!(fields, ["kind", "x"]);
    }

    #[test]
    fn removed_custom_fields_are_absent_on_create() {
        let mut values = Map::new();
        values.insert("a".into(), Value::from(1));
        values.insert("b".into(), Value::Null);
        let kept = present_values(Some(values));
        assert_eq!(kept.len(), 1);
        assert!(kept.contains_key("a"));
    }
}
