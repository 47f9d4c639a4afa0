//! Credentials: Argon2id password hashes and the password rules, HS256
//! access tokens with pinned algorithm and required `iss`/`aud`/`exp`/`sub`,
//! opaque refresh tokens and API key secrets (random, stored as SHA-256
//! hashes). Used by [`crate::auth`], the API key and user use cases, and
//! `crm-server` (provisioning, recovery, the demo).

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub const ISSUER: &str = "crm";
pub const AUDIENCE: &str = "crm-api";
pub const API_KEY_PREFIX: &str = "crm_";

pub fn hash_password(password: &str) -> Result<String, String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| format!("cannot hash password: {e}"))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Checks a new password's strength rules; the message is for the client.
pub fn check_password(password: &str) -> Result<(), &'static str> {
    let n = password.chars().count();
    if n < 10 {
        Err("must be at least 10 characters")
    } else if n > 200 {
        Err("must be at most 200 characters")
    } else {
        Ok(())
    }
}

/// 32 random bytes, URL-safe base64.
pub fn random_token() -> Result<String, String> {
    let mut bytes = [0_u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| format!("no randomness: {e}"))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

pub fn sha256_hex(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new API key: `crm_<prefix>_<secret>`; the prefix finds it, the hash checks it.
pub struct NewKeySecret {
    pub prefix: String,
    pub full: String,
    pub hash: String,
}

pub fn new_api_key() -> Result<NewKeySecret, String> {
    let prefix: String = random_token()?
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(10)
        .collect();
    let full = format!("{API_KEY_PREFIX}{prefix}_{}", random_token()?);
    let hash = sha256_hex(&full);
    Ok(NewKeySecret { prefix, full, hash })
}

/// The prefix of a presented API key, if it has our shape.
pub fn api_key_prefix(presented: &str) -> Option<&str> {
    let rest = presented.strip_prefix(API_KEY_PREFIX)?;
    let (prefix, secret) = rest.split_once('_')?;
    (!prefix.is_empty() && !secret.is_empty()).then_some(prefix)
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub sub: Uuid,
    /// The workspace the token is for.
    pub wid: Uuid,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
}

#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub access_ttl_secs: i64,
    pub refresh_ttl_days: i64,
}

impl TokenKeys {
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 30;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            access_ttl_secs: 15 * 60,
            refresh_ttl_days: 30,
        }
    }

    pub fn issue(&self, user_id: Uuid, workspace_id: Uuid) -> Result<String, String> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user_id,
            wid: workspace_id,
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            iat: now,
            exp: now + self.access_ttl_secs,
        };
        self.sign(&claims)
    }

    pub fn sign(&self, claims: &Claims) -> Result<String, String> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(|e| e.to_string())
    }

    /// Verifies signature, algorithm (HS256 only), issuer, audience and expiry.
    pub fn verify(&self, token: &str) -> Result<Claims, String> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_hash() {
        let hash = hash_password("correct horse battery").expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("wrong", &hash));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn tokens_round_trip_and_other_keys_fail() {
        let keys = TokenKeys::new(b"0123456789abcdef0123456789abcdef");
        let user = Uuid::now_v7();
        let token = keys.issue(user, Uuid::nil()).expect("issue");
        assert_eq!(keys.verify(&token).map(|c| c.sub), Ok(user));
        let other = TokenKeys::new(b"another-secret-another-secret-xx");
        assert!(other.verify(&token).is_err());
    }

    #[test]
    fn password_rules_count_characters_not_bytes() {
        assert_eq!(
            check_password("short"),
            Err("must be at least 10 characters")
        );
        assert!(
            check_password("密码密码密码密码密码").is_ok(),
            "ten characters, thirty bytes"
        );
        assert!(check_password(&"x".repeat(200)).is_ok());
        assert_eq!(
            check_password(&"x".repeat(201)),
            Err("must be at most 200 characters")
        );
    }

    #[test]
    fn each_hash_is_salted() {
        let (a, b) = (
            hash_password("same password").expect("hash"),
            hash_password("same password").expect("hash"),
        );
        assert_ne!(a, b);
        assert!(verify_password("same password", &a) && verify_password("same password", &b));
    }

    #[test]
    fn api_keys_carry_a_findable_prefix() {
        let key = new_api_key().expect("key");
        assert_eq!(api_key_prefix(&key.full), Some(key.prefix.as_str()));
        assert_eq!(sha256_hex(&key.full), key.hash);
        assert_eq!(api_key_prefix("eyJhbGciOi.x.y"), None);
        assert_eq!(api_key_prefix("crm__secret"), None);
        assert_eq!(api_key_prefix("crm_prefix_"), None);
        assert_ne!(new_api_key().expect("key").full, key.full);
    }
}
