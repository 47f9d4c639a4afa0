//! Sharing of saved reports and dashboards with the workspace, roles and
//! teams (`crm_domain::sharing` holds the rule): loading what the rule
//! needs to know of a reader — their role, their team and the teams above
//! it, the teams they manage — only when a definition's audience names
//! roles or teams, and checking the roles and teams a definition names.

use std::collections::BTreeSet;

use crm_db::AnyConnection;
use crm_db::teams::TeamRow;
use crm_db::types::Json;
use crm_domain::FieldErrors;
use crm_domain::sharing::{Audience, Reader, TeamNode, above};
use uuid::Uuid;

use crate::{Actor, AppError};

/// The ids of a stored JSON array (rows are written only through checked
/// lists, so anything else reads as none).
pub(crate) fn ids(json: &Json) -> Vec<Uuid> {
    serde_json::from_value(json.0.clone()).unwrap_or_default()
}

/// The audience of a stored definition.
pub(crate) fn audience(shared: bool, roles: &Json, teams: &Json) -> Audience {
    Audience::new(shared, &ids(roles), &ids(teams))
}

/// The workspace's team tree, as sharing sees it.
fn tree(teams: &[TeamRow]) -> Vec<TeamNode> {
    teams
        .iter()
        .map(|t| TeamNode {
            id: t.id.0,
            parent: t.parent_id.map(|p| p.0),
            manager: t.manager_id.map(|m| m.0),
        })
        .collect()
}

/// What sharing needs to know of a user.
pub(crate) fn reader_of(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    user_id: Uuid,
) -> Result<Reader, AppError> {
    let user = crm_db::users::find(conn, workspace_id, user_id)?;
    let teams = tree(&crm_db::teams::list(conn, workspace_id)?);
    Ok(Reader::new(
        user_id,
        user.role_id.0,
        user.team_id.map(|t| t.0),
        &teams,
    ))
}

/// Whether the actor sees definitions, loading the actor's role and
/// teams once, and only for an audience of roles or teams.
pub(crate) struct Viewer<'a> {
    actor: &'a Actor,
    reader: Option<Reader>,
}

impl<'a> Viewer<'a> {
    pub(crate) fn new(actor: &'a Actor) -> Self {
        Self {
            actor,
            reader: None,
        }
    }

    pub(crate) fn sees(
        &mut self,
        conn: &mut AnyConnection,
        owner: Option<Uuid>,
        audience: &Audience,
    ) -> Result<bool, AppError> {
        let Some(user) = self.actor.user else {
            return Ok(true);
        };
        if self.actor.admin || owner == Some(user) || audience.everyone {
            return Ok(true);
        }
        if audience.is_private() {
            return Ok(false);
        }
        let reader = match self.reader.take() {
            Some(r) => r,
            None => reader_of(conn, self.actor.workspace_id, user)?,
        };
        let sees = audience.admits(owner, &reader);
        self.reader = Some(reader);
        Ok(sees)
    }
}

/// Whether `user` (a recipient) sees a definition.
pub(crate) fn admits(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    user: Uuid,
    owner: Option<Uuid>,
    audience: &Audience,
) -> Result<bool, AppError> {
    if owner == Some(user) || audience.everyone {
        return Ok(true);
    }
    if audience.is_private() {
        return Ok(false);
    }
    Ok(audience.admits(owner, &reader_of(conn, workspace_id, user)?))
}

/// Whether `outer` (a dashboard's audience) reaches only readers `inner`
/// (a widget's report) reaches too.
pub(crate) fn covers(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    inner: &Audience,
    outer: &Audience,
) -> Result<bool, AppError> {
    if inner.everyone || outer.is_private() {
        return Ok(true);
    }
    let teams = tree(&crm_db::teams::list(conn, workspace_id)?);
    Ok(inner.covers(outer, |t| above(&teams, t)))
}

/// Checks the roles and teams a definition is shared with (errors name
/// `share_roles[i]` / `share_teams[i]`) and stores them sorted, once each.
pub(crate) fn checked(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    roles: &[Uuid],
    teams: &[Uuid],
    errors: &mut FieldErrors,
) -> Result<(Json, Json), AppError> {
    if !roles.is_empty() || !teams.is_empty() {
        let known_roles: BTreeSet<Uuid> = crm_db::roles::list(conn, workspace_id)?
            .into_iter()
            .map(|r| r.id.0)
            .collect();
        let known_teams: BTreeSet<Uuid> = crm_db::teams::list(conn, workspace_id)?
            .into_iter()
            .map(|t| t.id.0)
            .collect();
        crm_domain::sharing::check(roles, teams, &known_roles, &known_teams, errors);
    }
    let sorted = |ids: &[Uuid]| {
        let set: BTreeSet<Uuid> = ids.iter().copied().collect();
        serde_json::to_value(set)
            .map(Json)
            .map_err(AppError::internal)
    };
    Ok((sorted(roles)?, sorted(teams)?))
}
