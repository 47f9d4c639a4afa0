//! The audit view: who changed which field of a record from what to what,
//! when, and through which channel — read from the change log, newest
//! first. An entry shows when the actor may read its record (deleted
//! records included); its values show only within the actor's `audit`
//! read grant. [`feed_scopes`] is also what the changes feed reads with.

use std::collections::{BTreeMap, HashMap};

use crm_api_types::Page;
use crm_api_types::audit::{AuditChannel, AuditEntry, AuditQuery, FieldChange};
use crm_api_types::changes::{ChangeEntity, ChangeOp};
use crm_db::audit::AuditFilter;
use crm_db::change_log::{ChangeRow, FeedScopes};
use crm_db::{AnyConnection, Visibility};
use crm_domain::access::{Action, ObjectType, Scope};
use uuid::Uuid;

use crate::error::bad_param as bad;
use crate::{Actor, AppError};

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// What the actor may read of each record type the log exposes, each
/// scope narrowed to `cap` when given (a role without a grant sees none).
pub fn feed_scopes(
    conn: &mut AnyConnection,
    actor: &Actor,
    cap: Option<Scope>,
) -> Result<FeedScopes, AppError> {
    let mut scope_of = |object: ObjectType| -> Result<Visibility, AppError> {
        let held = actor.scope(object, Action::Read);
        let scope = cap.map_or(held, |cap| held.min(cap));
        Ok(Visibility {
            workspace_id: actor.workspace_id,
            scope,
            principal: actor.principal(conn, scope)?,
        })
    };
    Ok(FeedScopes {
        customers: scope_of(ObjectType::Customers)?,
        contacts: scope_of(ObjectType::Contacts)?,
        orders: scope_of(ObjectType::Orders)?,
        deals: scope_of(ObjectType::Deals)?,
        leads: scope_of(ObjectType::Leads)?,
        activities: scope_of(ObjectType::Activities)?,
        tickets: scope_of(ObjectType::Tickets)?,
        products: cap.is_none_or(|cap| cap != Scope::None)
            && actor.scope(ObjectType::Products, Action::Read) != Scope::None,
        articles: cap.is_none_or(|cap| cap != Scope::None)
            && actor.scope(ObjectType::Articles, Action::Read) != Scope::None,
    })
}

/// The history the query asks for, as the actor may see it.
pub fn list(
    conn: &mut AnyConnection,
    actor: &Actor,
    query: &AuditQuery,
) -> Result<Page<AuditEntry>, AppError> {
    let limit = match query.limit {
        None => DEFAULT_LIMIT,
        Some(n) if (1..=MAX_LIMIT).contains(&n) => n,
        Some(_) => return Err(bad("limit", "must be between 1 and 200")),
    };
    // The cursor is the last sequence number examined, as text.
    let before_seq = match query.cursor.as_deref() {
        None => None,
        Some(c) => match c.parse::<i64>() {
            Ok(seq) if seq >= 1 => Some(seq),
            _ => return Err(bad("cursor", "is not a cursor returned by this list")),
        },
    };
    if query.entity_id.is_some() && query.entity.is_none() {
        return Err(bad("entity", "is required with entity_id"));
    }
    let read = feed_scopes(conn, actor, None)?;
    let values = feed_scopes(
        conn,
        actor,
        Some(actor.scope(ObjectType::Audit, Action::Read)),
    )?;
    if let (Some(entity), Some(id)) = (query.entity, query.entity_id)
        && !crm_db::audit::admits(conn, &read, entity.as_str(), id)?
    {
        return Err(AppError::NotFound);
    }
    let filter = AuditFilter {
        entity: query.entity.map(ChangeEntity::as_str),
        entity_id: query.entity_id,
        actor_id: query.actor,
        since: query.since.map(|at| at.naive_utc()),
        before_seq,
    };
    let page = crm_db::audit::history(conn, &read, &values, &filter, limit)?;
    let mut actor_ids: Vec<Uuid> = page
        .entries
        .iter()
        .filter_map(|e| e.row.actor_id.map(|id| id.0))
        .collect();
    actor_ids.sort_unstable();
    actor_ids.dedup();
    let names: HashMap<Uuid, String> = crm_db::users::names(conn, actor.workspace_id, &actor_ids)?
        .into_iter()
        .map(|(id, name)| (id.0, name))
        .collect();
    let items = page
        .entries
        .into_iter()
        .filter_map(|e| view(e.row, e.values_visible, &names))
        .collect();
    Ok(Page {
        items,
        next_cursor: page.next_before.map(|seq| seq.to_string()),
    })
}

/// The entity types the log exposes, by the name it stores.
pub fn entity(name: &str) -> Option<ChangeEntity> {
    Some(match name {
        crm_db::change_log::CUSTOMER => ChangeEntity::Customer,
        crm_db::change_log::CONTACT => ChangeEntity::Contact,
        crm_db::change_log::PRODUCT => ChangeEntity::Product,
        crm_db::change_log::ORDER => ChangeEntity::Order,
        crm_db::change_log::DEAL => ChangeEntity::Deal,
        crm_db::change_log::LEAD => ChangeEntity::Lead,
        crm_db::change_log::ACTIVITY => ChangeEntity::Activity,
        crm_db::change_log::TICKET => ChangeEntity::Ticket,
        crm_db::change_log::ARTICLE => ChangeEntity::Article,
        _ => return None,
    })
}

/// The operation, by the name the log stores.
pub fn op(name: &str) -> Option<ChangeOp> {
    Some(match name {
        "create" => ChangeOp::Create,
        "update" => ChangeOp::Update,
        "delete" => ChangeOp::Delete,
        _ => return None,
    })
}

fn view(row: ChangeRow, values_visible: bool, names: &HashMap<Uuid, String>) -> Option<AuditEntry> {
    let values = if values_visible {
        row.change_values
            .and_then(|v| serde_json::from_value::<BTreeMap<String, FieldChange>>(v.0).ok())
    } else {
        None
    };
    Some(AuditEntry {
        seq: row.seq,
        entity: entity(&row.entity)?,
        entity_id: row.entity_id.0,
        op: op(&row.op)?,
        changed_fields: serde_json::from_value(row.changed_fields.0).unwrap_or_default(),
        actor_id: row.actor_id.map(|id| id.0),
        actor_name: row.actor_id.and_then(|id| names.get(&id.0).cloned()),
        channel: row.channel.as_deref().and_then(AuditChannel::parse),
        values,
        at: row.at.and_utc(),
    })
}
