//! Portable values: normalising what a backend renders as JSON, and binding
//! a portable value back with its diesel SQL type on either backend.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::sql_types::{BigInt, Bool, Date, Double, Integer, Nullable, SmallInt, Text, Timestamp};
use diesel::sqlite::Sqlite;
use serde_json::Value;
use uuid::Uuid;

use super::catalog::{Column, Kind, TableSpec};
use super::{PortableError, PortableResult, Row};
use crate::connection::AnyConnection;
use crate::types::{DbJson, DbUuid, Id, Json};

/// The archive's timestamp form.
const TIMESTAMP: &str = "%Y-%m-%dT%H:%M:%S%.6f";

/// A value bound with its SQL type.
#[derive(Debug, Clone)]
pub enum Val {
    Text(Option<String>),
    Uuid(Option<Uuid>),
    Json(Option<Value>),
    Bool(Option<bool>),
    SmallInt(Option<i16>),
    Int(Option<i32>),
    BigInt(Option<i64>),
    Double(Option<f64>),
    Date(Option<NaiveDate>),
    Timestamp(Option<NaiveDateTime>),
}

pub fn null_of(kind: Kind) -> Val {
    match kind {
        Kind::Text => Val::Text(None),
        Kind::Uuid => Val::Uuid(None),
        Kind::Json => Val::Json(None),
        Kind::Bool => Val::Bool(None),
        Kind::SmallInt => Val::SmallInt(None),
        Kind::Int => Val::Int(None),
        Kind::BigInt => Val::BigInt(None),
        Kind::Double => Val::Double(None),
        Kind::Date => Val::Date(None),
        Kind::Timestamp => Val::Timestamp(None),
    }
}

fn parse_timestamp(text: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(&text.replacen(' ', "T", 1), "%Y-%m-%dT%H:%M:%S%.f").ok()
}

/// A portable value as the column's SQL value.
pub fn to_val(column: &Column, value: &Value) -> PortableResult<Val> {
    let bad = || {
        PortableError::Format(format!(
            "column {} ({:?}) cannot hold {value}",
            column.name, column.kind
        ))
    };
    if value.is_null() {
        if !column.nullable {
            return Err(bad());
        }
        return Ok(null_of(column.kind));
    }
    Ok(match column.kind {
        Kind::Text => Val::Text(Some(value.as_str().ok_or_else(bad)?.to_owned())),
        Kind::Uuid => Val::Uuid(Some(
            value
                .as_str()
                .and_then(|s| Uuid::parse_str(s).ok())
                .ok_or_else(bad)?,
        )),
        Kind::Json => Val::Json(Some(value.clone())),
        Kind::Bool => Val::Bool(Some(value.as_bool().ok_or_else(bad)?)),
        Kind::SmallInt => Val::SmallInt(Some(
            value
                .as_i64()
                .and_then(|n| i16::try_from(n).ok())
                .ok_or_else(bad)?,
        )),
        Kind::Int => Val::Int(Some(
            value
                .as_i64()
                .and_then(|n| i32::try_from(n).ok())
                .ok_or_else(bad)?,
        )),
        Kind::BigInt => Val::BigInt(Some(value.as_i64().ok_or_else(bad)?)),
        Kind::Double => Val::Double(Some(value.as_f64().ok_or_else(bad)?)),
        Kind::Date => Val::Date(Some(
            value
                .as_str()
                .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
                .ok_or_else(bad)?,
        )),
        Kind::Timestamp => Val::Timestamp(Some(
            value.as_str().and_then(parse_timestamp).ok_or_else(bad)?,
        )),
    })
}

/// A backend's JSON array of a row as the portable row object.
pub fn canonical_row(spec: &TableSpec, text: &str) -> PortableResult<Row> {
    let values: Vec<Value> = serde_json::from_str(text)
        .map_err(|e| PortableError::Format(format!("{}: unreadable row: {e}", spec.name)))?;
    if values.len() != spec.columns.len() {
        return Err(PortableError::Format(format!(
            "{}: {} values for {} columns",
            spec.name,
            values.len(),
            spec.columns.len()
        )));
    }
    let mut row = Row::new();
    for (column, value) in spec.columns.iter().zip(values) {
        let value = match (column.kind, value) {
            (Kind::Bool, Value::Number(n)) => Value::Bool(n.as_i64() != Some(0)),
            (Kind::Timestamp, Value::String(s)) => Value::String(
                parse_timestamp(&s)
                    .map(|t| t.format(TIMESTAMP).to_string())
                    .ok_or_else(|| {
                        PortableError::Format(format!(
                            "{}.{}: timestamp {s}",
                            spec.name, column.name
                        ))
                    })?,
            ),
            (Kind::Uuid, Value::String(s)) => Value::String(s.to_lowercase()),
            (Kind::Double, Value::Number(n)) => n
                .as_f64()
                .and_then(serde_json::Number::from_f64)
                .map_or(Value::Null, Value::Number),
            (_, v) => v,
        };
        row.insert(column.name.clone(), value);
    }
    Ok(row)
}

fn bind_all<DB>(
    mut query: BoxedSqlQuery<'static, DB, SqlQuery>,
    binds: Vec<Val>,
) -> BoxedSqlQuery<'static, DB, SqlQuery>
where
    DB: diesel::backend::Backend
        + diesel::sql_types::HasSqlType<Text>
        + diesel::sql_types::HasSqlType<DbUuid>
        + diesel::sql_types::HasSqlType<DbJson>
        + diesel::sql_types::HasSqlType<Bool>
        + diesel::sql_types::HasSqlType<SmallInt>
        + diesel::sql_types::HasSqlType<Integer>
        + diesel::sql_types::HasSqlType<BigInt>
        + diesel::sql_types::HasSqlType<Double>
        + diesel::sql_types::HasSqlType<Date>
        + diesel::sql_types::HasSqlType<Timestamp>,
    String: diesel::serialize::ToSql<Text, DB>,
    Id: diesel::serialize::ToSql<DbUuid, DB>,
    Json: diesel::serialize::ToSql<DbJson, DB>,
    bool: diesel::serialize::ToSql<Bool, DB>,
    i16: diesel::serialize::ToSql<SmallInt, DB>,
    i32: diesel::serialize::ToSql<Integer, DB>,
    i64: diesel::serialize::ToSql<BigInt, DB>,
    f64: diesel::serialize::ToSql<Double, DB>,
    NaiveDate: diesel::serialize::ToSql<Date, DB>,
    NaiveDateTime: diesel::serialize::ToSql<Timestamp, DB>,
{
    for b in binds {
        query = match b {
            Val::Text(v) => query.bind::<Nullable<Text>, _>(v),
            Val::Uuid(v) => query.bind::<Nullable<DbUuid>, _>(v.map(Id)),
            Val::Json(v) => query.bind::<Nullable<DbJson>, _>(v.map(Json)),
            Val::Bool(v) => query.bind::<Nullable<Bool>, _>(v),
            Val::SmallInt(v) => query.bind::<Nullable<SmallInt>, _>(v),
            Val::Int(v) => query.bind::<Nullable<Integer>, _>(v),
            Val::BigInt(v) => query.bind::<Nullable<BigInt>, _>(v),
            Val::Double(v) => query.bind::<Nullable<Double>, _>(v),
            Val::Date(v) => query.bind::<Nullable<Date>, _>(v),
            Val::Timestamp(v) => query.bind::<Nullable<Timestamp>, _>(v),
        };
    }
    query
}

pub fn load<T>(conn: &mut AnyConnection, sql: &str, binds: Vec<Val>) -> PortableResult<Vec<T>>
where
    T: QueryableByName<Pg> + QueryableByName<Sqlite> + 'static,
{
    let query = diesel::sql_query(sql.to_owned());
    Ok(match conn {
        AnyConnection::Postgresql(c) => bind_all(query.into_boxed::<Pg>(), binds).load(c)?,
        AnyConnection::Sqlite(c) => bind_all(query.into_boxed::<Sqlite>(), binds).load(c)?,
    })
}

pub fn load_one<T>(conn: &mut AnyConnection, sql: &str, binds: Vec<Val>) -> PortableResult<T>
where
    T: QueryableByName<Pg> + QueryableByName<Sqlite> + 'static,
{
    load(conn, sql, binds)?
        .into_iter()
        .next()
        .ok_or_else(|| PortableError::Db(crate::DbError::NotFound))
}

pub fn execute(conn: &mut AnyConnection, sql: &str, binds: Vec<Val>) -> PortableResult<usize> {
    let query = diesel::sql_query(sql.to_owned());
    Ok(match conn {
        AnyConnection::Postgresql(c) => bind_all(query.into_boxed::<Pg>(), binds).execute(c)?,
        AnyConnection::Sqlite(c) => bind_all(query.into_boxed::<Sqlite>(), binds).execute(c)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str, kind: Kind, nullable: bool) -> Column {
        Column {
            name: name.into(),
            kind,
            nullable,
        }
    }

    fn spec(columns: Vec<Column>) -> TableSpec {
        TableSpec {
            name: "t",
            key: &["id"],
            deferred: &[],
            columns,
        }
    }

    #[test]
    fn both_backends_renderings_of_a_row_become_one_form() {
        let t = spec(vec![
            column("id", Kind::Uuid, false),
            column("active", Kind::Bool, false),
            column("at", Kind::Timestamp, false),
            column("score", Kind::Double, true),
            column("doc", Kind::Json, false),
        ]);
        let sqlite = canonical_row(
            &t,
            r#"["0190A6B2-0000-7000-8000-000000000001", 1, "2026-03-01 08:09:10.5", 2.0, {"a": [1]}]"#,
        )
        .expect("sqlite row");
        let postgres = canonical_row(
            &t,
            r#"["0190a6b2-0000-7000-8000-000000000001", true, "2026-03-01T08:09:10.5", 2, {"a": [1]}]"#,
        )
        .expect("postgres row");
        assert_eq!(sqlite, postgres);
        assert_eq!(sqlite["at"], "2026-03-01T08:09:10.500000");
        assert_eq!(sqlite["active"], true);
    }

    #[test]
    fn values_are_checked_against_their_column() {
        let money = column("amount_minor", Kind::BigInt, false);
        assert!(matches!(
            to_val(&money, &serde_json::json!(9_007_199_254_740_993_i64)),
            Ok(Val::BigInt(Some(9_007_199_254_740_993)))
        ));
        assert!(to_val(&money, &Value::Null).is_err(), "not null");
        assert!(to_val(&money, &serde_json::json!("12")).is_err());
        let small = column("rfm_r", Kind::SmallInt, true);
        assert!(to_val(&small, &serde_json::json!(70_000)).is_err());
        assert!(matches!(
            to_val(&small, &Value::Null),
            Ok(Val::SmallInt(None))
        ));
        let at = column("at", Kind::Timestamp, false);
        assert!(matches!(
            to_val(&at, &serde_json::json!("2026-03-01T08:09:10.000001")),
            Ok(Val::Timestamp(Some(_)))
        ));
        assert!(to_val(&at, &serde_json::json!("yesterday")).is_err());
    }
}
