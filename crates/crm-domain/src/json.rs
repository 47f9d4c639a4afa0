//! Serde helpers for request bodies. Serde's derived structs also accept a
//! JSON array, as their fields in order (`"filters": [null, null]`), which
//! the API's documents do not allow; fields whose schema is an object read
//! through [`object`], [`optional_object`] or [`objects`] refuse anything
//! but an object.

use serde::de::{DeserializeOwned, Error};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

/// The struct read from `map`; an error inside it names where
/// (`filters: invalid type: sequence, expected a map`), since the caller's
/// error path ends at the field this helper reads.
fn from_map<T: DeserializeOwned, E: Error>(map: Map<String, Value>) -> Result<T, E> {
    serde_path_to_error::deserialize(Value::Object(map)).map_err(|e| {
        let path = e.path().to_string();
        if path == "." {
            E::custom(e.into_inner())
        } else {
            E::custom(format!("{path}: {}", e.into_inner()))
        }
    })
}

/// A struct that must be sent as a JSON object.
pub fn object<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<T, D::Error> {
    from_map(Map::deserialize(d)?)
}

/// An optional struct that, when sent, must be a JSON object (or `null`).
pub fn optional_object<'de, D: Deserializer<'de>, T: DeserializeOwned>(
    d: D,
) -> Result<Option<T>, D::Error> {
    Option::<Map<String, Value>>::deserialize(d)?
        .map(from_map)
        .transpose()
}

/// A list of structs, each a JSON object.
pub fn objects<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Vec<T>, D::Error> {
    Vec::<Map<String, Value>>::deserialize(d)?
        .into_iter()
        .map(from_map)
        .collect()
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Inner {
        a: Option<i32>,
        b: Option<i32>,
    }

    #[derive(Debug, Deserialize)]
    struct Outer {
        #[serde(default, deserialize_with = "super::object")]
        one: Option<Inner>,
        #[serde(default, deserialize_with = "super::objects")]
        many: Vec<Inner>,
    }

    #[test]
    fn objects_pass_and_arrays_are_refused() {
        let ok: Outer =
            serde_json::from_value(json!({"one": {"a": 1}, "many": [{"b": 2}]})).expect("objects");
        assert_eq!(
            ok.one,
            Some(Inner {
                a: Some(1),
                b: None
            })
        );
        assert_eq!(
            ok.many,
            vec![Inner {
                a: None,
                b: Some(2)
            }]
        );
        assert!(serde_json::from_value::<Outer>(json!({"one": [1, 2]})).is_err());
        let inner = serde_json::from_value::<Outer>(json!({"one": {"a": [1]}}))
            .expect_err("a list for a number")
            .to_string();
        assert!(inner.starts_with("a: invalid type"), "{inner}");
        assert!(serde_json::from_value::<Outer>(json!({"many": [[1, 2]]})).is_err());
        // Derived structs alone take the array: the reason for these helpers.
        assert!(serde_json::from_value::<Inner>(json!([1, 2])).is_ok());
    }
}
