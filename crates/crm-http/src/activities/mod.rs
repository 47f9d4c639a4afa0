//! `/activities`: calls, meetings, e-mails, notes and tasks on customers,
//! contacts, leads and deals, visible by their assignee and team; and
//! `GET /customers/{id}/timeline`, which merges a customer's activities,
//! deal stage changes, orders and record changes, newest first.

pub mod export;

use actix_web::{HttpResponse, delete, get, patch, post, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use crm_api_types::activities::{
    Activity, ActivityPatch, ActivityQuery, NewActivity, TimelineEntry, TimelineQuery,
};
use crm_api_types::changes::ChangeOp;
use crm_api_types::patch::apply;
use crm_api_types::{Page, Problem};
use crm_db::AnyConnection;
use crm_db::activities::{ActivityFields, ActivityFilter, ActivityRow};
use crm_db::change_log::{Op, changed_fields, field_names, lock_workspace, transaction};
use crm_db::paging::SortValue;
use crm_db::timeline::{TimelineKey, TimelineRow};
use crm_db::types::Id;
use crm_domain::FieldErrors;
use crm_domain::access::{Action, ObjectType, Ownership, Scope};
use crm_domain::money::Money;
use crm_domain::sales::{ActivityKind, OrderStatus};
use crm_domain::validation::{bounded_text, multiline_text};
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, IfMatch, etag};
use crate::idempotency::{self, IdempotencyKey};
use crate::paging::{bad, page};
use crate::state::AppState;
use crate::views::{naive, utc};

pub const ENTITY: &str = crm_db::change_log::ACTIVITY;

pub fn view(row: ActivityRow) -> Activity {
    let f = row.fields;
    Activity {
        id: row.id.0,
        kind: ActivityKind::parse(&f.kind).unwrap_or(ActivityKind::Note),
        subject: f.subject,
        body: f.body,
        customer_id: f.customer_id.map(Uuid::from),
        contact_id: f.contact_id.map(Uuid::from),
        lead_id: f.lead_id.map(Uuid::from),
        deal_id: f.deal_id.map(Uuid::from),
        occurred_at: utc(f.occurred_at),
        due_at: f.due_at.map(utc),
        done: f.done,
        done_at: f.done_at.map(utc),
        owner_id: f.owner_id.map(Uuid::from),
        team_id: f.team_id.map(Uuid::from),
        version: row.version,
        created_by: row.created_by.map(Uuid::from),
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    }
}

fn not_visible(field: &str) -> ApiError {
    ApiError::validation(field, "no such record, or not visible to you")
}

/// The owner (active user of the workspace) and their team.
fn owner(
    conn: &mut AnyConnection,
    caller: &Caller,
    id: Uuid,
) -> Result<(Option<Id>, Option<Id>), ApiError> {
    match crm_db::users::find(conn, caller.workspace_id, id) {
        Ok(u) if u.active => Ok((Some(Id(id)), u.team_id)),
        Ok(_) => Err(ApiError::validation("owner_id", "is a deactivated user")),
        Err(crm_db::DbError::NotFound) => Err(ApiError::validation(
            "owner_id",
            "is not a user of this workspace",
        )),
        Err(e) => Err(e.into()),
    }
}

fn check_scope(
    conn: &mut AnyConnection,
    caller: &Caller,
    scope: Scope,
    owner: Option<Id>,
    team: Option<Id>,
    what: &str,
) -> Result<(), ApiError> {
    let principal = caller.principal(conn, scope)?;
    let ownership = Ownership {
        owner_id: owner.map(Uuid::from),
        team_id: team.map(Uuid::from),
    };
    if scope.covers(&principal, ownership) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!("your role may not {what}")))
    }
}

fn create_in(
    conn: &mut AnyConnection,
    caller: &Caller,
    b: NewActivity,
) -> Result<Activity, ApiError> {
    let scope = caller.require(ObjectType::Activities, Action::Create)?;
    let mut errors = FieldErrors::new();
    let subject = errors.take("subject", bounded_text(b.subject.trim(), 1, 200));
    let body = b
        .body
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty());
    let body = body.and_then(|v| errors.take("body", multiline_text(&v, 1, 5000)));
    errors.into_result().map_err(ApiError::Validation)?;
    // Links: each must be visible; a contact or deal implies its customer.
    let mut customer_id = b.customer_id;
    if let Some(id) = b.contact_id {
        let vis = caller.visibility_or_none(conn, ObjectType::Contacts, Action::Read)?;
        let contact =
            crm_db::contacts::find(conn, &vis, id).map_err(|_| not_visible("contact_id"))?;
        let of = contact.fields.customer_id.0;
        if customer_id.is_some_and(|c| c != of) {
            return Err(ApiError::validation(
                "contact_id",
                "belongs to another customer",
            ));
        }
        customer_id = Some(of);
    }
    if let Some(id) = b.deal_id {
        let vis = caller.visibility_or_none(conn, ObjectType::Deals, Action::Read)?;
        let deal = crm_db::deals::find(conn, &vis, id).map_err(|_| not_visible("deal_id"))?;
        let of = deal.fields.customer_id.0;
        if customer_id.is_some_and(|c| c != of) {
            return Err(ApiError::validation(
                "deal_id",
                "belongs to another customer",
            ));
        }
        customer_id = Some(of);
    }
    if let Some(id) = b.lead_id {
        let vis = caller.visibility_or_none(conn, ObjectType::Leads, Action::Read)?;
        crm_db::leads::find(conn, &vis, id).map_err(|_| not_visible("lead_id"))?;
    }
    if let Some(id) = customer_id {
        let vis = caller.visibility_or_none(conn, ObjectType::Customers, Action::Read)?;
        crm_db::customers::find(conn, &vis, id).map_err(|_| not_visible("customer_id"))?;
    }
    if customer_id.is_none() && b.lead_id.is_none() {
        return Err(ApiError::validation(
            "customer_id",
            "link the activity to a customer, contact, lead or deal",
        ));
    }
    check_times(b.occurred_at, b.due_at)?;
    let (owner_id, team_id) = owner(conn, caller, b.owner_id.unwrap_or(caller.user_id()))?;
    check_scope(
        conn,
        caller,
        scope,
        owner_id,
        team_id,
        "assign activities to that owner or team",
    )?;
    let now = crm_db::time::now();
    let occurred_at = b.occurred_at.map(naive).unwrap_or(now);
    let done = b.done.unwrap_or(b.kind != ActivityKind::Task);
    let fields = ActivityFields {
        kind: b.kind.as_str().to_owned(),
        subject: subject.unwrap_or_default(),
        body,
        customer_id: customer_id.map(Id),
        contact_id: b.contact_id.map(Id),
        lead_id: b.lead_id.map(Id),
        deal_id: b.deal_id.map(Id),
        occurred_at,
        due_at: b.due_at.map(naive),
        done,
        done_at: done.then_some(now),
        owner_id,
        team_id,
    };
    let changed = field_names(&fields);
    let values = crm_db::change_log::values(&changed, None, Some(&fields));
    let row =
        crm_db::activities::insert(conn, caller.workspace_id, Some(caller.user_id()), fields)?;
    caller.record_change(conn, ENTITY, row.id.0, Op::Create, changed, values)?;
    Ok(view(row))
}

fn find_for(
    conn: &mut AnyConnection,
    caller: &Caller,
    id: Uuid,
    action: Action,
) -> Result<(ActivityRow, Scope), ApiError> {
    let read = caller.visibility(conn, ObjectType::Activities, Action::Read)?;
    let current = crm_db::activities::find(conn, &read, id)?;
    let scope = caller.require(ObjectType::Activities, action)?;
    check_scope(
        conn,
        caller,
        scope,
        current.fields.owner_id,
        current.fields.team_id,
        &format!("{action} this activity"),
    )?;
    Ok((current, scope))
}

/// Log an activity or create a task. Non-task kinds are done when logged.
#[utoipa::path(
    tag = "activities",
    params(("Idempotency-Key" = Option<String>, Header)),
    request_body = NewActivity,
    responses(
        (status = 201, body = Activity),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/activities")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    body: ApiJson<NewActivity>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ObjectType::Activities, Action::Create)?;
    idempotency::create(&state, caller, key, "/api/v1/activities", body.0, create_in).await
}

#[utoipa::path(
    tag = "activities",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Activity), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[get("/activities/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let activity = state
        .db(move |conn| {
            let vis = caller.visibility(conn, ObjectType::Activities, Action::Read)?;
            Ok(view(crm_db::activities::find(conn, &vis, id)?))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(activity.version))
        .json(activity))
}

/// List visible activities, most recent first (`done=false&due_before=…` lists overdue tasks).
#[utoipa::path(
    tag = "activities",
    params(ActivityQuery),
    responses((status = 200, body = Page<Activity>), (status = 400, body = Problem, content_type = "application/problem+json"))
)]
#[get("/activities")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<ActivityQuery>,
) -> Result<web::Json<Page<Activity>>, ApiError> {
    let q = query.0;
    let (keyset, sort_key) = crate::paging::keyset(
        Some("-occurred_at"),
        q.cursor.as_deref(),
        q.limit,
        &[("occurred_at", ())],
    )?;
    let filter = ActivityFilter {
        kind: q.kind.map(|k| k.as_str().to_owned()),
        customer_id: q.customer_id,
        contact_id: q.contact_id,
        lead_id: q.lead_id,
        deal_id: q.deal_id,
        owner_id: q.owner_id,
        done: q.done,
        due_before: q.due_before.map(naive),
    };
    let limit = keyset.limit;
    let rows = state
        .db(move |conn| {
            let vis = caller.visibility(conn, ObjectType::Activities, Action::Read)?;
            Ok(crm_db::activities::list(conn, &vis, &filter, &keyset)?)
        })
        .await?;
    let (items, next_cursor) = page(
        rows,
        limit,
        &sort_key,
        |r| (SortValue::Time(r.fields.occurred_at), r.id.0),
        view,
    );
    Ok(web::Json(Page { items, next_cursor }))
}

/// Merge-patch an activity; `done: true` completes a task.
#[utoipa::path(
    tag = "activities",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    request_body = ActivityPatch,
    responses(
        (status = 200, body = Activity),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/activities/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<ActivityPatch>,
) -> Result<HttpResponse, ApiError> {
    let (id, p) = (id.into_inner(), body.0);
    let activity = state
        .db(move |conn| {
            transaction(conn, |conn| {
                lock_workspace(conn, caller.workspace_id)?;
                let (current, scope) = find_for(conn, &caller, id, Action::Update)?;
                let version = if_match.check(current.version)?;
                let mut f = current.fields.clone();
                let mut errors = FieldErrors::new();
                if let Some(s) = p.subject {
                    f.subject = errors
                        .take("subject", bounded_text(s.trim(), 1, 200))
                        .unwrap_or_default();
                }
                f.body = apply(f.body, p.body)
                    .map(|v| v.trim().to_owned())
                    .filter(|v| !v.is_empty())
                    .and_then(|v| errors.take("body", multiline_text(&v, 1, 5000)));
                errors.into_result().map_err(ApiError::Validation)?;
                check_times(p.occurred_at, p.due_at.flatten())?;
                if let Some(t) = p.occurred_at {
                    f.occurred_at = naive(t);
                }
                f.due_at = apply(f.due_at, p.due_at.map(|d| d.map(naive)));
                if let Some(done) = p.done
                    && done != f.done
                {
                    f.done = done;
                    f.done_at = done.then(crm_db::time::now);
                }
                if let Some(o) = p.owner_id {
                    (f.owner_id, f.team_id) = owner(conn, &caller, o)?;
                    check_scope(
                        conn,
                        &caller,
                        scope,
                        f.owner_id,
                        f.team_id,
                        "assign activities to that owner or team",
                    )?;
                }
                let changed = changed_fields(&current.fields, &f);
                if changed.is_empty() {
                    return Ok(view(current));
                }
                let row =
                    crm_db::activities::update(conn, &current, version, Some(caller.user_id()), f)?;
                let values =
                    crm_db::change_log::values(&changed, Some(&current.fields), Some(&row.fields));
                caller.record_change(conn, ENTITY, id, Op::Update, changed, values)?;
                Ok(view(row))
            })
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(activity.version))
        .json(activity))
}

#[utoipa::path(
    tag = "activities",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/activities/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state
        .db(move |conn| {
            transaction(conn, |conn| {
                lock_workspace(conn, caller.workspace_id)?;
                let (current, _) = find_for(conn, &caller, id, Action::Delete)?;
                let version = if_match.check(current.version)?;
                crm_db::activities::soft_delete(conn, &current, version, Some(caller.user_id()))?;
                Ok(caller.record_change(conn, ENTITY, id, Op::Delete, vec![], None)?)
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

fn entry(row: TimelineRow) -> TimelineEntry {
    match row {
        TimelineRow::Activity(a) => TimelineEntry::Activity {
            at: utc(a.fields.occurred_at),
            activity: view(a),
        },
        TimelineRow::StageChange { change, deal_name } => TimelineEntry::StageChange {
            at: utc(change.at),
            deal_id: change.deal_id.0,
            deal_name,
            from_stage_id: change.from_stage_id.map(Uuid::from),
            to_stage_id: change.to_stage_id.0,
            actor_id: change.actor_id.map(Uuid::from),
        },
        TimelineRow::Order(o) => TimelineEntry::Order {
            at: utc(o.fields.order_date.and_hms_opt(0, 0, 0).unwrap_or_default()),
            order_id: o.id.0,
            external_id: o.fields.external_id,
            status: OrderStatus::parse(&o.fields.status).unwrap_or(OrderStatus::Confirmed),
            total: Money {
                amount_minor: o.fields.total_minor,
                currency: o.fields.currency,
            },
        },
        TimelineRow::FieldChange(c) => TimelineEntry::FieldChange {
            at: utc(c.at),
            op: match c.op.as_str() {
                "create" => ChangeOp::Create,
                "delete" => ChangeOp::Delete,
                _ => ChangeOp::Update,
            },
            changed_fields: serde_json::from_value(c.changed_fields.0).unwrap_or_default(),
            actor_id: c.actor_id.map(Uuid::from),
        },
    }
}

/// Everything that happened to a customer, newest first: activities, stage
/// changes of its deals, orders (at their order date) and changes to the
/// record. Keyset-paginated with `next_cursor`; entries the caller may not
/// see (another rep's activity or deal) are left out.
#[utoipa::path(
    tag = "customers",
    params(("id" = Uuid, Path), TimelineQuery),
    responses(
        (status = 200, body = Page<TimelineEntry>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/customers/{id}/timeline")]
pub async fn timeline(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    query: ApiQuery<TimelineQuery>,
) -> Result<web::Json<Page<TimelineEntry>>, ApiError> {
    let id = id.into_inner();
    let q = query.0;
    let limit = crate::paging::limit(q.limit, 200, 25)?;
    let cursor: Option<TimelineKey> = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => Some(
            URL_SAFE_NO_PAD
                .decode(c)
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok())
                .ok_or_else(|| bad("cursor", "is not a cursor of this list"))?,
        ),
    };
    let mut rows = state
        .db(move |conn| {
            let customers = caller.visibility(conn, ObjectType::Customers, Action::Read)?;
            crm_db::customers::find(conn, &customers, id)?;
            let activities =
                caller.visibility_or_none(conn, ObjectType::Activities, Action::Read)?;
            let deals = caller.visibility_or_none(conn, ObjectType::Deals, Action::Read)?;
            let orders = caller.visibility_or_none(conn, ObjectType::Orders, Action::Read)?;
            Ok(crm_db::timeline::page(
                conn,
                id,
                (&activities, &deals, &orders),
                cursor.as_ref(),
                limit,
            )?)
        })
        .await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let next_cursor = if more {
        rows.last()
            .map(|r| URL_SAFE_NO_PAD.encode(serde_json::to_vec(&r.key()).unwrap_or_default()))
    } else {
        None
    };
    Ok(web::Json(Page {
        items: rows.into_iter().map(entry).collect(),
        next_cursor,
    }))
}

/// 422 when a time given lies outside the years a business date may fall in.
fn check_times(
    occurred_at: Option<chrono::DateTime<chrono::Utc>>,
    due_at: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<(), ApiError> {
    let mut errors = FieldErrors::new();
    for (field, at) in [("occurred_at", occurred_at), ("due_at", due_at)] {
        if let Some(at) = at {
            errors.take(field, crm_domain::validation::sane_time(at));
        }
    }
    errors.into_result().map_err(ApiError::Validation)
}
