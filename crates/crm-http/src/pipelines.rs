//! `/pipelines`: the workspace's sales pipelines with their stages, and
//! the kanban board of one pipeline (per stage: count, sums, first page of
//! deals). Everyone reads pipelines; admins create them.

use std::collections::HashMap;

use actix_web::{HttpResponse, get, post, web};
use crm_api_types::Problem;
use crm_api_types::deals::{
    Kanban, KanbanColumn, KanbanQuery, NewPipeline, Pipeline, Stage, StageTotal,
};
use crm_db::AnyConnection;
use crm_db::change_log::{lock_workspace, transaction};
use crm_db::deals::{DealFilter, DealSort};
use crm_db::paging::{Direction, Keyset, SortValue};
use crm_db::pipelines::{NewStage, PipelineRow, StageRow};
use crm_domain::FieldErrors;
use crm_domain::access::{Action, ObjectType};
use crm_domain::sales::StageKind;
use crm_domain::validation::bounded_text;
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery};
use crate::paging::page;
use crate::state::AppState;

pub fn stage_view(s: &StageRow) -> Stage {
    Stage {
        id: s.id.0,
        name: s.name.clone(),
        position: s.position,
        probability: s.probability,
        kind: StageKind::parse(&s.kind).unwrap_or(StageKind::Open),
    }
}

fn view(p: &PipelineRow, stages: &[StageRow]) -> Pipeline {
    Pipeline {
        id: p.id.0,
        name: p.name.clone(),
        stages: stages
            .iter()
            .filter(|s| s.pipeline_id == p.id)
            .map(stage_view)
            .collect(),
    }
}

/// A pipeline with its stages, or 404.
pub fn load(conn: &mut AnyConnection, ws: Uuid, id: Uuid) -> Result<Pipeline, ApiError> {
    let row = crm_db::pipelines::find(conn, ws, id)?;
    let stages = crm_db::pipelines::stages(conn, ws, Some(id))?;
    Ok(view(&row, &stages))
}

/// Every pipeline of the workspace with its stages, in board order.
#[utoipa::path(tag = "deals", responses((status = 200, body = Vec<Pipeline>)))]
#[get("/pipelines")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<Vec<Pipeline>>, ApiError> {
    caller.require(ObjectType::Pipelines, Action::Read)?;
    let ws = caller.workspace_id;
    let (rows, stages) = state
        .db(move |conn| {
            Ok((
                crm_db::pipelines::list(conn, ws)?,
                crm_db::pipelines::stages(conn, ws, None)?,
            ))
        })
        .await?;
    Ok(web::Json(rows.iter().map(|p| view(p, &stages)).collect()))
}

/// A pipeline with its stages.
#[utoipa::path(
    tag = "deals",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = Pipeline),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/pipelines/{id}")]
pub async fn read(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<Pipeline>, ApiError> {
    caller.require(ObjectType::Pipelines, Action::Read)?;
    let (ws, id) = (caller.workspace_id, id.into_inner());
    Ok(web::Json(state.db(move |conn| load(conn, ws, id)).await?))
}

/// Create a pipeline with its stages.
#[utoipa::path(
    tag = "deals",
    request_body = NewPipeline,
    responses(
        (status = 201, description = "Created; `Location` names it", body = Pipeline),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A pipeline has this name", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/pipelines")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: ApiJson<NewPipeline>,
) -> Result<HttpResponse, ApiError> {
    caller.require_all(ObjectType::Pipelines, Action::Create)?;
    let body = body.0;
    let mut errors = FieldErrors::new();
    let name = errors.take("name", bounded_text(body.name.trim(), 1, 100));
    if !(2..=30).contains(&body.stages.len()) {
        errors.add("stages", "must hold 2 to 30 stages");
    }
    for kind in [StageKind::Won, StageKind::Lost] {
        if !body.stages.iter().any(|s| s.kind == kind) {
            errors.add("stages", format!("needs a {kind} stage"));
        }
    }
    let mut stages = Vec::new();
    for (i, s) in body.stages.iter().enumerate() {
        let name = errors.take(
            &format!("stages[{i}].name"),
            bounded_text(s.name.trim(), 1, 50),
        );
        if !(0..=100).contains(&s.probability) {
            errors.add(format!("stages[{i}].probability"), "must be 0 to 100");
        }
        stages.push(NewStage {
            name: name.unwrap_or_default(),
            probability: s.probability,
            kind: s.kind,
        });
    }
    errors.into_result().map_err(ApiError::Validation)?;
    let name = name.unwrap_or_default();
    let ws = caller.workspace_id;
    let pipeline = state
        .db(move |conn| {
            transaction(conn, |conn| {
                lock_workspace(conn, ws)?;
                if crm_db::pipelines::list(conn, ws)?
                    .iter()
                    .any(|p| p.name == name)
                {
                    return Err(ApiError::Conflict {
                        field: "name".into(),
                        detail: "a pipeline has this name".into(),
                    });
                }
                let (row, stages) = crm_db::pipelines::insert(conn, ws, &name, &stages)?;
                Ok(view(&row, &stages))
            })
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/pipelines/{}", pipeline.id)))
        .json(pipeline))
}

/// The kanban board: per stage the number of visible deals, their amount
/// and probability-weighted amount per currency, and the first page of
/// deals (most recently moved first); page a column with
/// `GET /deals?stage_id=&sort=-stage_changed_at&cursor=`.
#[utoipa::path(
    tag = "deals",
    params(("id" = Uuid, Path), KanbanQuery),
    responses(
        (status = 200, body = Kanban),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/pipelines/{id}/kanban")]
pub async fn kanban(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    query: ApiQuery<KanbanQuery>,
) -> Result<web::Json<Kanban>, ApiError> {
    let id = id.into_inner();
    let q = query.0;
    let limit = crate::paging::limit(q.limit, 100, 20)?;
    let ws = caller.workspace_id;
    let (pipeline, sums, pages) = state
        .db(move |conn| {
            let vis = caller.visibility(conn, ObjectType::Deals, Action::Read)?;
            let pipeline = load(conn, ws, id)?;
            let sums = crm_db::deals::stage_sums(conn, &vis, id, q.owner_id)?;
            let mut pages = Vec::new();
            for stage in &pipeline.stages {
                let filter = DealFilter {
                    stage_id: Some(stage.id),
                    owner_id: q.owner_id,
                    ..DealFilter::default()
                };
                let keyset = Keyset {
                    field: DealSort::StageChangedAt,
                    direction: Direction::Desc,
                    after: None,
                    limit,
                };
                pages.push(crm_db::deals::list(conn, &vis, &filter, &keyset)?);
            }
            Ok((pipeline, sums, pages))
        })
        .await?;
    let mut by_stage: HashMap<Uuid, (i64, Vec<StageTotal>)> = HashMap::new();
    for s in sums {
        let entry = by_stage.entry(s.stage_id.0).or_default();
        entry.0 += s.count;
        entry.1.push(StageTotal {
            currency: s.currency,
            amount_minor: s.amount_minor.unwrap_or_default(),
            weighted_minor: s.weighted_minor.unwrap_or_default(),
        });
    }
    let columns = pipeline
        .stages
        .iter()
        .cloned()
        .zip(pages)
        .map(|(stage, rows)| {
            let (count, totals) = by_stage.remove(&stage.id).unwrap_or_default();
            let (deals, next_cursor) = page(
                rows,
                limit,
                "-stage_changed_at",
                |r| (SortValue::Time(r.fields.stage_changed_at), r.id.0),
                crate::deals::view,
            );
            KanbanColumn {
                stage,
                count,
                totals,
                deals,
                next_cursor,
            }
        })
        .collect();
    Ok(web::Json(Kanban { pipeline, columns }))
}
