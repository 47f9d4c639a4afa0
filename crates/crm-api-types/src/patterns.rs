//! The one spelling of the string rules the server enforces, as OpenAPI
//! schemas (`#[schema(schema_with = patterns::text::<1, 200>)]`), so every
//! field that `crm_domain::validation` checks says the same thing.
//!
//! The patterns are written in the common subset of ECMA-262 and Python
//! `re` (no `\p{..}`, no `\s`, whose meaning differs between the two): the
//! character sets are explicit `\uXXXX` ranges. Texts are trimmed (Rust's
//! `char::is_whitespace`) before they are checked, so every pattern allows
//! white space around the value; lengths count characters of the value.

use utoipa::openapi::schema::{Array, ArrayBuilder, Object, ObjectBuilder, SchemaType, Type};

/// The white space `str::trim` removes (Unicode `White_Space`).
macro_rules! space {
    () => {
        r"\t\n\u000B\u000C\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000"
    };
}

/// A character that is neither white space nor refused by
/// `crm_domain::validation::forbidden_char` (controls, U+202A–U+202E, U+2066–U+2069).
macro_rules! visible {
    () => {
        r"[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202A-\u202F\u205F\u2066-\u2069\u3000]"
    };
}

/// A character a single-line text may hold between its first and last.
macro_rules! in_line {
    () => {
        r"[^\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]"
    };
}

/// A character a multi-line text may hold between its first and last
/// (tab, line feed and carriage return besides [`in_line!`]).
macro_rules! in_lines {
    () => {
        r"[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]"
    };
}

/// A single-line text with at least one visible character
/// (`bounded_text(v, 1, max)`).
pub const TEXT: &str = concat!(
    "^[",
    space!(),
    "]*",
    visible!(),
    "(?:",
    in_line!(),
    "*",
    visible!(),
    ")?[",
    space!(),
    "]*$"
);

/// A single-line text that may also be blank (blank means none).
pub const OPTIONAL_TEXT: &str = concat!(
    "^[",
    space!(),
    "]*(?:",
    visible!(),
    "(?:",
    in_line!(),
    "*",
    visible!(),
    ")?)?[",
    space!(),
    "]*$"
);

/// A text that may span lines, with at least one visible character
/// (`multiline_text(v, 1, max)`).
pub const LINES: &str = concat!(
    "^[",
    space!(),
    "]*",
    visible!(),
    "(?:",
    in_lines!(),
    "*",
    visible!(),
    ")?[",
    space!(),
    "]*$"
);

/// A text that may span lines and may also be blank.
pub const OPTIONAL_LINES: &str = concat!(
    "^[",
    space!(),
    "]*(?:",
    visible!(),
    "(?:",
    in_lines!(),
    "*",
    visible!(),
    ")?)?[",
    space!(),
    "]*$"
);

/// `crm_domain::RegionCode`: an ISO 3166-1 alpha-2 country code (either
/// case) or a six-digit GB/T 2260 division code not starting with `00`.
pub const REGION: &str = concat!(
    "^[",
    space!(),
    "]*(?:[A-Za-z]{2}|0[1-9][0-9]{4}|[1-9][0-9]{5})[",
    space!(),
    "]*$"
);

/// A region code, or blank for none.
pub const OPTIONAL_REGION: &str = concat!(
    "^[",
    space!(),
    "]*(?:[A-Za-z]{2}|0[1-9][0-9]{4}|[1-9][0-9]{5})?[",
    space!(),
    "]*$"
);

/// `crm_domain::money::parse_currency`: three ASCII letters, either case.
pub const CURRENCY: &str = concat!("^[", space!(), "]*[A-Za-z]{3}[", space!(), "]*$");

/// A value of `TEXT`'s or `LINES`' shape holding at most `max` characters
/// once trimmed. The length is in the pattern, not in `maxLength`: the
/// server counts the trimmed value, so white space around it does not count.
fn bounded(in_between: &str, max: usize, optional: bool) -> String {
    let space = concat!("[", space!(), "]*");
    let visible = visible!();
    let body = match max {
        0 => String::new(),
        1 => visible.to_owned(),
        _ => format!("{visible}(?:{in_between}{{0,{}}}{visible})?", max - 2),
    };
    let body = if optional || body.is_empty() {
        format!("(?:{body})?")
    } else {
        body
    };
    format!("^{space}{body}{space}$")
}

fn string(pattern: &str, min: Option<usize>, max: Option<usize>, nullable: bool) -> Object {
    let kind = if nullable {
        SchemaType::from_iter([Type::String, Type::Null])
    } else {
        SchemaType::Type(Type::String)
    };
    ObjectBuilder::new()
        .schema_type(kind)
        .min_length(min)
        .max_length(max)
        .pattern(Some(pattern))
        .build()
}

/// A required single-line text of 1 to `MAX` characters ([`TEXT`] with its length).
pub fn text<const MAX: usize>() -> Object {
    string(&bounded(in_line!(), MAX, false), Some(1), None, false)
}

/// [`text`] that may be `null` (a PATCH field that cannot be cleared: `null` leaves it).
pub fn nullable_text<const MAX: usize>() -> Object {
    string(&bounded(in_line!(), MAX, false), Some(1), None, true)
}

/// An optional single-line text of at most `MAX` characters: `null`, blank
/// (none) or [`TEXT`].
pub fn optional_text<const MAX: usize>() -> Object {
    string(&bounded(in_line!(), MAX, true), None, None, true)
}

/// A required text that may span lines, 1 to `MAX` characters once trimmed ([`LINES`]).
pub fn lines<const MAX: usize>() -> Object {
    string(&bounded(in_lines!(), MAX, false), Some(1), None, false)
}

/// An optional text that may span lines, at most `MAX` characters: `null`,
/// blank (none) or [`LINES`].
pub fn optional_lines<const MAX: usize>() -> Object {
    string(&bounded(in_lines!(), MAX, true), None, None, true)
}

/// A long text that may span lines ([`LINES`]), at most `MAX` characters
/// counted with the white space around it (an article's body): too long
/// for the length to sit in the pattern.
pub fn long_lines<const MAX: usize>() -> Object {
    string(LINES, Some(1), Some(MAX), false)
}

/// [`long_lines`] that may be `null` (a PATCH field that cannot be cleared).
pub fn nullable_long_lines<const MAX: usize>() -> Object {
    string(LINES, Some(1), Some(MAX), true)
}

/// `crm_domain::Phone`, or blank (none): once spaces, `-`, `(`, `)` and `.`
/// are removed, `+` and 8 to 15 digits not starting with `0`, or a Chinese
/// mobile number (`1[3-9]` and 9 digits) after an optional `86` or `0086`.
pub const OPTIONAL_PHONE: &str = concat!(
    "^[",
    space!(),
    "]*(?:[ ().-]*(?:\\+[ ().-]*[1-9](?:[ ().-]*[0-9]){7,14}",
    "|(?:0[ ().-]*0[ ().-]*8[ ().-]*6[ ().-]*|8[ ().-]*6[ ().-]*)?1[ ().-]*[3-9](?:[ ().-]*[0-9]){9})",
    "[ ().-]*)?[",
    space!(),
    "]*$"
);

/// An optional phone number: `null`, blank (none) or [`OPTIONAL_PHONE`].
pub fn optional_phone() -> Object {
    string(OPTIONAL_PHONE, None, None, true)
}

/// A required region code ([`REGION`]).
pub fn region() -> Object {
    string(REGION, None, None, false)
}

/// An optional region code: `null`, blank or [`REGION`].
pub fn optional_region() -> Object {
    string(OPTIONAL_REGION, None, None, true)
}

/// A currency code ([`CURRENCY`]).
pub fn currency() -> Object {
    string(CURRENCY, None, None, false)
}

/// A currency code or `null` (a PATCH field: `null` leaves it).
pub fn nullable_currency() -> Object {
    string(CURRENCY, None, None, true)
}

/// A region code or `null` (none).
pub fn nullable_region() -> Object {
    string(REGION, None, None, true)
}

/// The K-means features (`crm_http::analytics::kmeans`), comma-separated,
/// at least one; blank items are skipped.
macro_rules! feature {
    () => {
        "(?:recency|frequency|monetary|aov|tenure|longest_gap)"
    };
}

/// A comma-separated list of K-means features naming at least one.
pub const FEATURES: &str = concat!(
    "^(?:[",
    space!(),
    "]*",
    feature!(),
    "?[",
    space!(),
    "]*,)*[",
    space!(),
    "]*",
    feature!(),
    "[",
    space!(),
    "]*(?:,[",
    space!(),
    "]*",
    feature!(),
    "?[",
    space!(),
    "]*)*$"
);

/// K-means features ([`FEATURES`]).
pub fn features() -> Object {
    string(FEATURES, None, None, false)
}

/// The options of a select custom field: distinct, none blank
/// (`crm_domain::custom_field::check_options`; whether a type takes options
/// at all depends on `field_type`).
pub fn options() -> Array {
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(concat!("[^", space!(), "]"))),
        )
        .unique_items(true)
        .build()
}

/// [`options`] or `null` (a PATCH field: `null` leaves them).
pub fn nullable_options() -> Array {
    ArrayBuilder::from(options())
        .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
        .build()
}

/// A month, `YYYY-MM`.
pub const MONTH: &str = "^[0-9]{4}-(?:0[1-9]|1[0-2])$";

/// A month ([`MONTH`]).
pub fn month() -> Object {
    string(MONTH, None, None, false)
}

/// A `sort` parameter: one of `names` ascending, or with a leading `-` descending.
pub fn sort(names: &[&str]) -> Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .enum_values(Some(
            names
                .iter()
                .flat_map(|name| [(*name).to_owned(), format!("-{name}")]),
        ))
        .build()
}

/// The sort fields of `GET /customers` (the list handler's order, default first).
pub const CUSTOMER_SORTS: &[&str] = &[
    "created_at",
    "updated_at",
    "name",
    "order_count",
    "revenue",
    "last_order_on",
];
/// The sort fields of `GET /contacts`.
pub const CONTACT_SORTS: &[&str] = &["created_at", "updated_at", "name"];
/// The sort fields of `GET /leads`.
pub const LEAD_SORTS: &[&str] = &["created_at", "updated_at"];
/// The sort fields of `GET /tickets`.
pub const TICKET_SORTS: &[&str] = &["created_at", "updated_at", "resolution_due_at"];
/// `sort` of `GET /articles`.
pub const ARTICLE_SORTS: &[&str] = &["created_at", "updated_at"];
/// The sort fields of `GET /deals`.
pub const DEAL_SORTS: &[&str] = &["created_at", "updated_at", "stage_changed_at"];
/// The sort fields of `GET /activities`.
pub const ACTIVITY_SORTS: &[&str] = &["occurred_at", "due_at"];
/// The sort fields of `GET /orders`.
pub const ORDER_SORTS: &[&str] = &["order_date", "created_at", "updated_at"];
/// The sort fields of `GET /products`.
pub const PRODUCT_SORTS: &[&str] = &["created_at", "updated_at", "name", "sku"];

/// `sort` of `GET /customers`.
pub fn customer_sort() -> Object {
    sort(CUSTOMER_SORTS)
}
/// `sort` of `GET /contacts`.
pub fn contact_sort() -> Object {
    sort(CONTACT_SORTS)
}
/// `sort` of `GET /leads`.
pub fn lead_sort() -> Object {
    sort(LEAD_SORTS)
}
/// `sort` of `GET /tickets`.
pub fn ticket_sort() -> Object {
    sort(TICKET_SORTS)
}
/// `sort` of `GET /articles`.
pub fn article_sort() -> Object {
    sort(ARTICLE_SORTS)
}
/// `sort` of `GET /deals`.
pub fn deal_sort() -> Object {
    sort(DEAL_SORTS)
}
/// `sort` of `GET /activities`.
pub fn activity_sort() -> Object {
    sort(ACTIVITY_SORTS)
}
/// `sort` of `GET /orders`.
pub fn order_sort() -> Object {
    sort(ORDER_SORTS)
}
/// `sort` of `GET /products`.
pub fn product_sort() -> Object {
    sort(PRODUCT_SORTS)
}

/// A role or custom-field key (`crm_domain::custom_field::parse_key`).
pub const KEY: &str = "^[a-z][a-z0-9_]{0,62}$";

/// A tag colour, `#rrggbb` in either case.
pub const COLOR: &str = "^#[0-9A-Fa-f]{6}$";

/// A key ([`KEY`]).
pub fn key() -> Object {
    string(KEY, Some(1), Some(63), false)
}

/// A tag colour or `null` ([`COLOR`]).
pub fn color() -> Object {
    string(COLOR, None, None, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_domain::validation::{bounded_text, multiline_text};

    fn matches(pattern: &str, value: &str) -> bool {
        compiled(pattern).is_match(value)
    }

    fn compiled(pattern: &str) -> regex::Regex {
        regex::Regex::new(pattern).expect("pattern")
    }

    /// Every character of the Basic Multilingual Plane in every position
    /// (alone, inside, around) is judged as the validators judge it.
    #[test]
    fn text_patterns_agree_with_the_validators_on_every_bmp_character() {
        let [text, optional_text, lines, optional_lines] =
            [TEXT, OPTIONAL_TEXT, LINES, OPTIONAL_LINES].map(compiled);
        for code in 0u32..=0xFFFF {
            let Some(c) = char::from_u32(code) else {
                continue;
            };
            for value in [
                c.to_string(),
                format!("a{c}b"),
                format!("{c}ab"),
                format!("ab{c}"),
            ] {
                let line = bounded_text(&value, 1, usize::MAX).is_ok();
                let optional_line = value.trim().is_empty() || line;
                let multi = multiline_text(&value, 1, usize::MAX).is_ok();
                let optional_multi = value.trim().is_empty() || multi;
                assert_eq!(text.is_match(&value), line, "TEXT {value:?}");
                assert_eq!(
                    optional_text.is_match(&value),
                    optional_line,
                    "OPTIONAL_TEXT {value:?}"
                );
                assert_eq!(lines.is_match(&value), multi, "LINES {value:?}");
                assert_eq!(
                    optional_lines.is_match(&value),
                    optional_multi,
                    "OPTIONAL_LINES {value:?}"
                );
            }
        }
    }

    #[test]
    fn bounded_patterns_count_the_trimmed_characters() {
        let pad = "\u{85} \u{3000}";
        for max in [1, 2, 3, 5] {
            let line = compiled(&bounded(in_line!(), max, false));
            let optional = compiled(&bounded(in_lines!(), max, true));
            for n in 0..=max + 2 {
                let core: String = "华a b".chars().cycle().take(n).collect();
                for value in [core.clone(), format!("{pad}{core}{pad}")] {
                    assert_eq!(
                        line.is_match(&value),
                        bounded_text(&value, 1, max).is_ok(),
                        "{max} {value:?}"
                    );
                    assert_eq!(
                        optional.is_match(&value),
                        value.trim().is_empty() || multiline_text(&value, 1, max).is_ok(),
                        "{max} {value:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn code_patterns_agree_with_the_parsers() {
        for value in [
            "CN", "cn", " us\n", "C", "CNN", "C1", "440000", "010100", "001000", "44000",
            "4400000", "", " ", "中国",
        ] {
            assert_eq!(
                matches(REGION, value),
                crm_domain::RegionCode::parse(value).is_ok(),
                "REGION {value:?}"
            );
            assert_eq!(
                matches(OPTIONAL_REGION, value),
                value.trim().is_empty() || crm_domain::RegionCode::parse(value).is_ok(),
                "OPTIONAL_REGION {value:?}"
            );
        }
        for value in ["CNY", "cny", " usd ", "RMB1", "US", "EURO", "", "C¥Y"] {
            assert_eq!(
                matches(CURRENCY, value),
                crm_domain::money::parse_currency(value).is_ok(),
                "CURRENCY {value:?}"
            );
        }
    }

    #[test]
    fn money_states_the_currency_pattern() {
        use utoipa::PartialSchema;
        let schema = serde_json::to_value(crm_domain::money::Money::schema()).expect("json");
        assert_eq!(schema["properties"]["currency"]["pattern"], CURRENCY);
        assert_eq!(schema["properties"]["amount_minor"]["minimum"], 0);
    }

    #[test]
    fn features_pattern_needs_one_known_feature() {
        for (value, ok) in [
            ("recency", true),
            (" recency , aov,", true),
            (",,tenure", true),
            ("recency,bogus", false),
            ("", false),
            (" , ", false),
            ("recencyaov", false),
        ] {
            assert_eq!(compiled(FEATURES).is_match(value), ok, "{value:?}");
        }
    }

    #[test]
    fn schemas_keep_required_and_nullable_apart() {
        use utoipa::PartialSchema;
        let schema = serde_json::to_value(crate::customers::NewCustomer::schema()).expect("json");
        assert_eq!(schema["required"], serde_json::json!(["kind", "name"]));
        assert_eq!(schema["properties"]["name"]["type"], "string");
        let name = schema["properties"]["name"]["pattern"]
            .as_str()
            .unwrap_or("");
        assert!(name.contains("{0,198}"), "{name}");
        assert_eq!(
            schema["properties"]["website"]["type"],
            serde_json::json!(["string", "null"])
        );
    }

    #[test]
    fn the_phone_pattern_agrees_with_the_phone_parser() {
        let phone = compiled(OPTIONAL_PHONE);
        let samples = [
            "",
            "  ",
            "13800138000",
            " 138-0013-8000 ",
            "(138) 0013 8000",
            "8613800138000",
            "008613800138000",
            "+8613800138000",
            "+86 138 0013 8000",
            "+1 (415) 555-0100",
            "+0123456789",
            "+1234567",
            "+1234567890123456",
            "12800138000",
            "1380013800",
            "138001380000",
            "86138001380",
            "0086 1380013800",
            "+86-138.0013.8000",
            "abc",
            "\u{3000}13800138000\u{3000}",
            "138\u{3000}00138000",
            "+",
            "86",
            "0086",
        ];
        for value in samples {
            let parsed = value.trim().is_empty() || crm_domain::Phone::parse(value).is_ok();
            assert_eq!(phone.is_match(value), parsed, "{value:?}");
        }
    }
}
