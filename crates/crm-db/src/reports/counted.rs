//! A report counting customers answered from `customer_counts` (live
//! customers per value of a kept dimension, per owner and team;
//! `crate::rollups::counts`) instead of counting every customer: customers
//! counted, grouped by at most one of province, industry, size, source,
//! lifecycle stage or kind and by owner or team, with no filter and no
//! period — the standard reports 客户地区分布 and 客户分布地图 (on the
//! built-in dashboard) are ones. The counts hold the live customers under
//! their own owner and team, as the report's source does, so the cells are
//! the ones [`super::run::cells`] counts. Any other report reads the
//! customers.

use crm_domain::reports::{Aggregate, ReportObject, ReportSpec};

use super::run::{Cell, Context};
use crate::analytics::push_scope;
use crate::connection::AnyConnection;
use crate::error::DbResult;
use crate::rollups::rollup_id_key;
use crate::sql::Sql;

/// The report fields kept, each with the dimension its counts are under.
const KEPT: &[(&str, &str)] = &[
    ("province", "province"),
    ("industry", "industry"),
    ("size_band", "size"),
    ("source", "source"),
    ("lifecycle_stage", "lifecycle_stage"),
    ("kind", "kind"),
];

/// The dimension whose rows answer `spec`, or `None` when the counts
/// cannot: owner and team alone read `kind`, whose rows hold every live
/// customer once.
fn answers(spec: &ReportSpec) -> Option<&'static str> {
    if spec.object != ReportObject::Customers
        || spec.measure.aggregate != Aggregate::Count
        || !spec.filters.is_empty()
        || spec.period.is_some()
    {
        return None;
    }
    let mut dimension = None;
    for g in &spec.group_by {
        if matches!(g.field.as_str(), "owner" | "team") {
            continue;
        }
        let (_, kept) = KEPT.iter().find(|(field, _)| *field == g.field)?;
        if dimension.replace(*kept).is_some() {
            return None;
        }
    }
    Some(dimension.unwrap_or("kind"))
}

/// The cells of `spec` from the counts, or `None` when they cannot answer.
pub(super) fn cells(
    conn: &mut AnyConnection,
    ctx: &Context,
    spec: &ReportSpec,
) -> DbResult<Option<Vec<Cell>>> {
    let Some(dimension) = answers(spec) else {
        return Ok(None);
    };
    let mut sql = Sql::new(conn);
    let cast = if sql.is_postgres() {
        "DOUBLE PRECISION"
    } else {
        "REAL"
    };
    sql.push("SELECT ");
    for i in 0..2 {
        match spec.group_by.get(i).map(|g| g.field.as_str()) {
            Some("owner") => rollup_id_key(&mut sql, "r.owner_id"),
            Some("team") => rollup_id_key(&mut sql, "r.team_id"),
            // A value is kept as '=' and it, none as ''.
            Some(_) => {
                sql.push("CASE WHEN r.code = '' THEN NULL ELSE substr(r.code, 2) END");
            }
            None => {
                sql.push("CAST(NULL AS TEXT)");
            }
        }
        sql.push(&format!(" AS key{}, ", i + 1));
    }
    sql.push(&format!(
        "CAST(COALESCE(SUM(r.customers), 0) AS {cast}) AS value, \
         CAST(COALESCE(SUM(r.customers), 0) AS BIGINT) AS records FROM customer_counts r WHERE "
    ));
    super::limit::push_deadline(&mut sql, "r.code", ctx.time_limit);
    sql.push("r.workspace_id = ")
        .id(ctx.vis.workspace_id)
        .push(" AND r.dimension = ")
        .text(dimension);
    push_scope(&mut sql, ctx.vis, "r");
    super::rollup::grouped(conn, sql, ctx, spec.group_by.len(), "customers").map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(value: serde_json::Value) -> ReportSpec {
        serde_json::from_value(value).expect("spec")
    }

    #[test]
    fn the_counts_answer_customers_counted_by_one_kept_dimension_owner_and_team() {
        let by_province = serde_json::json!({"object": "customers",
            "group_by": [{"field": "province"}], "measure": {"aggregate": "count"},
            "filters": [], "chart": "bar"});
        assert_eq!(answers(&spec(by_province.clone())), Some("province"));
        for (group_by, dimension) in [
            (serde_json::json!([{"field": "owner"}]), "kind"),
            (serde_json::json!([]), "kind"),
            (
                serde_json::json!([{"field": "team"}, {"field": "size_band"}]),
                "size",
            ),
        ] {
            let mut other = by_province.clone();
            other["group_by"] = group_by;
            assert_eq!(answers(&spec(other)), Some(dimension));
        }
        for (key, value) in [
            // Two kept dimensions, one not kept, one the tags answer
            // otherwise.
            (
                "group_by",
                serde_json::json!([{"field": "province"}, {"field": "industry"}]),
            ),
            ("group_by", serde_json::json!([{"field": "city"}])),
            ("group_by", serde_json::json!([{"field": "tag"}])),
            (
                "group_by",
                serde_json::json!([{"field": "created_at", "grain": "month"}]),
            ),
            (
                "filters",
                serde_json::json!([{"field": "kind", "op": "eq", "value": "person"}]),
            ),
            (
                "period",
                serde_json::json!({"field": "created_at", "from": "2026-01-01"}),
            ),
            (
                "measure",
                serde_json::json!({"aggregate": "sum", "field": "employee_count"}),
            ),
            ("object", serde_json::json!("leads")),
        ] {
            let mut other = by_province.clone();
            other[key] = value;
            assert_eq!(answers(&spec(other.clone())), None, "{other}");
        }
    }
}
