//! Cells that are safe to open in a spreadsheet (Excel, WPS, LibreOffice,
//! Google Sheets). A CSV cell beginning with `=`, `+`, `-` or `@` is read as
//! a formula, which can run a DDE command (`=cmd|' /C calc'!A0`) or send the
//! sheet's data away (`=HYPERLINK("http://…", …)`); a leading tab or carriage
//! return hides such a cell from a naive check. [`neutralise`] prefixes those
//! cells with `'`, which every spreadsheet reads as "this cell is text"
//! (OWASP, CSV injection).
//!
//! Two deliberate choices:
//! - A cell that is wholly a decimal number (`-12.50`, `+8613800138000`) is
//!   left alone: it holds no operator or function, so a spreadsheet can only
//!   read it as that number, and money columns stay numbers.
//! - The full-width `＝＋－＠` (U+FF1D, U+FF0B, U+FF0D, U+FF20), common in
//!   Chinese text, are left alone: Excel, WPS and LibreOffice start a formula
//!   only at the ASCII characters.

use std::borrow::Cow;

/// Characters that start a formula (or, tab and CR, precede one).
const TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// The cell as a spreadsheet should show it: prefixed with `'` when it would
/// otherwise be read as a formula, unchanged (and not copied) otherwise.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if is_formula_like(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Whether a spreadsheet could read the cell as a formula. Leading spaces and
/// line feeds are looked past: some programs trim them before parsing.
pub fn is_formula_like(cell: &str) -> bool {
    if cell.starts_with(TRIGGERS) {
        return !is_plain_number(cell);
    }
    let rest = cell.trim_start_matches([' ', '\n']);
    rest.len() != cell.len() && rest.starts_with(TRIGGERS) && !is_plain_number(rest)
}

/// `[+-]digits[.digits]`: a number and nothing else.
fn is_plain_number(cell: &str) -> bool {
    let unsigned = cell.strip_prefix(['+', '-']).unwrap_or(cell);
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && fraction.is_none_or(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_get_a_leading_apostrophe() {
        for cell in [
            "=1+1",
            "=HYPERLINK(\"http://x\",\"y\")",
            "+1+1",
            "-1+1",
            "@SUM(1+1)",
            "=cmd|' /C calc'!A0",
            "-2+3+cmd|' /C calc'!A0",
            "\t=1+1",
            "\r=1+1",
            "\tplain",
            "-",
            "+",
            "-12.50.1",
            "-1e3",
            "- 12",
        ] {
            assert_eq!(neutralise(cell), format!("'{cell}"), "{cell:?}");
        }
    }

    #[test]
    fn formulas_behind_leading_spaces_or_line_feeds_are_caught() {
        assert_eq!(neutralise("  =1+1"), "'  =1+1");
        assert_eq!(neutralise("\n@SUM(A1)"), "'\n@SUM(A1)");
        assert_eq!(neutralise("  plain"), "  plain");
    }

    #[test]
    fn plain_numbers_stay_numbers() {
        for cell in ["-12.50", "+8613800138000", "-0", "12", "  -3.5", "+1.0"] {
            assert_eq!(neutralise(cell), cell, "{cell:?}");
            assert!(matches!(neutralise(cell), Cow::Borrowed(_)));
        }
    }

    #[test]
    fn ordinary_text_is_not_copied() {
        for cell in ["", "华为技术", "a=b", "user@example.com", "1+1", "'=1+1"] {
            assert!(
                matches!(neutralise(cell), Cow::Borrowed(c) if c == cell),
                "{cell:?}"
            );
        }
    }

    #[test]
    fn full_width_signs_are_text_to_spreadsheets() {
        for cell in ["＝1+1", "＋86 138", "－无－", "＠张三"] {
            assert_eq!(neutralise(cell), cell);
        }
    }
}
