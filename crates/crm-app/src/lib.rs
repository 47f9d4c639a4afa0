//! The CRM's application core, between the transports (`crm-http`,
//! `crm-server`'s commands, the job workers) and the database (`crm-db`).
//!
//! It owns:
//! - **use cases** as plain functions `(conn, &Actor, input) -> Result<View, AppError>`,
//!   one module per feature with the same name as in the other crates
//!   (customers, contacts, leads and their conversion, deals and their
//!   rules, orders, products, pipelines, activities, tags, custom fields,
//!   upsert and batches, imports, exports, analytics, segments, audit);
//! - **jobs**: the runner that claims durable jobs from `crm_db::jobs`,
//!   runs the handler registered for each kind under a lease it keeps
//!   extending, and records success, a retry with backoff, or death;
//! - **events**: the change log read as an outbox by [`events::Consumer`]s,
//!   each with its own cursor, woken by `NOTIFY` or the in-process signal.
//!
//! [`Actor`] says who acts and through which channel; [`AppError`] says
//! what went wrong in domain words, and only `crm-http` turns it into a
//! status code. Nothing here knows HTTP: `make lint` fails if this crate
//! depends on actix.

pub mod activities;
pub mod actor;
pub mod analytics;
pub mod api_keys;
pub mod articles;
pub mod audit;
pub mod auth;
pub mod backups;
pub mod batch;
pub mod changes;
pub mod contacts;
pub mod custom_fields;
pub mod customers;
pub mod dashboards;
pub mod deals;
pub mod deliveries;
pub mod error;
pub mod events;
pub mod expected;
pub mod exports;
pub mod forecast;
pub mod grants;
pub mod imports;
pub mod input;
pub mod jobs;
pub mod leads;
pub mod live;
pub mod lookups;
pub mod mail;
pub mod orders;
pub mod performance;
pub mod pipelines;
pub mod products;
pub mod quotas;
pub mod regions;
pub mod reports;
pub mod roles;
pub mod security;
pub mod segments;
pub(crate) mod sharing;
pub mod tags;
pub mod teams;
pub mod throttle;
pub mod tickets;
pub mod upsert;
pub mod users;
pub mod views;
pub mod workspaces;

pub use actor::{Actor, Via};
pub use error::AppError;
pub use expected::Expected;
