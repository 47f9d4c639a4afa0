//! Runs a checked report definition as one grouped SQL statement, on
//! either backend: the object's table with the joins its fields need, the
//! caller's visibility of the object, the conditions and period as bound
//! parameters, dates bucketed in the workspace's UTC offset. Which column
//! a field is, is the `columns` module's.

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use crm_domain::access::Scope;
use crm_domain::reports::{
    Aggregate, DateGrain, ReportFieldKind, ReportObject, ReportOperator, ReportSpec,
};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Nullable, Text};

use super::columns::{Stored, column_of, row_column, source};
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
    /// How long the statement may run before it is stopped
    /// ([`DbError::TimedOut`]).
    pub time_limit: std::time::Duration,
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
pub(super) fn bucket(sql: &Sql, col: &str, grain: DateGrain) -> String {
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
        Stored::Id | Stored::Int | Stored::Tag if sql.is_postgres() => {
            format!("CAST({col} AS TEXT)")
        }
        Stored::Bool => format!("CASE WHEN {col} THEN 'true' WHEN NOT {col} THEN 'false' END"),
        _ => col.clone(),
    }
}

/// The UTC instant a local day begins at.
fn day_start(day: NaiveDate, offset: i32) -> NaiveDateTime {
    day.and_time(NaiveTime::MIN) - Duration::minutes(i64::from(offset))
}

/// ` AND` a condition comparing the column with a value read as its kind.
pub(super) fn push_condition(
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
    if *stored == Stored::Tag && matches!(op, ReportOperator::IsEmpty | ReportOperator::NotEmpty) {
        return push_tag_condition(sql, op, None);
    }
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
    if *stored == Stored::Tag {
        push_tag_condition(sql, op, Some(value))?;
        return Ok(());
    }
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

/// ` AND` whether the record's customer has the tag (`eq`), lacks it
/// (`ne`), has none (`is_empty`) or some (`not_empty`): asked of
/// `customer_tags` so a customer with several tags is one record.
fn push_tag_condition(sql: &mut Sql, op: ReportOperator, value: Option<&str>) -> DbResult<()> {
    let negate = matches!(op, ReportOperator::Ne | ReportOperator::IsEmpty);
    sql.push(if negate { " AND NOT EXISTS" } else { " AND EXISTS" })
        .push(" (SELECT 1 FROM customer_tags x WHERE x.workspace_id = c.workspace_id AND x.customer_id = c.id");
    match (op, value) {
        (ReportOperator::Eq | ReportOperator::Ne, Some(v)) => {
            let id: uuid::Uuid = v.parse().map_err(|_| DbError::NotFound)?;
            sql.push(" AND x.tag_id = ").id(id);
        }
        (ReportOperator::IsEmpty | ReportOperator::NotEmpty, None) => {}
        _ => return Err(DbError::NotFound),
    }
    sql.push(")");
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
    if let Some(cells) = super::rollup::cells(conn, ctx, spec)? {
        return Ok(cells);
    }
    if let Some(cells) = super::counted::cells(conn, ctx, spec)? {
        return Ok(cells);
    }
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
    // Grouping or counting by tag reads one row per tag of the customer.
    let by_tag = spec
        .group_by
        .iter()
        .map(|g| g.field.as_str())
        .chain(spec.measure.field.as_deref())
        .any(|f| f == "tag");
    let tags = if by_tag {
        " LEFT JOIN customer_tags ct ON ct.workspace_id = c.workspace_id AND ct.customer_id = c.id"
    } else {
        ""
    };
    sql.push(&format!(
        "SELECT {} AS key1, {} AS key2, {value} AS value, COUNT(*) AS records FROM {}{tags} WHERE ",
        key(0),
        key(1),
        source(object)
    ));
    super::limit::push_deadline(&mut sql, row_column(object), ctx.time_limit);
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
    super::limit::load(conn, sql, ctx.time_limit)
}
