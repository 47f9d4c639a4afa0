//! Timestamps are UTC without zone on both backends, at microsecond
//! precision (PostgreSQL's), so a value read back equals the value written
//! and keyset cursors compare exactly.

use chrono::{NaiveDateTime, SubsecRound, Utc};

pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}
