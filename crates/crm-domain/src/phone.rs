//! A phone number normalised to E.164. Accepts E.164 (`+8613800138000`,
//! `+1 415 555 0100`) and Chinese mobile numbers without a prefix (`13800138000`).

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    pub fn parse(input: &str) -> Result<Self, &'static str> {
        let compact: String = input
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.'))
            .collect();
        const MESSAGE: &str =
            "must be an E.164 number (+8613800138000) or a Chinese mobile number (13800138000)";
        if let Some(digits) = compact.strip_prefix('+') {
            let ok = (8..=15).contains(&digits.len())
                && digits.chars().all(|c| c.is_ascii_digit())
                && !digits.starts_with('0');
            return if ok { Ok(Self(compact)) } else { Err(MESSAGE) };
        }
        let digits = compact
            .strip_prefix("0086")
            .or_else(|| compact.strip_prefix("86").filter(|d| d.len() == 11))
            .unwrap_or(&compact);
        if is_chinese_mobile(digits) {
            Ok(Self(format!("+86{digits}")))
        } else {
            Err(MESSAGE)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

fn is_chinese_mobile(digits: &str) -> bool {
    let bytes = digits.as_bytes();
    bytes.len() == 11
        && bytes[0] == b'1'
        && (b'3'..=b'9').contains(&bytes[1])
        && bytes.iter().all(u8::is_ascii_digit)
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Phone;

    #[test]
    fn normalises_chinese_mobiles_and_e164_numbers() {
        assert_eq!(
            Phone::parse("138 0013 8000").map(Phone::into_string),
            Ok("+8613800138000".to_owned())
        );
        assert_eq!(
            Phone::parse("+86 138-0013-8000").map(Phone::into_string),
            Ok("+8613800138000".to_owned())
        );
        assert_eq!(
            Phone::parse("0086 13800138000").map(Phone::into_string),
            Ok("+8613800138000".to_owned())
        );
        assert_eq!(
            Phone::parse("+1 (415) 555-0100").map(Phone::into_string),
            Ok("+14155550100".to_owned())
        );
    }

    #[test]
    fn rejects_landlines_without_country_code_and_garbage() {
        for bad in [
            "",
            "12345",
            "12800138000",
            "010-12345678",
            "+0123456789",
            "+86abc",
            "+1234567890123456",
        ] {
            assert!(Phone::parse(bad).is_err(), "{bad} should be rejected");
        }
    }
}
