//! List parameters shared by every list endpoint: `limit` (1–200, default
//! 25), `sort` (`field` or `-field`) and the opaque keyset `cursor`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use crm_db::paging::{Direction, Keyset, SortValue};
use crm_domain::FieldErrors;
use uuid::Uuid;

use crate::error::ApiError;

pub const DEFAULT_LIMIT: i64 = 25;
pub const MAX_LIMIT: i64 = 200;

#[derive(serde::Serialize, serde::Deserialize)]
struct Cursor {
    /// The sort field the cursor belongs to.
    s: String,
    v: SortValue,
    id: Uuid,
}

pub fn bad(field: &str, message: &str) -> ApiError {
    ApiError::BadRequest {
        detail: format!("invalid query parameter {field}"),
        errors: FieldErrors::single(field, message),
    }
}

pub fn limit(value: Option<i64>, max: i64, default: i64) -> Result<i64, ApiError> {
    match value {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(_) => Err(bad("limit", &format!("must be between 1 and {max}"))),
    }
}

/// Builds the keyset of a list request. `fields` maps sort names to the
/// resource's sort enum; the first entry (descending) is the default.
pub fn keyset<F: Copy>(
    sort: Option<&str>,
    cursor: Option<&str>,
    limit_param: Option<i64>,
    fields: &[(&str, F)],
) -> Result<(Keyset<F>, String), ApiError> {
    let (name, direction) = match sort {
        None => (fields[0].0, Direction::Desc),
        Some(s) => match s.strip_prefix('-') {
            Some(rest) => (rest, Direction::Desc),
            None => (s, Direction::Asc),
        },
    };
    let field = fields
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, f)| *f)
        .ok_or_else(|| {
            let names: Vec<&str> = fields.iter().map(|(n, _)| *n).collect();
            bad(
                "sort",
                &format!(
                    "must be one of {} (prefix - for descending)",
                    names.join(", ")
                ),
            )
        })?;
    let sort_key = format!(
        "{}{name}",
        if direction == Direction::Desc {
            "-"
        } else {
            ""
        }
    );
    // `?cursor=` (empty) is the first page, as is no cursor.
    let after = match cursor.filter(|c| !c.is_empty()) {
        None => None,
        Some(text) => {
            let decoded: Cursor = URL_SAFE_NO_PAD
                .decode(text)
                .ok()
                .and_then(|bytes| serde_json::from_slice(&bytes).ok())
                .ok_or_else(|| bad("cursor", "is not a cursor returned by this list"))?;
            if decoded.s != sort_key {
                return Err(bad("cursor", "belongs to another sort order"));
            }
            Some((decoded.v, decoded.id))
        }
    };
    let limit = limit(limit_param, MAX_LIMIT, DEFAULT_LIMIT)?;
    Ok((
        Keyset {
            field,
            direction,
            after,
            limit,
        },
        sort_key,
    ))
}

/// Cuts the extra row a list query fetched and makes the next cursor from the last row kept.
pub fn page<R, T>(
    mut rows: Vec<R>,
    limit: i64,
    sort_key: &str,
    key_of: impl Fn(&R) -> (SortValue, Uuid),
    view: impl FnMut(R) -> T,
) -> (Vec<T>, Option<String>) {
    let more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let next = if more {
        rows.last().map(|row| {
            let (v, id) = key_of(row);
            let cursor = Cursor {
                s: sort_key.to_owned(),
                v,
                id,
            };
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&cursor).unwrap_or_default())
        })
    } else {
        None
    };
    (rows.into_iter().map(view).collect(), next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_names_and_limits_are_checked() {
        let fields = [("created_at", 1), ("name", 2)];
        let (ks, key) = keyset(None, None, None, &fields).expect("default");
        assert_eq!(
            (ks.field, ks.direction, ks.limit, key.as_str()),
            (1, Direction::Desc, 25, "-created_at")
        );
        let (ks, _) = keyset(Some("name"), None, Some(200), &fields).expect("name");
        assert_eq!((ks.field, ks.direction), (2, Direction::Asc));
        assert!(keyset(Some("bogus"), None, None, &fields).is_err());
        assert!(keyset(None, None, Some(201), &fields).is_err());
        assert!(keyset(None, Some("garbage"), None, &fields).is_err());
    }

    #[test]
    fn a_cursor_only_works_with_its_own_sort() {
        let fields = [("created_at", 1), ("name", 2)];
        let rows = vec![1, 2, 3];
        let (_, next) = page(
            rows,
            2,
            "-created_at",
            |r| (SortValue::Text(r.to_string()), Uuid::nil()),
            |r| r,
        );
        let next = next.expect("more rows");
        assert!(keyset(None, Some(&next), None, &fields).is_ok());
        assert!(keyset(Some("name"), Some(&next), None, &fields).is_err());
    }
}
