//! `DbError`: diesel and pool errors classified by kind, not by constraint
//! name alone (SQLite names no constraint), so the HTTP layer can map them.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No row matched (also: outside the caller's visibility).
    #[error("record not found")]
    NotFound,
    /// A unique key was violated; `target` holds the constraint name
    /// (PostgreSQL) or the message naming the columns (SQLite).
    #[error("unique violation: {target}")]
    UniqueViolation { target: String },
    /// A referenced row does not exist.
    #[error("foreign key violation: {0}")]
    ForeignKeyViolation(String),
    /// The row's version moved on since the caller read it.
    #[error("version conflict")]
    VersionConflict,
    #[error("connection pool: {0}")]
    Pool(String),
    /// The statement ran past its time limit and was stopped.
    #[error("the statement ran past its time limit")]
    TimedOut,
    #[error(transparent)]
    Query(DieselError),
}

impl DbError {
    /// Whether the query found its connection closed: the database went
    /// away under it, and the same work may succeed on another connection.
    pub fn is_closed_connection(&self) -> bool {
        matches!(
            self,
            DbError::Query(DieselError::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                _
            ))
        )
    }

    /// Whether SQLite gave up waiting for another connection's write (its
    /// busy timeout ran out): the database is busy, not broken, and the
    /// same work may succeed a moment later.
    pub fn is_busy(&self) -> bool {
        matches!(
            self,
            DbError::Query(DieselError::DatabaseError(DatabaseErrorKind::Unknown, info))
                if ["database is locked", "database table is locked", "database is busy"]
                    .iter()
                    .any(|m| info.message().starts_with(m))
        )
    }

    /// Whether a unique violation concerns the given column (works on both backends
    /// because constraints are named `<table>_<column>_key`).
    pub fn is_unique_on(&self, column: &str) -> bool {
        matches!(self, DbError::UniqueViolation { target } if target.contains(column))
    }
}

impl From<DieselError> for DbError {
    fn from(err: DieselError) -> Self {
        match err {
            DieselError::NotFound => DbError::NotFound,
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                DbError::UniqueViolation {
                    target: info
                        .constraint_name()
                        .map_or_else(|| info.message().to_owned(), str::to_owned),
                }
            }
            DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, info) => {
                DbError::ForeignKeyViolation(info.message().to_owned())
            }
            other => {
                let closed = DbError::Query(other);
                if closed.is_closed_connection() {
                    crate::connection::closed_connection_seen();
                }
                closed
            }
        }
    }
}

impl From<diesel::r2d2::PoolError> for DbError {
    fn from(err: diesel::r2d2::PoolError) -> Self {
        DbError::Pool(err.to_string())
    }
}

pub type DbResult<T> = Result<T, DbError>;

#[cfg(test)]
mod tests {
    use super::*;

    fn unknown(message: &str) -> DbError {
        DbError::from(DieselError::DatabaseError(
            DatabaseErrorKind::Unknown,
            Box::new(message.to_owned()),
        ))
    }

    #[test]
    fn sqlites_busy_answers_are_told_from_other_errors() {
        assert!(unknown("database is locked").is_busy());
        assert!(unknown("database table is locked: customers").is_busy());
        assert!(!unknown("no such table: customers").is_busy());
        assert!(!DbError::NotFound.is_busy());
    }
}
