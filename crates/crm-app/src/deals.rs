//! Deals: opportunities on a pipeline. A deal's stage must belong to its
//! pipeline; moving it records the change with its time, resets the
//! probability to the stage's default unless one is sent, and closes the
//! deal on a won or lost stage (lost needs a reason) — see [`rules`].
//! Visibility follows the deal's own owner and team, as for customers.
//! The batch engine ([`batch`]) writes many deals with the same rules; the
//! export table is [`export`]; the products on a deal are [`lines`].

pub mod batch;
pub mod export;
pub mod lines;
pub mod rules;

use crm_api_types::deals::{Deal, DealPatch, DealQuery, NewDeal, StageChange};
use crm_db::AnyConnection;
use crm_db::change_log::{Op, changed_fields, field_names, lock_workspace, transaction};
use crm_db::deals::{DealFilter, DealRow, DealSort};
use crm_db::paging::Keyset;
use crm_domain::access::{Action, ObjectType, Scope};
use crm_domain::money::Money;
use serde_json::Value;
use uuid::Uuid;

use crate::{Actor, AppError, Expected};
use crm_domain::forecast::ForecastOverride;
use rules::{Known, as_patch, resolve};

pub const ENTITY: &str = crm_db::change_log::DEAL;

pub fn view(row: DealRow) -> Deal {
    let f = row.fields;
    Deal {
        id: row.id.0,
        pipeline_id: f.pipeline_id.0,
        stage_id: f.stage_id.0,
        customer_id: f.customer_id.0,
        external_id: f.external_id,
        name: f.name,
        amount: Money {
            amount_minor: f.amount_minor,
            currency: f.currency,
        },
        probability: f.probability,
        expected_close_date: f.expected_close_date,
        owner_id: f.owner_id.map(Uuid::from),
        team_id: f.team_id.map(Uuid::from),
        lost_reason: f.lost_reason,
        closed_at: f.closed_at.map(|at| at.and_utc()),
        stage_changed_at: f.stage_changed_at.and_utc(),
        forecast_category: f
            .forecast_category
            .and_then(|c| ForecastOverride::parse(&c).ok()),
        version: row.version,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    }
}

/// The list filter a query names.
pub fn filter(q: &DealQuery) -> DealFilter {
    DealFilter {
        pipeline_id: q.pipeline_id,
        stage_id: q.stage_id,
        customer_id: q.customer_id,
        owner_id: q.owner_id,
        external_id: q.external_id.clone(),
    }
}

/// Creates a deal inside the caller's transaction (the workspace lock taken).
pub fn create_in(conn: &mut AnyConnection, actor: &Actor, body: NewDeal) -> Result<Deal, AppError> {
    let scope = actor.require(ObjectType::Deals, Action::Create)?;
    let (patch, new_deal) = as_patch(body);
    let fields = resolve(conn, actor, None, patch, Some(new_deal), scope)?;
    let changed = field_names(&fields);
    let values = crm_db::change_log::values(&changed, None, Some(&fields));
    let row = crm_db::deals::insert(conn, actor.workspace_id, Some(actor.user_id()), fields)?;
    actor.record_change(conn, ENTITY, row.id.0, Op::Create, changed, values)?;
    Ok(view(row))
}

/// Creates a deal; stage defaults to the pipeline's first, probability to the stage's.
pub fn create(conn: &mut AnyConnection, actor: &Actor, body: NewDeal) -> Result<Deal, AppError> {
    transaction(conn, |conn| {
        lock_workspace(conn, actor.workspace_id)?;
        create_in(conn, actor, body)
    })
}

/// The visible deal whose ownership the action's scope covers.
fn find_for(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    action: Action,
) -> Result<(DealRow, Scope), AppError> {
    let read = actor.visibility(conn, ObjectType::Deals, Action::Read)?;
    let current = crm_db::deals::find(conn, &read, id)?;
    let scope = actor.require(ObjectType::Deals, action)?;
    actor.require_covers(
        conn,
        scope,
        current.fields.owner_id.map(Uuid::from),
        current.fields.team_id.map(Uuid::from),
        &format!("{action} this deal"),
    )?;
    Ok((current, scope))
}

/// A visible deal.
///
/// With the workspace's access counter as the record's own statement read
/// it, for [`crate::auth::read_as`].
pub fn get(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
) -> Result<(Deal, Option<i64>), AppError> {
    let vis = actor.visibility(conn, ObjectType::Deals, Action::Read)?;
    let (row, access) = crm_db::deals::find_confirming(conn, &vis, id)?;
    Ok((view(row), Some(access)))
}

/// The visible deal with this external id.
pub fn get_by_external_id(
    conn: &mut AnyConnection,
    actor: &Actor,
    key: &str,
) -> Result<(Deal, Option<i64>), AppError> {
    let vis = actor.visibility(conn, ObjectType::Deals, Action::Read)?;
    let id = crm_db::deals::id_by_external_id(conn, actor.workspace_id, key)?
        .ok_or(AppError::NotFound)?;
    let (row, access) = crm_db::deals::find_confirming(conn, &vis, id)?;
    Ok((view(row), Some(access)))
}

/// One page of visible deals (one row more than the limit, when there is more),
/// and the access counter its statement saw, for [`crate::auth::read_as`].
pub fn list(
    conn: &mut AnyConnection,
    actor: &Actor,
    filter: &DealFilter,
    keyset: &Keyset<DealSort>,
) -> Result<(Vec<DealRow>, Option<i64>), AppError> {
    let vis = actor.visibility(conn, ObjectType::Deals, Action::Read)?;
    Ok(crm_db::deals::list(conn, &vis, filter, keyset)?)
}

/// Merge-patches a visible deal inside the caller's transaction; a new
/// stage moves it (and is recorded in its stage history).
pub fn update_in(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    expected: Expected,
    patch: DealPatch,
) -> Result<Deal, AppError> {
    let (current, scope) = find_for(conn, actor, id, Action::Update)?;
    let version = expected.check(current.version)?;
    if let Some(amount) = &patch.amount
        && (amount.amount_minor != current.fields.amount_minor
            || amount.currency != current.fields.currency)
        && !crm_db::deal_lines::of(conn, actor.workspace_id, id)?.is_empty()
    {
        return Err(AppError::validation(
            "amount",
            "is the total of the deal's products: change its lines instead",
        ));
    }
    let fields = resolve(conn, actor, Some(&current), patch, None, scope)?;
    let mut changed = changed_fields(&current.fields, &fields);
    if fields.stage_id != current.fields.stage_id && !changed.iter().any(|f| f == "stage_id") {
        changed.push("stage_id".into());
    }
    if changed.is_empty() {
        return Ok(view(current));
    }
    let row = crm_db::deals::update(conn, &current, version, Some(actor.user_id()), fields)?;
    let values = crm_db::change_log::values(&changed, Some(&current.fields), Some(&row.fields));
    actor.record_change(conn, ENTITY, id, Op::Update, changed, values)?;
    Ok(view(row))
}

/// Merge-patches a visible deal (kanban drag-and-drop sends a new `stage_id`).
pub fn update(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    expected: Expected,
    patch: DealPatch,
) -> Result<Deal, AppError> {
    transaction(conn, |conn| {
        lock_workspace(conn, actor.workspace_id)?;
        update_in(conn, actor, id, expected, patch)
    })
}

/// Creates or updates the deal with this external id: a merge patch of an
/// existing deal (a customer it names must be its own), else a `NewDeal`
/// body. `true` when it was created.
pub fn upsert(
    conn: &mut AnyConnection,
    actor: &Actor,
    key: String,
    expected: Expected,
    body: Value,
) -> Result<(Deal, bool), AppError> {
    transaction(conn, |conn| {
        lock_workspace(conn, actor.workspace_id)?;
        match crm_db::deals::id_by_external_id(conn, actor.workspace_id, &key)? {
            Some(id) => {
                // A deal the actor may not see or change is not found, before
                // anything about it (its customer) can show in an error.
                let read = actor.visibility(conn, ObjectType::Deals, Action::Read)?;
                crm_db::deals::find(conn, &read, id)?;
                // A full record resent names the deal's own customer; another is refused.
                let mut body = body;
                let named = batch::take_customer(&mut body);
                if named.id.is_some() || named.key.is_some() {
                    let keys: Vec<String> = named.key.iter().cloned().collect();
                    let known = Known::load(conn, actor, &[], &keys, &[], Scope::Own)?;
                    for current in crm_db::deals::find_many(conn, actor.workspace_id, &[id], &[])? {
                        batch::same_customer(&known, &current, &named).map_err(|e| e.into_app())?;
                    }
                }
                let patch: DealPatch = crate::input::parse_value(body)?;
                if let Some(Some(other)) = &patch.external_id
                    && other != &key
                {
                    return Err(AppError::validation(
                        "external_id",
                        "must equal the external id in the path",
                    ));
                }
                Ok((update_in(conn, actor, id, expected, patch)?, false))
            }
            None => {
                let mut new: NewDeal = crate::input::parse_value(body)?;
                if new.external_id.as_ref().is_some_and(|e| e != &key) {
                    return Err(AppError::validation(
                        "external_id",
                        "must equal the external id in the path",
                    ));
                }
                new.external_id = Some(key);
                Ok((create_in(conn, actor, new)?, true))
            }
        }
    })
}

/// A visible deal's stage history, oldest first (creation included).
pub fn stage_changes(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
) -> Result<Vec<StageChange>, AppError> {
    let vis = actor.visibility(conn, ObjectType::Deals, Action::Read)?;
    crm_db::deals::find(conn, &vis, id)?;
    Ok(crm_db::deals::stage_changes(conn, actor.workspace_id, id)?
        .into_iter()
        .map(|r| StageChange {
            from_stage_id: r.from_stage_id.map(Uuid::from),
            to_stage_id: r.to_stage_id.0,
            actor_id: r.actor_id.map(Uuid::from),
            at: r.at.and_utc(),
        })
        .collect())
}

/// Soft-deletes a visible deal the actor may delete; the change log keeps
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
        crm_db::deals::soft_delete(conn, &current, version, Some(actor.user_id()))?;
        let values =
            crm_db::change_log::values(&field_names(&current.fields), Some(&current.fields), None);
        actor.record_change(conn, ENTITY, id, Op::Delete, vec![], values)
    })
}
