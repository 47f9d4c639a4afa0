//! `/changes`: the workspace's change log as a feed for incremental sync —
//! each create, update and delete of a customer, contact, product, order,
//! deal, lead or activity the caller may read, in commit order, with the
//! names of the fields that changed (`crm_app::changes`).

use actix_web::{get, web};
use crm_api_types::Problem;
use crm_api_types::changes::{ChangesPage, ChangesQuery};

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::state::AppState;

/// What changed since `since`, oldest first.
///
/// Page with `since = next_since` until `has_more` is false; no entry is
/// skipped or repeated, also while writes go on. Deletions are reported;
/// records outside the caller's read scope are left out.
#[utoipa::path(
    tag = "changes",
    params(ChangesQuery),
    responses(
        (status = 200, body = ChangesPage),
        (status = 400, description = "Bad `since`, `entity` or `limit`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/changes")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<ChangesQuery>,
) -> Result<web::Json<ChangesPage>, ApiError> {
    let query = query.0;
    let page = state
        .db(move |conn| Ok(crm_app::changes::list(conn, &caller, query)?))
        .await?;
    Ok(web::Json(page))
}
