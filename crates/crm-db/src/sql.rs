//! A small builder for the analytics queries whose shape depends on the
//! request (group-by expression, joins, windows): SQL text written by this
//! crate, every caller value sent as a bound parameter (`$n` on PostgreSQL,
//! `?` on SQLite), run on the backend's own connection.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::BoxedSqlQuery;
use diesel::sql_types::{BigInt, Date, Text, Timestamp};
use diesel::sqlite::Sqlite;
use uuid::Uuid;

use crate::connection::AnyConnection;
use crate::error::DbResult;
use crate::types::{DbUuid, Id};

#[derive(Debug, Clone)]
pub enum Bind {
    Text(String),
    Id(Uuid),
    Date(NaiveDate),
    Time(NaiveDateTime),
    Int(i64),
}

/// SQL text plus its parameters, for one backend.
#[derive(Debug, Clone)]
pub struct Sql {
    text: String,
    binds: Vec<Bind>,
    postgres: bool,
}

impl Sql {
    pub fn new(conn: &AnyConnection) -> Self {
        Self {
            text: String::new(),
            binds: Vec::new(),
            postgres: matches!(conn, AnyConnection::Postgresql(_)),
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.postgres
    }

    /// Appends SQL text (never caller input).
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub fn bind(&mut self, value: Bind) -> &mut Self {
        self.binds.push(value);
        if self.postgres {
            let n = self.binds.len();
            self.text.push_str(&format!("${n}"));
        } else {
            self.text.push('?');
        }
        self
    }

    pub fn text(&mut self, value: &str) -> &mut Self {
        self.bind(Bind::Text(value.to_owned()))
    }

    pub fn id(&mut self, value: Uuid) -> &mut Self {
        self.bind(Bind::Id(value))
    }

    pub fn date(&mut self, value: NaiveDate) -> &mut Self {
        self.bind(Bind::Date(value))
    }

    /// `(p1, p2, …)` of ids; `(NULL)` when empty, which matches nothing.
    pub fn id_list(&mut self, values: &[Uuid]) -> &mut Self {
        self.list(values.iter().map(|v| Bind::Id(*v)))
    }

    /// `(p1, p2, …)` of texts; `(NULL)` when empty.
    pub fn text_list(&mut self, values: &[&str]) -> &mut Self {
        self.list(values.iter().map(|v| Bind::Text((*v).to_owned())))
    }

    fn list(&mut self, values: impl Iterator<Item = Bind>) -> &mut Self {
        let mut any = false;
        for (i, v) in values.enumerate() {
            self.push(if i == 0 { "(" } else { ", " });
            self.bind(v);
            any = true;
        }
        self.push(if any { ")" } else { "(NULL)" })
    }

    pub fn sql_text(&self) -> &str {
        &self.text
    }

    pub fn load<T>(self, conn: &mut AnyConnection) -> DbResult<Vec<T>>
    where
        T: QueryableByName<Pg> + QueryableByName<Sqlite> + 'static,
    {
        let Sql { text, binds, .. } = self;
        Ok(match conn {
            AnyConnection::Postgresql(c) => {
                bind_all(diesel::sql_query(text).into_boxed::<Pg>(), binds).load(c)?
            }
            AnyConnection::Sqlite(c) => {
                bind_all(diesel::sql_query(text).into_boxed::<Sqlite>(), binds).load(c)?
            }
        })
    }

    pub fn execute(self, conn: &mut AnyConnection) -> DbResult<usize> {
        let Sql { text, binds, .. } = self;
        Ok(match conn {
            AnyConnection::Postgresql(c) => {
                bind_all(diesel::sql_query(text).into_boxed::<Pg>(), binds).execute(c)?
            }
            AnyConnection::Sqlite(c) => {
                bind_all(diesel::sql_query(text).into_boxed::<Sqlite>(), binds).execute(c)?
            }
        })
    }
}

fn bind_all<'f, DB>(
    mut query: BoxedSqlQuery<'f, DB, diesel::query_builder::SqlQuery>,
    binds: Vec<Bind>,
) -> BoxedSqlQuery<'f, DB, diesel::query_builder::SqlQuery>
where
    DB: diesel::backend::Backend
        + diesel::sql_types::HasSqlType<Text>
        + diesel::sql_types::HasSqlType<DbUuid>
        + diesel::sql_types::HasSqlType<Date>
        + diesel::sql_types::HasSqlType<Timestamp>
        + diesel::sql_types::HasSqlType<BigInt>,
    String: diesel::serialize::ToSql<Text, DB>,
    Id: diesel::serialize::ToSql<DbUuid, DB>,
    NaiveDate: diesel::serialize::ToSql<Date, DB>,
    NaiveDateTime: diesel::serialize::ToSql<Timestamp, DB>,
    i64: diesel::serialize::ToSql<BigInt, DB>,
{
    for b in binds {
        query = match b {
            Bind::Text(v) => query.bind::<Text, _>(v),
            Bind::Id(v) => query.bind::<DbUuid, _>(Id(v)),
            Bind::Date(v) => query.bind::<Date, _>(v),
            Bind::Time(v) => query.bind::<Timestamp, _>(v),
            Bind::Int(v) => query.bind::<BigInt, _>(v),
        };
    }
    query
}
