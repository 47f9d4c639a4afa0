//! The one integration-test binary. Every API scenario runs twice, on
//! PostgreSQL and on SQLite, each on its own fresh database (`both!`).

mod activities;
mod admin;
mod analytics;
mod analytics_clv;
mod analytics_demo;
mod analytics_settings;
mod auth;
mod backup;
mod batch;
mod changes;
mod contact_batch;
mod contacts;
mod customers;
mod deal_batch;
mod deals;
mod e2e;
mod errors;
mod export;
mod export_safety;
mod idempotency;
mod import_jobs;
mod imports;
mod imports_sales;
mod leads;
mod migrations;
mod openapi;
mod paging;
mod portable;
mod regions;
mod sales;
mod sales_export;
mod segments;
mod sync;
mod upsert;
mod visibility;
