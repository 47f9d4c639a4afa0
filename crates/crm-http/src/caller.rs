//! `Caller`: the authenticated principal of a request, read from its
//! `Authorization: Bearer` header and the client address.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use crm_app::Actor;
use crm_app::auth::Authenticated;
use futures_util::future::LocalBoxFuture;

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
            let principal = state
                .db_retrying(move |conn| {
                    crm_app::auth::authenticate(
                        conn,
                        &inner.tokens,
                        &inner.throttles,
                        &inner.principals,
                        &token,
                        &address,
                    )
                })
                .await?;
            Ok(Caller(principal))
        })
    }
}
