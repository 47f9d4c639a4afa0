use chrono::{Days, NaiveDate};
use proptest::prelude::*;

use super::*;

#[test]
fn money_is_read_exactly() {
    assert_eq!(minor_units("12,500.5"), Ok(1_250_050));
    assert_eq!(minor_units("¥12,500.50"), Ok(1_250_050));
    assert_eq!(minor_units("￥12500"), Ok(1_250_000));
    assert_eq!(minor_units("12500元"), Ok(1_250_000));
    assert_eq!(minor_units("1，000"), Ok(100_000), "full-width comma");
    assert_eq!(minor_units("0.07"), Ok(7));
    assert_eq!(minor_units(".5"), Ok(50));
    assert_eq!(minor_units("5."), Ok(500));
    assert_eq!(minor_units("-3.2"), Ok(-320));
    assert_eq!(minor_units("92233720368547758.07"), Ok(i64::MAX));
}

#[test]
fn money_that_would_lose_or_invent_a_cent_is_refused() {
    for bad in [
        "1.234",
        "¥12,500.505",
        "abc",
        ".",
        "",
        "-",
        "1.2.3",
        "1e3",
        "+5",
        "--5",
        "92233720368547758.08",
        "99999999999999999999",
    ] {
        assert_eq!(
            minor_units(bad),
            Err(format!("{bad} is not an amount (e.g. 12500.00)")),
            "{bad:?}"
        );
    }
}

#[test]
fn amounts_are_formatted_with_two_decimals() {
    assert_eq!(format_minor(1_250_050), "12500.50");
    assert_eq!(format_minor(7), "0.07");
    assert_eq!(format_minor(-320), "-3.20");
    assert_eq!(format_minor(0), "0.00");
    assert_eq!(format_minor(i64::MIN), "-92233720368547758.08");
}

#[test]
fn dates_as_typed_in_china() {
    let d = NaiveDate::from_ymd_opt(2026, 3, 1);
    assert_eq!(date("2026年3月1日").ok(), d);
    assert_eq!(date("2026/3/1").ok(), d);
    assert_eq!(date("2026.03.01").ok(), d);
    assert_eq!(date("2026-03-01 10:00").ok(), d);
    assert_eq!(date("2026-03-01T10:00:00Z").ok(), d);
    assert_eq!(
        date("3/1/2026"),
        Err("3/1/2026 is not a date (e.g. 2026-03-01)".into())
    );
    assert!(date("2026年2月30日").is_err(), "no such day");
    assert!(date("2026年3月").is_err());
    assert!(date("").is_err());
}

#[test]
fn yes_and_no_in_either_language() {
    for yes in [
        "是", "启用", "有效", "在售", "YES", "y", "1", "True", "active",
    ] {
        assert_eq!(boolean(yes), Ok(true), "{yes}");
    }
    for no in [
        "否", "停用", "无效", "停售", "No", "N", "0", "false", "INACTIVE",
    ] {
        assert_eq!(boolean(no), Ok(false), "{no}");
    }
    assert_eq!(boolean("也许"), Err("也许 is not yes or no".into()));
    assert!(boolean("是的").is_err());
}

#[test]
fn numbers_and_lists() {
    assert_eq!(integer("1,200"), Ok(1200));
    assert_eq!(integer("1.5"), Err("1.5 is not a whole number".into()));
    assert_eq!(number("¥1,200.5"), Ok(1200.5));
    assert!(number("NaN").is_err());
    assert!(number("inf").is_err());
    assert_eq!(
        list(" A, B；C、 ,D|E，F;").collect::<Vec<_>>(),
        ["A", "B", "C", "D", "E", "F"]
    );
    assert_eq!(order_status_word(" 已付款 "), Some("paid"));
    assert_eq!(order_status_word("付款"), None);
}

/// `1234567` as `1,234,567`.
fn grouped(whole: u64) -> String {
    let digits = whole.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

proptest! {
    /// Any amount formatted as a cell reads back to the same minor units.
    #[test]
    fn a_formatted_amount_reads_back(minor in -i64::MAX..=i64::MAX) {
        prop_assert_eq!(minor_units(&format_minor(minor)), Ok(minor));
    }

    /// An amount typed with separators and a currency sign reads exactly,
    /// and formats to its plain form.
    #[test]
    fn a_typed_amount_reads_exactly(
        whole in 0..=90_000_000_000_000_000_u64,
        cents in 0..100_u64,
        sign in prop_oneof![Just(""), Just("¥"), Just("￥")],
        one_decimal in any::<bool>(),
    ) {
        let typed = if one_decimal && cents % 10 == 0 {
            format!("{sign}{}.{}", grouped(whole), cents / 10)
        } else {
            format!("{sign}{}.{cents:02}", grouped(whole))
        };
        let minor = minor_units(&typed).expect("an amount");
        prop_assert_eq!(u64::try_from(minor).ok(), Some(whole * 100 + cents));
        prop_assert_eq!(format_minor(minor), format!("{whole}.{cents:02}"));
    }

    /// Any date from 1900 to 2200 written in any of the accepted ways
    /// reads back to itself, and formats (ISO) to what it reads from.
    #[test]
    fn a_formatted_date_reads_back(days in 0_u64..110_000, style in 0_usize..4) {
        let start = NaiveDate::from_ymd_opt(1900, 1, 1).expect("a date");
        let d = start.checked_add_days(Days::new(days)).expect("in range");
        let typed = match style {
            0 => d.to_string(),
            1 => d.format("%Y/%-m/%-d").to_string(),
            2 => d.format("%Y年%-m月%-d日").to_string(),
            _ => d.format("%Y.%m.%d 08:30").to_string(),
        };
        prop_assert_eq!(date(&typed), Ok(d));
        prop_assert_eq!(date(&d.to_string()).map(|d| d.to_string()), Ok(d.to_string()));
    }
}
