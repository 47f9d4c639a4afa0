//! Customers: the filtered list, the detail page and the create/edit form.

pub mod detail;
pub mod filters;
pub mod form;
pub mod list;
mod metrics;
