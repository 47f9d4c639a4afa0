//! `Expected`: the version of a record its writer last read (an HTTP
//! `If-Match`, a batch record's `version`), checked before the write.

use crate::AppError;

/// The version the writer expects the record to be at, if they said.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Expected(pub Option<i32>);

impl Expected {
    /// The current version when it is the one expected (or none was named),
    /// else `Stale`.
    pub fn check(self, current: i32) -> Result<i32, AppError> {
        match self.0 {
            Some(expected) if expected != current => Err(AppError::Stale),
            _ => Ok(current),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_named_version_must_be_the_current_one() {
        assert_eq!(Expected(None).check(7).ok(), Some(7));
        assert_eq!(Expected(Some(7)).check(7).ok(), Some(7));
        assert!(matches!(Expected(Some(6)).check(7), Err(AppError::Stale)));
    }
}
