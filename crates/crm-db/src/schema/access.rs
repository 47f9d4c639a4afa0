//! The access counter: `auth_versions` holds, per workspace, a number that
//! triggers on users, roles and API keys advance on every change (see
//! migration 000023), so a cached principal can be checked in one read —
//! or in the record read's own statement, as a scalar subquery beside the
//! customers and their metrics, or an order, a deal, a contact, a lead,
//! an activity or a ticket.

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::DbUuid;

    auth_versions (workspace_id) {
        workspace_id -> DbUuid,
        version -> BigInt,
    }
}

use super::{activities, contacts, customer_metrics, customers, deals, leads, orders, tickets};

diesel::allow_tables_to_appear_in_same_query!(auth_versions, customers);
diesel::allow_tables_to_appear_in_same_query!(auth_versions, customer_metrics);
diesel::allow_tables_to_appear_in_same_query!(auth_versions, orders);
diesel::allow_tables_to_appear_in_same_query!(auth_versions, deals);
diesel::allow_tables_to_appear_in_same_query!(auth_versions, contacts);
diesel::allow_tables_to_appear_in_same_query!(auth_versions, leads);
diesel::allow_tables_to_appear_in_same_query!(auth_versions, activities);
diesel::allow_tables_to_appear_in_same_query!(auth_versions, tickets);
