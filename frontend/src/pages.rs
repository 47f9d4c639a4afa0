//! One module per page (or group of pages).

pub mod analytics;
pub mod contacts;
pub mod customers;
pub mod dashboard;
pub mod distribution;
pub mod login;
pub mod not_found;
pub mod segments;
pub mod settings;
