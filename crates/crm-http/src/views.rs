//! Conversions shared by the feature modules' views (kept in `crm_app::views`).

pub use crm_app::views::*;
