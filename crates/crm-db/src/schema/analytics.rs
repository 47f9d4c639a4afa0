//! The analytics tables: the workspace's settings, each buyer's order
//! aggregates (`customer_metrics`, with its customer's owner, team,
//! liveness and values of the map's dimensions) and the fitted CLV model
//! (migrations 000008, 000010, 000042, 000046).

use super::customers;

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::DbUuid;
    analytics_settings (workspace_id) {
        workspace_id -> DbUuid,
        base_currency -> Text,
        churn_after_days -> Integer,
        rfm_stale -> Bool,
        rfm_refreshed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::DbUuid;
    customer_metrics (workspace_id, customer_id) {
        workspace_id -> DbUuid,
        customer_id -> DbUuid,
        order_count -> Integer,
        revenue_minor -> BigInt,
        first_order_on -> Date,
        last_order_on -> Date,
        longest_gap_days -> Integer,
        rfm_r -> Nullable<SmallInt>,
        rfm_f -> Nullable<SmallInt>,
        rfm_m -> Nullable<SmallInt>,
        rfm_segment -> Nullable<Text>,
        previous_order_on -> Nullable<Date>,
        owner_id -> Nullable<DbUuid>,
        team_id -> Nullable<DbUuid>,
        live -> Bool,
        kind -> Nullable<Text>,
        industry -> Nullable<Text>,
        size_band -> Nullable<Text>,
        lifecycle_stage -> Nullable<Text>,
        source -> Nullable<Text>,
        country_code -> Nullable<Text>,
        province_code -> Nullable<Text>,
        city_code -> Nullable<Text>,
        district_code -> Nullable<Text>,
        gender -> Nullable<Text>,
        birth_date -> Nullable<Date>,
    }
}

diesel::joinable!(customer_metrics -> customers (customer_id));

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::DbUuid;

    clv_models (workspace_id) {
        workspace_id -> DbUuid,
        fitted_at -> Timestamp,
        buyers -> BigInt,
        bg_r -> Nullable<Double>,
        bg_alpha -> Nullable<Double>,
        bg_a -> Nullable<Double>,
        bg_b -> Nullable<Double>,
        gg_p -> Nullable<Double>,
        gg_q -> Nullable<Double>,
        gg_gamma -> Nullable<Double>,
    }
}
