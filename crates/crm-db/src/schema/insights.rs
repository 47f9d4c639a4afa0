//! Saved report definitions (migration 000028); dashboards will join them.

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::{DbJson, DbUuid};

    reports (workspace_id, id) {
        workspace_id -> DbUuid,
        id -> DbUuid,
        name -> Text,
        description -> Nullable<Text>,
        spec -> DbJson,
        owner_id -> Nullable<DbUuid>,
        shared -> Bool,
        version -> Integer,
        created_by -> Nullable<DbUuid>,
        updated_by -> Nullable<DbUuid>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}
