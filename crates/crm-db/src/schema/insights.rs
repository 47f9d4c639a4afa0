//! Saved definitions that run as their reader: customer segments
//! (migration 000009), reports (000028), dashboards (000029) and their
//! scheduled deliveries (000030); folders and sharing with roles and
//! teams (000031).

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
        folder -> Nullable<Text>,
        share_roles -> DbJson,
        share_teams -> DbJson,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::{DbJson, DbUuid};

    segments (id) {
        id -> DbUuid,
        workspace_id -> DbUuid,
        name -> Text,
        description -> Nullable<Text>,
        rules -> DbJson,
        version -> Integer,
        created_by -> Nullable<DbUuid>,
        updated_by -> Nullable<DbUuid>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::{DbJson, DbUuid};

    dashboards (workspace_id, id) {
        workspace_id -> DbUuid,
        id -> DbUuid,
        name -> Text,
        layout -> DbJson,
        owner_id -> Nullable<DbUuid>,
        shared -> Bool,
        default_roles -> DbJson,
        version -> Integer,
        created_by -> Nullable<DbUuid>,
        updated_by -> Nullable<DbUuid>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        share_roles -> DbJson,
        share_teams -> DbJson,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::{DbJson, DbUuid};

    deliveries (workspace_id, id) {
        workspace_id -> DbUuid,
        id -> DbUuid,
        name -> Text,
        report_id -> Nullable<DbUuid>,
        dashboard_id -> Nullable<DbUuid>,
        schedule -> DbJson,
        format -> Text,
        recipients -> DbJson,
        active -> Bool,
        next_run_at -> Nullable<Timestamp>,
        last_run_at -> Nullable<Timestamp>,
        owner_id -> Nullable<DbUuid>,
        version -> Integer,
        created_by -> Nullable<DbUuid>,
        updated_by -> Nullable<DbUuid>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}
