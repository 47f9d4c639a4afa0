//! `/leads`: prospects, their qualification, and conversion — one
//! transaction that creates the customer (or links an existing one), a
//! contact and optionally a deal, and marks the lead converted. Visibility
//! follows the lead's owner and team, as for customers.

pub mod export;

use actix_web::{HttpResponse, delete, get, patch, post, web};
use crm_api_types::leads::{Conversion, ConvertLead, Lead, LeadPatch, LeadQuery, NewLead};
use crm_api_types::patch::apply;
use crm_api_types::{Page, Problem};
use crm_db::AnyConnection;
use crm_db::change_log::{Op, changed_fields, field_names, lock_workspace, transaction};
use crm_db::leads::{LeadFields, LeadFilter, LeadRow, LeadSort};
use crm_db::paging::SortValue;
use crm_db::types::Id;
use crm_domain::access::{Action, ObjectType, Ownership, Scope};
use crm_domain::customer::Source;
use crm_domain::region::RegionPath;
use crm_domain::sales::LeadStatus;
use crm_domain::validation::{bounded_text, multiline_text};
use crm_domain::{Email, FieldErrors, Phone, RegionCode};
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, IfMatch, etag};
use crate::idempotency::{self, IdempotencyKey};
use crate::lookups::Lookups;
use crate::paging::{keyset, page};
use crate::state::AppState;
use crate::views::{utc, vocab};

pub const ENTITY: &str = crm_db::change_log::LEAD;

const SORTS: [(&str, LeadSort); 2] = [
    ("created_at", LeadSort::CreatedAt),
    ("updated_at", LeadSort::UpdatedAt),
];

pub fn view(row: LeadRow) -> Lead {
    let f = row.fields;
    Lead {
        id: row.id.0,
        status: LeadStatus::parse(&f.status).unwrap_or(LeadStatus::New),
        source: vocab(f.source.as_deref(), Source::parse),
        company_name: f.company_name,
        person_name: f.person_name,
        title: f.title,
        email: f.email,
        phone: f.phone,
        province_code: f.province_code,
        city_code: f.city_code,
        note: f.note,
        external_id: f.external_id,
        owner_id: f.owner_id.map(Uuid::from),
        team_id: f.team_id.map(Uuid::from),
        disqualified_reason: f.disqualified_reason,
        converted_customer_id: f.converted_customer_id.map(Uuid::from),
        converted_contact_id: f.converted_contact_id.map(Uuid::from),
        converted_deal_id: f.converted_deal_id.map(Uuid::from),
        converted_at: f.converted_at.map(utc),
        version: row.version,
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    }
}

fn text(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<String>,
    max: usize,
) -> Option<String> {
    let value = value
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())?;
    errors.take(field, bounded_text(&value, 1, max))
}

/// [`text`] for a field that may span lines.
fn multiline(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<String>,
    max: usize,
) -> Option<String> {
    let value = value
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())?;
    errors.take(field, multiline_text(&value, 1, max))
}

/// The lead's fields after the patch, checked (owner, region, scope).
fn resolve(
    conn: &mut AnyConnection,
    caller: &Caller,
    base: LeadFields,
    p: LeadPatch,
    scope: Scope,
) -> Result<LeadFields, ApiError> {
    let ws = caller.workspace_id;
    let mut errors = FieldErrors::new();
    let status = match p.status {
        Some(LeadStatus::Converted) => {
            errors.add("status", "is set by POST /leads/{id}/convert");
            base.status.clone()
        }
        Some(s) => s.as_str().to_owned(),
        None => base.status.clone(),
    };
    let person_name = p.person_name.unwrap_or(base.person_name);
    let person_name = errors
        .take("person_name", bounded_text(person_name.trim(), 1, 100))
        .unwrap_or_default();
    let company_name = text(
        &mut errors,
        "company_name",
        apply(base.company_name, p.company_name),
        200,
    );
    let title = text(&mut errors, "title", apply(base.title, p.title), 100);
    let note = multiline(&mut errors, "note", apply(base.note, p.note), 2000);
    let external_id = text(
        &mut errors,
        "external_id",
        apply(base.external_id, p.external_id),
        100,
    );
    let email = apply(base.email, p.email)
        .filter(|v| !v.trim().is_empty())
        .and_then(|v| {
            errors
                .take("email", Email::parse(&v))
                .map(Email::into_string)
        });
    let phone = apply(base.phone, p.phone)
        .filter(|v| !v.trim().is_empty())
        .and_then(|v| {
            errors
                .take("phone", Phone::parse(&v))
                .map(Phone::into_string)
        });
    let source = match p.source {
        Some(s) => s.map(|s| s.as_str().to_owned()),
        None => base.source,
    };
    let code = |errors: &mut FieldErrors, field: &str, v: Option<String>| {
        v.filter(|v| !v.trim().is_empty())
            .and_then(|v| errors.take(field, RegionCode::parse(v.trim())))
    };
    let province = code(
        &mut errors,
        "province_code",
        apply(base.province_code, p.province_code),
    );
    let city = code(&mut errors, "city_code", apply(base.city_code, p.city_code));
    let path = RegionPath {
        country: province.as_ref().and_then(|_| RegionCode::parse("CN").ok()),
        province,
        city,
        district: None,
    };
    let mut lookups = Lookups::default();
    crate::regions::check_path(conn, &mut lookups, &path, &mut errors)?;
    let disqualified_reason = if status == LeadStatus::Disqualified.as_str() {
        let reason = multiline(
            &mut errors,
            "disqualified_reason",
            apply(base.disqualified_reason, p.disqualified_reason),
            500,
        );
        if reason.is_none() {
            errors.add("disqualified_reason", "is required to disqualify a lead");
        }
        reason
    } else {
        None
    };
    let (owner_id, team_id) = match p.owner_id {
        None => (base.owner_id, base.team_id),
        Some(None) => (None, None),
        Some(Some(owner)) => match lookups.user(conn, ws, owner)? {
            Some(u) if u.active => (Some(Id(owner)), u.team_id),
            Some(_) => {
                errors.add("owner_id", "is a deactivated user");
                (None, None)
            }
            None => {
                errors.add("owner_id", "is not a user of this workspace");
                (None, None)
            }
        },
    };
    errors.into_result().map_err(ApiError::Validation)?;
    let principal = caller.principal(conn, scope)?;
    let ownership = Ownership {
        owner_id: owner_id.map(Uuid::from),
        team_id: team_id.map(Uuid::from),
    };
    if !scope.covers(&principal, ownership) {
        return Err(ApiError::Forbidden(
            "your role may not assign leads to that owner or team".into(),
        ));
    }
    Ok(LeadFields {
        status,
        source,
        company_name,
        person_name,
        title,
        email,
        phone,
        province_code: path.province.map(RegionCode::into_string),
        city_code: path.city.map(RegionCode::into_string),
        note,
        external_id,
        owner_id,
        team_id,
        disqualified_reason,
        converted_customer_id: base.converted_customer_id,
        converted_contact_id: base.converted_contact_id,
        converted_deal_id: base.converted_deal_id,
        converted_at: base.converted_at,
        search_text: String::new(),
    }
    .with_search_text())
}

fn check_external_id(
    conn: &mut AnyConnection,
    caller: &Caller,
    fields: &LeadFields,
    except: Option<Uuid>,
) -> Result<(), ApiError> {
    if let Some(ext) = &fields.external_id
        && crm_db::leads::external_id_taken(conn, caller.workspace_id, ext, except)?
    {
        return Err(ApiError::Conflict {
            field: "external_id".into(),
            detail: "is already taken".into(),
        });
    }
    Ok(())
}

fn create_in(conn: &mut AnyConnection, caller: &Caller, b: NewLead) -> Result<Lead, ApiError> {
    let scope = caller.require(ObjectType::Leads, Action::Create)?;
    let base = LeadFields {
        status: LeadStatus::New.as_str().to_owned(),
        source: None,
        company_name: None,
        person_name: String::new(),
        title: None,
        email: None,
        phone: None,
        province_code: None,
        city_code: None,
        note: None,
        external_id: None,
        owner_id: None,
        team_id: None,
        disqualified_reason: None,
        converted_customer_id: None,
        converted_contact_id: None,
        converted_deal_id: None,
        converted_at: None,
        search_text: String::new(),
    };
    let patch = LeadPatch {
        status: None,
        person_name: Some(b.person_name),
        company_name: Some(b.company_name),
        title: Some(b.title),
        email: Some(b.email),
        phone: Some(b.phone),
        source: Some(b.source),
        province_code: Some(b.province_code),
        city_code: Some(b.city_code),
        note: Some(b.note),
        external_id: Some(b.external_id),
        owner_id: Some(Some(b.owner_id.unwrap_or(caller.user_id()))),
        disqualified_reason: None,
    };
    let fields = resolve(conn, caller, base, patch, scope)?;
    check_external_id(conn, caller, &fields, None)?;
    let changed = field_names(&fields);
    let values = crm_db::change_log::values(&changed, None, Some(&fields));
    let row = crm_db::leads::insert(conn, caller.workspace_id, Some(caller.user_id()), fields)?;
    caller.record_change(conn, ENTITY, row.id.0, Op::Create, changed, values)?;
    Ok(view(row))
}

/// The visible lead whose ownership the action's scope covers.
fn find_for(
    conn: &mut AnyConnection,
    caller: &Caller,
    id: Uuid,
    action: Action,
) -> Result<(LeadRow, Scope), ApiError> {
    let read = caller.visibility(conn, ObjectType::Leads, Action::Read)?;
    let current = crm_db::leads::find(conn, &read, id)?;
    let scope = caller.require(ObjectType::Leads, action)?;
    let principal = caller.principal(conn, scope)?;
    let ownership = Ownership {
        owner_id: current.fields.owner_id.map(Uuid::from),
        team_id: current.fields.team_id.map(Uuid::from),
    };
    if !scope.covers(&principal, ownership) {
        return Err(ApiError::Forbidden(format!(
            "your role may not {action} this lead"
        )));
    }
    Ok((current, scope))
}

/// Create a lead; it starts as `new`, owned by the caller unless `owner_id` says otherwise.
#[utoipa::path(
    tag = "leads",
    params(("Idempotency-Key" = Option<String>, Header)),
    request_body = NewLead,
    responses(
        (status = 201, body = Lead),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/leads")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    body: ApiJson<NewLead>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ObjectType::Leads, Action::Create)?;
    idempotency::create(&state, caller, key, "/api/v1/leads", body.0, create_in).await
}

#[utoipa::path(
    tag = "leads",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Lead), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[get("/leads/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let lead = state
        .db(move |conn| {
            let vis = caller.visibility(conn, ObjectType::Leads, Action::Read)?;
            Ok(view(crm_db::leads::find(conn, &vis, id)?))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(lead.version))
        .json(lead))
}

/// List visible leads, newest first; keyset-paginated.
#[utoipa::path(
    tag = "leads",
    params(LeadQuery),
    responses((status = 200, body = Page<Lead>), (status = 400, body = Problem, content_type = "application/problem+json"))
)]
#[get("/leads")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<LeadQuery>,
) -> Result<web::Json<Page<Lead>>, ApiError> {
    let q = query.0;
    let (keyset, sort_key) = keyset(q.sort.as_deref(), q.cursor.as_deref(), q.limit, &SORTS)?;
    let filter = LeadFilter {
        q: q.q
            .as_deref()
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty()),
        status: q.status.map(|s| s.as_str().to_owned()),
        source: q.source.map(|s| s.as_str().to_owned()),
        owner_id: q.owner_id,
    };
    let (field, limit) = (keyset.field, keyset.limit);
    let rows = state
        .db(move |conn| {
            let vis = caller.visibility(conn, ObjectType::Leads, Action::Read)?;
            Ok(crm_db::leads::list(conn, &vis, &filter, &keyset)?)
        })
        .await?;
    let (items, next_cursor) = page(
        rows,
        limit,
        &sort_key,
        |r| {
            let v = match field {
                LeadSort::CreatedAt => r.created_at,
                LeadSort::UpdatedAt => r.updated_at,
            };
            (SortValue::Time(v), r.id.0)
        },
        view,
    );
    Ok(web::Json(Page { items, next_cursor }))
}

/// Merge-patch a lead (qualify, disqualify with a reason, reassign …).
#[utoipa::path(
    tag = "leads",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    request_body = LeadPatch,
    responses(
        (status = 200, body = Lead),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The lead is converted: it can no longer change", body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/leads/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<LeadPatch>,
) -> Result<HttpResponse, ApiError> {
    let (id, patch) = (id.into_inner(), body.0);
    let lead = state
        .db(move |conn| {
            transaction(conn, |conn| {
                lock_workspace(conn, caller.workspace_id)?;
                let (current, scope) = find_for(conn, &caller, id, Action::Update)?;
                let version = if_match.check(current.version)?;
                if current.fields.status == LeadStatus::Converted.as_str() {
                    return Err(ApiError::Conflict {
                        field: "status".into(),
                        detail: "the lead is converted".into(),
                    });
                }
                let fields = resolve(conn, &caller, current.fields.clone(), patch, scope)?;
                check_external_id(conn, &caller, &fields, Some(id))?;
                let changed = changed_fields(&current.fields, &fields);
                if changed.is_empty() {
                    return Ok(view(current));
                }
                let row =
                    crm_db::leads::update(conn, &current, version, Some(caller.user_id()), fields)?;
                let values =
                    crm_db::change_log::values(&changed, Some(&current.fields), Some(&row.fields));
                caller.record_change(conn, ENTITY, id, Op::Update, changed, values)?;
                Ok(view(row))
            })
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(lead.version))
        .json(lead))
}

mod conversion;

use conversion::convert_in;

/// Convert a lead: create its customer (organisation when it names a
/// company, else the person) or link `customer_id`, add the person as a
/// contact, optionally open a deal, and mark the lead converted — all or
/// nothing. A converted or disqualified lead is 409.
#[utoipa::path(
    tag = "leads",
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header)),
    request_body = ConvertLead,
    responses(
        (status = 200, body = Conversion),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already converted, or disqualified", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/leads/{id}/convert")]
pub async fn convert(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    key: IdempotencyKey,
    body: ApiJson<ConvertLead>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let path: &'static str = "/api/v1/leads/convert";
    idempotency::batch(
        &state,
        caller,
        key,
        path,
        (id, body.0),
        move |conn, caller, (id, body)| convert_in(conn, caller, id, body),
    )
    .await
}

#[utoipa::path(
    tag = "leads",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/leads/{id}")]
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
                crm_db::leads::soft_delete(conn, &current, version, Some(caller.user_id()))?;
                Ok(caller.record_change(conn, ENTITY, id, Op::Delete, vec![], None)?)
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
