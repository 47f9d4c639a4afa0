//! Customer analytics endpoints, the HTTP side of `crm_app::analytics`:
//! the distribution map, KPIs, the RFM summary, cohorts, K-means segments,
//! customer value, segment portraits, customer profiles and the analytics
//! settings. Every figure is computed over the customers the caller may
//! read, so a rep's analytics cover their own customers only.

pub mod cohorts;
pub mod distribution;
pub mod kmeans;
pub mod kpis;
pub mod portrait;
pub mod profile;
pub mod rfm;
pub mod settings;
pub mod value;
