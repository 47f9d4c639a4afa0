//! `/regions`: the reference list of countries and Chinese divisions
//! (`crm_app::regions`).

use actix_web::{get, web};
use crm_api_types::regions::{Region, RegionQuery};
use crm_api_types::{Page, Problem};

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::state::AppState;

/// List regions: `?parent=CN` gives provinces, `?parent=440000` the cities of
/// Guangdong, `?level=country` every country. Sorted by code; the cursor is
/// the last code of the previous page.
#[utoipa::path(tag = "regions", params(RegionQuery), responses((status = 200, body = Page<Region>), (status = 400, body = Problem, content_type = "application/problem+json")))]
#[get("/regions")]
pub async fn list(
    state: web::Data<AppState>,
    _caller: Caller,
    query: ApiQuery<RegionQuery>,
) -> Result<web::Json<Page<Region>>, ApiError> {
    let query = query.0;
    let page = state
        .db(move |conn| Ok(crm_app::regions::list(conn, query)?))
        .await?;
    Ok(web::Json(page))
}
