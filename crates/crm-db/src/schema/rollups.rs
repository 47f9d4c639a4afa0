//! Revenue and order counts per day, currency and customer dimension, kept
//! by the order and customer writes (migration 000041, `crate::rollups`),
//! buyers and revenue per cohort and month (migration 000043,
//! `crate::rollups::cohorts`), and live customers per dimension value
//! (migration 000044, `crate::rollups::counts`); revenue and order counts
//! per day, currency and the order's own owner and team (migration 000047,
//! `crate::rollups::orders`); order lines' sums per day, currency, product
//! and the order's own owner and team (migration 000048,
//! `crate::rollups::products`).

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::DbUuid;

    sales_rollups (workspace_id, currency, dimension, order_date, parent_code, code, owner_id, team_id) {
        workspace_id -> DbUuid,
        currency -> Text,
        dimension -> Text,
        parent_code -> Text,
        order_date -> Date,
        code -> Text,
        owner_id -> DbUuid,
        team_id -> DbUuid,
        revenue_minor -> BigInt,
        orders -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::DbUuid;

    cohort_rollups (workspace_id, currency, cohort_month, order_month, owner_id, team_id) {
        workspace_id -> DbUuid,
        currency -> Text,
        cohort_month -> Date,
        order_month -> Date,
        owner_id -> DbUuid,
        team_id -> DbUuid,
        buyers -> BigInt,
        revenue_minor -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::DbUuid;

    customer_counts (workspace_id, dimension, code, owner_id, team_id) {
        workspace_id -> DbUuid,
        dimension -> Text,
        code -> Text,
        owner_id -> DbUuid,
        team_id -> DbUuid,
        customers -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::DbUuid;

    order_rollups (workspace_id, currency, order_date, owner_id, team_id) {
        workspace_id -> DbUuid,
        currency -> Text,
        order_date -> Date,
        owner_id -> DbUuid,
        team_id -> DbUuid,
        revenue_minor -> BigInt,
        orders -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::DbUuid;

    product_rollups (workspace_id, currency, order_date, product_id, owner_id, team_id) {
        workspace_id -> DbUuid,
        currency -> Text,
        order_date -> Date,
        product_id -> DbUuid,
        owner_id -> DbUuid,
        team_id -> DbUuid,
        amount_minor -> BigInt,
        quantity_milli -> BigInt,
        lines -> BigInt,
    }
}
