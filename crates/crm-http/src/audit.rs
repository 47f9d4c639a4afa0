//! `/audit`: the HTTP side of `crm_app::audit` — a record's history of
//! changes (who, which field, from what to what, when, through which channel).

use actix_web::{get, web};
use crm_api_types::audit::{AuditEntry, AuditQuery};
use crm_api_types::{Page, Problem};

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::state::AppState;

/// The history of changes, newest first: of one record (`entity` and
/// `entity_id`), of one user's changes (`actor`), or of everything the
/// caller may read. Values before and after show only within the caller's
/// `audit` read grant; a record the caller cannot read is 404.
#[utoipa::path(
    tag = "audit",
    params(AuditQuery),
    responses(
        (status = 200, body = Page<AuditEntry>),
        (status = 400, description = "Bad filter, `cursor` or `limit`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The record does not exist or the caller cannot read it", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/audit")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<AuditQuery>,
) -> Result<web::Json<Page<AuditEntry>>, ApiError> {
    let query = query.0;
    let page = state
        .db(move |conn| Ok(crm_app::audit::list(conn, &caller, &query)?))
        .await?;
    Ok(web::Json(page))
}
