//! `/tickets` and `/service/settings`: the HTTP side of `crm_app::tickets`
//! (工单 and the service desk's settings): each handler reads the request,
//! calls the use case and answers with status and `ETag`.

use actix_web::{HttpResponse, get, patch, post, put, web};
use crm_api_types::tickets::{
    AgentPatch, NewReply, NewTicket, Reply, ServiceAgent, ServiceSettings, Ticket, TicketPatch,
    TicketQuery,
};
use crm_api_types::{Page, Problem};
use crm_db::paging::SortValue;
use crm_db::tickets::TicketSort;
use crm_domain::access::{Action, ObjectType};
use uuid::Uuid;

pub mod attachments;
pub mod batch;
pub mod export;

use crate::caller::{Bearer, Caller};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, IfMatch, etag};
use crate::idempotency::{self, IdempotencyKey};
use crate::paging::{keyset, page};
use crate::state::AppState;

const SORTS: [(&str, TicketSort); 3] = [
    ("created_at", TicketSort::CreatedAt),
    ("updated_at", TicketSort::UpdatedAt),
    ("resolution_due_at", TicketSort::ResolutionDueAt),
];

/// Open a ticket for a customer the caller can see. It starts `new`, with
/// its first-response and resolution due times set from the workspace's
/// SLA targets for its priority on the business calendar.
#[utoipa::path(
    tag = "tickets",
    params(("Idempotency-Key" = Option<String>, Header)),
    request_body = NewTicket,
    responses(
        (status = 201, body = Ticket),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tickets")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    body: ApiJson<NewTicket>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ObjectType::Tickets, Action::Create)?;
    idempotency::create(
        &state,
        caller,
        key,
        "/api/v1/tickets",
        body.0,
        |conn, caller, body| Ok(crm_app::tickets::create_in(conn, caller, body)?),
    )
    .await
}

#[utoipa::path(
    tag = "tickets",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Ticket), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[get("/tickets/{id}")]
pub async fn get(bearer: Bearer, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let ticket = bearer
        .read_confirmed(move |conn, caller| crm_app::tickets::get_confirming(conn, caller, id))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(ticket.version))
        .json(ticket))
}

/// List visible tickets, newest first unless `sort` says otherwise;
/// `queue` picks a ready-made queue. Keyset-paginated.
#[utoipa::path(
    tag = "tickets",
    params(TicketQuery),
    responses((status = 200, body = Page<Ticket>), (status = 400, body = Problem, content_type = "application/problem+json"))
)]
#[get("/tickets")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<TicketQuery>,
) -> Result<web::Json<Page<Ticket>>, ApiError> {
    let q = query.0;
    if let Some(t) = q.ticket_type.as_deref()
        && !crm_domain::service::is_type_key(t)
    {
        return Err(crm_app::error::bad_param("ticket_type", "is not a ticket type key").into());
    }
    let (keyset, sort_key) = keyset(q.sort.as_deref(), q.cursor.as_deref(), q.limit, &SORTS)?;
    let now = chrono::Utc::now();
    let filter = crm_app::tickets::filter(&q, &caller, now);
    let (field, limit) = (keyset.field, keyset.limit);
    let rows = state
        .db(move |conn| {
            Ok(crm_app::tickets::list(
                conn, &caller, &filter, &keyset, now,
            )?)
        })
        .await?;
    let (items, next_cursor) = page(
        rows,
        limit,
        &sort_key,
        |t| {
            let v = match field {
                TicketSort::CreatedAt => t.created_at,
                TicketSort::UpdatedAt => t.updated_at,
                TicketSort::ResolutionDueAt => t.resolution_due_at.unwrap_or(t.created_at),
            };
            (SortValue::Time(v.naive_utc()), t.id)
        },
        |ticket| ticket,
    );
    Ok(web::Json(Page { items, next_cursor }))
}

/// Merge-patch a ticket: move its status (`pending` stops the resolution
/// clock, `resolved` and `closed` stamp their times, reopening clears
/// them), change its priority (the due times follow), type or assignee.
#[utoipa::path(
    tag = "tickets",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    request_body = TicketPatch,
    responses(
        (status = 200, body = Ticket),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/tickets/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<TicketPatch>,
) -> Result<HttpResponse, ApiError> {
    let (id, patch) = (id.into_inner(), body.0);
    let ticket = state
        .db(move |conn| {
            Ok(crm_app::tickets::update(
                conn,
                &caller,
                id,
                if_match.expected(),
                patch,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(ticket.version))
        .json(ticket))
}

/// Create or update the ticket with this external id (a call centre's key
/// for it): a merge patch (`TicketPatch`) of an existing ticket, else a
/// `NewTicket`-shaped body (`customer_id`, `subject`, `ticket_type` …).
/// 201 with `Location` when created, 200 when it existed; `ETag` either way.
#[utoipa::path(
    tag = "tickets",
    params(
        ("external_id" = String, Path, description = "The ticket's key in your system"),
        ("If-Match" = Option<String>, Header),
    ),
    request_body = NewTicket,
    responses(
        (status = 200, body = Ticket),
        (status = 201, body = Ticket),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/tickets/by-external-id/{external_id}")]
pub async fn put(
    state: web::Data<AppState>,
    caller: Caller,
    external_id: web::Path<String>,
    if_match: IfMatch,
    body: ApiJson<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    let (key, body) = (external_id.into_inner(), body.0);
    let (ticket, created) = state
        .db(move |conn| {
            Ok(crm_app::tickets::upsert(
                conn,
                &caller,
                key,
                if_match.expected(),
                body,
            )?)
        })
        .await?;
    let location = format!("/api/v1/tickets/{}", ticket.id);
    Ok(crate::upsert::answer(
        created,
        location,
        ticket.version,
        ticket,
    ))
}

/// Read the ticket with this external id: the same record and `ETag` as
/// `GET /tickets/{id}`; 404 when no live ticket has this key in your
/// workspace or you may not see it.
#[utoipa::path(
    tag = "tickets",
    params(("external_id" = String, Path, description = "The ticket's key in your system")),
    responses(
        (status = 200, description = "The ticket; `ETag` carries its version", body = Ticket),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tickets/by-external-id/{external_id}")]
pub async fn get_by_external_id(
    bearer: Bearer,
    external_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = external_id.into_inner();
    let ticket = bearer
        .read_confirmed(move |conn, caller| {
            crm_app::tickets::get_by_external_id(conn, caller, &key)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(ticket.version))
        .json(ticket))
}

/// A ticket's public replies and internal notes, oldest first.
#[utoipa::path(
    tag = "tickets",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<Reply>), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[get("/tickets/{id}/replies")]
pub async fn replies(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<Vec<Reply>>, ApiError> {
    let id = id.into_inner();
    let replies = state
        .db(move |conn| Ok(crm_app::tickets::replies(conn, &caller, id)?))
        .await?;
    Ok(web::Json(replies))
}

/// Reply to the customer, or add an internal note (`internal`). The first
/// public reply meets the first-response target and opens a `new` ticket.
#[utoipa::path(
    tag = "tickets",
    params(("id" = Uuid, Path)),
    request_body = NewReply,
    responses(
        (status = 201, body = Reply),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tickets/{id}/replies")]
pub async fn reply(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ApiJson<NewReply>,
) -> Result<HttpResponse, ApiError> {
    let (id, body) = (id.into_inner(), body.0);
    let (reply, _) = state
        .db(move |conn| Ok(crm_app::tickets::reply(conn, &caller, id, body)?))
        .await?;
    Ok(HttpResponse::Created().json(reply))
}

/// The service desk's settings: ticket types, the business calendar
/// (working periods per weekday, time zone, public holidays, make-up
/// working days) and the SLA targets per priority in business minutes.
#[utoipa::path(
    tag = "tickets",
    responses((status = 200, body = ServiceSettings), (status = 403, body = Problem, content_type = "application/problem+json"))
)]
#[get("/service/settings")]
pub async fn get_settings(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let (settings, version) = state
        .db(move |conn| Ok(crm_app::tickets::settings::get(conn, &caller)?))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(version))
        .json(settings))
}

/// Replace the service desk's settings (roles that may update
/// `service_settings` for the whole workspace). Tickets keep the due times
/// they were given; new tickets and priority changes use the new targets.
#[utoipa::path(
    tag = "tickets",
    params(("If-Match" = Option<String>, Header)),
    request_body = ServiceSettings,
    responses(
        (status = 200, body = ServiceSettings),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/service/settings")]
pub async fn save_settings(
    state: web::Data<AppState>,
    caller: Caller,
    if_match: IfMatch,
    body: ApiJson<ServiceSettings>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let (saved, version) = state
        .db(move |conn| {
            Ok(crm_app::tickets::settings::put(
                conn,
                &caller,
                if_match.expected(),
                body,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().insert_header(etag(version)).json(saved))
}

/// The service agents' availability and capacity, with their open tickets.
#[utoipa::path(
    tag = "tickets",
    responses((status = 200, body = Vec<ServiceAgent>), (status = 403, body = Problem, content_type = "application/problem+json"))
)]
#[get("/service/agents")]
pub async fn agents(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<Vec<ServiceAgent>>, ApiError> {
    let agents = state
        .db(move |conn| Ok(crm_app::tickets::assignment::agents(conn, &caller)?))
        .await?;
    Ok(web::Json(agents))
}

/// Set an agent's availability (on duty / away) and capacity: the agent
/// themselves, or a role that may update the service settings. Their
/// team's waiting tickets go to them at once while they have room.
#[utoipa::path(
    tag = "tickets",
    params(("user_id" = Uuid, Path)),
    request_body = AgentPatch,
    responses(
        (status = 200, body = ServiceAgent),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/service/agents/{user_id}")]
pub async fn save_agent(
    state: web::Data<AppState>,
    caller: Caller,
    user_id: web::Path<Uuid>,
    body: ApiJson<AgentPatch>,
) -> Result<web::Json<ServiceAgent>, ApiError> {
    let (user, patch) = (user_id.into_inner(), body.0);
    let agent = state
        .db(move |conn| {
            Ok(crm_app::tickets::assignment::save_agent(
                conn, &caller, user, patch,
            )?)
        })
        .await?;
    Ok(web::Json(agent))
}
