//! What may be attached to a ticket: a file name a person can read back
//! (1–200 characters, no path, no control characters) and one of a short
//! list of media types — pictures, PDF, plain text and CSV, Word and Excel
//! documents — whose bytes must be what the declared type says (their
//! magic number, sniffed by the caller; text must be UTF-8). Uploads are
//! sent as `application/octet-stream` and take the type their bytes are
//! (text by the name's `.csv` or `.txt`). Nothing that a browser would run (HTML, SVG,
//! scripts) is accepted.

/// The accepted media types, and what their bytes are sniffed as (`None`: text).
pub const ACCEPTED: [(&str, Option<&str>); 9] = [
    ("image/png", Some("image/png")),
    ("image/jpeg", Some("image/jpeg")),
    ("image/gif", Some("image/gif")),
    ("image/webp", Some("image/webp")),
    ("application/pdf", Some("application/pdf")),
    ("text/plain", None),
    ("text/csv", None),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ),
];

/// Why a file is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The declared media type is not one of [`ACCEPTED`].
    Unsupported,
    /// The bytes are not what the declared type says.
    Mismatch(&'static str),
}

/// Bytes whose type is to be read from them.
pub const UNTYPED: &str = "application/octet-stream";

/// Whether a `Content-Type` is one an upload may be sent as: only
/// [`UNTYPED`] — the server never takes a client's word for what a file is.
pub fn sendable(declared: &str) -> bool {
    essence(declared) == UNTYPED
}

fn essence(declared: &str) -> String {
    declared
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// The declared media type (parameters such as `charset` dropped) if it is
/// accepted and the bytes agree with it; for [`UNTYPED`] bytes, the
/// accepted type they are (UTF-8 text by the name's extension).
pub fn check(
    declared: &str,
    sniffed: Option<&str>,
    utf8: bool,
    file_name: &str,
) -> Result<&'static str, Refusal> {
    let essence = essence(declared);
    if essence == UNTYPED {
        let lower = file_name.to_ascii_lowercase();
        let found = match sniffed {
            Some(s) => ACCEPTED
                .iter()
                .find(|(_, b)| *b == Some(s))
                .map(|(k, _)| *k),
            None if utf8 && lower.ends_with(".csv") => Some("text/csv"),
            None if utf8 && lower.ends_with(".txt") => Some("text/plain"),
            None => None,
        };
        return found.ok_or(Refusal::Mismatch(UNTYPED));
    }
    let Some((kind, expected)) = ACCEPTED.iter().find(|(k, _)| *k == essence) else {
        return Err(Refusal::Unsupported);
    };
    let agrees = match expected {
        Some(expected) => sniffed == Some(*expected),
        None => utf8 && sniffed.is_none(),
    };
    if agrees {
        Ok(kind)
    } else {
        Err(Refusal::Mismatch(kind))
    }
}

/// The pattern of [`file_name_ok`], for the API's schema.
pub const FILE_NAME_PATTERN: &str =
    r"^[^\s./\\\u0000-\u001f\u007f-\u009f][^/\\\u0000-\u001f\u007f-\u009f]{0,199}$";

/// A file name kept as given when readable: 1–200 characters, no path
/// separators or control characters, not starting with white space or a
/// dot (so never `.` or `..`).
pub fn file_name_ok(name: &str) -> bool {
    let bad = |c: char| c.is_control() || matches!(c, '/' | '\\');
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| !bad(c) && c != '.' && !super::is_schema_space(c))
        && name.chars().count() <= 200
        && !chars.any(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bytes_must_be_what_the_type_says() {
        assert_eq!(
            check("image/png", Some("image/png"), false, "f"),
            Ok("image/png")
        );
        assert_eq!(
            check("IMAGE/PNG", Some("image/png"), false, "f"),
            Ok("image/png")
        );
        assert_eq!(
            check("image/png", Some("image/jpeg"), false, "f"),
            Err(Refusal::Mismatch("image/png"))
        );
        assert_eq!(
            check("image/png", None, true, "f"),
            Err(Refusal::Mismatch("image/png"))
        );
        assert_eq!(
            check("text/plain; charset=utf-8", None, true, "f"),
            Ok("text/plain")
        );
        // Text must be UTF-8 and not a sniffable binary.
        assert_eq!(
            check("text/csv", None, false, "f"),
            Err(Refusal::Mismatch("text/csv"))
        );
        assert_eq!(
            check("text/plain", Some("application/pdf"), false, "f"),
            Err(Refusal::Mismatch("text/plain"))
        );
    }

    #[test]
    fn untyped_bytes_take_the_type_they_are() {
        assert_eq!(
            check(UNTYPED, Some("image/png"), false, "a.bin"),
            Ok("image/png")
        );
        assert_eq!(check(UNTYPED, None, true, "账单.CSV"), Ok("text/csv"));
        assert_eq!(check(UNTYPED, None, true, "note.txt"), Ok("text/plain"));
        assert_eq!(
            check(UNTYPED, None, true, "page.html"),
            Err(Refusal::Mismatch(UNTYPED))
        );
        assert_eq!(
            check(UNTYPED, Some("application/x-executable"), false, "a.png"),
            Err(Refusal::Mismatch(UNTYPED))
        );
        assert!(sendable(UNTYPED) && !sendable("image/png") && !sendable("text/html"));
    }

    #[test]
    fn what_a_browser_would_run_is_not_accepted() {
        for kind in ["text/html", "image/svg+xml", "application/javascript", ""] {
            assert_eq!(
                check(kind, None, true, "f"),
                Err(Refusal::Unsupported),
                "{kind}"
            );
        }
    }

    #[test]
    fn file_names_are_plain_names() {
        assert!(file_name_ok("破损照片 1.jpg"));
        assert!(file_name_ok("invoice.pdf"));
        assert!(file_name_ok("a.png "));
        for bad in [
            "",
            " a.png",
            "../etc/passwd",
            ".env",
            "a/b.png",
            "a\\b.png",
            "a\nb.png",
            "..",
            &"x".repeat(201),
        ] {
            assert!(!file_name_ok(bad), "{bad:?}");
        }
    }
}
