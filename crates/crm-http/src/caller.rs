//! `Caller`: the authenticated principal of a request, read from its
//! `Authorization: Bearer` header and the client address.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use crm_app::Actor;
use crm_app::auth::{Authenticated, Presented};
use futures_util::future::{LocalBoxFuture, Ready, ready};

use crate::error::ApiError;
use crate::state::AppState;

/// The authenticated principal of a request: a user through an access
/// token, or an integrator through an API key acting as its creator (see
/// [`crm_app::auth`]). Reaches the [`crm_app::Actor`] every use case takes
/// through `Deref` (workspace, grants, checks). Shared with this process's
/// cache of principals: cloning a caller copies a pointer.
#[derive(Debug, Clone)]
pub struct Caller(pub std::sync::Arc<Authenticated>);

impl std::ops::Deref for Caller {
    type Target = Authenticated;
    fn deref(&self) -> &Authenticated {
        &self.0
    }
}

impl Caller {
    /// The caller as `crm-app` sees them.
    pub fn actor(&self) -> &Actor {
        &self.0.actor
    }
}

/// The client's address: the peer, or the proxy's `X-Forwarded-For` when
/// the deployment says a trusted proxy sits in front. Throttles count by it.
pub fn client_address(req: &HttpRequest, trust_proxy: bool) -> String {
    let info = req.connection_info();
    let addr = if trust_proxy {
        info.realip_remote_addr().map(str::to_owned)
    } else {
        req.peer_addr().map(|a| a.ip().to_string())
    };
    addr.unwrap_or_else(|| "unknown".to_owned())
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

/// The request's credential checked without the database (see
/// [`crm_app::auth::Presented`]), with the client's address; `Unauthorized`
/// when missing or not a valid token now.
fn presented(req: &HttpRequest) -> Result<(web::Data<AppState>, Presented, String), ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::internal("application state missing"))?;
    let token = bearer(req)?;
    let presented = Presented::check(&state.tokens, &token)?;
    let address = client_address(req, state.trust_proxy);
    Ok((state, presented, address))
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let checked = presented(req);
        Box::pin(async move {
            let (state, presented, address) = checked?;
            let inner = state.clone();
            let principal = state
                .db_retrying(move |conn| {
                    crm_app::auth::authenticate_presented(
                        conn,
                        &inner.throttles,
                        &inner.principals,
                        &presented,
                        &address,
                    )
                })
                .await?;
            Ok(Caller(principal))
        })
    }
}

/// A credential checked for form but not yet authenticated: the record and
/// list reads take it instead of a [`Caller`] and authenticate inside their
/// own database call ([`Bearer::read`]), one hand-off to the blocking pool
/// and one connection a request instead of two. A missing, malformed or
/// expired token is refused (401) before the handler runs, as for a
/// [`Caller`]; a revoked key or a deactivated user when the read runs.
pub struct Bearer {
    state: web::Data<AppState>,
    presented: Presented,
    address: String,
}

impl FromRequest for Bearer {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(presented(req).map(|(state, presented, address)| Bearer {
            state,
            presented,
            address,
        }))
    }
}

impl Bearer {
    /// Authenticates the credential and runs `read` as that caller, both on
    /// one pooled connection in one call on the blocking pool; like
    /// [`AppState::db_retrying`], once more on another connection when the
    /// first had been closed under it (`read` must be safe to repeat).
    pub async fn read<T, F>(self, read: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: Fn(&mut crm_db::AnyConnection, &Caller) -> Result<T, crm_app::AppError> + Send + 'static,
    {
        let Bearer {
            state,
            presented,
            address,
        } = self;
        let inner = state.clone();
        state
            .db_retrying(move |conn| {
                let principal = crm_app::auth::authenticate_presented(
                    conn,
                    &inner.throttles,
                    &inner.principals,
                    &presented,
                    &address,
                )?;
                read(conn, &Caller(principal))
            })
            .await
    }

    /// [`Bearer::read`] for a read that may return the workspace's access
    /// counter as its own statement saw it: it runs as the principal this
    /// process cached for the token and is kept while that counter has not
    /// moved, with no statement to authorise it ([`crm_app::auth::read_as`]).
    pub async fn read_confirmed<T, F>(self, read: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: Fn(&mut crm_db::AnyConnection, &Caller) -> Result<(T, Option<i64>), crm_app::AppError>
            + Send
            + 'static,
    {
        let Bearer {
            state,
            presented,
            address,
        } = self;
        let inner = state.clone();
        state
            .db_retrying(move |conn| {
                crm_app::auth::read_as(
                    conn,
                    &inner.throttles,
                    &inner.principals,
                    &presented,
                    &address,
                    |conn, principal| read(conn, &Caller(principal.clone())),
                )
            })
            .await
    }
}
