//! The global region reference table: ISO 3166-1 countries and China's
//! GB/T 2260 divisions, loaded by a migration.

use diesel::prelude::*;

use crate::connection::AnyConnection;
use crate::error::DbResult;
use crate::schema::regions;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = regions)]
pub struct RegionRow {
    pub code: String,
    pub level: String,
    pub parent_code: Option<String>,
    pub country_code: String,
    pub name_zh: String,
    pub name_en: String,
}

#[derive(Debug, Clone, Default)]
pub struct RegionFilter {
    pub parent: Option<String>,
    pub level: Option<String>,
    /// Codes strictly after this one (keyset).
    pub after: Option<String>,
    pub limit: i64,
}

pub fn list(conn: &mut AnyConnection, filter: &RegionFilter) -> DbResult<Vec<RegionRow>> {
    let mut query = regions::table.into_boxed();
    if let Some(parent) = &filter.parent {
        query = query.filter(regions::parent_code.eq(parent));
    }
    if let Some(level) = &filter.level {
        query = query.filter(regions::level.eq(level));
    }
    if let Some(after) = &filter.after {
        query = query.filter(regions::code.gt(after));
    }
    Ok(query
        .order(regions::code.asc())
        .limit(filter.limit)
        .select(RegionRow::as_select())
        .load(conn)?)
}

/// The rows of the given codes (unknown codes are simply absent).
pub fn find_many(conn: &mut AnyConnection, codes: &[&str]) -> DbResult<Vec<RegionRow>> {
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    Ok(regions::table
        .filter(regions::code.eq_any(codes))
        .select(RegionRow::as_select())
        .load(conn)?)
}
