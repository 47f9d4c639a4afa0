//! The team tree that scopes are computed from: a team has a parent (no
//! cycles) and a manager (a user of the workspace); a team with members,
//! child teams or customers cannot be deleted.

use crm_api_types::access::{NewTeam, Team, TeamPatch};
use crm_api_types::patch::apply;
use crm_db::AnyConnection;
use crm_db::teams::{TeamFields, TeamRow};
use crm_domain::FieldErrors;
use crm_domain::access::{Action, ObjectType};
use crm_domain::validation::bounded_text;
use uuid::Uuid;

use crate::views::utc;
use crate::{Actor, AppError, Expected};

pub fn view(row: TeamRow) -> Team {
    Team {
        id: row.id.0,
        name: row.name,
        parent_id: row.parent_id.map(Uuid::from),
        manager_id: row.manager_id.map(Uuid::from),
        version: row.version,
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    }
}

/// Checks name, parent (exists, no cycle) and manager (a user of the workspace).
fn check(
    conn: &mut AnyConnection,
    ws: Uuid,
    team: Option<Uuid>,
    name: &str,
    parent: Option<Uuid>,
    manager: Option<Uuid>,
) -> Result<TeamFields, AppError> {
    let mut errors = FieldErrors::new();
    let name = errors.take("name", bounded_text(name, 1, 100));
    let all = crm_db::teams::list(conn, ws)?;
    if let Some(parent) = parent {
        if !all.iter().any(|t| t.id.0 == parent) {
            errors.add("parent_id", "is not a team of this workspace");
        } else if team.is_some_and(|t| t == parent || crm_db::teams::would_cycle(&all, t, parent)) {
            errors.add("parent_id", "would make the team its own ancestor");
        }
    }
    if let Some(manager) = manager {
        match crm_db::users::find(conn, ws, manager) {
            Ok(_) => {}
            Err(crm_db::DbError::NotFound) => {
                errors.add("manager_id", "is not a user of this workspace")
            }
            Err(e) => return Err(e.into()),
        }
    }
    errors.into_result().map_err(AppError::Validation)?;
    Ok(TeamFields {
        name: name.unwrap_or_default(),
        parent_id: parent,
        manager_id: manager,
    })
}

pub fn list(conn: &mut AnyConnection, actor: &Actor) -> Result<Vec<Team>, AppError> {
    actor.require_all(ObjectType::Teams, Action::Read)?;
    let rows = crm_db::teams::list(conn, actor.workspace_id)?;
    Ok(rows.into_iter().map(view).collect())
}

pub fn get(conn: &mut AnyConnection, actor: &Actor, id: Uuid) -> Result<Team, AppError> {
    actor.require_all(ObjectType::Teams, Action::Read)?;
    Ok(view(crm_db::teams::find(conn, actor.workspace_id, id)?))
}

pub fn create(conn: &mut AnyConnection, actor: &Actor, body: NewTeam) -> Result<Team, AppError> {
    actor.require_all(ObjectType::Teams, Action::Create)?;
    let ws = actor.workspace_id;
    let fields = check(conn, ws, None, &body.name, body.parent_id, body.manager_id)?;
    Ok(view(crm_db::teams::insert(conn, ws, &fields)?))
}

pub fn update(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    expected: Expected,
    patch: TeamPatch,
) -> Result<Team, AppError> {
    actor.require_all(ObjectType::Teams, Action::Update)?;
    let ws = actor.workspace_id;
    let current = crm_db::teams::find(conn, ws, id)?;
    let version = expected.check(current.version)?;
    let name = patch.name.unwrap_or(current.name);
    let parent = apply(current.parent_id.map(Uuid::from), patch.parent_id);
    let manager = apply(current.manager_id.map(Uuid::from), patch.manager_id);
    let fields = check(conn, ws, Some(id), &name, parent, manager)?;
    Ok(view(crm_db::teams::update(conn, ws, id, version, &fields)?))
}

/// Deletes a team that has no members, child teams or customers.
pub fn delete(conn: &mut AnyConnection, actor: &Actor, id: Uuid) -> Result<(), AppError> {
    actor.require_all(ObjectType::Teams, Action::Delete)?;
    crm_db::teams::find(conn, actor.workspace_id, id)?;
    if crm_db::teams::in_use(conn, actor.workspace_id, id)? {
        return Err(AppError::Conflict {
            field: "id".into(),
            detail: "the team still has members, child teams or customers".into(),
        });
    }
    Ok(crm_db::teams::delete(conn, actor.workspace_id, id)?)
}
