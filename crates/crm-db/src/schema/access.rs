//! The access counter: `auth_versions` holds, per workspace, a number that
//! triggers on users, roles and API keys advance on every change (see
//! migration 000023), so a cached principal can be checked in one read.

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::DbUuid;

    auth_versions (workspace_id) {
        workspace_id -> DbUuid,
        version -> BigInt,
    }
}
