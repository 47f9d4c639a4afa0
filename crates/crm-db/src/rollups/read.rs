//! Reading the sales rollups: the distribution map's revenue and order sums
//! by one kept dimension, owner or team, when the rollups can answer.

use chrono::NaiveDate;
use crm_domain::analytics::{Dimension, RegionLevel};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Nullable, Text};

use super::{ANY_DIMENSION, NONE_ID};
use crate::analytics::{Grouping, Groups, OrderSums, id_as_text, push_scope};
use crate::connection::AnyConnection;
use crate::customers::{CustomerFilter, RegionMatch};
use crate::error::DbResult;
use crate::sql::Sql;
use crate::visibility::Visibility;

#[derive(Debug, Clone, QueryableByName)]
pub struct SalesSums {
    #[diesel(sql_type = Nullable<Text>)]
    pub key: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub key2: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub revenue: i64,
    #[diesel(sql_type = BigInt)]
    pub orders: i64,
}

impl From<OrderSums> for SalesSums {
    fn from(o: OrderSums) -> Self {
        Self {
            key: o.key,
            key2: o.key2,
            revenue: o.revenue,
            orders: o.orders,
        }
    }
}

/// The revenue and order counts of [`crate::analytics::sum_orders`] read from
/// `sales_rollups` (a few rows per day instead of every order), or `None`
/// when the rollups cannot answer: two dimensions, a dimension they do not
/// keep (districts, tags, RFM, age), or a customer filter other than owner,
/// team and one kept dimension's value (see [`Rows`]).
pub fn sum_sales(
    conn: &mut AnyConnection,
    vis: &Visibility,
    filter: &CustomerFilter,
    groups: &Groups,
    currency: &str,
    dates: (Option<NaiveDate>, NaiveDate),
) -> DbResult<Option<Vec<SalesSums>>> {
    if groups.second.is_some() {
        return Ok(None);
    }
    let Some(rows) = Rows::of(groups.first.as_ref(), filter) else {
        return Ok(None);
    };
    let mut sql = Sql::new(conn);
    sql.push("SELECT ");
    match groups.first.as_ref().map(|g| g.dimension) {
        None => {
            sql.push("CAST(NULL AS TEXT)");
        }
        Some(Dimension::Owner) => rollup_id_key(&mut sql, "r.owner_id"),
        Some(Dimension::Team) => rollup_id_key(&mut sql, "r.team_id"),
        Some(_) => {
            sql.push("NULLIF(r.code, '')");
        }
    }
    sql.push(
        " AS key, CAST(NULL AS TEXT) AS key2, \
         CAST(COALESCE(SUM(r.revenue_minor), 0) AS BIGINT) AS revenue, \
         CAST(COALESCE(SUM(r.orders), 0) AS BIGINT) AS orders \
         FROM sales_rollups r WHERE r.workspace_id = ",
    )
    .id(vis.workspace_id)
    .push(" AND r.currency = ")
    .text(currency)
    .push(" AND r.dimension = ")
    .text(rows.dimension);
    for parent in &rows.parents {
        sql.push(" AND r.parent_code = ").text(parent);
    }
    if let Some(code) = &rows.code {
        sql.push(" AND r.code = ").text(code);
    }
    if let Some(from) = dates.0 {
        sql.push(" AND r.order_date >= ").date(from);
    }
    sql.push(" AND r.order_date < ").date(dates.1);
    push_owner_and_team(&mut sql, vis, filter, "r");
    if groups.first.is_some() {
        // Rows whose orders all went away hold zeros: no group for them.
        sql.push(" GROUP BY key HAVING SUM(r.orders) <> 0");
    }
    Ok(Some(sql.load(conn)?))
}

/// Which rollup rows answer a grouping under a filter. Every order is on
/// one row of each dimension a day, so the rows of one dimension whose
/// code is a value hold exactly the orders of the customers with that
/// value: a filter by one kept dimension (`industry=retail`, a province)
/// reads those rows, grouped by owner or team, by that same dimension, or
/// (a region) by the level below it, whose rows name it as their parent.
#[derive(Debug, PartialEq, Eq)]
struct Rows {
    dimension: &'static str,
    /// `parent_code` equals each (the drill-down's parent, a region filter).
    parents: Vec<String>,
    /// `code` equals it (the filter's value).
    code: Option<String>,
}

impl Rows {
    /// `None` when the rollups cannot answer.
    fn of(group: Option<&Grouping>, filter: &CustomerFilter) -> Option<Rows> {
        let kept = kept_filter(filter)?;
        let parents: Vec<String> = group.and_then(|g| g.parent.clone()).into_iter().collect();
        let Some(group) = group else {
            return Some(match kept {
                None => Rows {
                    dimension: ANY_DIMENSION,
                    parents,
                    code: None,
                },
                Some((dimension, code)) => Rows {
                    dimension,
                    parents,
                    code: Some(code),
                },
            });
        };
        let grouped = rolled_dimension(group)?;
        let by_person = matches!(group.dimension, Dimension::Owner | Dimension::Team);
        Some(match kept {
            None => Rows {
                dimension: grouped,
                parents,
                code: None,
            },
            Some((dimension, code)) if by_person || dimension == grouped => Rows {
                dimension,
                parents,
                code: Some(code),
            },
            Some((above, code)) if parent_level(grouped) == Some(above) => {
                let mut parents = parents;
                parents.push(code);
                Rows {
                    dimension: grouped,
                    parents,
                    code: None,
                }
            }
            Some(_) => return None,
        })
    }
}

/// The region dimension whose codes a region dimension's rows carry as
/// their parent.
fn parent_level(dimension: &str) -> Option<&'static str> {
    match dimension {
        "province" => Some("country"),
        "city" => Some("province"),
        _ => None,
    }
}

/// `Some(None)`: the filter selects by owner and team only; `Some(Some((
/// dimension, value)))`: by those and one kept dimension's value; `None`:
/// by anything else.
fn kept_filter(f: &CustomerFilter) -> Option<Option<(&'static str, String)>> {
    let mut rest = f.clone();
    let mut kept: Vec<(&'static str, String)> = [
        ("kind", rest.kind.take()),
        ("industry", rest.industry.take()),
        ("size", rest.size_band.take()),
        ("lifecycle_stage", rest.lifecycle_stage.take()),
        ("source", rest.source.take()),
    ]
    .into_iter()
    .filter_map(|(d, v)| v.map(|v| (d, v)))
    .collect();
    match rest.region.take() {
        Some(RegionMatch::Country(c)) => kept.push(("country", c)),
        Some(RegionMatch::Province(c)) => kept.push(("province", c)),
        Some(RegionMatch::City(c)) => kept.push(("city", c)),
        // Districts are not kept.
        district => rest.region = district,
    }
    if !owner_and_team_only(&rest) || kept.len() > 1 {
        return None;
    }
    Some(kept.pop())
}

/// The rollup dimension a grouping reads (owner and team read the rows of
/// any one dimension, which carry both).
fn rolled_dimension(g: &Grouping) -> Option<&'static str> {
    Some(match g.dimension {
        Dimension::Region => match g.level {
            RegionLevel::Country => "country",
            RegionLevel::Province => "province",
            RegionLevel::City => "city",
            RegionLevel::District => return None,
        },
        Dimension::Industry => "industry",
        Dimension::Size => "size",
        Dimension::LifecycleStage => "lifecycle_stage",
        Dimension::Source => "source",
        Dimension::Kind => "kind",
        Dimension::Gender => "gender",
        Dimension::Owner | Dimension::Team => ANY_DIMENSION,
        Dimension::Tag | Dimension::RfmSegment | Dimension::ValueTier | Dimension::AgeBand => {
            return None;
        }
    })
}

/// An owner or team id of a rollup row as the key, NULL for none.
pub(crate) fn rollup_id_key(sql: &mut Sql, column: &str) {
    let text = id_as_text(sql, column);
    sql.push(&format!("NULLIF({text}, "))
        .text(&NONE_ID.to_string())
        .push(")");
}

/// The caller's visibility and the filter's owner and team, on rows that
/// carry their customer's owner and team under `alias` (rollups, metrics).
pub(crate) fn push_owner_and_team(
    sql: &mut Sql,
    vis: &Visibility,
    filter: &CustomerFilter,
    alias: &str,
) {
    push_scope(sql, vis, alias);
    if let Some(v) = filter.owner_id {
        sql.push(&format!(" AND {alias}.owner_id = ")).id(v);
    }
    if let Some(v) = filter.team_id {
        sql.push(&format!(" AND {alias}.team_id = ")).id(v);
    }
}

/// Whether the filter selects customers by nothing but owner, team and RFM
/// segment: what the buyers' metrics rows carry, and what the customer
/// counts are kept by.
pub(crate) fn owner_team_and_segment_only(f: &CustomerFilter) -> bool {
    owner_and_team_only(&CustomerFilter {
        rfm_segment: None,
        ..f.clone()
    })
}

/// Whether the filter selects customers by nothing but owner and team (the
/// columns every rollup row carries). Every field is named, so a new
/// filter has to be decided on here.
pub(crate) fn owner_and_team_only(f: &CustomerFilter) -> bool {
    let CustomerFilter {
        q,
        kind,
        industry,
        size_band,
        lifecycle_stage,
        source,
        region,
        owner_id: _,
        team_id: _,
        tag_id,
        rfm_segment,
        external_id,
        created_from,
        created_to,
        updated_from,
        updated_to,
        min_orders,
        max_orders,
        min_revenue_minor,
        max_revenue_minor,
        last_order_from,
        last_order_to,
        segment_id: _,
        segment,
    } = f;
    [
        q,
        kind,
        industry,
        size_band,
        lifecycle_stage,
        source,
        rfm_segment,
        external_id,
    ]
    .iter()
    .all(|v| v.is_none())
        && region.is_none()
        && tag_id.is_none()
        && [created_from, created_to, updated_from, updated_to]
            .iter()
            .all(|v| v.is_none())
        && [min_orders, max_orders].iter().all(|v| v.is_none())
        && [min_revenue_minor, max_revenue_minor]
            .iter()
            .all(|v| v.is_none())
        && [last_order_from, last_order_to].iter().all(|v| v.is_none())
        && segment.is_none()
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    #[test]
    fn the_kept_rows_answer_owner_team_and_segment_and_nothing_else() {
        let owner = CustomerFilter {
            owner_id: Some(Uuid::nil()),
            team_id: Some(Uuid::nil()),
            ..CustomerFilter::default()
        };
        assert!(owner_and_team_only(&owner));
        let segment = CustomerFilter {
            rfm_segment: Some("champions".into()),
            ..owner.clone()
        };
        assert!(!owner_and_team_only(&segment));
        assert!(owner_team_and_segment_only(&segment));
        let tagged = CustomerFilter {
            tag_id: Some(Uuid::nil()),
            ..segment
        };
        assert!(!owner_team_and_segment_only(&tagged));
    }

    fn group(dimension: Dimension, level: RegionLevel, parent: Option<&str>) -> Grouping {
        Grouping {
            dimension,
            level,
            parent: parent.map(str::to_owned),
        }
    }

    fn rows(dimension: &'static str, parents: &[&str], code: Option<&str>) -> Option<Rows> {
        Some(Rows {
            dimension,
            parents: parents.iter().map(|p| (*p).to_owned()).collect(),
            code: code.map(str::to_owned),
        })
    }

    #[test]
    fn one_kept_dimension_reads_its_own_rows_or_the_region_level_below() {
        let retail = CustomerFilter {
            industry: Some("retail".into()),
            owner_id: Some(Uuid::nil()),
            ..CustomerFilter::default()
        };
        let owner = group(Dimension::Owner, RegionLevel::Province, None);
        let province = group(Dimension::Region, RegionLevel::Province, None);
        let city = group(Dimension::Region, RegionLevel::City, None);
        let industry = group(Dimension::Industry, RegionLevel::Province, None);
        // Totals, owners and the industry itself from the industry's rows.
        assert_eq!(
            Rows::of(None, &retail),
            rows("industry", &[], Some("retail"))
        );
        assert_eq!(
            Rows::of(Some(&owner), &retail),
            rows("industry", &[], Some("retail"))
        );
        assert_eq!(
            Rows::of(Some(&industry), &retail),
            rows("industry", &[], Some("retail"))
        );
        // Two dimensions at once are not kept.
        assert_eq!(Rows::of(Some(&province), &retail), None);
        let guangdong = CustomerFilter {
            region: Some(RegionMatch::Province("440000".into())),
            ..CustomerFilter::default()
        };
        assert_eq!(
            Rows::of(Some(&city), &guangdong),
            rows("city", &["440000"], None)
        );
        let drilled = group(Dimension::Region, RegionLevel::City, Some("110000"));
        assert_eq!(
            Rows::of(Some(&drilled), &guangdong),
            rows("city", &["110000", "440000"], None)
        );
        assert_eq!(
            Rows::of(Some(&province), &guangdong),
            rows("province", &[], Some("440000"))
        );
        let china = CustomerFilter {
            region: Some(RegionMatch::Country("CN".into())),
            ..CustomerFilter::default()
        };
        assert_eq!(
            Rows::of(Some(&province), &china),
            rows("province", &["CN"], None)
        );
        assert_eq!(Rows::of(Some(&city), &china), None);
        // Districts, two kept values, or any other filter: the orders.
        let district = CustomerFilter {
            region: Some(RegionMatch::District("440305".into())),
            ..CustomerFilter::default()
        };
        assert_eq!(Rows::of(None, &district), None);
        let two = CustomerFilter {
            kind: Some("person".into()),
            ..retail.clone()
        };
        assert_eq!(Rows::of(None, &two), None);
        let tagged = CustomerFilter {
            tag_id: Some(Uuid::nil()),
            ..retail
        };
        assert_eq!(Rows::of(None, &tagged), None);
        assert_eq!(
            Rows::of(None, &CustomerFilter::default()),
            rows(ANY_DIMENSION, &[], None)
        );
    }
}
