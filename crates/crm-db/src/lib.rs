//! The CRM's persistence: the only crate that speaks SQL. It owns the
//! schema, row types with their insert and change forms, the queries of
//! each feature (same module names as `crm-http`), the embedded migrations
//! of both backends, the pool, and `DbError`. Functions take an
//! `&mut AnyConnection`, are scoped by workspace (and, for business
//! records, by a `Visibility`), and return `DbResult`.

pub mod activities;
pub mod admin;
pub mod analytics;
pub mod api_keys;
pub mod articles;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod backups;
pub mod batch;
pub mod change_log;
pub mod clv;
pub mod connection;
pub mod contacts;
pub mod copy;
pub mod custom_fields;
pub mod customers;
pub mod dashboards;
pub mod deal_lines;
pub mod deals;
pub mod deliveries;
pub mod error;
pub mod events;
pub mod forecast;
pub mod idempotency;
pub mod imports;
pub mod jobs;
pub mod key_checks;
mod keyed;
pub mod leads;
pub mod metrics;
pub mod migrate;
pub mod orders;
pub mod paging;
pub mod performance;
pub mod pipelines;
pub mod portable;
pub mod products;
pub mod quotas;
pub mod regions;
pub mod reports;
pub mod rfm;
pub mod roles;
pub mod rollups;
pub mod schema;
pub mod segments;
pub mod sql;
pub mod surveys;
pub mod tags;
pub mod teams;
pub mod tickets;
pub mod time;
pub mod timeline;
pub mod types;
pub mod users;
pub mod visibility;
pub mod workspaces;
mod write_turns;

pub use connection::{AnyConnection, Backend, DbPool, PooledConn, connect_pool};
pub use error::{DbError, DbResult};
pub use visibility::Visibility;

/// One round trip to the database.
pub fn ping(conn: &mut AnyConnection) -> DbResult<()> {
    use diesel::RunQueryDsl;
    diesel::select(diesel::dsl::sql::<diesel::sql_types::Integer>("1")).execute(conn)?;
    Ok(())
}
