//! Runs a checked report definition as one grouped SQL statement, on
//! either backend: the object's table with the joins its fields need, the
//! caller's visibility of the object, the conditions and period as bound
//! parameters, dates bucketed in the workspace's UTC offset. Field keys
//! map to columns here and only here; a key without a column is refused.

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use crm_domain::access::Scope;
use crm_domain::reports::{
    Aggregate, DateGrain, ReportFieldKind, ReportObject, ReportOperator, ReportSpec,
};
use crm_domain::sales::OrderStatus;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Nullable, Text};

use crate::analytics::push_visibility;
use crate::connection::AnyConnection;
use crate::error::{DbError, DbResult};
use crate::sql::{Bind, Sql};
use crate::visibility::Visibility;

/// One group: its keys (text, an id, a bucket's first day; NULL for
/// "none"), its figure and how many records it holds.
#[derive(Debug, Clone, QueryableByName)]
pub struct Cell {
    #[diesel(sql_type = Nullable<Text>)]
    pub key1: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub key2: Option<String>,
    #[diesel(sql_type = Nullable<Double>)]
    pub value: Option<f64>,
    #[diesel(sql_type = BigInt)]
    pub records: i64,
}

/// The most cells one run reads.
pub const MAX_CELLS: i64 = 5000;

/// What a run needs besides the definition.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    pub vis: &'a Visibility,
    /// Money is aggregated over records in this currency only.
    pub currency: &'a str,
    /// Minutes east of UTC the workspace's days begin at.
    pub utc_offset_minutes: i32,
}

/// How a column is stored, and so how it is keyed and compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stored {
    Text,
    Id,
    /// A UTC timestamp, bucketed in the workspace's offset.
    Time,
    /// A calendar date.
    Day,
    Int,
    Bool,
}

/// Days (`unit` 86400) or minutes (60) from `from` to `to`, NULL while
/// `to` is.
fn elapsed(pg: bool, from: &str, to: &str, unit: u32) -> String {
    if pg {
        format!("(EXTRACT(EPOCH FROM ({to} - {from})) / {unit}.0)")
    } else {
        // julianday's floating days, rounded so that equal instants are 0.
        format!("(ROUND((julianday({to}) - julianday({from})) * 86400.0 / {unit}.0, 6) + 0.0)")
    }
}

/// The SQL column (or expression over the object's aliases) of a field;
/// `pg` picks PostgreSQL's spelling where the two differ.
fn column(pg: bool, object: ReportObject, key: &str) -> Option<(String, Stored)> {
    use ReportObject::*;
    use Stored::*;
    let base = match object {
        Customers | Contacts => "c",
        Leads => "l",
        Deals => "d",
        Activities => "a",
        Orders | OrderLines => "o",
        Tickets => "k",
        Products => "p",
    };
    let own = |name: &str, stored| Some((format!("{base}.{name}"), stored));
    let of = |alias: &str, name: &str, stored| Some((format!("{alias}.{name}"), stored));
    match (object, key) {
        (_, "owner") if object != Tickets => own("owner_id", Id),
        (_, "team") => own("team_id", Id),
        (Contacts, "created_at") => of("t", "created_at", Time),
        (Contacts, "is_primary") => of("t", "is_primary", Bool),
        (OrderLines, "product") => of("ol", "product_id", Id),
        (OrderLines, "product_category") => of("p", "category", Text),
        (OrderLines, "order_status") => own("status", Text),
        (OrderLines, "quantity_milli") => of("ol", "quantity_milli", Int),
        (OrderLines, "amount_minor") => of("ol", "amount_minor", Int),
        (Orders | OrderLines, "revenue") => {
            let excluded: Vec<String> = OrderStatus::ALL
                .iter()
                .filter(|s| !s.is_revenue())
                .map(|s| format!("'{}'", s.as_str()))
                .collect();
            Some((format!("(o.status NOT IN ({}))", excluded.join(", ")), Bool))
        }
        (Deals, "pipeline") => own("pipeline_id", Id),
        (Deals, "stage") => own("stage_id", Id),
        (Deals, "status") => of("s", "kind", Text),
        (Deals, "expected_close_date") => own("expected_close_date", Day),
        (Deals, "amount_minor" | "probability") => own(key, Int),
        (Deals, "closed_at") => own(key, Time),
        // Days from creation to close (the sales cycle); NULL while open.
        (Deals, "won_percent") => Some((
            "(CASE WHEN s.kind = 'won' THEN 100.0 WHEN s.kind = 'lost' THEN 0.0 END)".to_owned(),
            Int,
        )),
        (Leads, "converted_percent") => Some((
            "(CASE WHEN l.status = 'converted' THEN 100.0 ELSE 0.0 END)".to_owned(),
            Int,
        )),
        (Deals, "cycle_days") => Some((elapsed(pg, "d.created_at", "d.closed_at", 86_400), Int)),
        (Tickets, "first_response_minutes") => {
            Some((elapsed(pg, "k.created_at", "k.first_responded_at", 60), Int))
        }
        (Tickets, "resolution_minutes") => {
            Some((elapsed(pg, "k.created_at", "k.resolved_at", 60), Int))
        }
        // The ticket's answered CSAT score (1–5).
        (Tickets, "csat") => Some((
            "(SELECT MAX(v.score) FROM surveys v WHERE v.workspace_id = k.workspace_id \
             AND v.ticket_id = k.id AND v.kind = 'csat' AND v.answered_at IS NOT NULL)"
                .to_owned(),
            Int,
        )),
        (Orders | OrderLines, "order_date") => own("order_date", Day),
        (Orders, "total_minor" | "discount_minor") => own(key, Int),
        (Activities, "done") => own("done", Bool),
        (Activities, "occurred_at") => own(key, Time),
        (Leads, "converted_at") => own(key, Time),
        (Tickets, "assignee") => own("assignee_id", Id),
        (Tickets, "first_responded_at" | "resolved_at") => own(key, Time),
        (Customers, "employee_count") => own(key, Int),
        (Products, "category" | "unit") => own(key, Text),
        (Products, "active") => own(key, Bool),
        (Products, "price_minor") => own(key, Int),
        (Customers | Leads, "province" | "city") => own(&format!("{key}_code"), Text),
        (Contacts | Deals | Orders | OrderLines | Tickets, "province" | "city") => {
            of("c", &format!("{key}_code"), Text)
        }
        (Contacts | Deals | Orders | OrderLines | Tickets, "industry") => of("c", key, Text),
        (_, "created_at") => own(key, Time),
        (
            _,
            "kind"
            | "industry"
            | "size_band"
            | "source"
            | "lifecycle_stage"
            | "status"
            | "disqualified_reason"
            | "lost_reason"
            | "forecast_category"
            | "outcome"
            | "priority"
            | "ticket_type"
            | "channel",
        ) => own(key, Text),
        _ => None,
    }
}

/// `FROM … JOIN …` of the object, and the alias its visibility reads.
fn source(object: ReportObject) -> &'static str {
    match object {
        ReportObject::Customers => "customers c",
        ReportObject::Contacts => {
            "contacts t JOIN customers c ON c.id = t.customer_id AND c.workspace_id = t.workspace_id"
        }
        ReportObject::Leads => "leads l",
        ReportObject::Deals => {
            "deals d JOIN pipeline_stages s ON s.id = d.stage_id \
             LEFT JOIN customers c ON c.id = d.customer_id AND c.workspace_id = d.workspace_id"
        }
        ReportObject::Activities => "activities a",
        ReportObject::Orders => {
            "orders o LEFT JOIN customers c ON c.id = o.customer_id AND c.workspace_id = o.workspace_id"
        }
        ReportObject::OrderLines => {
            "order_lines ol JOIN orders o ON o.id = ol.order_id AND o.workspace_id = ol.workspace_id \
             LEFT JOIN products p ON p.id = ol.product_id AND p.workspace_id = ol.workspace_id \
             LEFT JOIN customers c ON c.id = o.customer_id AND c.workspace_id = o.workspace_id"
        }
        ReportObject::Tickets => {
            "tickets k LEFT JOIN customers c ON c.id = k.customer_id AND c.workspace_id = k.workspace_id"
        }
        ReportObject::Products => "products p",
    }
}

fn column_of(sql: &Sql, object: ReportObject, key: &str) -> DbResult<(String, Stored)> {
    column(sql.is_postgres(), object, key).ok_or(DbError::NotFound)
}

/// The local timestamp of a UTC column: `col + offset`.
fn local(sql: &Sql, col: &str, offset: i32) -> String {
    if offset == 0 {
        col.to_owned()
    } else if sql.is_postgres() {
        format!("({col} + INTERVAL '{offset} minutes')")
    } else {
        format!("datetime({col}, '{offset:+} minutes')")
    }
}

/// The first day of `col`'s bucket, as `YYYY-MM-DD` text.
fn bucket(sql: &Sql, col: &str, grain: DateGrain) -> String {
    if sql.is_postgres() {
        let unit = grain.as_str();
        format!("to_char(date_trunc('{unit}', {col}), 'YYYY-MM-DD')")
    } else {
        match grain {
            DateGrain::Day => format!("date({col})"),
            // The Sunday ending the week, less six days: its Monday.
            DateGrain::Week => format!("date({col}, 'weekday 0', '-6 days')"),
            DateGrain::Month => format!("strftime('%Y-%m-01', {col})"),
            DateGrain::Quarter => format!(
                "printf('%s-%02d-01', strftime('%Y', {col}), \
                 ((CAST(strftime('%m', {col}) AS INTEGER) - 1) / 3) * 3 + 1)"
            ),
            DateGrain::Year => format!("strftime('%Y-01-01', {col})"),
        }
    }
}

/// The text a group is keyed by.
fn key_expr(
    sql: &Sql,
    ctx: &Context,
    (col, stored): &(String, Stored),
    grain: Option<DateGrain>,
) -> String {
    match stored {
        Stored::Time => bucket(
            sql,
            &local(sql, col, ctx.utc_offset_minutes),
            grain.unwrap_or(DateGrain::Month),
        ),
        Stored::Day => bucket(sql, col, grain.unwrap_or(DateGrain::Month)),
        Stored::Id | Stored::Int if sql.is_postgres() => format!("CAST({col} AS TEXT)"),
        Stored::Bool => format!("CASE WHEN {col} THEN 'true' WHEN NOT {col} THEN 'false' END"),
        _ => col.clone(),
    }
}

/// The UTC instant a local day begins at.
fn day_start(day: NaiveDate, offset: i32) -> NaiveDateTime {
    day.and_time(NaiveTime::MIN) - Duration::minutes(i64::from(offset))
}

/// ` AND` a condition comparing the column with a value read as its kind.
fn push_condition(
    sql: &mut Sql,
    ctx: &Context,
    (col, stored): &(String, Stored),
    op: ReportOperator,
    value: Option<&str>,
) -> DbResult<()> {
    let bad = || DbError::NotFound;
    let empty_text = if *stored == Stored::Text {
        format!(" OR {col} = ''")
    } else {
        String::new()
    };
    match op {
        ReportOperator::IsEmpty => {
            sql.push(&format!(" AND ({col} IS NULL{empty_text})"));
            return Ok(());
        }
        ReportOperator::NotEmpty => {
            sql.push(&format!(" AND NOT ({col} IS NULL{empty_text})"));
            return Ok(());
        }
        _ => {}
    }
    let value = value.ok_or_else(bad)?;
    let offset = ctx.utc_offset_minutes;
    if *stored == Stored::Bool {
        let yes = value == "true";
        sql.push(&format!(
            " AND {}({col})",
            if (op == ReportOperator::Eq) == yes {
                ""
            } else {
                "NOT "
            }
        ));
        return Ok(());
    }
    // Days are compared as the instants they begin at (so a timestamp's
    // index serves); `lte` a day takes the whole day.
    let (bind, next): (Bind, Option<Bind>) = match stored {
        Stored::Time => {
            let day = NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| bad())?;
            (
                Bind::Time(day_start(day, offset)),
                day.succ_opt().map(|d| Bind::Time(day_start(d, offset))),
            )
        }
        Stored::Day => {
            let day = NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| bad())?;
            (Bind::Date(day), day.succ_opt().map(Bind::Date))
        }
        Stored::Int => (Bind::Int(value.parse().map_err(|_| bad())?), None),
        Stored::Id => (Bind::Id(value.parse().map_err(|_| bad())?), None),
        _ => (Bind::Text(value.to_owned()), None),
    };
    let is_range = matches!(stored, Stored::Time | Stored::Day);
    match (op, is_range) {
        (ReportOperator::Eq, true) => {
            let next = next.ok_or_else(bad)?;
            sql.push(&format!(" AND {col} >= "))
                .bind(bind)
                .push(&format!(" AND {col} < "))
                .bind(next);
        }
        (ReportOperator::Ne, true) => {
            let next = next.ok_or_else(bad)?;
            sql.push(&format!(" AND ({col} IS NULL OR {col} < "))
                .bind(bind)
                .push(&format!(" OR {col} >= "))
                .bind(next)
                .push(")");
        }
        (ReportOperator::Lte, true) => {
            let next = next.ok_or_else(bad)?;
            sql.push(&format!(" AND {col} < ")).bind(next);
        }
        (ReportOperator::Eq, false) => {
            sql.push(&format!(" AND {col} = ")).bind(bind);
        }
        (ReportOperator::Ne, false) => {
            sql.push(&format!(" AND ({col} IS NULL OR {col} <> "))
                .bind(bind)
                .push(")");
        }
        (ReportOperator::Gte, _) => {
            sql.push(&format!(" AND {col} >= ")).bind(bind);
        }
        (ReportOperator::Lte, false) => {
            sql.push(&format!(" AND {col} <= ")).bind(bind);
        }
        (ReportOperator::IsEmpty | ReportOperator::NotEmpty, _) => {}
    }
    Ok(())
}

/// The tickets the caller sees, over `k` (the text twin of
/// `Visibility::tickets`).
fn push_ticket_visibility(sql: &mut Sql, vis: &Visibility) {
    sql.push("k.workspace_id = ")
        .id(vis.workspace_id)
        .push(" AND k.deleted_at IS NULL");
    let teams: Vec<uuid::Uuid> = match vis.scope {
        Scope::Team => vis.principal.team_id.into_iter().collect(),
        Scope::Subtree => vis.principal.subtree_team_ids.clone(),
        _ => vec![],
    };
    match vis.scope {
        Scope::None => {
            sql.push(" AND 1 = 0");
        }
        Scope::All => {}
        Scope::Own | Scope::Team | Scope::Subtree => {
            let me = vis.principal.user_id;
            sql.push(" AND (k.assignee_id = ").id(me);
            sql.push(" OR k.team_id IN ").id_list(&teams);
            sql.push(" OR k.customer_id IN (SELECT x.id FROM customers x WHERE x.workspace_id = ")
                .id(vis.workspace_id)
                .push(" AND (x.owner_id = ")
                .id(me)
                .push(" OR x.team_id IN ")
                .id_list(&teams)
                .push(")))");
        }
    }
}

/// The groups of a checked definition, as the caller sees them.
pub fn cells(conn: &mut AnyConnection, ctx: &Context, spec: &ReportSpec) -> DbResult<Vec<Cell>> {
    let object = spec.object;
    let mut sql = Sql::new(conn);
    let mut keys = Vec::new();
    for g in &spec.group_by {
        keys.push(key_expr(
            &sql,
            ctx,
            &column_of(&sql, object, &g.field)?,
            g.grain,
        ));
    }
    let key = |i: usize| keys.get(i).cloned().unwrap_or_else(|| "NULL".to_owned());
    let cast = if sql.is_postgres() {
        "DOUBLE PRECISION"
    } else {
        "REAL"
    };
    let (value, money) = match (&spec.measure.aggregate, &spec.measure.field) {
        (Aggregate::Count, _) | (_, None) => (format!("CAST(COUNT(*) AS {cast})"), false),
        (Aggregate::CountDistinct, Some(field)) => {
            let (col, _) = column_of(&sql, object, field)?;
            (format!("CAST(COUNT(DISTINCT {col}) AS {cast})"), false)
        }
        (aggregate, Some(field)) => {
            let (col, _) = column_of(&sql, object, field)?;
            let money = *aggregate != Aggregate::CountDistinct
                && crm_domain::reports::field(object, field)
                    .is_some_and(|f| f.kind == ReportFieldKind::Money);
            let f = aggregate.as_str().to_uppercase();
            (format!("CAST({f}({col}) AS {cast})"), money)
        }
    };
    sql.push(&format!(
        "SELECT {} AS key1, {} AS key2, {value} AS value, COUNT(*) AS records FROM {} WHERE ",
        key(0),
        key(1),
        source(object)
    ));
    match object {
        ReportObject::Customers => push_visibility(&mut sql, ctx.vis, "c"),
        ReportObject::Contacts => {
            push_visibility(&mut sql, ctx.vis, "c");
            sql.push(" AND t.deleted_at IS NULL");
        }
        ReportObject::Leads => push_visibility(&mut sql, ctx.vis, "l"),
        ReportObject::Deals => push_visibility(&mut sql, ctx.vis, "d"),
        ReportObject::Activities => push_visibility(&mut sql, ctx.vis, "a"),
        ReportObject::Orders | ReportObject::OrderLines => push_visibility(&mut sql, ctx.vis, "o"),
        ReportObject::Tickets => push_ticket_visibility(&mut sql, ctx.vis),
        // The catalogue: every product for whoever may read products.
        ReportObject::Products => {
            sql.push("p.workspace_id = ")
                .id(ctx.vis.workspace_id)
                .push(" AND p.deleted_at IS NULL");
            if ctx.vis.scope == Scope::None {
                sql.push(" AND 1 = 0");
            }
        }
    }
    if money {
        let currency = match object {
            ReportObject::Deals => "d.currency",
            ReportObject::Products => "p.currency",
            _ => "o.currency",
        };
        sql.push(&format!(" AND {currency} = ")).text(ctx.currency);
    }
    for c in &spec.filters {
        let col = column_of(&sql, object, &c.field)?;
        push_condition(&mut sql, ctx, &col, c.op, c.value.as_deref())?;
    }
    if let Some(p) = &spec.period {
        let col = column_of(&sql, object, &p.field)?;
        if let Some(from) = p.from {
            push_condition(
                &mut sql,
                ctx,
                &col,
                ReportOperator::Gte,
                Some(&from.to_string()),
            )?;
        }
        if let Some(to) = p.to {
            push_condition(
                &mut sql,
                ctx,
                &col,
                ReportOperator::Lte,
                Some(&to.to_string()),
            )?;
        }
    }
    if !keys.is_empty() {
        let positions: Vec<String> = (1..=keys.len()).map(|n| n.to_string()).collect();
        sql.push(&format!(" GROUP BY {}", positions.join(", ")));
    }
    sql.push(&format!(" ORDER BY 4 DESC, 1, 2 LIMIT {MAX_CELLS}"));
    sql.load(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalogued_field_has_a_column() {
        for object in ReportObject::ALL {
            for f in crm_domain::reports::fields(*object) {
                for pg in [true, false] {
                    assert!(column(pg, *object, f.key).is_some(), "{object}.{}", f.key);
                }
            }
        }
    }
}
