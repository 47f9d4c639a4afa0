//! Quotas (预算) rows, and the actual a quota is measured against: one
//! metric summed over a period for one owner or a set of teams.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use uuid::Uuid;

use crate::connection::AnyConnection;
use crate::error::DbResult;
use crate::forecast::Owners;
use crate::schema::quotas;
use crate::sql::{Bind, Sql};
use crate::time::now;
use crate::types::Id;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = quotas, treat_none_as_default_value = false)]
pub struct QuotaRow {
    pub workspace_id: Id,
    pub id: Id,
    pub user_id: Option<Id>,
    pub team_id: Option<Id>,
    pub metric: String,
    pub period: String,
    pub starts_on: NaiveDate,
    pub target: i64,
    pub created_by: Option<Id>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The quotas of periods starting on `starts_on` of this kind.
pub fn list(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    period: &str,
    starts_on: NaiveDate,
) -> DbResult<Vec<QuotaRow>> {
    Ok(quotas::table
        .filter(quotas::workspace_id.eq(Id(workspace_id)))
        .filter(quotas::period.eq(period))
        .filter(quotas::starts_on.eq(starts_on))
        .order((quotas::metric, quotas::created_at, quotas::id))
        .select(QuotaRow::as_select())
        .load(conn)?)
}

pub fn find(conn: &mut AnyConnection, workspace_id: Uuid, id: Uuid) -> DbResult<QuotaRow> {
    Ok(quotas::table
        .filter(quotas::workspace_id.eq(Id(workspace_id)))
        .filter(quotas::id.eq(Id(id)))
        .select(QuotaRow::as_select())
        .first(conn)?)
}

/// Sets the target of the quota with this holder, metric and period,
/// creating it if there is none; `true` when created.
pub fn set(conn: &mut AnyConnection, row: &QuotaRow) -> DbResult<(QuotaRow, bool)> {
    let mut query = quotas::table
        .filter(quotas::workspace_id.eq(row.workspace_id))
        .filter(quotas::metric.eq(&row.metric))
        .filter(quotas::period.eq(&row.period))
        .filter(quotas::starts_on.eq(row.starts_on))
        .into_boxed();
    query = match (row.user_id, row.team_id) {
        (Some(user), _) => query.filter(quotas::user_id.eq(user)),
        (None, team) => query.filter(quotas::team_id.eq(team.unwrap_or(Id(Uuid::nil())))),
    };
    let existing: Option<QuotaRow> = query.select(QuotaRow::as_select()).first(conn).optional()?;
    match existing {
        Some(mut current) => {
            let at = now();
            diesel::update(
                quotas::table
                    .filter(quotas::workspace_id.eq(current.workspace_id))
                    .filter(quotas::id.eq(current.id)),
            )
            .set((quotas::target.eq(row.target), quotas::updated_at.eq(at)))
            .execute(conn)?;
            current.target = row.target;
            current.updated_at = at;
            Ok((current, false))
        }
        None => {
            diesel::insert_into(quotas::table)
                .values(row)
                .execute(conn)?;
            Ok((row.clone(), true))
        }
    }
}

pub fn delete(conn: &mut AnyConnection, workspace_id: Uuid, id: Uuid) -> DbResult<usize> {
    Ok(diesel::delete(
        quotas::table
            .filter(quotas::workspace_id.eq(Id(workspace_id)))
            .filter(quotas::id.eq(Id(id))),
    )
    .execute(conn)?)
}

#[derive(Debug, Clone, QueryableByName)]
struct Value {
    #[diesel(sql_type = BigInt)]
    value: i64,
}

/// What a metric sums to in `[start, end)` for the owners; money in
/// `currency`. `metric` is one of `QuotaMetric`'s wire names.
pub fn actual(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    metric: &str,
    owners: &Owners,
    currency: &str,
    (start, end): (NaiveDate, NaiveDate),
) -> DbResult<i64> {
    let midnight = |d: NaiveDate| d.and_time(NaiveTime::MIN);
    let mut sql = Sql::new(conn);
    let alias = match metric {
        "won_revenue" | "deals_won" => {
            let what = if metric == "deals_won" {
                "COUNT(*)"
            } else {
                "COALESCE(SUM(d.amount_minor), 0)"
            };
            sql.push(&format!(
                "SELECT CAST({what} AS BIGINT) AS value FROM deals d \
                 JOIN pipeline_stages s ON s.workspace_id = d.workspace_id AND s.id = d.stage_id \
                 WHERE s.kind = 'won' AND d.deleted_at IS NULL AND d.workspace_id = "
            ))
            .id(workspace_id);
            if metric == "won_revenue" {
                sql.push(" AND d.currency = ").text(currency);
            }
            sql.push(" AND d.closed_at >= ")
                .bind(Bind::Time(midnight(start)))
                .push(" AND d.closed_at < ")
                .bind(Bind::Time(midnight(end)));
            "d"
        }
        "order_revenue" => {
            // The revenue orders' sums per day and their own owner and
            // team (`crate::rollups::orders`), not every order of the period.
            sql.push(
                "SELECT CAST(COALESCE(SUM(r.revenue_minor), 0) AS BIGINT) AS value \
                 FROM order_rollups r WHERE r.workspace_id = ",
            )
            .id(workspace_id)
            .push(" AND r.currency = ")
            .text(currency)
            .push(" AND r.order_date >= ")
            .date(start)
            .push(" AND r.order_date < ")
            .date(end);
            "r"
        }
        "new_customers" => {
            sql.push(
                "SELECT CAST(COUNT(*) AS BIGINT) AS value FROM customers c \
                 WHERE c.deleted_at IS NULL AND c.workspace_id = ",
            )
            .id(workspace_id)
            .push(" AND c.created_at >= ")
            .bind(Bind::Time(midnight(start)))
            .push(" AND c.created_at < ")
            .bind(Bind::Time(midnight(end)));
            "c"
        }
        _ => {
            // Logged activities: not tasks, and not planned for later than now.
            sql.push(
                "SELECT CAST(COUNT(*) AS BIGINT) AS value FROM activities a \
                 WHERE a.deleted_at IS NULL AND a.kind <> 'task' AND a.workspace_id = ",
            )
            .id(workspace_id)
            .push(" AND a.occurred_at >= ")
            .bind(Bind::Time(midnight(start)))
            .push(" AND a.occurred_at < ")
            .bind(Bind::Time(midnight(end).min(now())));
            "a"
        }
    };
    owners.push(&mut sql, alias);
    let rows: Vec<Value> = sql.load(conn)?;
    Ok(rows.first().map_or(0, |r| r.value))
}
