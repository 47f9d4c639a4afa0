//! Diesel table definitions, one per migration table, shared by both backends.

mod access;
mod analytics;
mod insights;
mod plans;
mod rollups;
mod service;
mod work;
pub use access::auth_versions;
pub use analytics::{analytics_settings, clv_models, customer_metrics};
pub use insights::{dashboards, deliveries, reports, segments};
pub use plans::quotas;
pub use rollups::{cohort_rollups, customer_counts, order_rollups, product_rollups, sales_rollups};
pub use service::*;
pub use work::{backups, event_cursors, import_errors, imports, jobs};

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::DbUuid;
    workspaces (id) {
        id -> DbUuid,
        slug -> Text,
        name -> Text,
        change_seq -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::{DbJson, DbUuid};
    roles (id) {
        id -> DbUuid,
        workspace_id -> DbUuid,
        key -> Text,
        name -> Text,
        builtin -> Bool,
        permissions -> DbJson,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::DbUuid;
    teams (id) {
        id -> DbUuid,
        workspace_id -> DbUuid,
        name -> Text,
        parent_id -> Nullable<DbUuid>,
        manager_id -> Nullable<DbUuid>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::DbUuid;
    users (id) {
        id -> DbUuid,
        workspace_id -> DbUuid,
        email -> Text,
        display_name -> Text,
        password_hash -> Text,
        role_id -> DbUuid,
        team_id -> Nullable<DbUuid>,
        active -> Bool,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::DbUuid;
    refresh_tokens (id) {
        id -> DbUuid,
        workspace_id -> DbUuid,
        user_id -> DbUuid,
        family_id -> DbUuid,
        token_hash -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::DbUuid;
    api_keys (id) {
        id -> DbUuid,
        workspace_id -> DbUuid,
        name -> Text,
        prefix -> Text,
        secret_hash -> Text,
        role_id -> DbUuid,
        user_id -> DbUuid,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        expires_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_throttle (key) {
        key -> Text,
        failures -> Integer,
        window_started_at -> Timestamp,
        blocked_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    regions (code) {
        code -> Text,
        level -> Text,
        parent_code -> Nullable<Text>,
        country_code -> Text,
        name_zh -> Text,
        name_en -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::DbUuid;
    tags (id) {
        id -> DbUuid,
        workspace_id -> DbUuid,
        name -> Text,
        color -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::{DbJson, DbUuid};
    custom_field_defs (id) {
        id -> DbUuid,
        workspace_id -> DbUuid,
        entity -> Text,
        key -> Text,
        label -> Text,
        field_type -> Text,
        options -> DbJson,
        required -> Bool,
        position -> Integer,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::{DbJson, DbUuid};
    customers (id) {
        id -> DbUuid,
        workspace_id -> DbUuid,
        kind -> Text,
        name -> Text,
        external_id -> Nullable<Text>,
        owner_id -> Nullable<DbUuid>,
        team_id -> Nullable<DbUuid>,
        industry -> Nullable<Text>,
        size_band -> Nullable<Text>,
        employee_count -> Nullable<Integer>,
        annual_revenue_minor -> Nullable<BigInt>,
        annual_revenue_currency -> Nullable<Text>,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        website -> Nullable<Text>,
        country_code -> Nullable<Text>,
        province_code -> Nullable<Text>,
        city_code -> Nullable<Text>,
        district_code -> Nullable<Text>,
        address -> Nullable<Text>,
        gender -> Nullable<Text>,
        birth_date -> Nullable<Date>,
        source -> Nullable<Text>,
        lifecycle_stage -> Nullable<Text>,
        custom_fields -> DbJson,
        search_text -> Text,
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
    customer_tags (workspace_id, customer_id, tag_id) {
        workspace_id -> DbUuid,
        customer_id -> DbUuid,
        tag_id -> DbUuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::{DbJson, DbUuid};
    contacts (id) {
        id -> DbUuid,
        workspace_id -> DbUuid,
        customer_id -> DbUuid,
        name -> Text,
        title -> Nullable<Text>,
        department -> Nullable<Text>,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        is_primary -> Bool,
        external_id -> Nullable<Text>,
        custom_fields -> DbJson,
        search_text -> Text,
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
    use crate::types::{DbJson, DbUuid};
    change_log (workspace_id, seq) {
        workspace_id -> DbUuid,
        seq -> BigInt,
        entity -> Text,
        entity_id -> DbUuid,
        op -> Text,
        changed_fields -> DbJson,
        actor_id -> Nullable<DbUuid>,
        at -> Timestamp,
        channel -> Nullable<Text>,
        change_values -> Nullable<DbJson>,
    }
}

diesel::joinable!(contacts -> customers (customer_id));
diesel::joinable!(customer_tags -> tags (tag_id));
diesel::joinable!(users -> roles (role_id));

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::{DbUuid, DbJson};

    idempotency_keys (workspace_id, actor_id, key) {
        workspace_id -> DbUuid,
        actor_id -> DbUuid,
        key -> Text,
        request_hash -> Text,
        status -> Integer,
        response -> DbJson,
        location -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::DbUuid;

    products (id) {
        id -> DbUuid,
        workspace_id -> DbUuid,
        sku -> Text,
        name -> Text,
        external_id -> Nullable<Text>,
        category -> Nullable<Text>,
        unit -> Nullable<Text>,
        price_minor -> Nullable<BigInt>,
        currency -> Nullable<Text>,
        active -> Bool,
        description -> Nullable<Text>,
        search_text -> Text,
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

    orders (id) {
        id -> DbUuid,
        workspace_id -> DbUuid,
        customer_id -> DbUuid,
        external_id -> Nullable<Text>,
        order_date -> Date,
        status -> Text,
        currency -> Text,
        subtotal_minor -> BigInt,
        discount_minor -> BigInt,
        total_minor -> BigInt,
        owner_id -> Nullable<DbUuid>,
        team_id -> Nullable<DbUuid>,
        note -> Nullable<Text>,
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

    order_lines (workspace_id, order_id, line_no) {
        workspace_id -> DbUuid,
        order_id -> DbUuid,
        line_no -> Integer,
        product_id -> DbUuid,
        quantity_milli -> BigInt,
        unit_price_minor -> BigInt,
        discount_minor -> BigInt,
        amount_minor -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::DbUuid;

    deal_lines (workspace_id, deal_id, line_no) {
        workspace_id -> DbUuid,
        deal_id -> DbUuid,
        line_no -> Integer,
        product_id -> DbUuid,
        quantity_milli -> BigInt,
        unit_price_minor -> BigInt,
        discount_minor -> BigInt,
        amount_minor -> BigInt,
    }
}

diesel::joinable!(orders -> customers (customer_id));
diesel::joinable!(order_lines -> products (product_id));

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::DbUuid;

    pipelines (id) {
        id -> DbUuid,
        workspace_id -> DbUuid,
        name -> Text,
        position -> Integer,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::DbUuid;

    pipeline_stages (id) {
        id -> DbUuid,
        workspace_id -> DbUuid,
        pipeline_id -> DbUuid,
        name -> Text,
        position -> Integer,
        probability -> Integer,
        kind -> Text,
        forecast_category -> Text,
        retired_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::DbUuid;

    deals (id) {
        id -> DbUuid,
        workspace_id -> DbUuid,
        pipeline_id -> DbUuid,
        stage_id -> DbUuid,
        customer_id -> DbUuid,
        external_id -> Nullable<Text>,
        name -> Text,
        amount_minor -> BigInt,
        currency -> Text,
        probability -> Integer,
        expected_close_date -> Nullable<Date>,
        owner_id -> Nullable<DbUuid>,
        team_id -> Nullable<DbUuid>,
        lost_reason -> Nullable<Text>,
        closed_at -> Nullable<Timestamp>,
        stage_changed_at -> Timestamp,
        version -> Integer,
        created_by -> Nullable<DbUuid>,
        updated_by -> Nullable<DbUuid>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        forecast_category -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::DbUuid;

    deal_stage_changes (id) {
        id -> DbUuid,
        workspace_id -> DbUuid,
        deal_id -> DbUuid,
        from_stage_id -> Nullable<DbUuid>,
        to_stage_id -> DbUuid,
        actor_id -> Nullable<DbUuid>,
        at -> Timestamp,
    }
}

diesel::joinable!(pipeline_stages -> pipelines (pipeline_id));

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::DbUuid;

    leads (id) {
        id -> DbUuid,
        workspace_id -> DbUuid,
        status -> Text,
        source -> Nullable<Text>,
        company_name -> Nullable<Text>,
        person_name -> Text,
        title -> Nullable<Text>,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        province_code -> Nullable<Text>,
        city_code -> Nullable<Text>,
        note -> Nullable<Text>,
        external_id -> Nullable<Text>,
        owner_id -> Nullable<DbUuid>,
        team_id -> Nullable<DbUuid>,
        disqualified_reason -> Nullable<Text>,
        converted_customer_id -> Nullable<DbUuid>,
        converted_contact_id -> Nullable<DbUuid>,
        converted_deal_id -> Nullable<DbUuid>,
        converted_at -> Nullable<Timestamp>,
        search_text -> Text,
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

    activities (id) {
        id -> DbUuid,
        workspace_id -> DbUuid,
        kind -> Text,
        subject -> Text,
        body -> Nullable<Text>,
        customer_id -> Nullable<DbUuid>,
        contact_id -> Nullable<DbUuid>,
        lead_id -> Nullable<DbUuid>,
        deal_id -> Nullable<DbUuid>,
        occurred_at -> Timestamp,
        due_at -> Nullable<Timestamp>,
        done -> Bool,
        done_at -> Nullable<Timestamp>,
        owner_id -> Nullable<DbUuid>,
        team_id -> Nullable<DbUuid>,
        version -> Integer,
        created_by -> Nullable<DbUuid>,
        updated_by -> Nullable<DbUuid>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        location -> Nullable<Text>,
        outcome -> Nullable<Text>,
        next_step -> Nullable<Text>,
        remind_at -> Nullable<Timestamp>,
        priority -> Text,
    }
}

diesel::joinable!(deal_stage_changes -> deals (deal_id));

diesel::allow_tables_to_appear_in_same_query!(
    backups,
    workspaces,
    analytics_settings,
    customer_metrics,
    roles,
    teams,
    users,
    refresh_tokens,
    api_keys,
    login_throttle,
    regions,
    tags,
    custom_field_defs,
    customers,
    customer_tags,
    contacts,
    change_log,
    idempotency_keys,
    products,
    orders,
    order_lines,
    pipelines,
    pipeline_stages,
    deals,
    deal_lines,
    deal_stage_changes,
    leads,
    activities,
    segments,
    clv_models,
    imports,
    import_errors,
    jobs,
    event_cursors,
);
