//! Conversions shared by the feature modules' views.

use chrono::{DateTime, NaiveDateTime, Utc};

pub fn utc(at: NaiveDateTime) -> DateTime<Utc> {
    at.and_utc()
}

pub fn naive(at: DateTime<Utc>) -> NaiveDateTime {
    at.naive_utc()
}

/// Parses a stored vocabulary value; unknown values (never written by us) read as absent.
pub fn vocab<T>(value: Option<&str>, parse: fn(&str) -> Result<T, String>) -> Option<T> {
    value.and_then(|v| parse(v).ok())
}

/// The JSON object stored in a custom-fields column.
pub fn object(value: &serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    value.as_object().cloned().unwrap_or_default()
}
