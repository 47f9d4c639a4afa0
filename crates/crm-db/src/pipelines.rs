//! Pipelines and their ordered stages. Every workspace starts with one
//! default pipeline; a deal's stage must belong to its pipeline. A retired
//! stage keeps its row (stage history and deleted deals point at it) but
//! [`stages`] no longer lists it.

use chrono::NaiveDateTime;
use crm_domain::forecast::ForecastCategory;
use crm_domain::sales::{DEFAULT_STAGES, StageKind};
use diesel::prelude::*;
use uuid::Uuid;

use crate::connection::AnyConnection;
use crate::error::DbResult;
use crate::schema::{pipeline_stages, pipelines};
use crate::time::now;
use crate::types::Id;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = pipelines)]
pub struct PipelineRow {
    pub id: Id,
    pub workspace_id: Id,
    pub name: String,
    pub position: i32,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = pipeline_stages)]
pub struct StageRow {
    pub id: Id,
    pub workspace_id: Id,
    pub pipeline_id: Id,
    pub name: String,
    pub position: i32,
    pub probability: i32,
    pub kind: String,
    pub forecast_category: String,
    /// Set when an administrator retired the stage.
    pub retired_at: Option<NaiveDateTime>,
}

/// A stage as a client defines it.
#[derive(Debug, Clone)]
pub struct NewStage {
    pub name: String,
    pub probability: i32,
    pub kind: StageKind,
    pub forecast_category: ForecastCategory,
}

/// Creates a pipeline with its stages in the given order.
pub fn insert(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    name: &str,
    stages: &[NewStage],
) -> DbResult<(PipelineRow, Vec<StageRow>)> {
    let position: i32 = pipelines::table
        .filter(pipelines::workspace_id.eq(Id(workspace_id)))
        .count()
        .get_result::<i64>(conn)?
        .try_into()
        .unwrap_or(i32::MAX);
    let at = now();
    let row = PipelineRow {
        id: Id::new(),
        workspace_id: Id(workspace_id),
        name: name.to_owned(),
        position,
        version: 1,
        created_at: at,
        updated_at: at,
    };
    diesel::insert_into(pipelines::table)
        .values(&row)
        .execute(conn)?;
    let mut out = Vec::with_capacity(stages.len());
    for (i, s) in stages.iter().enumerate() {
        let stage = StageRow {
            id: Id::new(),
            workspace_id: Id(workspace_id),
            pipeline_id: row.id,
            name: s.name.clone(),
            position: i32::try_from(i).unwrap_or(i32::MAX),
            probability: s.probability,
            kind: s.kind.as_str().to_owned(),
            forecast_category: s.forecast_category.as_str().to_owned(),
            retired_at: None,
        };
        diesel::insert_into(pipeline_stages::table)
            .values(&stage)
            .execute(conn)?;
        out.push(stage);
    }
    Ok((row, out))
}

/// The pipeline every new workspace starts with.
pub fn insert_default(conn: &mut AnyConnection, workspace_id: Uuid) -> DbResult<PipelineRow> {
    let stages: Vec<NewStage> = DEFAULT_STAGES
        .iter()
        .map(|(name, probability, kind)| NewStage {
            name: (*name).to_owned(),
            probability: *probability,
            kind: *kind,
            forecast_category: ForecastCategory::default_for(*kind, *probability),
        })
        .collect();
    Ok(insert(conn, workspace_id, "销售流程", &stages)?.0)
}

pub fn list(conn: &mut AnyConnection, workspace_id: Uuid) -> DbResult<Vec<PipelineRow>> {
    Ok(pipelines::table
        .filter(pipelines::workspace_id.eq(Id(workspace_id)))
        .order((pipelines::position.asc(), pipelines::id.asc()))
        .select(PipelineRow::as_select())
        .load(conn)?)
}

pub fn find(conn: &mut AnyConnection, workspace_id: Uuid, id: Uuid) -> DbResult<PipelineRow> {
    Ok(pipelines::table
        .filter(
            pipelines::workspace_id
                .eq(Id(workspace_id))
                .and(pipelines::id.eq(Id(id))),
        )
        .select(PipelineRow::as_select())
        .first(conn)?)
}

/// Sets a stage's name, default probability and forecast category.
pub fn update_stage(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    stage_id: Uuid,
    (name, probability, category): (&str, i32, ForecastCategory),
) -> DbResult<usize> {
    Ok(diesel::update(
        pipeline_stages::table
            .filter(pipeline_stages::workspace_id.eq(Id(workspace_id)))
            .filter(pipeline_stages::id.eq(Id(stage_id))),
    )
    .set((
        pipeline_stages::name.eq(name),
        pipeline_stages::probability.eq(probability),
        pipeline_stages::forecast_category.eq(category.as_str()),
    ))
    .execute(conn)?)
}

/// Adds a stage to a pipeline at `position` (the caller renumbers the others
/// with [`set_positions`]).
pub fn insert_stage(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    pipeline_id: Uuid,
    stage: &NewStage,
    position: i32,
) -> DbResult<StageRow> {
    let row = StageRow {
        id: Id::new(),
        workspace_id: Id(workspace_id),
        pipeline_id: Id(pipeline_id),
        name: stage.name.clone(),
        position,
        probability: stage.probability,
        kind: stage.kind.as_str().to_owned(),
        forecast_category: stage.forecast_category.as_str().to_owned(),
        retired_at: None,
    };
    diesel::insert_into(pipeline_stages::table)
        .values(&row)
        .execute(conn)?;
    Ok(row)
}

/// Numbers the given stages 0, 1, 2… in the order given.
pub fn set_positions(conn: &mut AnyConnection, workspace_id: Uuid, order: &[Uuid]) -> DbResult<()> {
    for (i, id) in order.iter().enumerate() {
        diesel::update(
            pipeline_stages::table
                .filter(pipeline_stages::workspace_id.eq(Id(workspace_id)))
                .filter(pipeline_stages::id.eq(Id(*id))),
        )
        .set(pipeline_stages::position.eq(i32::try_from(i).unwrap_or(i32::MAX)))
        .execute(conn)?;
    }
    Ok(())
}

/// Retires a stage: it leaves the board and deal placement.
pub fn retire_stage(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    stage_id: Uuid,
) -> DbResult<usize> {
    Ok(diesel::update(
        pipeline_stages::table
            .filter(pipeline_stages::workspace_id.eq(Id(workspace_id)))
            .filter(pipeline_stages::id.eq(Id(stage_id)))
            .filter(pipeline_stages::retired_at.is_null()),
    )
    .set(pipeline_stages::retired_at.eq(Some(now())))
    .execute(conn)?)
}

/// How many live (not deleted) deals are on the stage.
pub fn live_deals_on(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    stage_id: Uuid,
) -> DbResult<i64> {
    use crate::schema::deals;
    Ok(deals::table
        .filter(deals::workspace_id.eq(Id(workspace_id)))
        .filter(deals::stage_id.eq(Id(stage_id)))
        .filter(deals::deleted_at.is_null())
        .count()
        .get_result(conn)?)
}

/// The live stages of the workspace's pipelines (all pipelines when
/// `pipeline` is `None`), in board order; retired ones are left out.
pub fn stages(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    pipeline: Option<Uuid>,
) -> DbResult<Vec<StageRow>> {
    let mut query = pipeline_stages::table
        .filter(pipeline_stages::workspace_id.eq(Id(workspace_id)))
        .filter(pipeline_stages::retired_at.is_null())
        .into_boxed();
    if let Some(p) = pipeline {
        query = query.filter(pipeline_stages::pipeline_id.eq(Id(p)));
    }
    Ok(query
        .order((pipeline_stages::pipeline_id, pipeline_stages::position))
        .select(StageRow::as_select())
        .load(conn)?)
}
