//! Reading JSON input into typed values with field-level errors: the same
//! rules for a request body, a batch record and a job's payload.

use crm_domain::FieldErrors;
use serde::de::DeserializeOwned;

use crate::AppError;

/// Turns a serde error at a path into a field name and message.
pub fn field_error(path: &serde_path_to_error::Path, message: &str) -> (String, String) {
    let mut field = path.to_string();
    if field == "." {
        field.clear();
    }
    // "missing field `name`" and "unknown field `x`, expected …" name the field in the message.
    for prefix in ["missing field `", "unknown field `"] {
        if let Some(rest) = message.strip_prefix(prefix)
            && let Some(name) = rest.split('`').next()
        {
            // serde_path_to_error already ends the path of an unknown field with its name.
            let named = field == name || field.ends_with(&format!(".{name}"));
            if !named {
                field = if field.is_empty() {
                    name.to_owned()
                } else {
                    format!("{field}.{name}")
                };
            }
            let reason = if prefix.starts_with("missing") {
                "is required".to_owned()
            } else {
                "is not a known field".to_owned()
            };
            return (field, reason);
        }
    }
    let message = message
        .split(" at line ")
        .next()
        .unwrap_or(message)
        .to_owned();
    (
        if field.is_empty() {
            "body".to_owned()
        } else {
            field
        },
        message,
    )
}

/// A JSON value already read, as `T`, naming the field a bad value is in.
/// Whole-number floats (`12.0`) are read as integers.
pub fn parse_value<T: DeserializeOwned>(mut value: serde_json::Value) -> Result<T, AppError> {
    integral_floats_as_integers(&mut value);
    serde_path_to_error::deserialize(value).map_err(|err| {
        let (field, message) = field_error(err.path(), &err.inner().to_string());
        AppError::Validation(FieldErrors::single(field, message))
    })
}

/// `12.0` → `12`, everywhere in the value (fractions and out-of-range values stay floats).
pub fn integral_floats_as_integers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64()
                && f.fract() == 0.0
                && f.abs() < 9.0e15
            {
                *value = Value::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_floats_as_integers),
        Value::Object(map) => map.values_mut().for_each(integral_floats_as_integers),
        _ => {}
    }
}
