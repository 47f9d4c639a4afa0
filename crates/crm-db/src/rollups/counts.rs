//! `customer_counts`: how many live customers each value of a customer
//! dimension has (province, industry, size, lifecycle stage, source, kind,
//! gender, birth date, tag), per owner and team. The portrait's spread of its members
//! reads them ([`member_counts`]) instead of counting a million customers
//! once per dimension.
//!
//! Kept exact the way the other rollups are, in the writer's transaction:
//! a write takes the counts of the customers it touches out before it
//! writes and puts them back after ([`remove`], [`add`]). The customer
//! writes of `crate::customers` do it (a change through
//! `rollups::remove_customers` / `add_customers`, a single create through
//! [`add`]), and so do the tag writes of `crate::tags` for the tag
//! dimension alone ([`Part::Tags`]). The bulk inserts (`insert_new`,
//! `add_for_new_customers`) do not: their callers count the new customers
//! once, after their tags ([`add`]), or rebuild ([`rebuild`]).
//!
//! A value is stored as `'='` followed by it, and no value as `''`, so an
//! empty text and none stay apart as they do when the customers are
//! counted. Owner and team read the `kind` rows: every live customer has
//! exactly one. Age bands move with the calendar, so the birth dates are
//! kept (ISO text, which sorts as the dates do) and banded as they are read.
//!
//! The members of each RFM segment are counted again under the dimension
//! name followed by `@` and the segment (`province@champions`), so a
//! segment's portrait reads its spread too. The segment is on the buyer's
//! `customer_metrics` row, so the metrics writes keep those rows
//! ([`Part::Segments`]): `metrics::refresh_customers` takes the counts of the
//! buyers whose orders it recomputes out (their segment is cleared until the
//! next scoring), and the RFM scoring moves the buyers whose segment changes.

use chrono::NaiveDate;
use crm_domain::analytics::{AGE_BANDS, Dimension, RegionLevel, born_on_or_before};
use uuid::Uuid;

use super::{NONE_ID, owner_team_and_segment_only, push_owner_and_team, rollup_id_key};
use crate::analytics::{CustomerCount, Grouping};
use crate::connection::AnyConnection;
use crate::customers::CustomerFilter;
use crate::error::DbResult;
use crate::keyed::Keyed;
use crate::metrics::literal;
use crate::sql::Sql;
use crate::visibility::Visibility;

/// The dimensions kept from the customer's own columns, each with its column.
pub const COLUMNS: &[(&str, &str)] = &[
    ("province", "province_code"),
    ("industry", "industry"),
    ("size", "size_band"),
    ("lifecycle_stage", "lifecycle_stage"),
    ("source", "source"),
    ("kind", "kind"),
    ("gender", "gender"),
    ("birth_date", "birth_date"),
];

/// The dimension whose rows hold every live customer once (owner and team
/// groupings read it).
const ANY_COLUMN: &str = "kind";

/// Which of a customer's counts a write changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Every dimension (the customer is created, changed or deleted).
    All,
    /// Only the tag dimension (its tags change), with or without a segment.
    Tags,
    /// Only the counts under the customer's RFM segment (its segment changes).
    Segments,
}

impl Part {
    /// Which pieces of a customer's counts the part holds: (the columns,
    /// the tags) × (plain, under the segment).
    fn pieces(self) -> &'static [(Piece, bool)] {
        match self {
            Part::All => &[
                (Piece::Columns, false),
                (Piece::Tags, false),
                (Piece::Columns, true),
                (Piece::Tags, true),
            ],
            Part::Tags => &[(Piece::Tags, false), (Piece::Tags, true)],
            Part::Segments => &[(Piece::Columns, true), (Piece::Tags, true)],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece {
    Columns,
    Tags,
}

/// Takes these customers' current counts out (before they change).
pub fn remove(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    customers: &[Uuid],
    part: Part,
) -> DbResult<()> {
    by_chunks(conn, workspace_id, customers, part, "-")
}

/// Puts these customers' current counts in (after they changed, or were
/// created).
pub fn add(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    customers: &[Uuid],
    part: Part,
) -> DbResult<()> {
    by_chunks(conn, workspace_id, customers, part, "")
}

/// Recomputes the workspace's counts from its customers (bulk loads); the
/// caller runs it in a transaction.
pub fn rebuild(conn: &mut AnyConnection, workspace_id: Uuid) -> DbResult<()> {
    let k = Keyed::inline(conn, workspace_id);
    k.delete_all(conn, "customer_counts")?;
    k.execute(
        conn,
        &contribution_sql(k.is_postgres(), &k.ws(), "1 = 1", Part::All, ""),
    )?;
    Ok(())
}

fn by_chunks(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    customers: &[Uuid],
    part: Part,
    sign: &str,
) -> DbResult<()> {
    for k in Keyed::chunks(conn, workspace_id, customers) {
        by_condition(conn, &k, &k.among("c.id"), part, sign)?;
    }
    Ok(())
}

/// Adds (`sign` "") or subtracts ("-") the counts of the customers `which`
/// selects (a condition on the customer `c`, written by this crate with
/// `k`'s names: the metrics writes select their buyers with a subquery).
pub(crate) fn by_condition(
    conn: &mut AnyConnection,
    k: &Keyed,
    which: &str,
    part: Part,
    sign: &str,
) -> DbResult<()> {
    let sql = contribution_sql(k.is_postgres(), &k.ws(), which, part, sign);
    k.execute(conn, &sql)?;
    Ok(())
}

/// Adds (`sign` "") or subtracts ("-") one count per live customer `which`
/// selects and dimension value: for [`Part::All`] each column of
/// [`COLUMNS`] (one pass, the customers crossed with the dimensions' names)
/// and each tag, for [`Part::Tags`] each tag; a customer without tags
/// counts under no tag. A buyer with an RFM segment counts once more under
/// each dimension name followed by `@` and the segment.
fn contribution_sql(postgres: bool, ws: &str, which: &str, part: Part, sign: &str) -> String {
    let none = literal(&NONE_ID.to_string());
    let owner_team =
        format!("COALESCE(c.owner_id, {none}) AS owner_id, COALESCE(c.team_id, {none}) AS team_id");
    let live = format!("c.workspace_id = {ws} AND c.deleted_at IS NULL AND {which}");
    let segmented = "JOIN customer_metrics m ON m.workspace_id = c.workspace_id \
                     AND m.customer_id = c.id AND m.rfm_segment IS NOT NULL ";
    let tag = if postgres {
        "CAST(ct.tag_id AS TEXT)"
    } else {
        "ct.tag_id"
    };
    let piece = |(piece, in_segment): &(Piece, bool)| {
        let (join, under) = match in_segment {
            true => (segmented, " || '@' || m.rfm_segment"),
            false => ("", ""),
        };
        match piece {
            Piece::Tags => format!(
                "SELECT c.workspace_id AS workspace_id, 'tag'{under} AS dimension, \
                 COALESCE('=' || {tag}, '') AS code, {owner_team} \
                 FROM customers c {join}LEFT JOIN customer_tags ct \
                 ON ct.workspace_id = c.workspace_id AND ct.customer_id = c.id WHERE {live}"
            ),
            Piece::Columns => {
                let names = COLUMNS
                    .iter()
                    .map(|(name, _)| format!("SELECT '{name}' AS dimension"))
                    .collect::<Vec<_>>()
                    .join(" UNION ALL ");
                let values = COLUMNS
                    .iter()
                    .map(|(name, column)| match (*name, postgres) {
                        // Whatever the server's DateStyle.
                        ("birth_date", true) => {
                            format!(" WHEN '{name}' THEN to_char(c.{column}, 'YYYY-MM-DD')")
                        }
                        _ => format!(" WHEN '{name}' THEN c.{column}"),
                    })
                    .collect::<String>();
                format!(
                    "SELECT c.workspace_id AS workspace_id, d.dimension{under} AS dimension, \
                     COALESCE('=' || CASE d.dimension{values} END, '') AS code, {owner_team} \
                     FROM customers c {join}CROSS JOIN ({names}) d WHERE {live}"
                )
            }
        }
    };
    let parts = part
        .pieces()
        .iter()
        .map(piece)
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    format!(
        "INSERT INTO customer_counts (workspace_id, dimension, code, owner_id, team_id, customers) \
         SELECT t.workspace_id, t.dimension, t.code, t.owner_id, t.team_id, {sign}COUNT(*) \
         FROM ({parts}) t WHERE 1 = 1 \
         GROUP BY t.workspace_id, t.dimension, t.code, t.owner_id, t.team_id \
         ON CONFLICT (workspace_id, dimension, code, owner_id, team_id) \
         DO UPDATE SET customers = customer_counts.customers + excluded.customers"
    )
}

/// The kept dimension a grouping reads, or `None`.
fn counted(g: &Grouping) -> Option<&'static str> {
    Some(match g.dimension {
        Dimension::Region if g.level == RegionLevel::Province && g.parent.is_none() => "province",
        Dimension::Industry => "industry",
        Dimension::Size => "size",
        Dimension::LifecycleStage => "lifecycle_stage",
        Dimension::Source => "source",
        Dimension::Kind | Dimension::Owner | Dimension::Team => ANY_COLUMN,
        Dimension::Gender => "gender",
        Dimension::Tag => "tag",
        Dimension::AgeBand => "birth_date",
        Dimension::Region | Dimension::RfmSegment | Dimension::ValueTier => {
            return None;
        }
    })
}

/// How many live customers the caller may see fall in each group of `g`
/// (as [`crate::analytics::count_customers`] of every customer counts
/// them, age bands as of `today`), from the counts; `None` when they cannot
/// answer: a dimension they do not keep, a region level below the
/// provinces or under a parent, or a filter other than owner, team and RFM
/// segment.
pub fn member_counts(
    conn: &mut AnyConnection,
    vis: &Visibility,
    filter: &CustomerFilter,
    g: &Grouping,
    today: NaiveDate,
) -> DbResult<Option<Vec<CustomerCount>>> {
    let Some(dimension) = counted(g) else {
        return Ok(None);
    };
    if !owner_team_and_segment_only(filter) {
        return Ok(None);
    }
    let dimension = match &filter.rfm_segment {
        Some(segment) => format!("{dimension}@{segment}"),
        None => dimension.to_owned(),
    };
    let mut sql = Sql::new(conn);
    sql.push("SELECT ");
    match g.dimension {
        Dimension::Owner => rollup_id_key(&mut sql, "r.owner_id"),
        Dimension::Team => rollup_id_key(&mut sql, "r.team_id"),
        Dimension::AgeBand => {
            // The codes compared as they are stored ('=' and the ISO date),
            // byte by byte whatever the database's collation.
            let code = match sql.is_postgres() {
                true => "r.code COLLATE \"C\"",
                false => "r.code",
            };
            sql.push("CASE WHEN r.code = '' THEN NULL");
            for (name, age) in AGE_BANDS.iter().rev() {
                let born = born_on_or_before(today, *age).format("=%Y-%m-%d");
                sql.push(&format!(" WHEN {code} <= "))
                    .text(&born.to_string())
                    .push(&format!(" THEN '{name}'"));
            }
            sql.push(" ELSE 'under_25' END");
        }
        _ => {
            sql.push("CASE WHEN r.code = '' THEN NULL ELSE substr(r.code, 2) END");
        }
    }
    sql.push(
        " AS key, CAST(NULL AS TEXT) AS key2, CAST(SUM(r.customers) AS BIGINT) AS customers \
         FROM customer_counts r WHERE r.workspace_id = ",
    )
    .id(vis.workspace_id)
    .push(" AND r.dimension = ")
    .text(&dimension);
    push_owner_and_team(&mut sql, vis, filter, "r");
    // Rows whose customers all went away hold zeros: no group for them.
    sql.push(" GROUP BY key HAVING SUM(r.customers) <> 0");
    Ok(Some(sql.load(conn)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_customer_counts_once_per_kept_column_and_once_per_tag() {
        let sql = contribution_sql(false, "'w'", "c.id IN ('x')", Part::All, "-");
        // One pass over the customers, crossed with the names of the columns.
        assert!(sql.contains(
            "CROSS JOIN (SELECT 'province' AS dimension UNION ALL SELECT 'industry' AS dimension"
        ));
        assert!(sql.contains(" WHEN 'size' THEN c.size_band WHEN 'lifecycle_stage'"));
        // A value keeps apart from no value; a customer without tags counts
        // under no tag (the LEFT JOIN), as the live count has it.
        assert!(sql.contains("COALESCE('=' || CASE d.dimension"));
        assert!(sql.contains("'tag' AS dimension, COALESCE('=' || ct.tag_id, '') AS code"));
        assert!(sql.contains("LEFT JOIN customer_tags ct"));
        assert!(sql.contains("-COUNT(*)"));
        // The columns and the tags, plain and under the buyer's segment.
        assert_eq!(
            sql.matches("c.deleted_at IS NULL AND c.id IN ('x')")
                .count(),
            4
        );
        assert!(sql.contains("d.dimension || '@' || m.rfm_segment AS dimension"));
        assert!(sql.contains("'tag' || '@' || m.rfm_segment AS dimension"));
        assert_eq!(sql.matches("m.rfm_segment IS NOT NULL").count(), 2);
        // A segment change moves only the counts under the segments.
        let moved = contribution_sql(false, "'w'", "1 = 1", Part::Segments, "-");
        assert_eq!(moved.matches("FROM customers c ").count(), 2);
        assert_eq!(
            moved
                .matches("FROM customers c JOIN customer_metrics m")
                .count(),
            2
        );
        let tags = contribution_sql(true, "'w'", "1 = 1", Part::Tags, "");
        assert!(!tags.contains("CROSS JOIN"));
        assert_eq!(tags.matches("FROM customers c ").count(), 2);
        assert!(tags.contains("COALESCE('=' || CAST(ct.tag_id AS TEXT), '')"));
        // Birth dates as ISO text whatever PostgreSQL's DateStyle.
        let pg = contribution_sql(true, "'w'", "1 = 1", Part::All, "");
        assert!(pg.contains("WHEN 'birth_date' THEN to_char(c.birth_date, 'YYYY-MM-DD')"));
        assert!(sql.contains("WHEN 'birth_date' THEN c.birth_date END"));
    }

    #[test]
    fn owner_team_and_kind_read_the_rows_that_hold_every_customer_once() {
        for d in [Dimension::Owner, Dimension::Team, Dimension::Kind] {
            assert_eq!(counted(&Grouping::new(d)), Some(ANY_COLUMN));
        }
        assert_eq!(counted(&Grouping::new(Dimension::Region)), Some("province"));
        let city = Grouping {
            level: RegionLevel::City,
            ..Grouping::new(Dimension::Region)
        };
        assert_eq!(counted(&city), None);
        let under = Grouping {
            parent: Some("CN".into()),
            ..Grouping::new(Dimension::Region)
        };
        assert_eq!(counted(&under), None);
        assert_eq!(
            counted(&Grouping::new(Dimension::AgeBand)),
            Some("birth_date")
        );
        assert_eq!(counted(&Grouping::new(Dimension::RfmSegment)), None);
    }
}
