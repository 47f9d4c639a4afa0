//! Saved rule-based customer segments. A segment stores the customer-list
//! filters (fields and order metrics); its members are whoever matches
//! when asked, within the actor's visibility. Roles granted `segments`
//! write them; whoever reads segments sees their member counts only over
//! the customers they may read.

use crm_api_types::segments::{NewSegment, Segment, SegmentPatch, SegmentRules};
use crm_db::AnyConnection;
use crm_db::segments::{SegmentFields, SegmentRow};
use crm_db::types::Json;
use crm_domain::FieldErrors;
use crm_domain::access::{Action, ObjectType};
use crm_domain::validation::{bounded_text, multiline_text};
use uuid::Uuid;

use crate::analytics::rfm::Freshness;
use crate::customers::filter::{filter_of, prepare};
use crate::views::utc;
use crate::{Actor, AppError, Expected};

/// The stored rules; rows are written only through validated fields, so a
/// row that does not parse is a server fault.
pub fn rules_of(row: &SegmentRow) -> Result<SegmentRules, AppError> {
    serde_json::from_value(row.rules.0.clone())
        .map_err(|e| AppError::Internal(format!("segment {} has unreadable rules: {e}", row.id.0)))
}

fn view(row: SegmentRow, member_count: Option<i64>) -> Result<Segment, AppError> {
    Ok(Segment {
        rules: rules_of(&row)?,
        id: row.id.0,
        name: row.name,
        description: row.description,
        member_count,
        created_by: row.created_by.map(|id| id.0),
        version: row.version,
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    })
}

/// Checks name, description and rules (a region code must exist as a
/// code; a segment may not build on another one) and makes the row fields.
pub fn fields_of(
    name: &str,
    description: Option<String>,
    rules: SegmentRules,
) -> Result<SegmentFields, AppError> {
    let mut errors = FieldErrors::new();
    let name = errors.take("name", bounded_text(name, 1, 100));
    let description = match description {
        Some(d) => errors.take("description", multiline_text(&d, 0, 1000)),
        None => None,
    };
    if let Err(AppError::BadInput { errors: bad, .. }) = filter_of(&rules.customer_filters()) {
        for (field, messages) in bad.0 {
            for message in messages {
                errors.add(format!("rules.{field}"), message);
            }
        }
    }
    for (field, value) in [
        ("min_orders", rules.min_orders),
        ("max_orders", rules.max_orders),
    ] {
        if value.is_some_and(|n| n < 0) {
            errors.add(format!("rules.{field}"), "must be 0 or more");
        }
    }
    errors.into_result().map_err(AppError::Validation)?;
    let rules = serde_json::to_value(&rules).map_err(AppError::internal)?;
    Ok(SegmentFields {
        name: name.unwrap_or_default(),
        description: description.filter(|d| !d.is_empty()),
        rules: Json(rules),
    })
}

/// The workspace's segments by name (without member counts).
pub fn list(conn: &mut AnyConnection, actor: &Actor) -> Result<Vec<Segment>, AppError> {
    actor.require_all(ObjectType::Segments, Action::Read)?;
    crm_db::segments::list(conn, actor.workspace_id)?
        .into_iter()
        .map(|row| view(row, None))
        .collect()
}

/// A segment with the number of its members the actor may see.
pub fn get(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    freshness: &Freshness,
) -> Result<Segment, AppError> {
    actor.require_all(ObjectType::Segments, Action::Read)?;
    let row = crm_db::segments::find(conn, actor.workspace_id, id)?;
    let vis = actor.visibility(conn, ObjectType::Customers, Action::Read)?;
    let filter = crm_db::customers::CustomerFilter {
        segment_id: Some(id),
        ..Default::default()
    };
    let filter = prepare(conn, vis.workspace_id, filter, freshness)?;
    let members = crm_db::analytics::count_members(conn, &vis, &filter)?;
    view(row, Some(members))
}

/// Checks a new segment before any write (grant and fields).
pub fn check_new(actor: &Actor, body: &NewSegment) -> Result<SegmentFields, AppError> {
    actor.require_all(ObjectType::Segments, Action::Create)?;
    fields_of(&body.name, body.description.clone(), body.rules.clone())
}

pub fn create(
    conn: &mut AnyConnection,
    actor: &Actor,
    body: NewSegment,
) -> Result<Segment, AppError> {
    let fields = check_new(actor, &body)?;
    let row = crm_db::segments::insert(conn, actor.workspace_id, Some(actor.user_id()), &fields)?;
    view(row, None)
}

pub fn update(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    expected: Expected,
    patch: SegmentPatch,
) -> Result<Segment, AppError> {
    actor.require_all(ObjectType::Segments, Action::Update)?;
    let current = crm_db::segments::find(conn, actor.workspace_id, id)?;
    let version = expected.check(current.version)?;
    let rules = match patch.rules {
        Some(rules) => rules,
        None => rules_of(&current)?,
    };
    let name = patch.name.unwrap_or_else(|| current.name.clone());
    let description = crm_api_types::patch::apply(current.description.clone(), patch.description);
    let fields = fields_of(&name, description, rules)?;
    let row = crm_db::segments::update(
        conn,
        actor.workspace_id,
        id,
        version,
        Some(actor.user_id()),
        &fields,
    )?;
    view(row, None)
}

pub fn delete(conn: &mut AnyConnection, actor: &Actor, id: Uuid) -> Result<(), AppError> {
    actor.require_all(ObjectType::Segments, Action::Delete)?;
    Ok(crm_db::segments::delete(conn, actor.workspace_id, id)?)
}
