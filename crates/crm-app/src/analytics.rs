//! Analytics runs that do not belong in a request: model fits and the
//! RFM scores' refresh.

pub mod clv;
pub mod rfm;
