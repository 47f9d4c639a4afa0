//! An e-mail address that has passed a pragmatic syntax check and is kept lowercase.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Accepts `local@domain.tld` with no spaces, one `@`, a dotted domain of
    /// letters, digits and hyphens (internationalised domains in Unicode are allowed).
    pub fn parse(input: &str) -> Result<Self, &'static str> {
        let value = input.trim().to_lowercase();
        if value.is_empty() {
            return Err("must not be empty");
        }
        if value.chars().count() > 254 {
            return Err("must be at most 254 characters");
        }
        let (local, domain) = value
            .split_once('@')
            .ok_or("is not a valid e-mail address")?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            })
            && labels.last().is_some_and(|tld| {
                tld.chars().all(char::is_alphabetic) && tld.chars().count() >= 2
            });
        if local_ok && domain_ok {
            Ok(Self(value))
        } else {
            Err("is not a valid e-mail address")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Email;

    #[test]
    fn accepts_ordinary_and_unicode_addresses_and_lowercases_them() {
        assert_eq!(
            Email::parse(" Li.Lei@Example.COM ").map(Email::into_string),
            Ok("li.lei@example.com".to_owned())
        );
        assert!(Email::parse("sales+crm@mail.example.cn").is_ok());
        assert!(Email::parse("王@例子.中国").is_ok());
    }

    #[test]
    fn rejects_malformed_addresses() {
        for bad in [
            "",
            "plain",
            "a@b",
            "a@@b.com",
            "a b@c.com",
            "a@-b.com",
            ".a@b.com",
            "a@b.c0m1",
            "a..b@c.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} should be rejected");
        }
    }
}
