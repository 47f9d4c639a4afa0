//! Reference data a write checks its records against: `crm_app::lookups`.

pub use crm_app::lookups::Lookups;
