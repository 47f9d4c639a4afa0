//! A report of revenue orders or their lines answered from rollups instead
//! of every record of its period: `order_rollups` (per day, currency and
//! the order's own owner and team; `crate::rollups::orders`) for the
//! orders' count or the sum of their totals, `product_rollups` (the same
//! keys and the product; `crate::rollups::products`) for the lines' count
//! or the sum of their amounts or quantities; grouped by order day (any
//! grain), owner or team, and for lines by product or product category,
//! over a period of order days. Orders and order lines are the objects
//! whose source keeps every order whatever became of its customer, as the
//! rollups do, and their owner and team are the orders' own, as the
//! rollups' are, so the cells are the ones [`super::run::cells`] reads from
//! the records. Any other grouping, measure or filter reads the records.

use crm_domain::reports::{Aggregate, DateGrain, ReportObject, ReportOperator, ReportSpec};

use super::columns::Stored;
use super::run::{Cell, Context, MAX_CELLS, bucket, push_condition};
use crate::analytics::push_scope;
use crate::connection::AnyConnection;
use crate::error::DbResult;
use crate::rollups::rollup_id_key;
use crate::sql::Sql;

/// The rollup rows that answer a report and how.
#[derive(Debug, PartialEq)]
struct Answer {
    table: &'static str,
    /// The column counting the records (orders or lines).
    count: &'static str,
    /// The column summed, and whether it is money (one currency's rows).
    sum: Option<(&'static str, bool)>,
}

/// Which rollups answer `spec`: orders or their lines, counted or a kept
/// column summed, grouped by what the rows keep, filtered to revenue
/// orders (what the rows hold) and by nothing else, over a period of order
/// days.
fn answers(spec: &ReportSpec) -> Option<Answer> {
    let revenue_only = |c: &crm_domain::reports::ReportCondition| {
        c.field == "revenue" && c.op == ReportOperator::Eq && c.value.as_deref() == Some("true")
    };
    let (table, count, groups, sum) = match (spec.object, spec.measure.field.as_deref()) {
        (ReportObject::Orders, field) => (
            "order_rollups",
            "orders",
            &["order_date", "owner", "team"][..],
            match field {
                Some("total_minor") => Some(("revenue_minor", true)),
                _ => None,
            },
        ),
        (ReportObject::OrderLines, field) => (
            "product_rollups",
            "lines",
            &["order_date", "owner", "team", "product", "product_category"][..],
            match field {
                Some("amount_minor") => Some(("amount_minor", true)),
                Some("quantity_milli") => Some(("quantity_milli", false)),
                _ => None,
            },
        ),
        _ => return None,
    };
    let sum = match spec.measure.aggregate {
        Aggregate::Count => None,
        Aggregate::Sum if sum.is_some() => sum,
        _ => return None,
    };
    let fits = spec
        .group_by
        .iter()
        .all(|g| groups.contains(&g.field.as_str()))
        && !spec.filters.is_empty()
        && spec.filters.iter().all(revenue_only)
        && spec.period.as_ref().is_none_or(|p| p.field == "order_date");
    fits.then_some(Answer { table, count, sum })
}

/// The cells of `spec` from the rollups, or `None` when they cannot answer.
pub(super) fn cells(
    conn: &mut AnyConnection,
    ctx: &Context,
    spec: &ReportSpec,
) -> DbResult<Option<Vec<Cell>>> {
    let Some(Answer { table, count, sum }) = answers(spec) else {
        return Ok(None);
    };
    let mut sql = Sql::new(conn);
    let cast = if sql.is_postgres() {
        "DOUBLE PRECISION"
    } else {
        "REAL"
    };
    // A group of no records has no cells; with no grouping, the one cell
    // of no records counts 0 and sums nothing, as over the records.
    let value = match sum {
        None => format!("CAST(COALESCE(SUM(r.{count}), 0) AS {cast})"),
        Some((column, _)) => format!(
            "CAST(CASE WHEN COALESCE(SUM(r.{count}), 0) = 0 THEN NULL \
             ELSE SUM(r.{column}) END AS {cast})"
        ),
    };
    sql.push("SELECT ");
    for i in 0..2 {
        match spec.group_by.get(i).map(|g| (g.field.as_str(), g.grain)) {
            Some(("owner", _)) => rollup_id_key(&mut sql, "r.owner_id"),
            Some(("team", _)) => rollup_id_key(&mut sql, "r.team_id"),
            Some(("product", _)) => rollup_id_key(&mut sql, "r.product_id"),
            Some(("product_category", _)) => {
                sql.push("p.category");
            }
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
        "{value} AS value, CAST(COALESCE(SUM(r.{count}), 0) AS BIGINT) AS records \
         FROM {table} r"
    ));
    if spec.group_by.iter().any(|g| g.field == "product_category") {
        // As the lines' own source joins it: a deleted product keeps its
        // category.
        sql.push(
            " LEFT JOIN products p ON p.id = r.product_id AND p.workspace_id = r.workspace_id",
        );
    }
    sql.push(" WHERE ");
    super::limit::push_deadline(&mut sql, "r.currency", ctx.time_limit);
    sql.push("r.workspace_id = ").id(ctx.vis.workspace_id);
    push_scope(&mut sql, ctx.vis, "r");
    if let Some((_, true)) = sum {
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
    grouped(conn, sql, ctx, spec.group_by.len(), count).map(Some)
}

/// Ends a statement over rollup rows `r` keyed `key1`, `key2`: its groups
/// (those whose `count` column sums to something: rows whose records all
/// went away stay with zeros), largest first, and reads its cells.
pub(super) fn grouped(
    conn: &mut AnyConnection,
    mut sql: Sql,
    ctx: &Context,
    groups: usize,
    count: &str,
) -> DbResult<Vec<Cell>> {
    if groups > 0 {
        let positions: Vec<String> = (1..=groups).map(|n| n.to_string()).collect();
        sql.push(&format!(
            " GROUP BY {} HAVING SUM(r.{count}) <> 0",
            positions.join(", ")
        ));
    }
    sql.push(&format!(" ORDER BY 4 DESC, 1, 2 LIMIT {MAX_CELLS}"));
    super::limit::load(conn, sql, ctx.time_limit)
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
        assert_eq!(
            answers(&spec(by_month_and_owner.clone())),
            Some(Answer {
                table: "order_rollups",
                count: "orders",
                sum: Some(("revenue_minor", true))
            })
        );
        let count = serde_json::json!({"object": "orders", "group_by": [{"field": "team"}],
            "measure": {"aggregate": "count"}, "filters": revenue, "chart": "bar"});
        assert_eq!(
            answers(&spec(count)).map(|a| (a.count, a.sum)),
            Some(("orders", None))
        );
        for (key, value) in [
            // Every order, not only revenue ones: not what the rows hold.
            ("filters", serde_json::json!([])),
            // A filter they do not keep.
            (
                "filters",
                serde_json::json!([{"field": "revenue", "op": "eq", "value": "true"},
                                   {"field": "status", "op": "eq", "value": "paid"}]),
            ),
            // A customer's dimension, a line's, another measure, another
            // object.
            ("group_by", serde_json::json!([{"field": "province"}])),
            ("group_by", serde_json::json!([{"field": "product"}])),
            (
                "measure",
                serde_json::json!({"aggregate": "avg", "field": "total_minor"}),
            ),
            (
                "measure",
                serde_json::json!({"aggregate": "sum", "field": "discount_minor"}),
            ),
            ("object", serde_json::json!("deals")),
            (
                "period",
                serde_json::json!({"field": "created_at", "from": "2026-01-01"}),
            ),
        ] {
            let mut other = by_month_and_owner.clone();
            other[key] = value;
            assert_eq!(answers(&spec(other.clone())), None, "{other}");
        }
    }

    #[test]
    fn the_product_rollups_answer_revenue_lines_by_product_category_day_owner_and_team() {
        let revenue = serde_json::json!([{"field": "revenue", "op": "eq", "value": "true"}]);
        // The built-in dashboard's revenue by product.
        let by_product = serde_json::json!({"object": "order_lines",
            "group_by": [{"field": "product"}],
            "measure": {"aggregate": "sum", "field": "amount_minor"},
            "filters": revenue.clone(), "chart": "bar"});
        assert_eq!(
            answers(&spec(by_product.clone())),
            Some(Answer {
                table: "product_rollups",
                count: "lines",
                sum: Some(("amount_minor", true))
            })
        );
        let mut quantity = by_product.clone();
        quantity["group_by"] = serde_json::json!([{"field": "product_category"},
                                                  {"field": "order_date", "grain": "week"}]);
        quantity["measure"] = serde_json::json!({"aggregate": "sum", "field": "quantity_milli"});
        assert_eq!(
            answers(&spec(quantity)).map(|a| a.sum),
            Some(Some(("quantity_milli", false)))
        );
        for (key, value) in [
            ("group_by", serde_json::json!([{"field": "order_status"}])),
            ("group_by", serde_json::json!([{"field": "city"}])),
            (
                "measure",
                serde_json::json!({"aggregate": "max", "field": "amount_minor"}),
            ),
            (
                "measure",
                serde_json::json!({"aggregate": "count_distinct", "field": "product"}),
            ),
            ("filters", serde_json::json!([])),
        ] {
            let mut other = by_product.clone();
            other[key] = value;
            assert_eq!(answers(&spec(other.clone())), None, "{other}");
        }
    }
}
