//! The tables of sales planning: quotas (per user or team, metric and
//! period), kept apart from the business tables of `schema`.

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::DbUuid;

    quotas (workspace_id, id) {
        workspace_id -> DbUuid,
        id -> DbUuid,
        user_id -> Nullable<DbUuid>,
        team_id -> Nullable<DbUuid>,
        metric -> Text,
        period -> Text,
        starts_on -> Date,
        target -> BigInt,
        created_by -> Nullable<DbUuid>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}
