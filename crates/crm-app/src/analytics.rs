//! Analytics runs that do not belong in a request: model fits.

pub mod clv;
