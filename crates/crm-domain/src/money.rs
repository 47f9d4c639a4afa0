//! Money as integer minor units plus an ISO 4217 currency code; never floats.

use serde::{Deserialize, Serialize};

/// `{"amount_minor": 1250000, "currency": "CNY"}` is ¥12,500.00.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"amount_minor": 1_250_000, "currency": "CNY"}))]
pub struct Money {
    /// Amount in the currency's minor unit (fen, cents).
    #[schema(minimum = 0)]
    pub amount_minor: i64,
    /// ISO 4217 alphabetic code, upper case (sent in either case).
    /// The pattern is `crm_api_types::patterns::CURRENCY` (a test there checks it).
    #[schema(
        pattern = r"^[\t\n\u000B\u000C\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[A-Za-z]{3}[\t\n\u000B\u000C\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$"
    )]
    pub currency: String,
}

/// Checks an ISO 4217 code's shape (three ASCII letters) and upper-cases it.
pub fn parse_currency(input: &str) -> Result<String, &'static str> {
    let value = input.trim();
    if value.len() == 3 && value.chars().all(|c| c.is_ascii_alphabetic()) {
        Ok(value.to_ascii_uppercase())
    } else {
        Err("must be a three-letter ISO 4217 currency code")
    }
}

impl Money {
    pub fn parse(amount_minor: i64, currency: &str) -> Result<Self, &'static str> {
        if amount_minor < 0 {
            return Err("must not be negative");
        }
        Ok(Self {
            amount_minor,
            currency: parse_currency(currency)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currency_codes_are_three_letters_upper_cased() {
        assert_eq!(parse_currency("cny"), Ok("CNY".to_owned()));
        assert!(parse_currency("RMB1").is_err());
        assert!(Money::parse(-1, "CNY").is_err());
    }
}
