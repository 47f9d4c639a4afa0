//! `Caller`: the authenticated principal of a request (a user through a
//! JWT, or an integrator through an API key acting as its creator), with
//! the permission checks every handler uses.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use crm_db::roles::RoleRow;
use crm_db::users::UserRow;
use crm_db::{AnyConnection, Visibility};
use crm_domain::access::{Action, ObjectType, Permissions, Principal, Scope};
use futures_util::future::LocalBoxFuture;
use subtle::ConstantTimeEq;
use uuid::Uuid;

use crate::error::ApiError;
use crate::security::{api_key_prefix, sha256_hex};
use crate::state::AppState;
use crate::throttle::{self, Counter, client_address};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthVia {
    Jwt,
    ApiKey(Uuid),
}

#[derive(Debug, Clone)]
pub struct Caller {
    pub workspace_id: Uuid,
    pub user: UserRow,
    pub role: RoleRow,
    pub permissions: Permissions,
    pub via: AuthVia,
    /// The user holds the built-in admin role (and, through an API key, the
    /// key is bound to it too).
    pub admin: bool,
}

impl Caller {
    /// The caller a user is (with `role_id` when acting through an API key
    /// of that role): `NotFound` for an unknown or deactivated user. Jobs
    /// that run after their request (imports) act as this.
    pub fn load(
        conn: &mut AnyConnection,
        workspace_id: Uuid,
        user_id: Uuid,
        role_id: Option<Uuid>,
        via: AuthVia,
    ) -> Result<Self, ApiError> {
        let user = match crm_db::users::find(conn, workspace_id, user_id) {
            Ok(user) if user.active => user,
            Ok(_) | Err(crm_db::DbError::NotFound) => return Err(ApiError::NotFound),
            Err(e) => return Err(e.into()),
        };
        let user_role = crm_db::roles::find(conn, workspace_id, user.role_id.0)?;
        // A key acts with its role, but never beyond what its creator holds now.
        let (role, permissions) = match role_id.filter(|id| *id != user.role_id.0) {
            Some(id) => {
                let role = crm_db::roles::find(conn, workspace_id, id)?;
                let permissions = role.permissions().intersect(&user_role.permissions());
                (role, permissions)
            }
            None => {
                let permissions = user_role.permissions();
                (user_role.clone(), permissions)
            }
        };
        let admin = role.is_admin() && user_role.is_admin();
        Ok(Caller {
            workspace_id,
            user,
            role,
            permissions,
            via,
            admin,
        })
    }

    /// The caller as `crm-app` sees them.
    pub fn actor(&self) -> crm_app::Actor {
        crm_app::Actor {
            workspace_id: self.workspace_id,
            user_id: Some(self.user_id()),
            admin: self.admin,
            via: match self.via {
                AuthVia::Jwt => crm_app::Via::Web,
                AuthVia::ApiKey(_) => crm_app::Via::ApiKey,
            },
        }
    }

    pub fn user_id(&self) -> Uuid {
        self.user.id.0
    }

    pub fn team_id(&self) -> Option<Uuid> {
        self.user.team_id.map(Uuid::from)
    }

    pub fn scope(&self, object: ObjectType, action: Action) -> Scope {
        self.permissions.scope(object, action)
    }

    /// The scope for an action, or 403 when the role grants none.
    pub fn require(&self, object: ObjectType, action: Action) -> Result<Scope, ApiError> {
        match self.scope(object, action) {
            Scope::None => Err(ApiError::Forbidden(format!(
                "your role may not {action} {object}"
            ))),
            scope => Ok(scope),
        }
    }

    /// Requires the `all` scope (settings objects have no owner).
    pub fn require_all(&self, object: ObjectType, action: Action) -> Result<(), ApiError> {
        match self.scope(object, action) {
            Scope::All => Ok(()),
            _ => Err(ApiError::Forbidden(format!(
                "your role may not {action} {object}"
            ))),
        }
    }

    /// The principal as scopes see it; the team subtree is read only when needed.
    pub fn principal(&self, conn: &mut AnyConnection, scope: Scope) -> Result<Principal, ApiError> {
        let subtree_team_ids = if scope == Scope::Subtree {
            crm_db::teams::subtree_of(conn, self.workspace_id, self.user_id(), self.team_id())?
        } else {
            Vec::new()
        };
        Ok(Principal {
            user_id: self.user_id(),
            team_id: self.team_id(),
            subtree_team_ids,
        })
    }

    /// The visibility predicate for an action (403 when the role grants none).
    pub fn visibility(
        &self,
        conn: &mut AnyConnection,
        object: ObjectType,
        action: Action,
    ) -> Result<Visibility, ApiError> {
        let scope = self.require(object, action)?;
        Ok(Visibility {
            workspace_id: self.workspace_id,
            scope,
            principal: self.principal(conn, scope)?,
        })
    }

    /// Appends a change this caller made to the change log (in the write's transaction).
    pub fn record_change(
        &self,
        conn: &mut AnyConnection,
        entity: &str,
        entity_id: Uuid,
        op: crm_db::change_log::Op,
        changed_fields: Vec<String>,
    ) -> Result<(), ApiError> {
        crm_db::change_log::record(
            conn,
            crm_db::change_log::Change {
                workspace_id: self.workspace_id,
                entity,
                entity_id,
                op,
                changed_fields,
                actor_id: Some(self.user_id()),
            },
        )?;
        Ok(())
    }

    /// Like `visibility`, but a role without the grant sees nothing instead
    /// of being refused (for reads that span object types, like the feed).
    pub fn visibility_or_none(
        &self,
        conn: &mut AnyConnection,
        object: ObjectType,
        action: Action,
    ) -> Result<Visibility, ApiError> {
        let scope = self.scope(object, action);
        Ok(Visibility {
            workspace_id: self.workspace_id,
            scope,
            principal: self.principal(conn, scope)?,
        })
    }
}

fn bearer(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req.headers().get(header::AUTHORIZATION).ok_or_else(|| {
        ApiError::Unauthorized("send Authorization: Bearer <access token or API key>".into())
    })?;
    let text = value
        .to_str()
        .map_err(|_| ApiError::Unauthorized("unreadable Authorization header".into()))?;
    let (scheme, token) = text
        .split_once(' ')
        .ok_or_else(|| ApiError::Unauthorized("expected a Bearer token".into()))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::Unauthorized("expected a Bearer token".into()));
    }
    Ok(token.trim().to_owned())
}

/// An API key's owner, role and id; 401 for an unknown, revoked or
/// expired key (`Ok(Err)`, so the caller can count the failure).
fn api_key(
    conn: &mut AnyConnection,
    token: &str,
    prefix: &str,
) -> Result<Result<crm_db::api_keys::ApiKeyRow, ApiError>, ApiError> {
    let invalid =
        || ApiError::Unauthorized("the credentials are invalid, expired or revoked".into());
    let Some(key) = crm_db::api_keys::find_by_prefix(conn, prefix)? else {
        return Ok(Err(invalid()));
    };
    let matches: bool = sha256_hex(token)
        .as_bytes()
        .ct_eq(key.secret_hash.as_bytes())
        .into();
    let expired = key.expires_at.is_some_and(|t| t <= crm_db::time::now());
    if !matches || key.revoked_at.is_some() || expired {
        return Ok(Err(invalid()));
    }
    Ok(Ok(key))
}

fn authenticate(
    conn: &mut AnyConnection,
    state: &AppState,
    token: &str,
    address: &str,
) -> Result<Caller, ApiError> {
    let invalid =
        || ApiError::Unauthorized("the credentials are invalid, expired or revoked".into());
    let (workspace_id, user_id, role_id, via) = if let Some(prefix) = api_key_prefix(token) {
        // Guessing keys from one address is throttled like sign-ins.
        let throttle_key = Counter::ApiKeyAddress.key(address);
        throttle::check(conn, &throttle_key)?;
        let key = match api_key(conn, token, prefix)? {
            Ok(key) => key,
            Err(refused) => {
                return Err(throttle::failed(
                    conn,
                    &throttle_key,
                    state.address_throttle,
                    refused,
                ));
            }
        };
        crm_db::api_keys::touch(conn, key.id.0, key.last_used_at)?;
        (
            key.workspace_id.0,
            key.user_id.0,
            Some(key.role_id.0),
            AuthVia::ApiKey(key.id.0),
        )
    } else {
        let claims = state.tokens.verify(token).map_err(|_| invalid())?;
        (claims.wid, claims.sub, None, AuthVia::Jwt)
    };
    match Caller::load(conn, workspace_id, user_id, role_id, via) {
        Err(ApiError::NotFound) => Err(invalid()),
        other => other,
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let trust_proxy = state.as_ref().is_some_and(|s| s.trust_proxy);
        let address = client_address(req, trust_proxy);
        Box::pin(async move {
            let token = token?;
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            let inner = state.clone();
            state
                .db(move |conn| authenticate(conn, &inner, &token, &address))
                .await
        })
    }
}
