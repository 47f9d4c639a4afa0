//! PostgreSQL `COPY … FROM STDIN` for bulk loads of fresh rows (the demo,
//! benchmark data, the rows a batch creates): rows are rendered in COPY's
//! text format and streamed in one statement per chunk, several times
//! faster than multi-row `INSERT`s with bound parameters. SQLite has no
//! `COPY`; callers fall back to the multi-row statements of
//! [`crate::batch`] there.
//!
//! A row type says how it renders ([`CopyRow`]) in the order of its table's
//! columns in `schema.rs`; a mismatch is a COPY error on the first load, which
//! the demo tests on PostgreSQL exercise.

use std::io::Write;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use uuid::Uuid;

use crate::error::DbResult;
use crate::types::{Id, Json};

/// Rows rendered per `COPY` statement: bounded memory at every size.
const CHUNK: usize = 50_000;

/// One row in COPY's text format.
#[derive(Default)]
pub struct CopyLine {
    buf: Vec<u8>,
    fields: usize,
}

impl CopyLine {
    /// Appends the next column's value.
    pub fn put(&mut self, value: impl CopyValue) -> &mut Self {
        if self.fields > 0 {
            self.buf.push(b'\t');
        }
        self.fields += 1;
        value.render(&mut self.buf);
        self
    }

    fn end(&mut self) {
        self.buf.push(b'\n');
        self.fields = 0;
    }
}

/// A value in COPY's text format: `\N` for NULL, backslash escapes for the
/// delimiter, line breaks and the backslash itself.
pub trait CopyValue {
    fn render(&self, out: &mut Vec<u8>);
}

impl CopyValue for &str {
    fn render(&self, out: &mut Vec<u8>) {
        for byte in self.bytes() {
            match byte {
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'\t' => out.extend_from_slice(b"\\t"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                other => out.push(other),
            }
        }
    }
}

impl CopyValue for &String {
    fn render(&self, out: &mut Vec<u8>) {
        self.as_str().render(out);
    }
}

impl<T: CopyValue> CopyValue for Option<T> {
    fn render(&self, out: &mut Vec<u8>) {
        match self {
            Some(value) => value.render(out),
            None => out.extend_from_slice(b"\\N"),
        }
    }
}

macro_rules! display_value {
    ($($t:ty),*) => {$(
        impl CopyValue for $t {
            fn render(&self, out: &mut Vec<u8>) {
                // Writing to a Vec cannot fail.
                let _ = write!(out, "{self}");
            }
        }
    )*};
}
display_value!(i32, i64, Uuid, NaiveDate);

impl CopyValue for Id {
    fn render(&self, out: &mut Vec<u8>) {
        self.0.render(out);
    }
}

impl CopyValue for NaiveDateTime {
    fn render(&self, out: &mut Vec<u8>) {
        let _ = write!(out, "{}", self.format("%Y-%m-%d %H:%M:%S%.6f"));
    }
}

impl CopyValue for &Json {
    fn render(&self, out: &mut Vec<u8>) {
        self.0.to_string().as_str().render(out);
    }
}

/// A row that renders itself as every column of `Self::Table`, in order.
pub trait CopyRow {
    type Table: Table + Copy + Default;
    fn render(&self, line: &mut CopyLine);
}

impl<R: CopyRow> CopyRow for &R {
    type Table = R::Table;
    fn render(&self, line: &mut CopyLine) {
        (**self).render(line);
    }
}

/// Inserts fresh rows with `COPY table FROM STDIN`, a chunk per statement.
pub fn copy_rows<R>(conn: &mut PgConnection, rows: &[R]) -> DbResult<()>
where
    R: CopyRow,
    R::Table: diesel::pg::CopyTarget<Table = R::Table>,
{
    for chunk in rows.chunks(CHUNK) {
        let mut line = CopyLine::default();
        for row in chunk {
            row.render(&mut line);
            line.end();
        }
        let data = line.buf;
        diesel::copy_from(R::Table::default())
            .from_raw_data(R::Table::default(), move |out: &mut dyn Write| {
                out.write_all(&data)
                    .map_err(|e| DieselError::SerializationError(Box::new(e)))
            })
            .execute(conn)?;
    }
    Ok(())
}
