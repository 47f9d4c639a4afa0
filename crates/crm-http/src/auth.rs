//! `/auth/*` and `/me`: password sign-in with throttling, refresh-token
//! rotation with reuse detection, sign-out, and the caller's profile.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use crm_api_types::Problem;
use crm_api_types::auth::{
    LoginRequest, Me, RefreshRequest, RoleSummary, SignInOptions, TeamSummary, TokenResponse,
    UserSummary, WorkspaceSummary,
};
use crm_db::AnyConnection;
use crm_db::auth::{clear_failures, release_attempt};
use uuid::Uuid;

use crate::caller::{AuthVia, Caller};
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::refresh_cookie::{self, OptionalJson};
use crate::security::{hash_password, random_token, sha256_hex, verify_password};
use crate::state::AppState;
use crate::throttle::{self, Counter, account_key, client_address};

/// Verified against when the account does not exist, so both cases cost the same.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_password("not-a-real-password").unwrap_or_default());

/// Issues an access token and a refresh token in the given family.
fn issue_tokens(
    conn: &mut AnyConnection,
    state: &AppState,
    workspace_id: Uuid,
    user_id: Uuid,
    family_id: Uuid,
) -> Result<TokenResponse, ApiError> {
    let refresh_token = random_token().map_err(ApiError::internal)?;
    let expires = crm_db::time::now() + chrono::Duration::days(state.tokens.refresh_ttl_days);
    crm_db::auth::insert_refresh(
        conn,
        workspace_id,
        user_id,
        family_id,
        &sha256_hex(&refresh_token),
        expires,
    )?;
    Ok(TokenResponse {
        access_token: state
            .tokens
            .issue(user_id, workspace_id)
            .map_err(ApiError::internal)?,
        refresh_token: Some(refresh_token),
        token_type: "Bearer".to_owned(),
        expires_in: state.tokens.access_ttl_secs,
    })
}

/// What the sign-in page should ask for, and whether to show the demo logins.
#[utoipa::path(
    tag = "auth",
    responses((status = 200, body = SignInOptions)),
    security(())
)]
#[get("/auth/options")]
pub async fn options(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let options = state
        .db(|conn| {
            Ok(SignInOptions {
                workspace_required: crm_db::workspaces::sole(conn)?.is_none(),
                demo: crm_db::workspaces::find_by_slug(conn, crm_domain::DEMO_WORKSPACE)?.is_some(),
            })
        })
        .await?;
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
    let body = body.0;
    let address = client_address(&req, state.trust_proxy);
    let inner = state.clone();
    let tokens = state
        .db(move |conn| {
            let workspace = match &body.workspace {
                Some(slug) => crm_db::workspaces::find_by_slug(conn, slug.trim())?,
                None => crm_db::workspaces::sole(conn)?.map(Some).ok_or_else(|| {
                    ApiError::validation(
                        "workspace",
                        "is required: this server has several workspaces",
                    )
                })?,
            };
            let email = body.email.trim().to_lowercase();
            let workspace_key = workspace.as_ref().map_or_else(
                || body.workspace.clone().unwrap_or_default(),
                |w| w.id.to_string(),
            );
            let account = account_key(&workspace_key, &email);
            let address = Counter::SignInAddress.key(&address);
            // Counted before the password is checked: concurrent guesses
            // beyond the limit get 429 without a check.
            throttle::count(
                conn,
                &[
                    (&account, inner.account_throttle),
                    (&address, inner.address_throttle),
                ],
            )?;
            let user = match &workspace {
                Some(w) => crm_db::users::find_by_email(conn, w.id.0, &email)?,
                None => None,
            };
            let hash = user
                .as_ref()
                .map_or(DUMMY_HASH.as_str(), |u| u.password_hash.as_str());
            let password_ok = verify_password(&body.password, hash);
            let (Some(workspace), Some(user), true) =
                (workspace, user.filter(|u| u.active), password_ok)
            else {
                return Err(ApiError::Unauthorized(
                    "wrong workspace, e-mail or password".into(),
                ));
            };
            clear_failures(conn, &account)?;
            release_attempt(conn, &address)?;
            issue_tokens(conn, &inner, workspace.id.0, user.id.0, Uuid::now_v7())
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
    let inner = state.clone();
    let throttle_key = Counter::RefreshAddress.key(&client_address(&req, state.trust_proxy));
    let invalid =
        || ApiError::Unauthorized("the refresh token is invalid, expired or revoked".into());
    let outcome = state
        .db(move |conn| {
            throttle::check(conn, &throttle_key)?;
            let outcome = refresh_tokens(conn, &inner, &presented, invalid);
            Ok(match outcome? {
                Err(refused) => Err(throttle::failed(
                    conn,
                    &throttle_key,
                    inner.address_throttle,
                    refused,
                )),
                ok => ok,
            })
        })
        .await?;
    // Revocations above are committed even though the answer is 401.
    Ok(refresh_cookie::tokens_response(
        &req,
        state.tokens.refresh_ttl_days,
        outcome?,
        from_cookie,
    ))
}

/// Spends a refresh token and issues new tokens; `Ok(Err)` for a refused
/// token (whose family may have been revoked: that must be committed).
fn refresh_tokens(
    conn: &mut AnyConnection,
    inner: &AppState,
    presented: &str,
    invalid: impl Fn() -> ApiError,
) -> Result<Result<TokenResponse, ApiError>, ApiError> {
    let Some(token) = crm_db::auth::find_refresh(conn, &sha256_hex(presented))? else {
        return Ok(Err(invalid()));
    };
    let reused = token.used_at.is_some() || !crm_db::auth::spend_refresh(conn, token.id.0)?;
    if reused || token.revoked_at.is_some() {
        crm_db::auth::revoke_family(conn, token.workspace_id.0, token.family_id.0)?;
        return Ok(Err(invalid()));
    }
    if token.expires_at <= crm_db::time::now() {
        return Ok(Err(invalid()));
    }
    match crm_db::users::find(conn, token.workspace_id.0, token.user_id.0) {
        Ok(user) if user.active => {}
        _ => return Ok(Err(invalid())),
    }
    issue_tokens(
        conn,
        inner,
        token.workspace_id.0,
        token.user_id.0,
        token.family_id.0,
    )
    .map(Ok)
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
        .db(move |conn| {
            if let Some(token) = crm_db::auth::find_refresh(conn, &sha256_hex(&presented))? {
                crm_db::auth::revoke_family(conn, token.workspace_id.0, token.family_id.0)?;
            }
            Ok(())
        })
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
        .db(move |conn| {
            let workspace = crm_db::workspaces::find(conn, caller.workspace_id)?;
            let team = match caller.team_id {
                Some(id) => Some(crm_db::teams::find(conn, caller.workspace_id, id)?),
                None => None,
            };
            Ok(Me {
                user: UserSummary {
                    id: caller.user_id(),
                    email: caller.user.email.clone(),
                    display_name: caller.user.display_name.clone(),
                },
                workspace: WorkspaceSummary {
                    id: workspace.id.0,
                    slug: workspace.slug,
                    name: workspace.name,
                },
                role: RoleSummary {
                    id: caller.role.id.0,
                    key: caller.role.key.clone(),
                    name: caller.role.name.clone(),
                },
                team: team.map(|t| TeamSummary {
                    id: t.id.0,
                    name: t.name,
                }),
                permissions: caller.permissions.complete(),
                auth: match caller.via {
                    AuthVia::Jwt => "jwt".to_owned(),
                    AuthVia::ApiKey(_) => "api_key".to_owned(),
                },
            })
        })
        .await?;
    Ok(web::Json(me))
}
