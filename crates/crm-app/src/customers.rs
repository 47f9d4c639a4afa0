//! Customers: the use cases on the customer master. Reading (`get`,
//! `get_by_external_id`, `list`) here; writing one record in [`write`]
//! (create, merge-patch, soft-delete with its contacts), by external id in
//! [`upsert`], many at once in [`batch`]; validation and the view in
//! [`input`]; the export table in [`export`]; the shared list filter in
//! [`filter`]. Every query is scoped by the actor's visibility: a record
//! outside it is `NotFound`, one the action's scope does not cover `Forbidden`.

pub mod batch;
pub mod export;
pub mod filter;
pub mod input;
pub mod upsert;
pub mod write;

use crm_api_types::analytics::CustomerMetrics;
use crm_api_types::customers::Customer;
use crm_db::AnyConnection;
use crm_db::customers::{CustomerFilter, CustomerRow, CustomerSort};
use crm_db::paging::Keyset;
use crm_db::rfm::MetricsRow;
use crm_domain::access::{Action, ObjectType, Principal, Scope};
use crm_domain::analytics::RfmSegment;
use uuid::Uuid;

pub use self::input::view;
pub use self::upsert::upsert;
pub use self::write::{create, create_in, delete, update, update_in};
use crate::{Actor, AppError};

pub const ENTITY: &str = crm_db::change_log::CUSTOMER;

/// A customer visible for reading (else `NotFound`) whose ownership the
/// action's scope covers (else `Forbidden`), with that scope and the
/// actor's principal.
pub(crate) fn find_for(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    action: Action,
) -> Result<(CustomerRow, Scope, Principal), AppError> {
    let read = actor.visibility(conn, ObjectType::Customers, Action::Read)?;
    let current = crm_db::customers::find(conn, &read, id)?;
    let scope = actor.require(ObjectType::Customers, action)?;
    let principal = actor.require_covers(
        conn,
        scope,
        current.fields.owner_id.map(Uuid::from),
        current.fields.team_id.map(Uuid::from),
        &format!("{action} this customer"),
    )?;
    Ok((current, scope, principal))
}

/// The metrics the customer resource carries.
pub fn metrics(m: &MetricsRow) -> CustomerMetrics {
    CustomerMetrics {
        order_count: m.order_count,
        revenue_minor: m.revenue_minor,
        first_order_on: m.first_order_on,
        last_order_on: m.last_order_on,
        rfm_segment: m
            .rfm_segment
            .as_deref()
            .and_then(|s| RfmSegment::parse(s).ok()),
    }
}

/// One customer's tags, as the API shows them.
fn tag_refs(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    id: Uuid,
) -> Result<Vec<crm_api_types::tags::TagRef>, AppError> {
    let mut tags = crm_db::tags::of_customers(conn, workspace_id, &[id])?;
    Ok(tags
        .remove(&id)
        .unwrap_or_default()
        .into_iter()
        .map(crate::tags::reference)
        .collect())
}

pub(crate) fn with_tags(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    row: CustomerRow,
) -> Result<Customer, AppError> {
    let refs = tag_refs(conn, workspace_id, row.id.0)?;
    let found = crm_db::rfm::of_customer(conn, workspace_id, row.id.0)?;
    let mut customer = view(row, refs);
    customer.metrics = found.as_ref().map(metrics);
    Ok(customer)
}

/// A customer the actor may read, and the workspace's access counter as
/// the statement that read it saw it (for [`crate::auth::read_as`]).
pub fn get(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
) -> Result<(Customer, Option<i64>), AppError> {
    let vis = actor.visibility(conn, ObjectType::Customers, Action::Read)?;
    record(conn, &vis, id)
}

/// The visible customer with its tags and metrics, and the access counter
/// as its statement read it.
fn record(
    conn: &mut AnyConnection,
    vis: &crm_db::visibility::Visibility,
    id: Uuid,
) -> Result<(Customer, Option<i64>), AppError> {
    let (row, found, labels, access) = crm_db::customers::find_with_metrics(conn, vis, id)?;
    let refs = labels
        .into_iter()
        .map(crate::tags::label_reference)
        .collect();
    let mut customer = view(row, refs);
    customer.metrics = found.as_ref().map(metrics);
    Ok((customer, Some(access)))
}

/// The live customer with this external id, if the actor may read it: the
/// same record as [`get`] (its tags and metrics), with the access counter.
pub fn get_by_external_id(
    conn: &mut AnyConnection,
    actor: &Actor,
    key: &str,
) -> Result<(Customer, Option<i64>), AppError> {
    let vis = actor.visibility(conn, ObjectType::Customers, Action::Read)?;
    let id = crm_db::customers::id_by_external_id(conn, actor.workspace_id, key)?
        .ok_or(AppError::NotFound)?;
    record(conn, &vis, id)
}

/// One keyset page of the customers the actor may read that match the
/// filter (the saved segment it names loaded, RFM segments fresh when it
/// selects by one), with their tags and metrics; and the workspace's access
/// counter when the page's statement read it (for [`crate::auth::read_as`]).
pub fn list(
    conn: &mut AnyConnection,
    actor: &Actor,
    filter: CustomerFilter,
    keyset: &Keyset<CustomerSort>,
    freshness: &crate::analytics::rfm::Freshness,
) -> Result<(Vec<Customer>, Option<i64>), AppError> {
    let vis = actor.visibility(conn, ObjectType::Customers, Action::Read)?;
    let filter = filter::prepare(conn, vis.workspace_id, filter, freshness)?;
    let (rows, access) = crm_db::customers::list(conn, &vis, &filter, keyset)?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id.0).collect();
    let mut tags = crm_db::tags::of_customers(conn, actor.workspace_id, &ids)?;
    let found = crm_db::rfm::of_customers(conn, actor.workspace_id, &ids)?;
    let customers = rows
        .into_iter()
        .map(|row| {
            let refs = tags
                .remove(&row.id.0)
                .unwrap_or_default()
                .into_iter()
                .map(crate::tags::reference)
                .collect();
            let summary = found.get(&row.id.0).map(metrics);
            let mut customer = view(row, refs);
            customer.metrics = summary;
            customer
        })
        .collect();
    Ok((customers, access))
}
