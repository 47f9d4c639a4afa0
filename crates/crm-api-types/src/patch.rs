//! Merge-patch helpers: tell an absent field from an explicit `null`.

use serde::{Deserialize, Deserializer};

/// Use with `#[serde(default, deserialize_with = "crate::patch::nullable")]`
/// on an `Option<Option<T>>`: absent → `None`, `null` → `Some(None)`.
pub fn nullable<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Applies a patch field to a current value.
pub fn apply<T>(current: Option<T>, patch: Option<Option<T>>) -> Option<T> {
    match patch {
        None => current,
        Some(value) => value,
    }
}
