//! Field-level validation errors, collected so a client sees every problem
//! of a request at once (`{"errors": {"email": ["..."]}}`).

use std::collections::BTreeMap;

/// Messages per field path (`email`, `custom_fields.vip_level`, `items[3].name`).
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct FieldErrors(pub BTreeMap<String, Vec<String>>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, message);
        errors
    }

    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.entry(field.into()).or_default().push(message.into());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn merge(&mut self, other: FieldErrors) {
        for (field, messages) in other.0 {
            self.0.entry(field).or_default().extend(messages);
        }
    }

    /// Records the error of a parse and returns its value, so a caller can
    /// parse every field before deciding.
    pub fn take<T, E: std::fmt::Display>(
        &mut self,
        field: &str,
        result: Result<T, E>,
    ) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(err) => {
                self.add(field, err.to_string());
                None
            }
        }
    }

    /// `Ok(())` when nothing was recorded.
    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
}

/// Checks a trimmed text's length in characters (not bytes: names are often Chinese).
pub fn bounded_text(value: &str, min: usize, max: usize) -> Result<String, String> {
    let trimmed = value.trim();
    let count = trimmed.chars().count();
    if count < min {
        return Err(if min == 1 {
            "must not be empty".to_owned()
        } else {
            format!("must be at least {min} characters")
        });
    }
    if count > max {
        return Err(format!("must be at most {max} characters"));
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_text_counts_characters_not_bytes() {
        assert_eq!(
            bounded_text("  华为技术  ", 1, 4),
            Ok("华为技术".to_owned())
        );
        assert!(bounded_text("华为技术有", 1, 4).is_err());
        assert_eq!(
            bounded_text("   ", 1, 4),
            Err("must not be empty".to_owned())
        );
    }

    #[test]
    fn field_errors_collect_several_messages_per_field() {
        let mut errors = FieldErrors::new();
        errors.add("email", "a");
        errors.add("email", "b");
        errors.add("name", "c");
        assert_eq!(errors.0["email"], vec!["a", "b"]);
        assert!(errors.into_result().is_err());
    }
}
