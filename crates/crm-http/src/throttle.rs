//! Throttles against guessing: sign-in per account and per client address
//! (an attempt is counted *before* the password is checked, so concurrent
//! guesses cannot outrun the count), and refresh tokens and API keys per
//! address (a failure is counted as it happens, and a blocked address is
//! refused before any lookup). The counts live in the database
//! (`crm_db::auth`), so every API node sees the same ones.

use actix_web::HttpRequest;
use crm_db::AnyConnection;
use crm_db::auth::{ThrottlePolicy, count_attempt};

use crate::error::ApiError;

/// The client's address: the peer, or the proxy's `X-Forwarded-For` when
/// the deployment says a trusted proxy sits in front.
pub fn client_address(req: &HttpRequest, trust_proxy: bool) -> String {
    let info = req.connection_info();
    let addr = if trust_proxy {
        info.realip_remote_addr().map(str::to_owned)
    } else {
        req.peer_addr().map(|a| a.ip().to_string())
    };
    addr.unwrap_or_else(|| "unknown".to_owned())
}

/// What a throttle counts: sign-ins per account or per address, failed
/// refresh tokens or API keys per address.
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

pub use crm_app::security::account_key;

fn too_many(until: chrono::NaiveDateTime) -> ApiError {
    ApiError::TooManyRequests {
        retry_after: (until - crm_db::time::now()).num_seconds().max(1),
    }
}

/// Counts one attempt against every key; 429 when any of them is blocked
/// (this attempt included), in which case the credential must not be checked.
pub fn count(conn: &mut AnyConnection, keys: &[(&str, ThrottlePolicy)]) -> Result<(), ApiError> {
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

/// 429 when the key is blocked now (checked before a token is looked up).
pub fn check(conn: &mut AnyConnection, key: &str) -> Result<(), ApiError> {
    match crm_db::auth::blocked_until(conn, &[key.to_owned()])? {
        Some(until) => Err(too_many(until)),
        None => Ok(()),
    }
}

/// Counts a failed credential: the failure itself (`refused`), or 429 once
/// the count passes the policy's limit.
pub fn failed(
    conn: &mut AnyConnection,
    key: &str,
    policy: ThrottlePolicy,
    refused: ApiError,
) -> ApiError {
    match count_attempt(conn, key, policy) {
        Ok(Some(until)) => too_many(until),
        Ok(None) => refused,
        Err(e) => e.into(),
    }
}
