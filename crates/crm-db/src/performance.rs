//! The sums rep performance (销售人员绩效) is made of, each scoped by the
//! caller's visibility of its object and an optional owner or set of teams:
//! deals won and lost in a period per owner with their sales cycle; logged
//! activities per owner and kind; new customers per owner; the stage flow
//! (entries, advances, time in stage) from the deals' stage history; and the
//! commit forecast as it stood when a period began, rebuilt from the same
//! history.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text};
use uuid::Uuid;

use crate::analytics::push_visibility;
use crate::connection::AnyConnection;
use crate::error::DbResult;
use crate::forecast::Owners;
use crate::sql::{Bind, Sql};
use crate::time::now;
use crate::types::{DbUuid, Id};
use crate::visibility::Visibility;

fn midnight(day: NaiveDate) -> NaiveDateTime {
    day.and_time(NaiveTime::MIN)
}

/// The caller's records of `alias` (visibility, then owner or teams).
fn push_scope(sql: &mut Sql, vis: &Visibility, owners: &Owners, alias: &str) {
    push_visibility(sql, vis, alias);
    owners.push(sql, alias);
}

/// ` AND column >= from AND column < until`.
fn push_within(sql: &mut Sql, column: &str, from: NaiveDateTime, until: NaiveDateTime) {
    sql.push(&format!(" AND {column} >= "))
        .bind(Bind::Time(from))
        .push(&format!(" AND {column} < "))
        .bind(Bind::Time(until));
}

/// Whole seconds from `from` to `to`, on either backend.
fn seconds_between(sql: &Sql, from: &str, to: &str) -> String {
    if sql.is_postgres() {
        format!("CAST(EXTRACT(EPOCH FROM ({to} - {from})) AS BIGINT)")
    } else {
        format!("CAST(ROUND((julianday({to}) - julianday({from})) * 86400) AS INTEGER)")
    }
}

#[derive(Debug, Clone, QueryableByName)]
pub struct Outcome {
    #[diesel(sql_type = Nullable<DbUuid>)]
    pub owner_id: Option<Id>,
    /// `won` or `lost`.
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Text)]
    pub currency: String,
    #[diesel(sql_type = BigInt)]
    pub deals: i64,
    #[diesel(sql_type = BigInt)]
    pub amount_minor: i64,
    /// Σ seconds from entering the pipeline (the first stage change) to
    /// closing.
    #[diesel(sql_type = BigInt)]
    pub cycle_seconds: i64,
}

/// Deals closed (won or lost) in `[start, end)`, per owner, kind and
/// currency.
pub fn outcomes(
    conn: &mut AnyConnection,
    vis: &Visibility,
    owners: &Owners,
    (start, end): (NaiveDate, NaiveDate),
) -> DbResult<Vec<Outcome>> {
    let mut sql = Sql::new(conn);
    // The first stage change of each deal closed in the period, by the
    // (workspace_id, deal_id, at) index.
    let first = "(SELECT MIN(x.at) FROM deal_stage_changes x \
                 WHERE x.workspace_id = d.workspace_id AND x.deal_id = d.id)";
    let cycle = seconds_between(&sql, first, "d.closed_at");
    sql.push(&format!(
        "SELECT d.owner_id AS owner_id, s.kind AS kind, d.currency AS currency, \
         CAST(COUNT(*) AS BIGINT) AS deals, \
         CAST(COALESCE(SUM(d.amount_minor), 0) AS BIGINT) AS amount_minor, \
         CAST(COALESCE(SUM(CASE WHEN s.kind = 'won' THEN {cycle} ELSE 0 END), 0) AS BIGINT) \
         AS cycle_seconds \
         FROM deals d JOIN pipeline_stages s ON s.workspace_id = d.workspace_id AND s.id = d.stage_id \
         WHERE "
    ));
    push_scope(&mut sql, vis, owners, "d");
    sql.push(" AND s.kind IN ('won', 'lost')");
    push_within(&mut sql, "d.closed_at", midnight(start), midnight(end));
    sql.push(" GROUP BY d.owner_id, s.kind, d.currency");
    sql.load(conn)
}

#[derive(Debug, Clone, QueryableByName)]
pub struct OwnerCount {
    #[diesel(sql_type = Nullable<DbUuid>)]
    pub owner_id: Option<Id>,
    /// The activity kind; empty for customers.
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = BigInt)]
    pub count: i64,
}

/// Activities logged in `[start, end)` (not tasks, not later than now), per
/// owner and kind.
pub fn activities(
    conn: &mut AnyConnection,
    vis: &Visibility,
    owners: &Owners,
    (start, end): (NaiveDate, NaiveDate),
) -> DbResult<Vec<OwnerCount>> {
    let mut sql = Sql::new(conn);
    sql.push(
        "SELECT a.owner_id AS owner_id, a.kind AS kind, CAST(COUNT(*) AS BIGINT) AS count \
         FROM activities a WHERE ",
    );
    push_scope(&mut sql, vis, owners, "a");
    sql.push(" AND a.kind <> 'task'");
    push_within(
        &mut sql,
        "a.occurred_at",
        midnight(start),
        midnight(end).min(now()),
    );
    sql.push(" GROUP BY a.owner_id, a.kind");
    sql.load(conn)
}

/// Customers created in `[start, end)`, per owner.
pub fn new_customers(
    conn: &mut AnyConnection,
    vis: &Visibility,
    owners: &Owners,
    (start, end): (NaiveDate, NaiveDate),
) -> DbResult<Vec<OwnerCount>> {
    let mut sql = Sql::new(conn);
    sql.push(
        "SELECT c.owner_id AS owner_id, '' AS kind, CAST(COUNT(*) AS BIGINT) AS count \
         FROM customers c WHERE ",
    );
    push_scope(&mut sql, vis, owners, "c");
    push_within(&mut sql, "c.created_at", midnight(start), midnight(end));
    sql.push(" GROUP BY c.owner_id");
    sql.load(conn)
}

#[derive(Debug, Clone, QueryableByName)]
pub struct StageFlow {
    #[diesel(sql_type = DbUuid)]
    pub pipeline_id: Id,
    #[diesel(sql_type = Text)]
    pub pipeline_name: String,
    #[diesel(sql_type = DbUuid)]
    pub stage_id: Id,
    #[diesel(sql_type = Text)]
    pub stage_name: String,
    #[diesel(sql_type = Integer)]
    pub position: i32,
    #[diesel(sql_type = Text)]
    pub kind: String,
    /// Deals that entered the stage in the period.
    #[diesel(sql_type = BigInt)]
    pub entered: i64,
    /// Of those, the ones that left it for a later stage or a won one.
    #[diesel(sql_type = BigInt)]
    pub advanced: i64,
    /// Of those, the ones that left it at all (by now).
    #[diesel(sql_type = BigInt)]
    pub exited: i64,
    /// Σ seconds the deals that left spent in the stage.
    #[diesel(sql_type = BigInt)]
    pub seconds_in_stage: i64,
}

/// Per stage, the deals that entered it in `[start, end)` and what became
/// of them (from the stage history of the deals the caller may read).
pub fn stage_flow(
    conn: &mut AnyConnection,
    vis: &Visibility,
    owners: &Owners,
    (start, end): (NaiveDate, NaiveDate),
) -> DbResult<Vec<StageFlow>> {
    let mut sql = Sql::new(conn);
    let stay = seconds_between(&sql, "c.at", "c.left_at");
    // Only entries from `start` on are needed: the window looks forward.
    sql.push(
        "WITH c AS (SELECT x.to_stage_id AS stage_id, x.at AS at, \
         LEAD(x.at) OVER (PARTITION BY x.deal_id ORDER BY x.at, x.id) AS left_at, \
         LEAD(x.to_stage_id) OVER (PARTITION BY x.deal_id ORDER BY x.at, x.id) AS next_id \
         FROM deal_stage_changes x JOIN deals d ON d.workspace_id = x.workspace_id AND d.id = x.deal_id \
         WHERE ",
    );
    push_scope(&mut sql, vis, owners, "d");
    sql.push(" AND x.at >= ")
        .bind(Bind::Time(midnight(start)))
        .push(&format!(
            ") SELECT s.pipeline_id AS pipeline_id, p.name AS pipeline_name, s.id AS stage_id, \
             s.name AS stage_name, s.position AS position, s.kind AS kind, \
             CAST(COUNT(*) AS BIGINT) AS entered, \
             CAST(COALESCE(SUM(CASE WHEN n.kind = 'won' OR (n.kind = 'open' AND n.position > s.position) \
             THEN 1 ELSE 0 END), 0) AS BIGINT) AS advanced, \
             CAST(COUNT(c.left_at) AS BIGINT) AS exited, \
             CAST(COALESCE(SUM(CASE WHEN c.left_at IS NULL THEN 0 ELSE {stay} END), 0) AS BIGINT) \
             AS seconds_in_stage \
             FROM c JOIN pipeline_stages s ON s.id = c.stage_id AND s.workspace_id = "
        ))
        .id(vis.workspace_id)
        .push(" JOIN pipelines p ON p.workspace_id = s.workspace_id AND p.id = s.pipeline_id")
        .push(" LEFT JOIN pipeline_stages n ON n.workspace_id = s.workspace_id AND n.id = c.next_id")
        .push(" WHERE c.at < ")
        .bind(Bind::Time(midnight(end)))
        .push(
            " GROUP BY s.pipeline_id, p.name, s.id, s.name, s.position, s.kind \
             ORDER BY p.name, s.pipeline_id, s.position",
        );
    sql.load(conn)
}

#[derive(Debug, Clone, QueryableByName)]
pub struct Committed {
    #[diesel(sql_type = Nullable<DbUuid>)]
    pub owner_id: Option<Id>,
    #[diesel(sql_type = Text)]
    pub currency: String,
    #[diesel(sql_type = BigInt)]
    pub amount_minor: i64,
}

/// The commit of `[start, end)` as it stood at `start`: open deals expected
/// to close in the period whose stage then (the last change before `start`)
/// was in `commit`, by the deal's override or the stage's category. Stage
/// history is kept; expected close dates and amounts are today's.
pub fn committed_at_start(
    conn: &mut AnyConnection,
    vis: &Visibility,
    owners: &Owners,
    (start, end): (NaiveDate, NaiveDate),
) -> DbResult<Vec<Committed>> {
    let at = midnight(start);
    let mut sql = Sql::new(conn);
    sql.push(
        "SELECT d.owner_id AS owner_id, d.currency AS currency, \
         CAST(COALESCE(SUM(d.amount_minor), 0) AS BIGINT) AS amount_minor \
         FROM deals d JOIN deal_stage_changes x ON x.workspace_id = d.workspace_id AND x.deal_id = d.id \
         JOIN pipeline_stages s ON s.workspace_id = x.workspace_id AND s.id = x.to_stage_id WHERE ",
    );
    push_scope(&mut sql, vis, owners, "d");
    sql.push(" AND d.expected_close_date >= ")
        .date(start)
        .push(" AND d.expected_close_date < ")
        .date(end)
        .push(" AND s.kind = 'open' AND COALESCE(d.forecast_category, s.forecast_category) = 'commit'")
        .push(" AND x.at = (SELECT MAX(y.at) FROM deal_stage_changes y WHERE y.workspace_id = x.workspace_id AND y.deal_id = x.deal_id AND y.at < ")
        .bind(Bind::Time(at))
        .push(") GROUP BY d.owner_id, d.currency");
    sql.load(conn)
}

/// Replaces a deal's stage history by `steps` (from, to, at), oldest first:
/// for demo data and imports whose history predates the record.
pub fn replace_history(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    deal_id: Uuid,
    steps: &[(Option<Uuid>, Uuid, NaiveDateTime)],
) -> DbResult<()> {
    use crate::deals::StageChangeRow;
    use crate::schema::deal_stage_changes as h;
    let rows: Vec<StageChangeRow> = steps
        .iter()
        .map(|(from, to, at)| StageChangeRow {
            id: Id::new(),
            workspace_id: Id(workspace_id),
            deal_id: Id(deal_id),
            from_stage_id: from.map(Id),
            to_stage_id: Id(*to),
            actor_id: None,
            at: *at,
        })
        .collect();
    diesel::delete(
        h::table.filter(
            h::workspace_id
                .eq(Id(workspace_id))
                .and(h::deal_id.eq(Id(deal_id))),
        ),
    )
    .execute(conn)?;
    crate::each_backend!(&mut *conn, |c| diesel::insert_into(h::table)
        .values(&rows)
        .execute(c))?;
    Ok(())
}
