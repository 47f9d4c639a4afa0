//! This process's cache of authenticated principals. Each entry keeps the
//! workspace's access counter (`crm_db::auth::access_version`) as it was
//! read *before* the entry's rows were loaded; a request reads the counter
//! (one indexed row) and uses the entry only while it has not moved. The
//! customer record and list reads read it inside their own statement instead
//! and keep their answer only if it had not moved (`super::read_as`).
//! Triggers advance the counter on every change to a user, a role or an API
//! key, whichever server made it, so a cached principal is never used after
//! a role edit, a deactivation or a key's revocation — on any node.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use chrono::NaiveDateTime;
use uuid::Uuid;

use super::Authenticated;

/// Entries kept at most; a full cache starts over (a workspace rarely has
/// that many people signed in on one server at once).
const CAPACITY: usize = 10_000;

/// Which credential an entry stands for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum Credential {
    /// An access token's subject (the token itself was verified by signature).
    Token { workspace: Uuid, user: Uuid },
    /// An API key, by the SHA-256 of its whole text.
    ApiKey(String),
}

/// A cached principal, with what a cache hit must still check of its key.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    pub version: i64,
    pub principal: std::sync::Arc<Authenticated>,
    pub key: Option<KeyUse>,
}

/// An API key's expiry and when its use was last written.
#[derive(Debug, Clone, Copy)]
pub(super) struct KeyUse {
    pub id: Uuid,
    pub expires_at: Option<NaiveDateTime>,
    pub last_used_at: Option<NaiveDateTime>,
}

/// The cache; one per server process, shared by its workers.
#[derive(Debug, Default)]
pub struct Principals {
    entries: Mutex<HashMap<Credential, Entry>>,
}

impl Principals {
    pub fn new() -> Self {
        Self::default()
    }

    pub(super) fn get(&self, credential: &Credential) -> Option<Entry> {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(credential)
            .cloned()
    }

    pub(super) fn put(&self, credential: Credential, entry: Entry) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= CAPACITY && !entries.contains_key(&credential) {
            entries.clear();
        }
        entries.insert(credential, entry);
    }

    /// Entries held now.
    pub fn len(&self) -> usize {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(version: i64) -> Entry {
        use crm_db::types::{Id, Json};
        let at = chrono::DateTime::UNIX_EPOCH.naive_utc();
        let user = crm_db::users::UserRow {
            id: Id(Uuid::nil()),
            workspace_id: Id(Uuid::nil()),
            email: "rep@example.test".into(),
            display_name: "Rep".into(),
            password_hash: String::new(),
            role_id: Id(Uuid::nil()),
            team_id: None,
            active: true,
            version: 1,
            created_at: at,
            updated_at: at,
        };
        let role = crm_db::roles::RoleRow {
            id: Id(Uuid::nil()),
            workspace_id: Id(Uuid::nil()),
            key: "rep".into(),
            name: "Rep".into(),
            builtin: true,
            permissions: Json(serde_json::json!({})),
            version: 1,
            created_at: at,
            updated_at: at,
        };
        Entry {
            version,
            principal: std::sync::Arc::new(Authenticated {
                actor: crate::Actor::of(&user, &role, None, crate::Via::Web),
                user,
                role,
                api_key: None,
            }),
            key: None,
        }
    }

    #[test]
    fn a_full_cache_starts_over_and_keeps_the_newest() {
        let cache = Principals::new();
        for i in 0..CAPACITY {
            let credential = Credential::ApiKey(i.to_string());
            cache.put(credential, entry(1));
        }
        assert_eq!(cache.len(), CAPACITY);
        cache.put(Credential::ApiKey("0".into()), entry(2));
        assert_eq!(cache.len(), CAPACITY, "replacing an entry keeps the rest");
        cache.put(Credential::ApiKey("new".into()), entry(3));
        assert_eq!(cache.len(), 1);
        assert_eq!(
            cache
                .get(&Credential::ApiKey("new".into()))
                .map(|e| e.version),
            Some(3)
        );
    }
}
