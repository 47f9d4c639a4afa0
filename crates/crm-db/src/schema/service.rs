//! The service desk's tables: tickets, their replies and internal notes,
//! each workspace's service settings (migration 000024), and each
//! agent's capacity and availability (000025), the knowledge base's
//! articles and the tickets they answered (000026; SQLite's search index
//! `articles_fts` is read with SQL of its own in `crate::articles`), and
//! the satisfaction surveys sent for tickets (000027), and the SLA
//! warnings and escalations sent for them (000032), files attached to
//! tickets (000033) and to replies (000036), tickets' tags (000034) and
//! agents' skills (000035).

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::{DbJson, DbUuid};

    tickets (workspace_id, id) {
        workspace_id -> DbUuid,
        id -> DbUuid,
        number -> BigInt,
        customer_id -> DbUuid,
        contact_id -> Nullable<DbUuid>,
        subject -> Text,
        description -> Nullable<Text>,
        ticket_type -> Text,
        priority -> Text,
        channel -> Text,
        status -> Text,
        assignee_id -> Nullable<DbUuid>,
        team_id -> Nullable<DbUuid>,
        external_id -> Nullable<Text>,
        first_response_due_at -> Nullable<Timestamp>,
        resolution_due_at -> Nullable<Timestamp>,
        first_responded_at -> Nullable<Timestamp>,
        resolved_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        paused_at -> Nullable<Timestamp>,
        search_text -> Text,
        version -> Integer,
        created_by -> Nullable<DbUuid>,
        updated_by -> Nullable<DbUuid>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        assignment_rule -> Nullable<Text>,
        custom_fields -> DbJson,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::DbUuid;

    ticket_replies (workspace_id, id) {
        workspace_id -> DbUuid,
        id -> DbUuid,
        ticket_id -> DbUuid,
        internal -> Bool,
        body -> Text,
        author_id -> Nullable<DbUuid>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::{DbJson, DbUuid};

    service_settings (workspace_id) {
        workspace_id -> DbUuid,
        settings -> DbJson,
        version -> Integer,
        updated_by -> Nullable<DbUuid>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::{DbJson, DbUuid};

    service_agents (workspace_id, user_id) {
        workspace_id -> DbUuid,
        user_id -> DbUuid,
        on_duty -> Bool,
        capacity -> Integer,
        last_assigned_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
        skills -> DbJson,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::DbUuid;

    articles (workspace_id, id) {
        workspace_id -> DbUuid,
        id -> DbUuid,
        title -> Text,
        body -> Text,
        category -> Text,
        locale -> Text,
        status -> Text,
        translation_of -> Nullable<DbUuid>,
        search_terms -> Text,
        views -> BigInt,
        helpful -> Integer,
        not_helpful -> Integer,
        version -> Integer,
        created_by -> Nullable<DbUuid>,
        updated_by -> Nullable<DbUuid>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::DbUuid;

    ticket_articles (workspace_id, ticket_id, article_id) {
        workspace_id -> DbUuid,
        ticket_id -> DbUuid,
        article_id -> DbUuid,
        linked_by -> Nullable<DbUuid>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::DbUuid;

    surveys (workspace_id, id) {
        workspace_id -> DbUuid,
        id -> DbUuid,
        ticket_id -> DbUuid,
        customer_id -> DbUuid,
        kind -> Text,
        token_hash -> Text,
        agent_id -> Nullable<DbUuid>,
        team_id -> Nullable<DbUuid>,
        ticket_type -> Text,
        channel -> Text,
        sent_by -> Nullable<DbUuid>,
        sent_at -> Timestamp,
        expires_at -> Timestamp,
        answered_at -> Nullable<Timestamp>,
        score -> Nullable<Integer>,
        comment -> Nullable<Text>,
    }
}

use super::{customer_metrics, customers, tags, users};

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::{DbJson, DbUuid};

    sla_alerts (workspace_id, id) {
        workspace_id -> DbUuid,
        id -> DbUuid,
        ticket_id -> DbUuid,
        clock -> Text,
        kind -> Text,
        due_at -> Timestamp,
        notified -> DbJson,
        created_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::DbUuid;

    ticket_attachments (workspace_id, id) {
        workspace_id -> DbUuid,
        id -> DbUuid,
        ticket_id -> DbUuid,
        file_name -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        uploaded_by -> Nullable<DbUuid>,
        created_at -> Timestamp,
        reply_id -> Nullable<DbUuid>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::DbUuid;

    ticket_tags (workspace_id, ticket_id, tag_id) {
        workspace_id -> DbUuid,
        ticket_id -> DbUuid,
        tag_id -> DbUuid,
    }
}

diesel::joinable!(ticket_tags -> tags (tag_id));
diesel::allow_tables_to_appear_in_same_query!(ticket_tags, tags);
diesel::allow_tables_to_appear_in_same_query!(ticket_tags, tickets);
diesel::allow_tables_to_appear_in_same_query!(articles, ticket_articles);
diesel::allow_tables_to_appear_in_same_query!(surveys, tickets);
diesel::allow_tables_to_appear_in_same_query!(surveys, customers);
diesel::allow_tables_to_appear_in_same_query!(surveys, customer_metrics);

diesel::allow_tables_to_appear_in_same_query!(tickets, customers);
diesel::allow_tables_to_appear_in_same_query!(service_agents, users);
