//! The reference list of countries and Chinese administrative divisions
//! (to the district), one page at a time by code. Every signed-in user may
//! read it; the check that a record's codes exist and nest is
//! [`crate::lookups::check_path`].

use crm_api_types::Page;
use crm_api_types::regions::{Region, RegionQuery};
use crm_db::AnyConnection;
use crm_db::regions::{RegionFilter, RegionRow};
use crm_domain::region::{RegionCode, RegionLevel};

use crate::AppError;
use crate::error::bad_param;

/// At most this many regions on a page (the default too).
pub const MAX_LIMIT: i64 = 1000;

pub fn view(row: RegionRow) -> Region {
    Region {
        level: RegionLevel::parse(&row.level).unwrap_or(RegionLevel::Country),
        code: row.code,
        parent_code: row.parent_code,
        country_code: row.country_code,
        name_zh: row.name_zh,
        name_en: row.name_en,
    }
}

/// One page of regions in code order: children of `parent`, of one `level`, after `cursor`.
pub fn list(conn: &mut AnyConnection, query: RegionQuery) -> Result<Page<Region>, AppError> {
    let limit = match query.limit {
        None => MAX_LIMIT,
        Some(n) if (1..=MAX_LIMIT).contains(&n) => n,
        Some(_) => return Err(bad_param("limit", "must be between 1 and 1000")),
    };
    let parent = query
        .parent
        .as_deref()
        .map(|p| {
            RegionCode::parse(p)
                .map(|code| code.as_str().to_owned())
                .map_err(|message| bad_param("parent", message))
        })
        .transpose()?;
    let filter = RegionFilter {
        parent,
        level: query.level.map(|l| l.as_str().to_owned()),
        after: query.cursor,
        limit: limit + 1,
    };
    let mut rows = crm_db::regions::list(conn, &filter)?;
    let more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let next_cursor = if more {
        rows.last().map(|r| r.code.clone())
    } else {
        None
    };
    Ok(Page {
        items: rows.into_iter().map(view).collect(),
        next_cursor,
    })
}
