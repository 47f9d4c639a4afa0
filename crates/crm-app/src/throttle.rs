//! Throttles against guessing: sign-in per account and per client address
//! (an attempt is counted *before* the password is checked, so concurrent
//! guesses cannot outrun the count), and refresh tokens and API keys per
//! address (a failure is counted as it happens, and a blocked address is
//! refused before any lookup). The counts live in the database
//! (`crm_db::auth`), so every node on one database sees the same ones.

use crm_db::AnyConnection;
use crm_db::auth::{ThrottlePolicy, count_attempt};

use crate::AppError;

/// The limits a deployment applies: per account and per client address.
#[derive(Debug, Clone, Copy)]
pub struct Throttles {
    /// Sign-in failures for one account.
    pub account: ThrottlePolicy,
    /// Sign-ins, failed refresh tokens and failed API keys from one address.
    pub address: ThrottlePolicy,
}

impl Default for Throttles {
    /// Five failures for one account, or thirty from one address, within
    /// 15 minutes block further attempts for 15 minutes.
    fn default() -> Self {
        let policy = |max_failures| ThrottlePolicy {
            max_failures,
            window: chrono::Duration::minutes(15),
            lockout: chrono::Duration::minutes(15),
        };
        Throttles {
            account: policy(5),
            address: policy(30),
        }
    }
}

/// What a throttle counts: sign-ins per address, failed refresh tokens or
/// API keys per address (sign-ins per account use [`account_key`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counter {
    SignInAddress,
    RefreshAddress,
    ApiKeyAddress,
}

impl Counter {
    pub fn key(self, address: &str) -> String {
        let kind = match self {
            Counter::SignInAddress => "address",
            Counter::RefreshAddress => "refresh",
            Counter::ApiKeyAddress => "api_key",
        };
        format!("{kind}:{address}")
    }
}

/// The key that counts sign-ins to one account.
pub fn account_key(workspace: &str, email: &str) -> String {
    format!("account:{workspace}:{email}")
}

fn too_many(until: chrono::NaiveDateTime) -> AppError {
    AppError::TooManyAttempts {
        retry_after: (until - crm_db::time::now()).num_seconds().max(1),
    }
}

/// Counts one attempt against every key; `TooManyAttempts` when any of them
/// is blocked (this attempt included), in which case the credential must
/// not be checked.
pub fn count(conn: &mut AnyConnection, keys: &[(&str, ThrottlePolicy)]) -> Result<(), AppError> {
    let mut blocked = None;
    for (key, policy) in keys {
        if let Some(until) = count_attempt(conn, key, *policy)? {
            blocked = blocked.max(Some(until));
        }
    }
    match blocked {
        Some(until) => Err(too_many(until)),
        None => Ok(()),
    }
}

/// `TooManyAttempts` when the key is blocked now (checked before a token is looked up).
pub fn check(conn: &mut AnyConnection, key: &str) -> Result<(), AppError> {
    match crm_db::auth::blocked_until(conn, &[key.to_owned()])? {
        Some(until) => Err(too_many(until)),
        None => Ok(()),
    }
}

/// Counts a failed credential: the failure itself (`refused`), or
/// `TooManyAttempts` once the count passes the policy's limit.
pub fn failed(
    conn: &mut AnyConnection,
    key: &str,
    policy: ThrottlePolicy,
    refused: AppError,
) -> AppError {
    match count_attempt(conn, key, policy) {
        Ok(Some(until)) => too_many(until),
        Ok(None) => refused,
        Err(e) => e.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_and_accounts_have_distinct_keys() {
        let keys = [
            Counter::SignInAddress.key("10.0.0.1"),
            Counter::RefreshAddress.key("10.0.0.1"),
            Counter::ApiKeyAddress.key("10.0.0.1"),
            account_key("ws", "a@b.c"),
        ];
        for (i, a) in keys.iter().enumerate() {
            for b in &keys[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }

    #[test]
    fn an_account_is_stricter_than_an_address_by_default() {
        let t = Throttles::default();
        assert_eq!(t.account.max_failures, 5);
        assert_eq!(t.address.max_failures, 30);
        assert!(t.account.max_failures < t.address.max_failures);
    }
}
