//! The time limit of a report run. PostgreSQL cancels the statement after
//! `statement_timeout`, set for the run's own transaction only. SQLite has
//! no such setting, so there the statement calls `crm_within(deadline, …)`
//! on each row it reads, a function registered on the connection for the
//! run that fails once the deadline has passed. Either way the run ends
//! with [`DbError::TimedOut`] and the connection is left as it was.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use diesel::prelude::*;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{BigInt, Integer, Nullable};
use diesel::sqlite::Sqlite;

use crate::connection::AnyConnection;
use crate::error::{DbError, DbResult};
use crate::sql::{Bind, Sql};

/// What SQLite's `crm_within` fails with once the deadline has passed.
const EXPIRED: &str = "the report ran past its time limit";

diesel::define_sql_function! {
    /// 1 while `deadline` (milliseconds since the epoch) is ahead; an
    /// error after it. `row` only ties the call to a table's rows, so
    /// SQLite evaluates it for each of them instead of once.
    #[sql_name = "crm_within"]
    fn crm_within(deadline: BigInt, row: Nullable<Integer>) -> Integer;
}

/// `crm_within`'s answer: 1, or the error that stops the statement.
#[derive(Debug)]
struct Within(bool);

impl ToSql<Integer, Sqlite> for Within {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        if self.0 {
            out.set_value(1);
            Ok(IsNull::No)
        } else {
            Err(EXPIRED.into())
        }
    }
}

fn epoch_ms(at: SystemTime) -> i64 {
    at.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// On SQLite, the condition that stops the statement at the deadline, read
/// for each row that has `column` (an `AND` follows it); nothing on
/// PostgreSQL.
pub(super) fn push_deadline(sql: &mut Sql, column: &str, limit: Duration) {
    if sql.is_postgres() {
        return;
    }
    let deadline = epoch_ms(SystemTime::now() + limit);
    sql.push("crm_within(")
        .bind(Bind::Int(deadline))
        .push(&format!(", length({column})) AND "));
}

/// Whether a failed statement was stopped by the time limit.
fn timed_out(err: &DbError) -> bool {
    match err {
        DbError::Query(e) => {
            let text = e.to_string();
            text.contains("statement timeout") || text.contains(EXPIRED)
        }
        _ => false,
    }
}

/// Runs the statement under the time limit.
pub(super) fn load<T>(conn: &mut AnyConnection, sql: Sql, limit: Duration) -> DbResult<Vec<T>>
where
    T: QueryableByName<diesel::pg::Pg> + QueryableByName<Sqlite> + 'static,
{
    let result = match conn {
        AnyConnection::Sqlite(c) => {
            // The clock is read every 256th row: a row costs well under a
            // microsecond, so the deadline is overrun by far less than a
            // millisecond.
            let mut rows = 0u32;
            crm_within_utils::register_nondeterministic_impl(
                c,
                move |deadline: i64, _row: Option<i32>| {
                    rows = rows.wrapping_add(1);
                    Within(rows % 256 != 1 || epoch_ms(SystemTime::now()) < deadline)
                },
            )?;
            sql.load(conn)
        }
        AnyConnection::Postgresql(_) => {
            let ms = limit.as_millis().clamp(1, i64::MAX as u128);
            conn.transaction(|conn| {
                diesel::sql_query(format!("SET LOCAL statement_timeout = {ms}")).execute(conn)?;
                sql.load(conn)
            })
        }
    };
    result.map_err(|e| if timed_out(&e) { DbError::TimedOut } else { e })
}
