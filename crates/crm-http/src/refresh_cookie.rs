//! The refresh token as an HttpOnly cookie for the web app: `crm_refresh`
//! (`HttpOnly; Secure; SameSite=Strict; Path=/api/v1/auth`), set by sign-in
//! and refresh when the client sends `X-Refresh-Cookie: 1`, read by refresh
//! and sign-out when the body names no token, cleared by sign-out. API
//! clients keep receiving and sending the token in JSON.
//!
//! A token taken from the cookie also needs a same-origin signal, against
//! cross-site request forgery beyond what `SameSite=Strict` already stops:
//! the `X-Refresh-Cookie` header (a page on another origin cannot send it
//! without a CORS preflight, which this server never grants), and, when the
//! browser sends them, an `Origin` naming this host and a `Sec-Fetch-Site`
//! of `same-origin`.

use actix_web::cookie::{Cookie, SameSite, time::Duration};
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse, HttpResponseBuilder};
use crm_api_types::auth::{RefreshRequest, TokenResponse};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::extract::ApiJson;

/// The cookie's name.
pub const COOKIE: &str = "crm_refresh";
/// The only path the browser sends it to.
pub const COOKIE_PATH: &str = "/api/v1/auth";
/// The request header that asks for the cookie and vouches for same-origin use.
pub const HEADER: &str = "x-refresh-cookie";

/// Whether the client asked for the refresh token as a cookie.
pub fn wanted(req: &HttpRequest) -> bool {
    req.headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| matches!(v.trim(), "1" | "true"))
}

/// `Secure` unless the request came over plain HTTP to a host other than
/// this machine: browsers keep `Secure` cookies from `https://` and from
/// `http://localhost` / `127.0.0.1` (secure contexts), and would silently
/// drop them from a plain-HTTP intranet address, signing the user out at
/// every reload.
fn secure(req: &HttpRequest) -> bool {
    let info = req.connection_info();
    if info.scheme() == "https" {
        return true;
    }
    let host = info.host().to_ascii_lowercase();
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default().to_owned(),
        None => host
            .rsplit_once(':')
            .map_or(host.clone(), |(h, _)| h.to_owned()),
    };
    name == "localhost" || name.ends_with(".localhost") || name == "127.0.0.1" || name == "::1"
}

fn cookie(req: &HttpRequest, value: String, max_age: Duration) -> Cookie<'static> {
    Cookie::build(COOKIE, value)
        .path(COOKIE_PATH)
        .http_only(true)
        .secure(secure(req))
        .same_site(SameSite::Strict)
        .max_age(max_age)
        .finish()
}

/// The answer to a successful sign-in or refresh: the tokens as JSON with
/// `Cache-Control: no-store`, and when the client asked for it (or the
/// token came from the cookie) the refresh token moved into the cookie.
pub fn tokens_response(
    req: &HttpRequest,
    refresh_ttl_days: i64,
    mut tokens: TokenResponse,
    from_cookie: bool,
) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    response.insert_header((header::CACHE_CONTROL, "no-store"));
    if (from_cookie || wanted(req))
        && let Some(token) = tokens.refresh_token.take()
    {
        response.cookie(cookie(req, token, Duration::days(refresh_ttl_days)));
    }
    response.json(tokens)
}

/// Sign-out's answer: 204, the cookie expired.
pub fn signed_out(req: &HttpRequest) -> HttpResponse {
    let mut response: HttpResponseBuilder = HttpResponse::NoContent();
    response.cookie(cookie(req, String::new(), Duration::ZERO));
    response.finish()
}

/// The refresh token presented: the body's, else the cookie's (after the
/// same-origin checks). `Ok(None)` when there is neither. The flag says it
/// came from the cookie.
pub fn presented(
    req: &HttpRequest,
    body: Option<RefreshRequest>,
) -> Result<Option<(String, bool)>, ApiError> {
    if let Some(token) = body.and_then(|b| b.refresh_token) {
        return Ok(Some((token, false)));
    }
    let Some(value) = req
        .cookie(COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty())
    else {
        return Ok(None);
    };
    same_origin(req)?;
    Ok(Some((value, true)))
}

/// Refuses a cookie-authenticated request that may come from another site.
fn same_origin(req: &HttpRequest) -> Result<(), ApiError> {
    let refuse = |why: &str| Err(ApiError::Forbidden(why.to_owned()));
    if !wanted(req) {
        return refuse("a refresh token from the cookie needs the X-Refresh-Cookie: 1 header");
    }
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site")
        && !matches!(site.to_str(), Ok("same-origin" | "none"))
    {
        return refuse("the request came from another site");
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or_default().to_ascii_lowercase();
        let authority = origin.split_once("://").map_or("", |(_, rest)| rest);
        if authority != req.connection_info().host().to_ascii_lowercase() {
            return refuse("the request's Origin is not this server");
        }
    }
    Ok(())
}

/// A JSON body that may be absent: no body (`Content-Length: 0` or none)
/// is `None`; anything else is read as `ApiJson` is, with its errors.
#[derive(Debug)]
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned + 'static> FromRequest for OptionalJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let headers = req.headers();
        let length = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let empty = match length {
            Some(n) => n == 0,
            None => !headers.contains_key(header::TRANSFER_ENCODING),
        };
        if empty {
            return Box::pin(std::future::ready(Ok(OptionalJson(None))));
        }
        // A JSON `null` body is no body.
        let body = ApiJson::<Option<T>>::from_request(req, payload);
        Box::pin(async move { body.await.map(|json| OptionalJson(json.0)) })
    }
}

/// The opt-in header, as documented on sign-in, refresh and sign-out.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct CookieHeader {
    /// `1`: set the refresh token as the `crm_refresh` cookie (HttpOnly,
    /// Secure, SameSite=Strict, Path=/api/v1/auth) instead of returning it in
    /// the body; also required when the token is taken from that cookie.
    #[serde(rename = "X-Refresh-Cookie")]
    #[param(rename = "X-Refresh-Cookie")]
    pub x_refresh_cookie: Option<String>,
}
