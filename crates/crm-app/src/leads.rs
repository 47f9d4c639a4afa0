//! Leads: prospects, their qualification ([`rules`]), and conversion
//! ([`conversion`]) — one transaction that creates the customer (or links
//! an existing one), a contact and optionally a deal, and marks the lead
//! converted. Visibility follows the lead's owner and team, as for
//! customers. The export table is [`export`].

pub mod conversion;
pub mod export;
pub mod rules;

use crm_api_types::leads::{Lead, LeadPatch, LeadQuery, NewLead};
use crm_db::AnyConnection;
use crm_db::change_log::{Op, changed_fields, field_names, lock_workspace, transaction};
use crm_db::leads::{LeadFilter, LeadRow, LeadSort};
use crm_db::paging::Keyset;
use crm_domain::access::{Action, ObjectType, Scope};
use crm_domain::customer::Source;
use crm_domain::sales::LeadStatus;
use uuid::Uuid;

use crate::{Actor, AppError, Expected};
use rules::{as_patch, blank, check_external_id, resolve};

pub const ENTITY: &str = crm_db::change_log::LEAD;

pub fn view(row: LeadRow) -> Lead {
    let f = row.fields;
    Lead {
        id: row.id.0,
        status: LeadStatus::parse(&f.status).unwrap_or(LeadStatus::New),
        // Values we never wrote read as absent.
        source: f.source.as_deref().and_then(|s| Source::parse(s).ok()),
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
        converted_at: f.converted_at.map(|at| at.and_utc()),
        version: row.version,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    }
}

/// The list filter a query names.
pub fn filter(q: &LeadQuery) -> LeadFilter {
    LeadFilter {
        q: q.q
            .as_deref()
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty()),
        status: q.status.map(|s| s.as_str().to_owned()),
        source: q.source.map(|s| s.as_str().to_owned()),
        owner_id: q.owner_id,
    }
}

/// Creates a lead inside the caller's transaction: it starts as `new`,
/// owned by the actor unless `owner_id` says otherwise.
pub fn create_in(conn: &mut AnyConnection, actor: &Actor, b: NewLead) -> Result<Lead, AppError> {
    let scope = actor.require(ObjectType::Leads, Action::Create)?;
    let patch = as_patch(b, actor.user_id());
    let fields = resolve(conn, actor, blank(), patch, scope)?;
    check_external_id(conn, actor, &fields, None)?;
    let changed = field_names(&fields);
    let values = crm_db::change_log::values(&changed, None, Some(&fields));
    let row = crm_db::leads::insert(conn, actor.workspace_id, Some(actor.user_id()), fields)?;
    actor.record_change(conn, ENTITY, row.id.0, Op::Create, changed, values)?;
    Ok(view(row))
}

/// Creates a lead (see [`create_in`]).
pub fn create(conn: &mut AnyConnection, actor: &Actor, b: NewLead) -> Result<Lead, AppError> {
    transaction(conn, |conn| {
        lock_workspace(conn, actor.workspace_id)?;
        create_in(conn, actor, b)
    })
}

/// The visible lead whose ownership the action's scope covers.
fn find_for(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    action: Action,
) -> Result<(LeadRow, Scope), AppError> {
    let read = actor.visibility(conn, ObjectType::Leads, Action::Read)?;
    let current = crm_db::leads::find(conn, &read, id)?;
    let scope = actor.require(ObjectType::Leads, action)?;
    actor.require_covers(
        conn,
        scope,
        current.fields.owner_id.map(Uuid::from),
        current.fields.team_id.map(Uuid::from),
        &format!("{action} this lead"),
    )?;
    Ok((current, scope))
}

/// A visible lead.
///
/// With the workspace's access counter as the record's own statement read
/// it, for [`crate::auth::read_as`].
pub fn get(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
) -> Result<(Lead, Option<i64>), AppError> {
    let vis = actor.visibility(conn, ObjectType::Leads, Action::Read)?;
    let (row, access) = crm_db::leads::find_confirming(conn, &vis, id)?;
    Ok((view(row), Some(access)))
}

/// One page of visible leads (one row more than the limit, when there is more),
/// and the access counter its statement saw, for [`crate::auth::read_as`].
pub fn list(
    conn: &mut AnyConnection,
    actor: &Actor,
    filter: &LeadFilter,
    keyset: &Keyset<LeadSort>,
) -> Result<(Vec<LeadRow>, Option<i64>), AppError> {
    let vis = actor.visibility(conn, ObjectType::Leads, Action::Read)?;
    Ok(crm_db::leads::list(conn, &vis, filter, keyset)?)
}

/// Merge-patches a visible lead (qualify, disqualify with a reason,
/// reassign …); a converted lead can no longer change.
pub fn update(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    expected: Expected,
    patch: LeadPatch,
) -> Result<Lead, AppError> {
    transaction(conn, |conn| {
        lock_workspace(conn, actor.workspace_id)?;
        let (current, scope) = find_for(conn, actor, id, Action::Update)?;
        let version = expected.check(current.version)?;
        if current.fields.status == LeadStatus::Converted.as_str() {
            return Err(AppError::Conflict {
                field: "status".into(),
                detail: "the lead is converted".into(),
            });
        }
        let fields = resolve(conn, actor, current.fields.clone(), patch, scope)?;
        check_external_id(conn, actor, &fields, Some(id))?;
        let changed = changed_fields(&current.fields, &fields);
        if changed.is_empty() {
            return Ok(view(current));
        }
        let row = crm_db::leads::update(conn, &current, version, Some(actor.user_id()), fields)?;
        let values = crm_db::change_log::values(&changed, Some(&current.fields), Some(&row.fields));
        actor.record_change(conn, ENTITY, id, Op::Update, changed, values)?;
        Ok(view(row))
    })
}

/// Soft-deletes a visible lead the actor may delete; the change log keeps
/// what it held.
pub fn delete(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    expected: Expected,
) -> Result<(), AppError> {
    transaction(conn, |conn| {
        lock_workspace(conn, actor.workspace_id)?;
        let (current, _) = find_for(conn, actor, id, Action::Delete)?;
        let version = expected.check(current.version)?;
        crm_db::leads::soft_delete(conn, &current, version, Some(actor.user_id()))?;
        let values =
            crm_db::change_log::values(&field_names(&current.fields), Some(&current.fields), None);
        actor.record_change(conn, ENTITY, id, Op::Delete, vec![], values)
    })
}
