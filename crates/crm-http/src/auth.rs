//! `/auth/*` and `/me`: the HTTP side of sign-in, refresh-token rotation,
//! sign-out and the caller's profile (the rules are `crm_app::auth`): the
//! client address, and the refresh token as body or `crm_refresh` cookie.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use crm_api_types::Problem;
use crm_api_types::auth::{LoginRequest, Me, RefreshRequest, SignInOptions, TokenResponse};

use crate::caller::{Caller, client_address};
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::refresh_cookie::{self, OptionalJson};
use crate::state::AppState;

/// What the sign-in page should ask for, and whether to show the demo logins.
#[utoipa::path(
    tag = "auth",
    responses((status = 200, body = SignInOptions)),
    security(())
)]
#[get("/auth/options")]
pub async fn options(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let options = state.db(|conn| Ok(crm_app::auth::options(conn)?)).await?;
    Ok(HttpResponse::Ok().json(options))
}

/// Sign in with e-mail and password.
///
/// Five failures for one account, or thirty from one address, within 15 minutes
/// block further attempts for 15 minutes (429 with `Retry-After`).
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    params(refresh_cookie::CookieHeader),
    responses(
        (status = 200, description = "Signed in; with `X-Refresh-Cookie: 1` the refresh token is set as the `crm_refresh` cookie (HttpOnly, Secure, SameSite=Strict, Path=/api/v1/auth) instead of the body's `refresh_token`", body = TokenResponse),
        (status = 401, description = "Wrong workspace, e-mail or password", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Malformed request", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failures; see Retry-After", body = Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let address = client_address(&req, state.trust_proxy);
    let inner = state.clone();
    let tokens = state
        .db(move |conn| {
            Ok(crm_app::auth::sign_in(
                conn,
                &inner.tokens,
                &inner.throttles,
                body.0,
                &address,
            )?)
        })
        .await?;
    Ok(refresh_cookie::tokens_response(
        &req,
        state.tokens.refresh_ttl_days,
        tokens,
        false,
    ))
}

/// Exchange a refresh token for new tokens.
///
/// Each refresh token works once. Presenting a spent token again revokes
/// every token descended from the same sign-in (it was probably stolen).
#[utoipa::path(
    tag = "auth",
    request_body(content = Option<RefreshRequest>, description = "The token to spend; may be omitted when it travels as the `crm_refresh` cookie"),
    params(refresh_cookie::CookieHeader),
    responses(
        (status = 200, description = "New tokens; with `X-Refresh-Cookie: 1` (or a token from the cookie) the new refresh token is set as the cookie instead of the body's `refresh_token`", body = TokenResponse),
        (status = 401, description = "Unknown, expired, spent or revoked token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A token from the cookie without `X-Refresh-Cookie: 1`, or from another origin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No token in the body nor the cookie", body = Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: OptionalJson<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let (presented, from_cookie) = refresh_cookie::presented(&req, body.0)?.ok_or_else(|| {
        ApiError::validation("refresh_token", "is required (or the crm_refresh cookie)")
    })?;
    let address = client_address(&req, state.trust_proxy);
    let inner = state.clone();
    let outcome = state
        .db(move |conn| {
            Ok(crm_app::auth::refresh(
                conn,
                &inner.tokens,
                &inner.throttles,
                &presented,
                &address,
            )?)
        })
        .await?;
    // Revocations above are committed even though the answer is 401.
    Ok(refresh_cookie::tokens_response(
        &req,
        state.tokens.refresh_ttl_days,
        outcome.map_err(ApiError::from)?,
        from_cookie,
    ))
}

/// Sign out: revokes the refresh token's whole family and clears the cookie.
///
/// 204 whether or not the token was known.
#[utoipa::path(
    tag = "auth",
    request_body(content = Option<RefreshRequest>, description = "The token to revoke; may be omitted when it travels as the `crm_refresh` cookie"),
    params(refresh_cookie::CookieHeader),
    responses(
        (status = 204, description = "Signed out; the `crm_refresh` cookie is cleared"),
        (status = 403, description = "A token from the cookie without `X-Refresh-Cookie: 1`, or from another origin", body = Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: OptionalJson<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let presented = refresh_cookie::presented(&req, body.0)?
        .map(|(token, _)| token)
        .unwrap_or_default();
    state
        .db(move |conn| Ok(crm_app::auth::sign_out(conn, &presented)?))
        .await?;
    Ok(refresh_cookie::signed_out(&req))
}

/// The caller: user, workspace, role with every permission, team.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 200, body = Me),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me")]
pub async fn me(state: web::Data<AppState>, caller: Caller) -> Result<web::Json<Me>, ApiError> {
    let me = state
        .db(move |conn| Ok(crm_app::auth::me(conn, &caller)?))
        .await?;
    Ok(web::Json(me))
}
