//! `Caller`: the authenticated principal of a request (a user through a
//! JWT, or an integrator through an API key acting as its creator), with
//! the permission checks every handler uses.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use crm_app::{Actor, Via};
use crm_db::AnyConnection;
use crm_db::roles::RoleRow;
use crm_db::users::UserRow;
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

/// The authenticated principal of a request: the [`crm_app::Actor`] every
/// use case takes (reached through `Deref`: workspace, grants, checks),
/// plus the user and role rows and how they authenticated.
#[derive(Debug, Clone)]
pub struct Caller {
    pub actor: Actor,
    pub user: UserRow,
    pub role: RoleRow,
    pub via: AuthVia,
}

impl std::ops::Deref for Caller {
    type Target = Actor;
    fn deref(&self) -> &Actor {
        &self.actor
    }
}

impl Caller {
    /// The caller a user is (with `role_id` when acting through an API key
    /// of that role): `NotFound` for an unknown or deactivated user.
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
        let key_role = match role_id.filter(|id| *id != user.role_id.0) {
            Some(id) => Some(crm_db::roles::find(conn, workspace_id, id)?),
            None => None,
        };
        let channel = match via {
            AuthVia::Jwt => Via::Web,
            AuthVia::ApiKey(_) => Via::ApiKey,
        };
        let actor = Actor::of(&user, &user_role, key_role.as_ref(), channel);
        Ok(Caller {
            actor,
            role: key_role.unwrap_or(user_role),
            user,
            via,
        })
    }

    /// The caller as `crm-app` sees them.
    pub fn actor(&self) -> &Actor {
        &self.actor
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
