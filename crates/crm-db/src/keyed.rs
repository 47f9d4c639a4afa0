//! The upkeep statements every write runs — the metrics, sales, cohort and
//! count rollups of the customers and orders it touched — over one
//! workspace and a set of record ids. Their text is this crate's own and
//! the same for every write; only the workspace and the ids change.
//!
//! On PostgreSQL both go in as parameters (`$ws`, a `uuid`, and `$ids`, a
//! `uuid[]` tested with `= ANY(…)`), so diesel prepares each statement once
//! per connection and PostgreSQL plans it once, not for every write: with
//! the ids inlined as a list of literals, parsing and planning took 40 % of
//! the customer counts' time in a batch of new customers, and a tenth of
//! PostgreSQL's whole time in a batch of new orders. On SQLite the ids
//! stay inlined, in lists of at most 500, and so does everything in the
//! statements of a rebuild ([`Keyed::inline`]), which run once.

use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::Array;
use diesel::{PgConnection, QueryResult, RunQueryDsl};
use uuid::Uuid;

use crate::connection::AnyConnection;
use crate::error::DbResult;
use crate::metrics::{id_lists, literal};
use crate::types::{DbUuid, Id};

/// Where a statement names its workspace (PostgreSQL).
const WS: &str = "$ws";
/// Where a statement names its ids, as an array (PostgreSQL).
const IDS: &str = "$ids";

/// A workspace and some of its record ids, as one statement names them.
pub(crate) struct Keyed {
    postgres: bool,
    /// Named by parameters (PostgreSQL's writes), or inlined.
    bound: bool,
    workspace_id: Uuid,
    /// Sorted, without repeats.
    ids: Vec<Uuid>,
}

impl Keyed {
    /// The workspace alone (a statement that selects its records by a
    /// condition of its own, or all of them).
    pub(crate) fn workspace(conn: &AnyConnection, workspace_id: Uuid) -> Self {
        let postgres = is_postgres(conn);
        Self {
            postgres,
            bound: postgres,
            workspace_id,
            ids: Vec::new(),
        }
    }

    /// The workspace alone, inlined, for the statements of a rebuild: run
    /// once (some with a month's dates in their text), they are not worth
    /// keeping prepared on the connection.
    pub(crate) fn inline(conn: &AnyConnection, workspace_id: Uuid) -> Self {
        Self {
            bound: false,
            ..Self::workspace(conn, workspace_id)
        }
    }

    /// `ids` in as few statements as the backend takes: one on PostgreSQL,
    /// lists of at most 500 on SQLite. None for no ids.
    pub(crate) fn chunks(conn: &AnyConnection, workspace_id: Uuid, ids: &[Uuid]) -> Vec<Self> {
        let postgres = is_postgres(conn);
        let mut ids = ids.to_vec();
        ids.sort();
        ids.dedup();
        if ids.is_empty() {
            return Vec::new();
        }
        if postgres {
            return vec![Self {
                postgres,
                bound: true,
                workspace_id,
                ids,
            }];
        }
        ids.chunks(500)
            .map(|chunk| Self {
                postgres,
                bound: false,
                workspace_id,
                ids: chunk.to_vec(),
            })
            .collect()
    }

    pub(crate) fn workspace_id(&self) -> Uuid {
        self.workspace_id
    }

    pub(crate) fn is_postgres(&self) -> bool {
        self.postgres
    }

    /// The workspace id in SQL.
    pub(crate) fn ws(&self) -> String {
        match self.bound {
            true => WS.to_owned(),
            false => literal(&self.workspace_id.to_string()),
        }
    }

    /// `column` is one of the ids, in SQL.
    pub(crate) fn among(&self, column: &str) -> String {
        match self.bound {
            true => format!("{column} = ANY({IDS})"),
            false => match id_lists(&self.ids).first() {
                Some(list) => format!("{column} IN ({list})"),
                None => "1 = 0".to_owned(),
            },
        }
    }

    /// Runs `sql`, written with [`Keyed::ws`] and [`Keyed::among`].
    pub(crate) fn execute(&self, conn: &mut AnyConnection, sql: &str) -> DbResult<usize> {
        Ok(match conn {
            AnyConnection::Postgresql(c) if self.bound => self.bound(sql).execute(c)?,
            _ => diesel::sql_query(sql).execute(conn)?,
        })
    }

    /// Deletes every row of the workspace from `table` (the first step of
    /// a rebuild).
    pub(crate) fn delete_all(&self, conn: &mut AnyConnection, table: &str) -> DbResult<usize> {
        let ws = self.ws();
        self.execute(
            conn,
            &format!("DELETE FROM {table} WHERE workspace_id = {ws}"),
        )
    }

    fn bound<'a>(&'a self, sql: &'a str) -> Bound<'a> {
        Bound {
            sql,
            workspace_id: Id(self.workspace_id),
            ids: self.ids.iter().copied().map(Id).collect(),
        }
    }
}

fn is_postgres(conn: &AnyConnection) -> bool {
    matches!(conn, AnyConnection::Postgresql(_))
}

/// A statement's text with its markers bound, for PostgreSQL. Not of a
/// static type, so diesel keys its prepared-statement cache by the text.
struct Bound<'a> {
    sql: &'a str,
    workspace_id: Id,
    ids: Vec<Id>,
}

impl QueryId for Bound<'_> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl QueryFragment<Pg> for Bound<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        for piece in pieces(self.sql) {
            match piece {
                Piece::Text(text) => out.push_sql(text),
                Piece::Ws => out.push_bind_param::<DbUuid, _>(&self.workspace_id)?,
                Piece::Ids => out.push_bind_param::<Array<DbUuid>, _>(&self.ids)?,
            }
        }
        Ok(())
    }
}

impl RunQueryDsl<PgConnection> for Bound<'_> {}

#[derive(Debug, PartialEq, Eq)]
enum Piece<'a> {
    Text(&'a str),
    Ws,
    Ids,
}

/// `sql` split at its markers.
fn pieces(sql: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = sql;
    loop {
        let next = [(WS, Piece::Ws), (IDS, Piece::Ids)]
            .into_iter()
            .filter_map(|(marker, piece)| rest.find(marker).map(|at| (at, marker, piece)))
            .min_by_key(|(at, _, _)| *at);
        let Some((at, marker, piece)) = next else {
            break;
        };
        if at > 0 {
            out.push(Piece::Text(&rest[..at]));
        }
        out.push(piece);
        rest = &rest[at + marker.len()..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_statement_is_split_at_its_workspace_and_ids_markers() {
        assert_eq!(
            pieces("DELETE FROM t WHERE workspace_id = $ws AND id = ANY($ids) AND w = $ws"),
            vec![
                Piece::Text("DELETE FROM t WHERE workspace_id = "),
                Piece::Ws,
                Piece::Text(" AND id = ANY("),
                Piece::Ids,
                Piece::Text(") AND w = "),
                Piece::Ws,
            ]
        );
        assert_eq!(pieces("SELECT 1"), vec![Piece::Text("SELECT 1")]);
    }

    #[test]
    fn sqlite_inlines_the_ids_in_lists_of_at_most_500() {
        let conn = AnyConnection::Sqlite(
            diesel::Connection::establish(":memory:").expect("in-memory SQLite"),
        );
        let ws = Uuid::nil();
        let ids: Vec<Uuid> = (0..1_001_u128).map(Uuid::from_u128).collect();
        let chunks = Keyed::chunks(&conn, ws, &ids);
        assert_eq!(chunks.len(), 3);
        assert_eq!(chunks[0].among("c.id").matches('\'').count(), 1_000);
        assert_eq!(
            chunks[0].ws(),
            "'00000000-0000-0000-0000-000000000000'".to_owned()
        );
        assert!(Keyed::chunks(&conn, ws, &[]).is_empty());
        assert_eq!(Keyed::workspace(&conn, ws).among("c.id"), "1 = 0");
        assert_eq!(
            Keyed::inline(&conn, ws).ws(),
            "'00000000-0000-0000-0000-000000000000'"
        );
    }
}
