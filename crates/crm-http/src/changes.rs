//! `/changes`: the workspace's change log as a feed for incremental sync —
//! each create, update and delete of a customer, contact, product, order,
//! deal, lead or activity the caller may read, in commit order, with the names of the fields that changed.

use actix_web::{get, web};
use crm_api_types::Problem;
use crm_api_types::changes::{Change, ChangeEntity, ChangesPage, ChangesQuery};
use crm_db::change_log::{ChangeRow, FeedPage};

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::state::AppState;
use crate::views::utc;

fn view(row: ChangeRow) -> Option<Change> {
    let entity = crm_app::audit::entity(&row.entity)?;
    let op = crm_app::audit::op(&row.op)?;
    Some(Change {
        seq: row.seq,
        entity,
        entity_id: row.entity_id.0,
        op,
        changed_fields: serde_json::from_value(row.changed_fields.0).unwrap_or_default(),
        actor_id: row.actor_id.map(|id| id.0),
        at: utc(row.at),
    })
}

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
    let limit = crate::paging::limit(query.limit, 1000, 100)?;
    let since = match query.since {
        Some(s) if s < 0 => return Err(crate::paging::bad("since", "must not be negative")),
        Some(s) => s,
        None => 0,
    };
    let entity = query.entity.map(ChangeEntity::as_str);
    let page: FeedPage = state
        .db(move |conn| {
            let scopes = crm_app::audit::feed_scopes(conn, &caller, None)?;
            Ok(crm_db::change_log::feed(
                conn, &scopes, entity, since, limit,
            )?)
        })
        .await?;
    Ok(web::Json(ChangesPage {
        items: page.entries.into_iter().filter_map(view).collect(),
        next_since: page.last_seq,
        has_more: page.has_more,
    }))
}
