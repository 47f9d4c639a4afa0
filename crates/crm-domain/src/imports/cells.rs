//! One CSV cell as a value: `12,500.00`, `¥12500` or `12500元` for money
//! (exactly, in minor units, at most two decimals), `2026/3/1`,
//! `2026年3月1日` or `2026-03-01 10:00` for dates, `是` / `否` (and the
//! usual English words) for yes and no, and the order statuses Chinese
//! order systems write (`已付款`). Errors are messages for the import's
//! report, naming the cell as typed.

use chrono::NaiveDate;

/// Drops thousands separators, blanks and currency signs.
pub fn strip_number(raw: &str) -> String {
    raw.chars()
        .filter(|c| !matches!(c, ',' | '，' | ' ' | '¥' | '￥' | '$' | '€' | '£' | '元'))
        .collect()
}

/// A whole number (`1,200` → 1200).
pub fn integer(raw: &str) -> Result<i64, String> {
    strip_number(raw)
        .parse()
        .map_err(|_| format!("{raw} is not a whole number"))
}

/// A finite number (`1,200.5` → 1200.5).
pub fn number(raw: &str) -> Result<f64, String> {
    strip_number(raw)
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .ok_or_else(|| format!("{raw} is not a number"))
}

/// `12,500.5` → 1250050 (hundredths), exactly, without floating point;
/// three decimals are refused rather than rounded.
pub fn minor_units(raw: &str) -> Result<i64, String> {
    let bad = || format!("{raw} is not an amount (e.g. 12500.00)");
    let text = strip_number(raw);
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.as_str()),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() && fraction.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !fraction.chars().all(|c| c.is_ascii_digit())
        || fraction.len() > 2
    {
        return Err(bad());
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let cents: i64 = format!("{fraction:0<2}").parse().map_err(|_| bad())?;
    let minor = whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(cents))
        .ok_or_else(bad)?;
    Ok(if negative { -minor } else { minor })
}

/// Hundredths as a cell: 1250050 → `12500.50` (what [`minor_units`] reads back).
pub fn format_minor(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// A calendar date: `2026-03-01`, `2026/3/1`, `2026.3.1`, `2026年3月1日`,
/// with any time after a space or `T` ignored.
pub fn date(raw: &str) -> Result<NaiveDate, String> {
    let text = raw.replace(['年', '月', '/', '.'], "-").replace('日', "");
    let text = text.split([' ', 'T']).next().unwrap_or("");
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("{raw} is not a date (e.g. 2026-03-01)"))
}

/// Yes or no, in the words people use for it (`是`, `启用`, `yes`, `1`…).
pub fn boolean(raw: &str) -> Result<bool, String> {
    match raw.to_lowercase().as_str() {
        "true" | "yes" | "y" | "1" | "是" | "启用" | "有效" | "在售" | "active" => Ok(true),
        "false" | "no" | "n" | "0" | "否" | "停用" | "无效" | "停售" | "inactive" => {
            Ok(false)
        }
        _ => Err(format!("{raw} is not yes or no")),
    }
}

/// Order statuses as Chinese order systems write them.
const ORDER_STATUS_WORDS: [(&str, &str); 14] = [
    ("草稿", "draft"),
    ("待确认", "draft"),
    ("已确认", "confirmed"),
    ("确认", "confirmed"),
    ("已付款", "paid"),
    ("已支付", "paid"),
    ("已发货", "shipped"),
    ("发货", "shipped"),
    ("已完成", "completed"),
    ("完成", "completed"),
    ("已取消", "cancelled"),
    ("取消", "cancelled"),
    ("已退款", "refunded"),
    ("退款", "refunded"),
];

/// The order status code (`paid`) of a Chinese status word (`已付款`).
pub fn order_status_word(raw: &str) -> Option<&'static str> {
    ORDER_STATUS_WORDS
        .iter()
        .find(|(w, _)| *w == raw.trim())
        .map(|(_, code)| *code)
}

/// A list cell (`A, B；C、D`) split on the separators people type.
pub fn list(raw: &str) -> impl Iterator<Item = &str> {
    raw.split([',', ';', '|', '，', '；', '、'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests;
