//! Wire types of the CRM REST API (`/api/v1`): request and response bodies,
//! list queries, `Page<T>` and `Problem`. Shared by the server and the SPA,
//! so this crate must stay free of diesel and build for wasm32.
//! Conventions: snake_case JSON, UUIDs as strings, RFC 3339 UTC timestamps,
//! money as `{amount_minor, currency}`; PATCH bodies use `Option<Option<T>>`
//! (absent = unchanged, `null` = clear).

pub mod access;
pub mod activities;
pub mod analytics;
pub mod articles;
pub mod audit;
pub mod auth;
pub mod batch;
pub mod changes;
pub mod common;
pub mod contacts;
pub mod custom_fields;
pub mod customers;
pub mod dashboards;
pub mod deals;
pub mod deliveries;
pub mod forecast;
pub mod imports;
pub mod jobs;
pub mod leads;
pub mod orders;
pub mod patch;
pub mod patterns;
pub mod performance;
pub mod products;
pub mod regions;
pub mod reports;
pub mod satisfaction;
pub mod segments;
pub mod tags;
pub mod tickets;

pub use common::{Health, Page, Problem};
/// The vocabularies the wire types carry (enums, `Money`, `Permissions`),
/// re-exported so clients such as the SPA need depend on this crate only.
pub use crm_domain as domain;
