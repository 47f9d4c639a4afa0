//! A report of revenue orders answered from `order_rollups` (per day,
//! currency and the order's own owner and team; `crate::rollups::orders`)
//! instead of every order of its period: the orders' count or the sum of
//! their totals, grouped by order day (any grain), owner or team, over a
//! period of order days. Orders is the one object whose source keeps every
//! order whatever became of its customer, as the rollups do, and its owner
//! and team are the orders' own, as the rollups' are, so the cells are the
//! ones [`super::run::cells`] reads from the orders. Any other grouping,
//! measure or filter reads the orders.

use crm_domain::reports::{Aggregate, DateGrain, ReportObject, ReportOperator, ReportSpec};

use super::columns::Stored;
use super::run::{Cell, Context, MAX_CELLS, bucket, push_condition};
use crate::analytics::push_scope;
use crate::connection::AnyConnection;
use crate::error::DbResult;
use crate::rollups::rollup_id_key;
use crate::sql::Sql;

/// Whether the rollups answer `spec`: orders, counted or their totals
/// summed, grouped by order day, owner or team, filtered to revenue orders
/// (what the rollups hold) and by nothing else, over a period of order days.
fn answers(spec: &ReportSpec) -> bool {
    let revenue_only = |c: &crm_domain::reports::ReportCondition| {
        c.field == "revenue" && c.op == ReportOperator::Eq && c.value.as_deref() == Some("true")
    };
    spec.object == ReportObject::Orders
        && spec
            .group_by
            .iter()
            .all(|g| matches!(g.field.as_str(), "order_date" | "owner" | "team"))
        && matches!(
            (&spec.measure.aggregate, spec.measure.field.as_deref()),
            (Aggregate::Count, _) | (Aggregate::Sum, Some("total_minor"))
        )
        && !spec.filters.is_empty()
        && spec.filters.iter().all(revenue_only)
        && spec.period.as_ref().is_none_or(|p| p.field == "order_date")
}

/// The cells of `spec` from the rollups, or `None` when they cannot answer.
pub(super) fn cells(
    conn: &mut AnyConnection,
    ctx: &Context,
    spec: &ReportSpec,
) -> DbResult<Option<Vec<Cell>>> {
    if !answers(spec) {
        return Ok(None);
    }
    let mut sql = Sql::new(conn);
    let cast = if sql.is_postgres() {
        "DOUBLE PRECISION"
    } else {
        "REAL"
    };
    // A group of no orders has no cells; with no grouping, the one cell
    // of no orders counts 0 and sums nothing, as over the orders.
    let value = match spec.measure.aggregate {
        Aggregate::Count => format!("CAST(COALESCE(SUM(r.orders), 0) AS {cast})"),
        _ => format!(
            "CAST(CASE WHEN COALESCE(SUM(r.orders), 0) = 0 THEN NULL \
             ELSE SUM(r.revenue_minor) END AS {cast})"
        ),
    };
    sql.push("SELECT ");
    for i in 0..2 {
        match spec.group_by.get(i).map(|g| (g.field.as_str(), g.grain)) {
            Some(("owner", _)) => rollup_id_key(&mut sql, "r.owner_id"),
            Some(("team", _)) => rollup_id_key(&mut sql, "r.team_id"),
            Some((_, grain)) => {
                let day = bucket(&sql, "r.order_date", grain.unwrap_or(DateGrain::Month));
                sql.push(&day);
            }
            None => {
                sql.push("CAST(NULL AS TEXT)");
            }
        }
        sql.push(&format!(" AS key{}, ", i + 1));
    }
    sql.push(&format!(
        "{value} AS value, CAST(COALESCE(SUM(r.orders), 0) AS BIGINT) AS records \
         FROM order_rollups r WHERE "
    ));
    super::limit::push_deadline(&mut sql, "r.currency", ctx.time_limit);
    sql.push("r.workspace_id = ").id(ctx.vis.workspace_id);
    push_scope(&mut sql, ctx.vis, "r");
    if spec.measure.aggregate == Aggregate::Sum {
        sql.push(" AND r.currency = ").text(ctx.currency);
    }
    if let Some(p) = &spec.period {
        let day = ("r.order_date".to_owned(), Stored::Day);
        for (op, bound) in [(ReportOperator::Gte, p.from), (ReportOperator::Lte, p.to)] {
            if let Some(bound) = bound {
                push_condition(&mut sql, ctx, &day, op, Some(&bound.to_string()))?;
            }
        }
    }
    if !spec.group_by.is_empty() {
        let positions: Vec<String> = (1..=spec.group_by.len()).map(|n| n.to_string()).collect();
        sql.push(&format!(
            " GROUP BY {} HAVING SUM(r.orders) <> 0",
            positions.join(", ")
        ));
    }
    sql.push(&format!(" ORDER BY 4 DESC, 1, 2 LIMIT {MAX_CELLS}"));
    Ok(Some(super::limit::load(conn, sql, ctx.time_limit)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(value: serde_json::Value) -> ReportSpec {
        serde_json::from_value(value).expect("spec")
    }

    #[test]
    fn the_rollups_answer_revenue_orders_by_day_owner_and_team_only() {
        let revenue = serde_json::json!([{"field": "revenue", "op": "eq", "value": "true"}]);
        let by_month_and_owner = serde_json::json!({"object": "orders",
            "group_by": [{"field": "order_date", "grain": "month"}, {"field": "owner"}],
            "measure": {"aggregate": "sum", "field": "total_minor"},
            "filters": revenue.clone(),
            "period": {"field": "order_date", "from": "2026-01-01", "to": "2026-12-31"},
            "chart": "stacked_bar"});
        assert!(answers(&spec(by_month_and_owner.clone())));
        let count = serde_json::json!({"object": "orders", "group_by": [{"field": "team"}],
            "measure": {"aggregate": "count"}, "filters": revenue, "chart": "bar"});
        assert!(answers(&spec(count)));
        for (key, value) in [
            // Every order, not only revenue ones: not what the rows hold.
            ("filters", serde_json::json!([])),
            // A filter they do not keep.
            (
                "filters",
                serde_json::json!([{"field": "revenue", "op": "eq", "value": "true"},
                                   {"field": "status", "op": "eq", "value": "paid"}]),
            ),
            // A customer's dimension, another measure, another object.
            ("group_by", serde_json::json!([{"field": "province"}])),
            (
                "measure",
                serde_json::json!({"aggregate": "avg", "field": "total_minor"}),
            ),
            (
                "measure",
                serde_json::json!({"aggregate": "sum", "field": "discount_minor"}),
            ),
            ("object", serde_json::json!("order_lines")),
            (
                "period",
                serde_json::json!({"field": "created_at", "from": "2026-01-01"}),
            ),
        ] {
            let mut other = by_month_and_owner.clone();
            other[key] = value;
            assert!(!answers(&spec(other.clone())), "{other}");
        }
    }
}
