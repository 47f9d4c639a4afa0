//! Who performs a use case, in which workspace, with which grants and
//! through which channel; and the checks every use case makes with it
//! (the scope of an action, the visibility predicate, the change-log entry).

use crm_db::change_log::{Change, Op};
use crm_db::roles::RoleRow;
use crm_db::users::UserRow;
use crm_db::{AnyConnection, Visibility};
use crm_domain::access::{Action, ObjectType, Ownership, Permissions, Principal, Scope};
use uuid::Uuid;

use crate::AppError;

/// The channel an action came through (recorded with the changes it makes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Web,
    ApiKey,
    Import,
    Job,
    Cli,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Web => "web",
            Via::ApiKey => "api_key",
            Via::Import => "import",
            Via::Job => "job",
            Via::Cli => "cli",
        }
    }
}

/// The one acting. `user` is `None` for the system itself (a job that no
/// user started, a CLI command), which holds every grant; `admin` is the
/// workspace's admin role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub workspace_id: Uuid,
    pub user: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub permissions: Permissions,
    pub admin: bool,
    pub via: Via,
}

impl Actor {
    /// The system acting in a workspace on behalf of nobody (a job, a command).
    pub fn system(workspace_id: Uuid, via: Via) -> Self {
        let mut permissions = Permissions::default();
        for object in ObjectType::ALL {
            for action in Action::ALL {
                permissions.set(*object, *action, Scope::All);
            }
        }
        Self {
            workspace_id,
            user: None,
            team_id: None,
            permissions,
            admin: true,
            via,
        }
    }

    /// A user as they act now (with `role_id` when acting through an API
    /// key of that role): `NotFound` for an unknown or deactivated user.
    pub fn load(
        conn: &mut AnyConnection,
        workspace_id: Uuid,
        user_id: Uuid,
        role_id: Option<Uuid>,
        via: Via,
    ) -> Result<Self, AppError> {
        let (user, user_role, key_role) = Self::rows(conn, workspace_id, user_id, role_id)?;
        Ok(Self::of(&user, &user_role, key_role.as_ref(), via))
    }

    /// An active user, their role, and the key's role when it differs.
    pub(crate) fn rows(
        conn: &mut AnyConnection,
        workspace_id: Uuid,
        user_id: Uuid,
        role_id: Option<Uuid>,
    ) -> Result<(UserRow, RoleRow, Option<RoleRow>), AppError> {
        let user = match crm_db::users::find(conn, workspace_id, user_id) {
            Ok(user) if user.active => user,
            Ok(_) | Err(crm_db::DbError::NotFound) => return Err(AppError::NotFound),
            Err(e) => return Err(e.into()),
        };
        let user_role = crm_db::roles::find(conn, workspace_id, user.role_id.0)?;
        let key_role = match role_id.filter(|id| *id != user.role_id.0) {
            Some(id) => Some(crm_db::roles::find(conn, workspace_id, id)?),
            None => None,
        };
        Ok((user, user_role, key_role))
    }

    /// A user with their role, or with an API key's role (`key_role`): a
    /// key acts with its role, but never beyond what its creator holds now,
    /// and is an administrator only when both roles are.
    pub fn of(user: &UserRow, user_role: &RoleRow, key_role: Option<&RoleRow>, via: Via) -> Self {
        let (permissions, admin) = match key_role {
            Some(role) => (
                role.permissions().intersect(&user_role.permissions()),
                role.is_admin() && user_role.is_admin(),
            ),
            None => (user_role.permissions(), user_role.is_admin()),
        };
        Self {
            workspace_id: user.workspace_id.0,
            user: Some(user.id.0),
            team_id: user.team_id.map(Uuid::from),
            permissions,
            admin,
            via,
        }
    }

    /// The acting user's id (the nil id for the system).
    pub fn user_id(&self) -> Uuid {
        self.user.unwrap_or(Uuid::nil())
    }

    /// The same actor, acting through another channel (an import it started).
    pub fn through(&self, via: Via) -> Self {
        Self {
            via,
            ..self.clone()
        }
    }

    /// Refuses anyone but an administrator.
    pub fn require_admin(&self, what: &str) -> Result<(), AppError> {
        if self.admin {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "only an administrator may {what}"
            )))
        }
    }

    pub fn scope(&self, object: ObjectType, action: Action) -> Scope {
        self.permissions.scope(object, action)
    }

    /// The scope for an action, or `Forbidden` when the role grants none.
    pub fn require(&self, object: ObjectType, action: Action) -> Result<Scope, AppError> {
        match self.scope(object, action) {
            Scope::None => Err(AppError::Forbidden(format!(
                "your role may not {action} {object}"
            ))),
            scope => Ok(scope),
        }
    }

    /// Requires the `all` scope (settings objects have no owner).
    pub fn require_all(&self, object: ObjectType, action: Action) -> Result<(), AppError> {
        match self.scope(object, action) {
            Scope::All => Ok(()),
            _ => Err(AppError::Forbidden(format!(
                "your role may not {action} {object}"
            ))),
        }
    }

    /// The principal as scopes see it; the team subtree is read only when needed.
    pub fn principal(&self, conn: &mut AnyConnection, scope: Scope) -> Result<Principal, AppError> {
        let subtree_team_ids = if scope == Scope::Subtree {
            crm_db::teams::subtree_of(conn, self.workspace_id, self.user_id(), self.team_id)?
        } else {
            Vec::new()
        };
        Ok(Principal {
            user_id: self.user_id(),
            team_id: self.team_id,
            subtree_team_ids,
        })
    }

    /// The principal, when `scope` covers a record with this owner and
    /// team; else `Forbidden`: "your role may not {what}".
    pub fn require_covers(
        &self,
        conn: &mut AnyConnection,
        scope: Scope,
        owner_id: Option<Uuid>,
        team_id: Option<Uuid>,
        what: &str,
    ) -> Result<Principal, AppError> {
        let principal = self.principal(conn, scope)?;
        if scope.covers(&principal, Ownership { owner_id, team_id }) {
            Ok(principal)
        } else {
            Err(AppError::Forbidden(format!("your role may not {what}")))
        }
    }

    /// The visibility predicate for an action (`Forbidden` when the role grants none).
    pub fn visibility(
        &self,
        conn: &mut AnyConnection,
        object: ObjectType,
        action: Action,
    ) -> Result<Visibility, AppError> {
        let scope = self.require(object, action)?;
        Ok(Visibility {
            workspace_id: self.workspace_id,
            scope,
            principal: self.principal(conn, scope)?,
        })
    }

    /// Like `visibility`, but a role without the grant sees nothing instead
    /// of being refused (for reads that span object types, like the feed).
    pub fn visibility_or_none(
        &self,
        conn: &mut AnyConnection,
        object: ObjectType,
        action: Action,
    ) -> Result<Visibility, AppError> {
        let scope = self.scope(object, action);
        Ok(Visibility {
            workspace_id: self.workspace_id,
            scope,
            principal: self.principal(conn, scope)?,
        })
    }

    /// Appends a change this actor made to the change log, in the write's
    /// transaction: the changed fields and, for each, its value before and
    /// after (see [`crm_db::change_log::values`]).
    pub fn record_change(
        &self,
        conn: &mut AnyConnection,
        entity: &str,
        entity_id: Uuid,
        op: Op,
        changed_fields: Vec<String>,
        values: Option<serde_json::Value>,
    ) -> Result<(), AppError> {
        crm_db::change_log::record(
            conn,
            Change {
                workspace_id: self.workspace_id,
                entity,
                entity_id,
                op,
                changed_fields,
                actor_id: self.user,
                channel: self.via.as_str(),
                values,
            },
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_system_holds_every_grant_and_no_user() {
        let system = Actor::system(Uuid::nil(), Via::Job);
        assert_eq!(system.user, None);
        assert_eq!(
            system.require(ObjectType::Deals, Action::Delete).ok(),
            Some(Scope::All)
        );
        assert!(system.require_admin("do it").is_ok());
    }

    #[test]
    fn an_action_the_role_does_not_grant_is_forbidden() {
        let mut actor = Actor::system(Uuid::nil(), Via::Web);
        actor.permissions = Permissions::default();
        actor.admin = false;
        assert!(matches!(
            actor.require(ObjectType::Customers, Action::Read),
            Err(AppError::Forbidden(_))
        ));
        assert!(matches!(
            actor.require_all(ObjectType::Tags, Action::Update),
            Err(AppError::Forbidden(_))
        ));
        assert!(actor.require_admin("x").is_err());
    }
}
