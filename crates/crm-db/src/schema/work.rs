//! The tables of background work (CSV imports, backup runs, the durable
//! `jobs` queue and the event consumers' cursors), kept apart from the
//! business tables of `schema`.

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::{DbJson, DbUuid};

    imports (id) {
        id -> DbUuid,
        workspace_id -> DbUuid,
        entity -> Text,
        file_name -> Text,
        file_size -> BigInt,
        encoding -> Text,
        delimiter -> Text,
        header -> DbJson,
        sample -> DbJson,
        mapping -> Nullable<DbJson>,
        mode -> Text,
        status -> Text,
        dry_run -> Bool,
        rows_read -> BigInt,
        bytes_read -> BigInt,
        created_count -> BigInt,
        updated_count -> BigInt,
        unchanged_count -> BigInt,
        failed_count -> BigInt,
        failure -> Nullable<Text>,
        created_by -> DbUuid,
        role_id -> Nullable<DbUuid>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        started_at -> Nullable<Timestamp>,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::{DbJson, DbUuid};

    import_errors (workspace_id, import_id, row_number) {
        workspace_id -> DbUuid,
        import_id -> DbUuid,
        row_number -> BigInt,
        errors -> DbJson,
        cells -> DbJson,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::{DbJson, DbUuid};

    jobs (workspace_id, id) {
        workspace_id -> DbUuid,
        id -> DbUuid,
        kind -> Text,
        payload -> DbJson,
        unique_key -> Nullable<Text>,
        status -> Text,
        priority -> Integer,
        run_at -> Timestamp,
        attempts -> Integer,
        max_attempts -> Integer,
        locked_by -> Nullable<Text>,
        locked_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::DbUuid;

    event_cursors (workspace_id, id) {
        workspace_id -> DbUuid,
        id -> DbUuid,
        consumer -> Text,
        position -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::{DbJson, DbUuid};

    backups (workspace_id, id) {
        workspace_id -> DbUuid,
        id -> DbUuid,
        status -> Text,
        size_bytes -> Nullable<BigInt>,
        row_counts -> DbJson,
        rows_done -> BigInt,
        rows_total -> BigInt,
        failure -> Nullable<Text>,
        created_by -> DbUuid,
        created_at -> Timestamp,
        started_at -> Nullable<Timestamp>,
        finished_at -> Nullable<Timestamp>,
    }
}
