//! `/pipelines`: the HTTP side of `crm_app::pipelines` (the sales pipelines
//! with their stages, the stage editor, and the kanban board of one pipeline). Column
//! cursors are made here.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use crm_api_types::Problem;
use crm_api_types::deals::{
    AddedStage, Kanban, KanbanColumn, KanbanQuery, NewPipeline, Pipeline, StagePatch,
};
use crm_db::paging::SortValue;
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery};
use crate::paging::page;
use crate::state::AppState;

/// Every pipeline of the workspace with its stages, in board order.
#[utoipa::path(tag = "deals", responses((status = 200, body = Vec<Pipeline>)))]
#[get("/pipelines")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<Vec<Pipeline>>, ApiError> {
    let pipelines = state
        .db(move |conn| Ok(crm_app::pipelines::list(conn, &caller)?))
        .await?;
    Ok(web::Json(pipelines))
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
    let id = id.into_inner();
    Ok(web::Json(
        state
            .db(move |conn| Ok(crm_app::pipelines::get(conn, &caller, id)?))
            .await?,
    ))
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
    let body = body.0;
    let pipeline = state
        .db(move |conn| Ok(crm_app::pipelines::create(conn, &caller, body)?))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/pipelines/{}", pipeline.id)))
        .json(pipeline))
}

/// Add a stage to a pipeline.
///
/// Administrators (pipelines update, scope `all`). A pipeline holds at most
/// 30 live stages, no two with the same name (ignoring case).
#[utoipa::path(
    tag = "deals",
    params(("id" = Uuid, Path)),
    request_body = AddedStage,
    responses(
        (status = 201, description = "Added: the pipeline with the new stage", body = Pipeline),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another stage has the name, or the pipeline has 30", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/pipelines/{id}/stages")]
pub async fn add_stage(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ApiJson<AddedStage>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let body = body.0;
    let pipeline = state
        .db(move |conn| Ok(crm_app::pipelines::add_stage(conn, &caller, id, body)?))
        .await?;
    Ok(HttpResponse::Created().json(pipeline))
}

/// Retire a stage.
///
/// Administrators (pipelines update, scope `all`). The stage leaves the
/// board, the forecast and deal placement; its history stays. Refused
/// while a live deal is on it and for the pipeline's last won or lost stage.
#[utoipa::path(
    tag = "deals",
    params(("id" = Uuid, Path), ("stage_id" = Uuid, Path)),
    responses(
        (status = 200, description = "The pipeline without the stage", body = Pipeline),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Deals are on the stage, or it is the last won or lost one", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/pipelines/{id}/stages/{stage_id}")]
pub async fn retire_stage(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<web::Json<Pipeline>, ApiError> {
    let (id, stage_id) = path.into_inner();
    let pipeline = state
        .db(move |conn| {
            Ok(crm_app::pipelines::retire_stage(
                conn, &caller, id, stage_id,
            )?)
        })
        .await?;
    Ok(web::Json(pipeline))
}

/// Change a stage: its name, default probability, forecast category or place.
///
/// Administrators (pipelines update, scope `all`). Deals already on the
/// stage keep their probability; the forecast counts them by the new
/// category unless a rep overrode it. Moving a stage shifts those between.
#[utoipa::path(
    tag = "deals",
    params(("id" = Uuid, Path), ("stage_id" = Uuid, Path)),
    request_body = StagePatch,
    responses(
        (status = 200, description = "The pipeline with the changed stage", body = Pipeline),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another stage has the name", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/pipelines/{id}/stages/{stage_id}")]
pub async fn update_stage(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    body: ApiJson<StagePatch>,
) -> Result<web::Json<Pipeline>, ApiError> {
    let (id, stage_id) = path.into_inner();
    let body = body.0;
    let pipeline = state
        .db(move |conn| {
            Ok(crm_app::pipelines::update_stage(
                conn, &caller, id, stage_id, body,
            )?)
        })
        .await?;
    Ok(web::Json(pipeline))
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
    let (pipeline, columns) = state
        .db(move |conn| {
            Ok(crm_app::pipelines::kanban(
                conn, &caller, id, q.owner_id, limit,
            )?)
        })
        .await?;
    let columns = columns
        .into_iter()
        .map(|column| {
            let (deals, next_cursor) = page(
                column.deals,
                limit,
                "-stage_changed_at",
                |r| (SortValue::Time(r.fields.stage_changed_at), r.id.0),
                crm_app::deals::view,
            );
            KanbanColumn {
                stage: column.stage,
                count: column.count,
                totals: column.totals,
                deals,
                next_cursor,
            }
        })
        .collect();
    Ok(web::Json(Kanban { pipeline, columns }))
}
