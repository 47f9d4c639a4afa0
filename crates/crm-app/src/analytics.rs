//! Customer analytics: the distribution map's grouped measures
//! (`distribution`), segment portraits (`portrait`), a customer's profile
//! and value (`profile`), the value of many (`value`), the workspace's
//! analytics settings (`settings`), and the runs that do not belong in a
//! request — model fits (`clv`) and the RFM scores' refresh (`rfm`).

pub mod clv;
pub mod cohorts;
pub mod distribution;
pub mod kmeans;
pub mod kpis;
pub mod portrait;
pub mod profile;
pub mod rfm;
pub mod settings;
pub mod value;
