//! Customers: the use cases on the customer master.

pub mod filter;
