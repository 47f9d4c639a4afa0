//! Revenue and order counts per day, currency and customer dimension, kept
//! by the order and customer writes (migration 000041, `crate::rollups`).

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
