//! Pure CRM types and rules: value objects that are valid once they exist
//! (`Email::parse`, `Phone::parse`, `RegionCode::parse`), the enums of the
//! customer master, access scopes and built-in roles, custom-field rules.
//! No IO and no dependency on any other crate of ours.

pub mod access;
pub mod analytics;
pub mod custom_field;
pub mod customer;
pub mod dashboards;
pub mod deals;
pub mod deliveries;
pub mod email;
pub mod forecast;
pub mod imports;
pub mod json;
pub mod money;
pub mod orders;
pub mod performance;
pub mod phone;
pub mod region;
pub mod reports;
pub mod sales;
pub mod service;
pub mod sharing;
pub mod spreadsheet;
pub mod validation;

pub use email::Email;
pub use phone::Phone;
pub use region::RegionCode;
pub use validation::FieldErrors;

/// The slug of the demo workspace that `crm demo` creates; its presence turns
/// on the demo-login hint of the sign-in page.
pub const DEMO_WORKSPACE: &str = "demo";
