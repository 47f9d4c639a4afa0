//! Deals on pipelines: rows, scoped reads, keyset lists, the stage-change
//! history and the per-stage sums of the kanban board. Stage rules (the
//! stage belongs to the pipeline, lost needs a reason) are checked by the
//! HTTP layer before these functions run.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::{count_star, sql};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable};
use uuid::Uuid;

use crate::connection::AnyConnection;
use crate::error::{DbError, DbResult};
use crate::keyset_page;
use crate::paging::{Keyset, SortValue};
use crate::schema::{deal_stage_changes, deals};
use crate::time::now;
use crate::types::Id;
use crate::visibility::Visibility;

/// Every column a client can change, directly or through a stage move.
#[derive(
    Debug, Clone, PartialEq, serde::Serialize, Queryable, Selectable, Insertable, AsChangeset,
)]
#[diesel(
    table_name = deals,
    treat_none_as_null = true,
    treat_none_as_default_value = false
)]
pub struct DealFields {
    pub pipeline_id: Id,
    pub stage_id: Id,
    pub customer_id: Id,
    pub external_id: Option<String>,
    pub name: String,
    pub amount_minor: i64,
    pub currency: String,
    pub probability: i32,
    pub expected_close_date: Option<NaiveDate>,
    pub owner_id: Option<Id>,
    pub team_id: Option<Id>,
    pub lost_reason: Option<String>,
    pub closed_at: Option<NaiveDateTime>,
    #[serde(skip)]
    pub stage_changed_at: NaiveDateTime,
    /// The rep's forecast category for an open deal (`None`: the stage's).
    pub forecast_category: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = deals, treat_none_as_default_value = false)]
pub struct DealRow {
    pub id: Id,
    pub workspace_id: Id,
    #[diesel(embed)]
    pub fields: DealFields,
    pub version: i32,
    pub created_by: Option<Id>,
    pub updated_by: Option<Id>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = deal_stage_changes, treat_none_as_default_value = false)]
pub struct StageChangeRow {
    pub id: Id,
    pub workspace_id: Id,
    pub deal_id: Id,
    pub from_stage_id: Option<Id>,
    pub to_stage_id: Id,
    pub actor_id: Option<Id>,
    pub at: NaiveDateTime,
}

pub fn insert(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    actor: Option<Uuid>,
    fields: DealFields,
) -> DbResult<DealRow> {
    let at = now();
    let row = DealRow {
        id: Id::new(),
        workspace_id: Id(workspace_id),
        fields,
        version: 1,
        created_by: actor.map(Id),
        updated_by: actor.map(Id),
        created_at: at,
        updated_at: at,
    };
    diesel::insert_into(deals::table)
        .values(&row)
        .execute(conn)?;
    record_stage(conn, &row, None, actor)?;
    Ok(row)
}

impl DealRow {
    /// A new row (not yet written) with a fresh id.
    pub fn new(workspace_id: Uuid, actor: Option<Uuid>, fields: DealFields) -> Self {
        let at = now();
        Self {
            id: Id::new(),
            workspace_id: Id(workspace_id),
            fields,
            version: 1,
            created_by: actor.map(Id),
            updated_by: actor.map(Id),
            created_at: at,
            updated_at: at,
        }
    }

    /// The next version of this row with other fields.
    pub fn changed(&self, actor: Option<Uuid>, fields: DealFields) -> Self {
        Self {
            fields,
            version: self.version + 1,
            updated_by: actor.map(Id),
            updated_at: now(),
            ..self.clone()
        }
    }

    /// The history entry of entering its current stage (from `from`).
    pub fn stage_change(&self, from: Option<Id>, actor: Option<Uuid>) -> StageChangeRow {
        StageChangeRow {
            id: Id::new(),
            workspace_id: self.workspace_id,
            deal_id: self.id,
            from_stage_id: from,
            to_stage_id: self.fields.stage_id,
            actor_id: actor.map(Id),
            at: self.fields.stage_changed_at,
        }
    }
}

/// Appends a stage change of `row` (its current stage) to the history.
fn record_stage(
    conn: &mut AnyConnection,
    row: &DealRow,
    from: Option<Id>,
    actor: Option<Uuid>,
) -> DbResult<()> {
    diesel::insert_into(deal_stage_changes::table)
        .values(&row.stage_change(from, actor))
        .execute(conn)?;
    Ok(())
}

/// Live deals of the workspace by id or external id, whoever may see them.
pub fn find_many(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    ids: &[Uuid],
    external_ids: &[String],
) -> DbResult<Vec<DealRow>> {
    let live = || {
        deals::workspace_id
            .eq(Id(workspace_id))
            .and(deals::deleted_at.is_null())
    };
    let mut out: Vec<DealRow> = Vec::new();
    let ids: Vec<Id> = ids.iter().copied().map(Id).collect();
    for chunk in ids.chunks(crate::batch::chunk_rows(1)) {
        out.extend(
            deals::table
                .filter(live())
                .filter(deals::id.eq_any(chunk))
                .select(DealRow::as_select())
                .load(conn)?,
        );
    }
    for chunk in external_ids.chunks(crate::batch::chunk_rows(1)) {
        out.extend(
            deals::table
                .filter(live())
                .filter(deals::external_id.eq_any(chunk))
                .select(DealRow::as_select())
                .load(conn)?,
        );
    }
    out.sort_by_key(|r| r.id.0);
    out.dedup_by_key(|r| r.id.0);
    Ok(out)
}

/// Inserts new rows and overwrites changed ones, many per statement, and
/// appends their stage changes.
pub fn write_many(
    conn: &mut AnyConnection,
    rows: &[DealRow],
    stage_changes: &[StageChangeRow],
) -> DbResult<()> {
    use diesel::upsert::excluded;
    for chunk in rows.chunks(crate::batch::chunk_rows(21)) {
        crate::each_backend!(&mut *conn, |c| diesel::insert_into(deals::table)
            .values(chunk)
            .on_conflict(deals::id)
            .do_update()
            .set((
                (
                    deals::pipeline_id.eq(excluded(deals::pipeline_id)),
                    deals::stage_id.eq(excluded(deals::stage_id)),
                    deals::customer_id.eq(excluded(deals::customer_id)),
                    deals::external_id.eq(excluded(deals::external_id)),
                    deals::name.eq(excluded(deals::name)),
                    deals::amount_minor.eq(excluded(deals::amount_minor)),
                    deals::currency.eq(excluded(deals::currency)),
                    deals::probability.eq(excluded(deals::probability)),
                    deals::expected_close_date.eq(excluded(deals::expected_close_date)),
                ),
                (
                    deals::owner_id.eq(excluded(deals::owner_id)),
                    deals::team_id.eq(excluded(deals::team_id)),
                    deals::lost_reason.eq(excluded(deals::lost_reason)),
                    deals::closed_at.eq(excluded(deals::closed_at)),
                    deals::stage_changed_at.eq(excluded(deals::stage_changed_at)),
                    deals::version.eq(excluded(deals::version)),
                    deals::updated_by.eq(excluded(deals::updated_by)),
                    deals::updated_at.eq(excluded(deals::updated_at)),
                ),
            ))
            .execute(c))?;
    }
    for chunk in stage_changes.chunks(crate::batch::chunk_rows(7)) {
        crate::each_backend!(&mut *conn, |c| diesel::insert_into(
            deal_stage_changes::table
        )
        .values(chunk)
        .execute(c))?;
    }
    Ok(())
}

/// A live deal the caller may see, or `NotFound`.
pub fn find(conn: &mut AnyConnection, vis: &Visibility, id: Uuid) -> DbResult<DealRow> {
    Ok(deals::table
        .filter(vis.deals())
        .filter(deals::id.eq(Id(id)))
        .select(DealRow::as_select())
        .first(conn)?)
}

/// [`find`] with the workspace's access counter as its statement read it
/// (`crate::auth::access_version`), for a read authorised from a cached
/// principal.
pub fn find_confirming(
    conn: &mut AnyConnection,
    vis: &Visibility,
    id: Uuid,
) -> DbResult<(DealRow, i64)> {
    let (row, access): (DealRow, Option<i64>) = deals::table
        .filter(vis.deals())
        .filter(deals::id.eq(Id(id)))
        .select((
            DealRow::as_select(),
            crate::auth::access_counter!(vis.workspace_id),
        ))
        .first(conn)?;
    Ok((row, access.unwrap_or(0)))
}

/// The live deal with this external id, whoever may see it.
pub fn id_by_external_id(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    external_id: &str,
) -> DbResult<Option<Uuid>> {
    Ok(deals::table
        .filter(
            deals::workspace_id
                .eq(Id(workspace_id))
                .and(deals::external_id.is_not_null())
                .and(deals::external_id.eq(external_id))
                .and(deals::deleted_at.is_null()),
        )
        .select(deals::id)
        .first::<Id>(conn)
        .optional()?
        .map(|id| id.0))
}

/// Writes `fields` if the row still has `expected_version`; a new stage is
/// appended to the history.
pub fn update(
    conn: &mut AnyConnection,
    current: &DealRow,
    expected_version: i32,
    actor: Option<Uuid>,
    fields: DealFields,
) -> DbResult<DealRow> {
    let row = DealRow {
        fields,
        version: current.version + 1,
        updated_by: actor.map(Id),
        updated_at: now(),
        ..current.clone()
    };
    let n = diesel::update(
        deals::table.filter(
            deals::workspace_id
                .eq(current.workspace_id)
                .and(deals::id.eq(current.id))
                .and(deals::version.eq(expected_version))
                .and(deals::deleted_at.is_null()),
        ),
    )
    .set((
        &row.fields,
        deals::version.eq(row.version),
        deals::updated_by.eq(row.updated_by),
        deals::updated_at.eq(row.updated_at),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(DbError::VersionConflict);
    }
    if row.fields.stage_id != current.fields.stage_id {
        record_stage(conn, &row, Some(current.fields.stage_id), actor)?;
    }
    Ok(row)
}

pub fn soft_delete(
    conn: &mut AnyConnection,
    current: &DealRow,
    expected_version: i32,
    actor: Option<Uuid>,
) -> DbResult<()> {
    let at = now();
    let n = diesel::update(
        deals::table.filter(
            deals::workspace_id
                .eq(current.workspace_id)
                .and(deals::id.eq(current.id))
                .and(deals::version.eq(expected_version))
                .and(deals::deleted_at.is_null()),
        ),
    )
    .set((
        deals::deleted_at.eq(at),
        deals::updated_at.eq(at),
        deals::updated_by.eq(actor.map(Id)),
        deals::version.eq(deals::version + 1),
    ))
    .execute(conn)?;
    if n == 0 {
        Err(DbError::VersionConflict)
    } else {
        Ok(())
    }
}

/// The stage history of a deal, oldest first.
pub fn stage_changes(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    deal_id: Uuid,
) -> DbResult<Vec<StageChangeRow>> {
    Ok(deal_stage_changes::table
        .filter(
            deal_stage_changes::workspace_id
                .eq(Id(workspace_id))
                .and(deal_stage_changes::deal_id.eq(Id(deal_id))),
        )
        .order((deal_stage_changes::at.asc(), deal_stage_changes::id.asc()))
        .select(StageChangeRow::as_select())
        .load(conn)?)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DealSort {
    CreatedAt,
    StageChangedAt,
    UpdatedAt,
}

#[derive(Debug, Clone, Default)]
pub struct DealFilter {
    pub pipeline_id: Option<Uuid>,
    pub stage_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    pub owner_id: Option<Uuid>,
    pub external_id: Option<String>,
}

/// One page (plus one row) of visible deals, and the workspace's access
/// counter as the page's statement saw it (`crate::auth::split_page`).
pub fn list(
    conn: &mut AnyConnection,
    vis: &Visibility,
    filter: &DealFilter,
    page: &Keyset<DealSort>,
) -> DbResult<(Vec<DealRow>, Option<i64>)> {
    let mut query = deals::table.filter(vis.deals()).into_boxed();
    if let Some(v) = filter.pipeline_id {
        query = query.filter(deals::pipeline_id.eq(Id(v)));
    }
    if let Some(v) = filter.stage_id {
        query = query.filter(deals::stage_id.eq(Id(v)));
    }
    if let Some(v) = filter.customer_id {
        query = query.filter(deals::customer_id.eq(Id(v)));
    }
    if let Some(v) = filter.owner_id {
        query = query.filter(deals::owner_id.eq(Id(v)));
    }
    if let Some(v) = &filter.external_id {
        query = query.filter(deals::external_id.eq(v.clone()));
    }
    let after = page.after.clone();
    let query = match page.field {
        DealSort::CreatedAt => {
            let after = SortValue::into_time(after);
            keyset_page!(query, deals::created_at, deals::id, page.direction, after)
        }
        DealSort::StageChangedAt => {
            let after = SortValue::into_time(after);
            keyset_page!(
                query,
                deals::stage_changed_at,
                deals::id,
                page.direction,
                after
            )
        }
        DealSort::UpdatedAt => {
            let after = SortValue::into_time(after);
            keyset_page!(query, deals::updated_at, deals::id, page.direction, after)
        }
    };
    let rows = query
        .limit(page.limit + 1)
        .select((
            DealRow::as_select(),
            crate::auth::access_counter!(vis.workspace_id),
        ))
        .load(conn)?;
    Ok(crate::auth::split_page(rows))
}

/// Per stage and currency of a pipeline: deal count, amount and amount
/// weighted by probability, over the deals the caller may see.
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct StageSum {
    pub stage_id: Id,
    pub currency: String,
    pub count: i64,
    pub amount_minor: Option<i64>,
    pub weighted_minor: Option<i64>,
}

pub fn stage_sums(
    conn: &mut AnyConnection,
    vis: &Visibility,
    pipeline_id: Uuid,
    owner_id: Option<Uuid>,
) -> DbResult<Vec<StageSum>> {
    let owner: crate::visibility::Predicate<deals::table> = match owner_id {
        Some(owner) => Box::new(deals::owner_id.assume_not_null().eq(Id(owner))),
        None => Box::new(sql::<diesel::sql_types::Bool>("1 = 1")),
    };
    Ok(deals::table
        .filter(vis.deals())
        .filter(deals::pipeline_id.eq(Id(pipeline_id)))
        .filter(owner)
        .group_by((deals::stage_id, deals::currency))
        .select((
            deals::stage_id,
            deals::currency,
            count_star(),
            sql::<Nullable<BigInt>>("CAST(SUM(deals.amount_minor) AS BIGINT)"),
            sql::<Nullable<BigInt>>(
                "CAST(SUM(deals.amount_minor * deals.probability) / 100 AS BIGINT)",
            ),
        ))
        .load::<StageSum>(conn)?)
}

/// Sets when a deal was opened (the demo's deals were opened before
/// they closed, not when the demo was written).
pub fn backdate(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    id: Uuid,
    created_at: NaiveDateTime,
) -> DbResult<()> {
    diesel::update(
        deals::table
            .filter(deals::workspace_id.eq(Id(workspace_id)))
            .filter(deals::id.eq(Id(id))),
    )
    .set(deals::created_at.eq(created_at))
    .execute(conn)?;
    Ok(())
}
