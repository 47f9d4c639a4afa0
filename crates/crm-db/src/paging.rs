//! Keyset paging: a page is "the next `limit` rows after this (sort key, id)",
//! never an offset, so a page costs the same at row 10 and row 10 million and
//! rows inserted between pages are neither skipped nor repeated.

use chrono::NaiveDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Asc,
    Desc,
}

/// The sort key value of the last row of the previous page.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum SortValue {
    Time(NaiveDateTime),
    Date(chrono::NaiveDate),
    Text(String),
    Int(i64),
}

impl SortValue {
    /// The cursor's key for a timestamp sort (a text key from another sort yields `None`).
    pub fn into_time(after: Option<(SortValue, Uuid)>) -> Option<(NaiveDateTime, Uuid)> {
        match after {
            Some((SortValue::Time(t), id)) => Some((t, id)),
            _ => None,
        }
    }

    /// The cursor's key for a date sort.
    pub fn into_date(after: Option<(SortValue, Uuid)>) -> Option<(chrono::NaiveDate, Uuid)> {
        match after {
            Some((SortValue::Date(d), id)) => Some((d, id)),
            _ => None,
        }
    }

    /// The cursor's key for an integer sort.
    pub fn into_int(after: Option<(SortValue, Uuid)>) -> Option<(i64, Uuid)> {
        match after {
            Some((SortValue::Int(n), id)) => Some((n, id)),
            _ => None,
        }
    }

    /// The cursor's key for a text sort.
    pub fn into_text(after: Option<(SortValue, Uuid)>) -> Option<(String, Uuid)> {
        match after {
            Some((SortValue::Text(t), id)) => Some((t, id)),
            // A text key shaped like a date (a product named "2026-01-31").
            Some((SortValue::Date(d), id)) => Some((d.format("%Y-%m-%d").to_string(), id)),
            _ => None,
        }
    }
}

/// A LIKE pattern matching `text` anywhere, with its wildcards escaped (escape char `\`).
pub fn contains_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// A search: `column` (a `search_text` column, named with its table)
/// contains `q`. Written as SQL so that the statement is planned for each
/// search (diesel does not keep a statement with SQL text as a prepared
/// one). A plan cached for any search either reads the trigram index for
/// every search (0.1–0.2 s at a million rows for a word most of them
/// contain) or walks the list's order for every search (seconds for a word
/// few contain); planned with the word, PostgreSQL picks per search.
pub fn contains<QS>(column: &'static str, q: &str) -> crate::visibility::Predicate<QS> {
    Box::new(
        diesel::dsl::sql::<diesel::sql_types::Bool>(&format!("{column} LIKE "))
            .bind::<diesel::sql_types::Text, _>(contains_pattern(q))
            .sql(" ESCAPE '\\'"),
    )
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keyset<F> {
    pub field: F,
    pub direction: Direction,
    pub after: Option<(SortValue, Uuid)>,
    /// Rows to return; the query fetches one more to know whether a next page exists.
    pub limit: i64,
}

/// Applies `(key, id) > (value, id0)` (or `<` descending) and the matching
/// ORDER BY to a boxed query, for one sort column.
#[macro_export]
macro_rules! keyset_page {
    ($query:expr, $column:expr, $id:expr, $direction:expr, $after:expr) => {{
        let query = $query;
        let query = match $after {
            Some((value, last_id)) => match $direction {
                $crate::paging::Direction::Asc => query.filter(
                    $column
                        .gt(value.clone())
                        .or($column.eq(value).and($id.gt($crate::types::Id(last_id)))),
                ),
                $crate::paging::Direction::Desc => query.filter(
                    $column
                        .lt(value.clone())
                        .or($column.eq(value).and($id.lt($crate::types::Id(last_id)))),
                ),
            },
            None => query,
        };
        match $direction {
            $crate::paging::Direction::Asc => query.order(($column.asc(), $id.asc())),
            $crate::paging::Direction::Desc => query.order(($column.desc(), $id.desc())),
        }
    }};
}
