//! Customers: the filtered list, the detail page (with its timeline and
//! orders tabs) and the create/edit form.

pub mod detail;
pub mod filters;
pub mod form;
pub mod list;
mod metrics;
pub(crate) mod order_form;
mod orders;
pub mod timeline;
