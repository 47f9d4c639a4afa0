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

/// The years a business date may fall in: anything outside is a typo or a
/// probe (year 20260 instead of 2026), not a customer's order or birthday.
pub const DATE_YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

/// A calendar date within [`DATE_YEARS`].
pub fn sane_date(date: chrono::NaiveDate) -> Result<chrono::NaiveDate, String> {
    use chrono::Datelike;
    if DATE_YEARS.contains(&date.year()) {
        Ok(date)
    } else {
        Err(format!(
            "must be between the years {} and {}",
            DATE_YEARS.start(),
            DATE_YEARS.end()
        ))
    }
}

/// A point in time whose (UTC) date is within [`DATE_YEARS`].
pub fn sane_time<T: chrono::TimeZone>(
    at: chrono::DateTime<T>,
) -> Result<chrono::DateTime<T>, String> {
    sane_date(at.naive_utc().date()).map(|_| at)
}

/// Checks a trimmed single-line text (a name, a title, a code): its length
/// in characters (not bytes: names are often Chinese), and that it holds no
/// control character (not even tab or line feed) and no bidirectional
/// override or isolate (see [`forbidden_char`]).
pub fn bounded_text(value: &str, min: usize, max: usize) -> Result<String, String> {
    checked_text(value, min, max, false)
}

/// [`bounded_text`] for a text that may span lines (a note, a description,
/// an address): tab, line feed and carriage return are allowed.
pub fn multiline_text(value: &str, min: usize, max: usize) -> Result<String, String> {
    checked_text(value, min, max, true)
}

/// The first character a stored text must not hold: NUL and the other C0
/// and C1 controls and DEL (tab, line feed and carriage return only where
/// `multiline`), and the bidirectional embeddings, overrides and isolates
/// U+202A–U+202E and U+2066–U+2069, which make a name display as another
/// ("Trojan source" spoofing).
pub fn forbidden_char(value: &str, multiline: bool) -> Option<char> {
    value.chars().find(|&c| {
        let line_break = matches!(c, '\t' | '\n' | '\r');
        (c.is_control() && !(multiline && line_break))
            || ('\u{202A}'..='\u{202E}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
    })
}

fn checked_text(value: &str, min: usize, max: usize, multiline: bool) -> Result<String, String> {
    let trimmed = value.trim();
    if let Some(c) = forbidden_char(trimmed, multiline) {
        return Err(format!(
            "must not contain control or bidirectional-override characters (found U+{:04X})",
            u32::from(c)
        ));
    }
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
    fn dates_outside_1900_to_2200_are_refused() {
        let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).expect("valid date");
        assert!(sane_date(day(1900, 1, 1)).is_ok());
        assert!(sane_date(day(2200, 12, 31)).is_ok());
        assert!(sane_date(day(1899, 12, 31)).is_err());
        assert!(sane_date(day(2201, 1, 1)).is_err());
        assert!(sane_date(day(20260, 3, 1)).is_err());
        let late = day(2200, 12, 31)
            .and_hms_opt(23, 59, 59)
            .expect("valid time")
            .and_utc();
        assert!(sane_time(late).is_ok());
        assert!(sane_time(late + chrono::Duration::seconds(1)).is_err());
    }

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
    fn names_refuse_controls_and_bidi_overrides() {
        for bad in [
            "Acme\u{0}",
            "Ac\u{7}me",
            "Ac\nme",
            "Ac\tme",
            "Ac\rme",
            "Ac\u{7f}me",
            "Ac\u{85}me",
            "evil\u{202E}gpj.exe",
            "a\u{202A}b",
            "a\u{2066}b",
            "a\u{2069}b",
        ] {
            let err = bounded_text(bad, 1, 100).expect_err(bad);
            assert!(err.contains("U+"), "{err}");
        }
        assert_eq!(
            bounded_text("x\u{202E}y", 1, 10),
            Err(
                "must not contain control or bidirectional-override characters (found U+202E)"
                    .to_owned()
            )
        );
        // Trimmed first: a pasted name's trailing line break is not an error.
        assert_eq!(bounded_text(" Acme\n", 1, 10), Ok("Acme".to_owned()));
        // Right-to-left text itself, and the marks U+200E/U+200F, stay allowed.
        assert!(bounded_text("شركة\u{200F}", 1, 10).is_ok());
        assert!(bounded_text("=1+1", 1, 10).is_ok());
    }

    #[test]
    fn multiline_text_allows_line_breaks_and_tabs_only() {
        assert_eq!(
            multiline_text("line 1\r\n\tline 2", 1, 100),
            Ok("line 1\r\n\tline 2".to_owned())
        );
        assert!(multiline_text("a\u{0}b", 1, 100).is_err());
        assert!(multiline_text("a\u{1b}[31mb", 1, 100).is_err());
        assert!(multiline_text("a\u{202D}b", 1, 100).is_err());
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
