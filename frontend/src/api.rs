//! The only place that talks HTTP: JSON in and out, problem+json decoded
//! into `ApiError`, the bearer token attached. The refresh token never
//! reaches this code: the server keeps it in the HttpOnly `crm_refresh`
//! cookie (asked for with `X-Refresh-Cookie: 1`). localStorage holds only the
//! short-lived access token and its expiry, shared by the tabs so a new tab
//! or a reload needs no refresh. The access token is renewed through the
//! cookie before it expires, by one refresh at a time across tabs (a Web
//! Lock; the server revokes a token family when a spent refresh token is
//! reused, so two racing refreshes would sign the user out). A session that
//! cannot be renewed goes back to the sign-in page with the current page as
//! `next`.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use crm_api_types::Problem;
use crm_api_types::auth::{LoginRequest, TokenResponse};
use futures::FutureExt;
use futures::future::{LocalBoxFuture, Shared};
use gloo_net::http::{Method, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

const SESSION_KEY: &str = "crm.session";
/// Renew the access token when less than this is left of it.
const RENEW_BEFORE_MS: f64 = 60_000.0;

/// A failed call as the UI shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub title: String,
    pub detail: Option<String>,
    pub request_id: Option<String>,
    pub errors: BTreeMap<String, Vec<String>>,
}

impl ApiError {
    fn network(err: impl std::fmt::Display) -> Self {
        Self {
            status: 0,
            title: err.to_string(),
            detail: None,
            request_id: None,
            errors: BTreeMap::new(),
        }
    }

    fn signed_out() -> Self {
        Self {
            status: 401,
            title: "Unauthorized".to_owned(),
            detail: None,
            request_id: None,
            errors: BTreeMap::new(),
        }
    }

    /// The first message for a field, to show beside its input.
    pub fn field(&self, name: &str) -> Option<String> {
        self.errors.get(name).and_then(|m| m.first()).cloned()
    }

    /// The record changed since it was read (412 on If-Match).
    pub fn is_stale(&self) -> bool {
        self.status == 412
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.detail {
            Some(detail) => write!(f, "{}: {detail}", self.title),
            None => f.write_str(&self.title),
        }
    }
}

impl std::error::Error for ApiError {}

/// What this browser keeps: the access token, never the refresh token.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Session {
    access_token: String,
    /// Milliseconds since the epoch, by this browser's clock.
    expires_at: f64,
}

impl Session {
    fn from_tokens(tokens: TokenResponse) -> Self {
        Self {
            expires_at: js_sys::Date::now() + tokens.expires_in as f64 * 1000.0,
            access_token: tokens.access_token,
        }
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn session() -> Option<Session> {
    let text = storage()?.get_item(SESSION_KEY).ok()??;
    let session: Session = serde_json::from_str(&text).ok()?;
    if text.contains("refresh_token") {
        // Stored by an older version of the app: drop its refresh token.
        store(Some(&session));
    }
    Some(session)
}

fn store(session: Option<&Session>) {
    if let Some(store) = storage() {
        let _ = match session.and_then(|s| serde_json::to_string(s).ok()) {
            Some(text) => store.set_item(SESSION_KEY, &text),
            None => store.remove_item(SESSION_KEY),
        };
    }
}

pub fn signed_in() -> bool {
    session().is_some()
}

/// Leaves for the sign-in page, coming back to this page afterwards.
pub fn to_login() {
    let Some(location) = web_sys::window().map(|w| w.location()) else {
        return;
    };
    let here = format!(
        "{}{}",
        location.pathname().unwrap_or_default(),
        location.search().unwrap_or_default()
    );
    let _ = location.set_href(&format!("/login?next={}", encode(&here)));
}

pub fn encode(value: &str) -> String {
    js_sys::encode_uri_component(value)
        .as_string()
        .unwrap_or_default()
}

/// One request; the body is JSON text already. Not generic, so the WASM
/// holds one copy of it whatever the callers' types.
async fn send(
    method: Method,
    path: &str,
    body: Option<&str>,
    token: Option<&str>,
    version: Option<i32>,
) -> Result<Response, ApiError> {
    let mut builder = RequestBuilder::new(path).method(method);
    if path.starts_with("/api/v1/auth/") {
        // The refresh token travels as the HttpOnly cookie, never in JSON.
        builder = builder.header("X-Refresh-Cookie", "1");
    }
    if let Some(token) = token {
        builder = builder.header("Authorization", &format!("Bearer {token}"));
    }
    if let Some(version) = version {
        builder = builder.header("If-Match", &format!("\"{version}\""));
    }
    let request = match body {
        Some(body) => builder
            .header("Content-Type", "application/json")
            .body(body.to_owned())
            .map_err(ApiError::network)?,
        None => builder.build().map_err(ApiError::network)?,
    };
    request.send().await.map_err(ApiError::network)
}

/// The body of a 2xx answer as text (`null` for 204), else the problem.
async fn read(response: Response) -> Result<String, ApiError> {
    let status = response.status();
    if (200..300).contains(&status) {
        let text = response.text().await.map_err(ApiError::network)?;
        return Ok(if text.is_empty() {
            "null".to_owned()
        } else {
            text
        });
    }
    Err(problem(status, &response.text().await.unwrap_or_default()))
}

/// The problem+json of a failed answer (a plain one when the body is none).
fn problem(status: u16, text: &str) -> ApiError {
    let problem: Option<Problem> = serde_json::from_str(text).ok();
    match problem {
        Some(p) => ApiError {
            status,
            title: p.title,
            detail: p.detail,
            request_id: p.request_id,
            errors: p.errors,
        },
        None => ApiError {
            status,
            title: format!("HTTP {status}"),
            detail: None,
            request_id: None,
            errors: BTreeMap::new(),
        },
    }
}

fn parse<T: DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    serde_json::from_str(text).map_err(ApiError::network)
}

fn to_json<B: Serialize>(body: &B) -> Result<String, ApiError> {
    serde_json::to_string(body).map_err(ApiError::network)
}

type Renewal = Shared<LocalBoxFuture<'static, Result<Session, ApiError>>>;

thread_local! {
    static RENEWAL: RefCell<Option<Renewal>> = const { RefCell::new(None) };
}

/// Renews the session while holding the tabs' shared lock.
async fn renew_now() -> Result<Session, ApiError> {
    let stale = session().map(|s| s.access_token);
    let result = Rc::new(RefCell::new(None));
    let slot = result.clone();
    let task = Closure::once_into_js(move || {
        wasm_bindgen_futures::future_to_promise(async move {
            *slot.borrow_mut() = Some(renew_locked(stale).await);
            Ok(JsValue::UNDEFINED)
        })
    });
    // The task reports through `result`; the lock's own outcome adds nothing.
    let _ =
        wasm_bindgen_futures::JsFuture::from(with_lock("crm.refresh", task.unchecked_ref())).await;
    result
        .take()
        .unwrap_or_else(|| Err(ApiError::network("the session could not be renewed")))
}

/// Another tab may have renewed while this one waited for the lock: its
/// token is used as it is; otherwise the cookie buys a new one.
async fn renew_locked(stale: Option<String>) -> Result<Session, ApiError> {
    if let Some(current) = session()
        && Some(&current.access_token) != stale.as_ref()
        && current.expires_at - js_sys::Date::now() > RENEW_BEFORE_MS
    {
        return Ok(current);
    }
    let response = send(Method::POST, "/api/v1/auth/refresh", None, None, None).await?;
    match read(response)
        .await
        .and_then(|text| parse::<TokenResponse>(&text))
    {
        Ok(tokens) => {
            let fresh = Session::from_tokens(tokens);
            store(Some(&fresh));
            Ok(fresh)
        }
        Err(err) => {
            if err.status == 401 {
                store(None);
            }
            Err(err)
        }
    }
}

/// One refresh at a time: concurrent callers share the one under way.
async fn renew() -> Result<Session, ApiError> {
    let renewal = RENEWAL.with(|slot| {
        slot.borrow_mut()
            .get_or_insert_with(|| renew_now().boxed_local().shared())
            .clone()
    });
    let result = renewal.await;
    RENEWAL.with(|slot| slot.borrow_mut().take());
    result
}

/// The access token to send, renewed first when it is about to expire.
pub async fn access_token() -> Result<String, ApiError> {
    let current = session().ok_or_else(ApiError::signed_out)?;
    if current.expires_at - js_sys::Date::now() > RENEW_BEFORE_MS {
        return Ok(current.access_token);
    }
    Ok(renew().await?.access_token)
}

/// Calls the API as the signed-in user and returns the answer's text. A 401
/// gets one renewal and retry; after that the user is sent to sign in again.
async fn call(
    method: Method,
    path: &str,
    body: Option<String>,
    version: Option<i32>,
) -> Result<String, ApiError> {
    let result = async {
        let token = access_token().await?;
        let response = send(method.clone(), path, body.as_deref(), Some(&token), version).await?;
        if response.status() != 401 {
            return read(response).await;
        }
        let fresh = renew().await?;
        read(
            send(
                method,
                path,
                body.as_deref(),
                Some(&fresh.access_token),
                version,
            )
            .await?,
        )
        .await
    }
    .await;
    if matches!(&result, Err(err) if err.status == 401) {
        store(None);
        to_login();
    }
    result
}

pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    parse(&call(Method::GET, path, None, None).await?)
}

pub async fn post<T: DeserializeOwned, B: Serialize>(path: &str, body: &B) -> Result<T, ApiError> {
    let body = to_json(body)?;
    parse(&call(Method::POST, path, Some(body), None).await?)
}

/// PUT: replaces a whole resource that has no version (settings).
pub async fn put<T: DeserializeOwned, B: Serialize>(path: &str, body: &B) -> Result<T, ApiError> {
    let body = to_json(body)?;
    parse(&call(Method::PUT, path, Some(body), None).await?)
}

/// PUT with `If-Match` on the version the user edited (a deal's lines).
pub async fn put_versioned<T: DeserializeOwned, B: Serialize>(
    path: &str,
    body: &B,
    version: i32,
) -> Result<T, ApiError> {
    let body = to_json(body)?;
    parse(&call(Method::PUT, path, Some(body), Some(version)).await?)
}

/// Fetches `path` (CSV) as the signed-in user and hands it to the browser
/// as a file named `name`: links cannot carry the bearer token.
pub async fn download(path: &str, name: &str) -> Result<(), ApiError> {
    let text = call(Method::GET, path, None, None).await?;
    save(&text, name, "text/csv;charset=utf-8");
    Ok(())
}

/// The media type of an Excel workbook.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Fetches `path` as bytes (a workbook) and saves it as `name` of type `kind`.
pub async fn download_binary(path: &str, name: &str, kind: &str) -> Result<(), ApiError> {
    let token = access_token().await?;
    let response = send(Method::GET, path, None, Some(&token), None).await?;
    if !(200..300).contains(&response.status()) {
        return read(response).await.map(|_| ());
    }
    let bytes = response.binary().await.map_err(ApiError::network)?;
    save_bytes(&bytes, name, kind);
    Ok(())
}

/// POSTs `file` as the body of `path` (`text/csv`; the browser streams it
/// from disk) as the signed-in user, reporting the share sent (0–1). A 401
/// gets one renewal and retry, as `call` does.
pub async fn upload<T: DeserializeOwned>(
    path: &str,
    file: &web_sys::File,
    progress: impl Fn(f64) + 'static,
) -> Result<T, ApiError> {
    upload_as(path, file, "text/csv", progress).await
}

/// [`upload`] with the file's own media type (`Content-Type`).
pub async fn upload_as<T: DeserializeOwned>(
    path: &str,
    file: &web_sys::File,
    content_type: &str,
    progress: impl Fn(f64) + 'static,
) -> Result<T, ApiError> {
    let progress = Closure::<dyn Fn(f64)>::new(progress);
    let on_progress: &js_sys::Function = JsCast::unchecked_ref(progress.as_ref());
    let send_once = |token: String| async move {
        let answer = wasm_bindgen_futures::JsFuture::from(upload_file(
            path,
            &token,
            file,
            on_progress,
            content_type,
        ))
        .await
        .unwrap_or_default();
        let status = js_sys::Reflect::get(&answer, &0.into())
            .ok()
            .and_then(|v| v.as_f64())
            .unwrap_or(0.0) as u16;
        let text = js_sys::Reflect::get(&answer, &1.into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default();
        (status, text)
    };
    let mut answer = send_once(access_token().await?).await;
    if answer.0 == 401 {
        answer = send_once(renew().await?.access_token).await;
    }
    match answer {
        (0, _) => Err(ApiError::network("the upload was interrupted")),
        (401, _) => {
            store(None);
            to_login();
            Err(ApiError::signed_out())
        }
        (status, text) if (200..300).contains(&status) => parse(&text),
        (status, text) => Err(problem(status, &text)),
    }
}

#[wasm_bindgen::prelude::wasm_bindgen(module = "/src/upload.js")]
extern "C" {
    #[wasm_bindgen(js_name = uploadFile)]
    fn upload_file(
        url: &str,
        token: &str,
        file: &web_sys::File,
        on_progress: &js_sys::Function,
        content_type: &str,
    ) -> js_sys::Promise;
}

#[wasm_bindgen::prelude::wasm_bindgen(module = "/src/lock.js")]
extern "C" {
    #[wasm_bindgen(js_name = withLock)]
    fn with_lock(name: &str, task: &js_sys::Function) -> js_sys::Promise;
}

#[wasm_bindgen::prelude::wasm_bindgen(module = "/src/download.js")]
extern "C" {
    fn save(text: &str, name: &str, kind: &str);
    #[wasm_bindgen(js_name = saveBytes)]
    fn save_bytes(bytes: &[u8], name: &str, kind: &str);
}

/// PATCH with `If-Match` on the version the user edited.
pub async fn patch<T: DeserializeOwned, B: Serialize>(
    path: &str,
    body: &B,
    version: i32,
) -> Result<T, ApiError> {
    let body = to_json(body)?;
    parse(&call(Method::PATCH, path, Some(body), Some(version)).await?)
}

/// PATCH on a part of a resource that has no version (a pipeline's stage).
pub async fn patch_part<T: DeserializeOwned, B: Serialize>(
    path: &str,
    body: &B,
) -> Result<T, ApiError> {
    let body = to_json(body)?;
    parse(&call(Method::PATCH, path, Some(body), None).await?)
}

pub async fn delete(path: &str, version: Option<i32>) -> Result<(), ApiError> {
    call(Method::DELETE, path, None, version).await.map(|_| ())
}

/// Signs in without a token and starts the session.
pub async fn login(body: &LoginRequest) -> Result<(), ApiError> {
    let response = send(
        Method::POST,
        "/api/v1/auth/login",
        Some(&to_json(body)?),
        None,
        None,
    )
    .await?;
    let tokens: TokenResponse = parse(&read(response).await?)?;
    store(Some(&Session::from_tokens(tokens)));
    Ok(())
}

/// Unauthenticated GET (the sign-in page's options).
pub async fn get_public<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    parse(&read(send(Method::GET, path, None, None, None).await?).await?)
}

/// Unauthenticated POST (a customer answering a survey by its link).
pub async fn post_public<T: DeserializeOwned, B: Serialize>(
    path: &str,
    body: &B,
) -> Result<T, ApiError> {
    let body = to_json(body)?;
    parse(&read(send(Method::POST, path, Some(&body), None, None).await?).await?)
}

/// Signs out: the server revokes the cookie's token family and clears it.
pub async fn logout() {
    let _ = send(Method::POST, "/api/v1/auth/logout", None, None, None).await;
    store(None);
}
