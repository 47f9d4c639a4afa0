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
//!
//! Rows are streamed: rendered into a small buffer that is handed to libpq
//! whenever it fills, so PostgreSQL parses and inserts the first rows while
//! the rest are still being rendered, and memory stays bounded. JSON values
//! are serialised straight into that buffer ([`AsJson`]).

use std::io::Write;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use uuid::Uuid;

use crate::error::DbResult;
use crate::types::{Id, Json};

/// Rows per `COPY` statement.
const CHUNK: usize = 50_000;

/// Bytes rendered before they are handed to libpq. Rendering a batch's
/// rows into one buffer first cost a tenth of a batch's CPU in page faults:
/// the buffer grew to megabytes by doubling, each time on fresh pages.
const FLUSH: usize = 64 * 1024;

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
        escape(self.as_bytes(), out);
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
        use chrono::Timelike;
        // Microseconds, as PostgreSQL keeps them; written without a format
        // string, which chrono would parse again for every value.
        let micros = self.nanosecond().min(999_999_999) / 1_000;
        let _ = write!(
            out,
            "{} {:02}:{:02}:{:02}.{micros:06}",
            self.date(),
            self.hour(),
            self.minute(),
            self.second()
        );
    }
}

impl CopyValue for &Json {
    fn render(&self, out: &mut Vec<u8>) {
        AsJson(&self.0).render(out);
    }
}

/// A value rendered as its JSON text, serialised straight into the row
/// (no intermediate string), with COPY's escapes applied as it goes.
pub struct AsJson<'a, T: ?Sized>(pub &'a T);

impl<T: serde::Serialize + ?Sized> CopyValue for AsJson<'_, T> {
    fn render(&self, out: &mut Vec<u8>) {
        // Writing to a Vec cannot fail, nor can serialising a JSON value
        // or a list of strings (the values rendered this way).
        let _ = serde_json::to_writer(Escaped(out), self.0);
    }
}

/// JSON text as serde_json renders it (compact, so with no raw tab or line
/// break), written with COPY's escapes: its backslashes doubled.
pub struct JsonText<'a>(pub &'a str);

impl CopyValue for JsonText<'_> {
    fn render(&self, out: &mut Vec<u8>) {
        // Writing to a Vec cannot fail.
        let _ = Escaped(out).write_all(self.0.as_bytes());
    }
}

/// Applies COPY's text escapes to the JSON text written through it. JSON
/// holds no raw tab or line break (serde_json escapes them inside strings
/// and writes no whitespace), so only its backslashes are doubled.
struct Escaped<'a>(&'a mut Vec<u8>);

impl Write for Escaped<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut rest = buf;
        while let Some(at) = memchr::memchr(b'\\', rest) {
            self.0.extend_from_slice(&rest[..=at]);
            self.0.push(b'\\');
            rest = &rest[at + 1..];
        }
        self.0.extend_from_slice(rest);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn escape(bytes: &[u8], out: &mut Vec<u8>) {
    let mut start = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        let escaped: &[u8] = match byte {
            b'\\' => b"\\\\",
            b'\t' => b"\\t",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(escaped);
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
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
        diesel::copy_from(R::Table::default())
            .from_raw_data(R::Table::default(), |out: &mut dyn Write| {
                stream(chunk, out).map_err(|e| DieselError::SerializationError(Box::new(e)))
            })
            .execute(conn)?;
    }
    Ok(())
}

/// Renders `rows` into `out` a buffer at a time.
fn stream<R: CopyRow>(rows: &[R], out: &mut dyn Write) -> std::io::Result<()> {
    let mut line = CopyLine {
        buf: Vec::with_capacity(FLUSH + FLUSH / 4),
        fields: 0,
    };
    for row in rows {
        row.render(&mut line);
        line.end();
        if line.buf.len() >= FLUSH {
            out.write_all(&line.buf)?;
            line.buf.clear();
        }
    }
    out.write_all(&line.buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(value: impl CopyValue) -> String {
        let mut out = Vec::new();
        value.render(&mut out);
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn text_and_json_take_copys_escapes_and_json_stays_json() {
        assert_eq!(rendered("a\tb\nc\\d\re"), "a\\tb\\nc\\\\d\\re");
        assert_eq!(rendered("北京"), "北京");
        let value = serde_json::json!({"note": "第一行\n\"二\"\t\\", "n": [1, null]});
        let text = rendered(&Json(value.clone()));
        // COPY's escapes undone give the JSON text of the value back.
        let unescaped = text.replace("\\\\", "\u{0}").replace('\u{0}', "\\");
        assert!(!text.contains(['\n', '\t']));
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&unescaped).expect("json"),
            value
        );
        let json = value.to_string();
        assert_eq!(rendered(JsonText(&json)), text, "JSON text as its value");
        assert_eq!(
            rendered(AsJson(&["name", "phone"][..])),
            r#"["name","phone"]"#
        );
        assert_eq!(rendered(None::<&str>), "\\N");
        let at = NaiveDate::from_ymd_opt(2026, 3, 4)
            .and_then(|d| d.and_hms_micro_opt(5, 6, 7, 89))
            .expect("time");
        assert_eq!(rendered(at), "2026-03-04 05:06:07.000089");
        assert_eq!(rendered(at), at.format("%Y-%m-%d %H:%M:%S%.6f").to_string());
    }
}
