//! Response hardening on every answer: the security headers (content
//! security policy, no sniffing, no referrer, no framing, HSTS over TLS),
//! `Cache-Control: no-store` on `/api/v1` answers that set none, and HEAD
//! answered wherever GET is.
//!
//! Policies (a header a handler already set is kept):
//! - the web app: scripts and WebAssembly only from this origin; style
//!   sheets only from this origin, but inline `style` *attributes* are
//!   allowed (`style-src-attr 'unsafe-inline'`) because the app sizes
//!   meters and colours swatches with them and ECharts' tooltips carry
//!   them; no inline `<style>` or `<script>` anywhere;
//! - Swagger UI (`/api/docs/…`): its bundle sets inline styles and shows
//!   `data:` images and fonts;
//! - the API: nothing may load (`default-src 'none'`).

use actix_web::Error;
use actix_web::body::{BodySize, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web::Bytes;

/// The web app's policy.
pub const APP_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
    style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data: blob:; \
    connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; \
    form-action 'self'; frame-ancestors 'none'";

/// Swagger UI's policy at `/api/docs/`.
pub const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
    connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; \
    frame-ancestors 'none'";

/// JSON, CSV and workbooks from the API: nothing to load, never framed.
pub const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; \
    form-action 'none'";

/// A year, as browsers' HSTS preload lists expect at least.
const HSTS: &str = "max-age=31536000";

fn policy(path: &str) -> &'static str {
    if path == "/api/docs" || path.starts_with("/api/docs/") {
        DOCS_CSP
    } else if path == "/api" || path.starts_with("/api/") {
        API_CSP
    } else {
        APP_CSP
    }
}

/// Adds the security headers to every response, without replacing any a
/// handler set, and `no-store` to `/api/v1` answers without a cache policy.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let csp = policy(req.path());
    let data = req.path().starts_with("/api/v1/");
    let tls = req.app_config().secure();
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    let mut set = |name: HeaderName, value: &'static str| {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    };
    set(header::CONTENT_SECURITY_POLICY, csp);
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    // URLs carry search terms, filters and record ids; no page needs to tell
    // another site where its visitor came from.
    set(header::REFERRER_POLICY, "no-referrer");
    set(header::X_FRAME_OPTIONS, "DENY");
    if tls {
        set(header::STRICT_TRANSPORT_SECURITY, HSTS);
    }
    if data {
        set(header::CACHE_CONTROL, "no-store");
    }
    Ok(response)
}

/// Answers HEAD wherever GET is answered: the request is routed as GET and
/// the body dropped, keeping the status, the headers and the length GET
/// would have (actix routes `#[get]` handlers to GET alone).
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let head = req.method() == Method::HEAD;
    if head {
        req.head_mut().method = Method::GET;
    }
    let response = next.call(req).await?;
    Ok(response.map_body(move |_, body| {
        if head {
            Headless(body.size()).boxed()
        } else {
            body.boxed()
        }
    }))
}

/// A body of a known size that yields no bytes: a HEAD answer.
struct Headless(BodySize);

impl MessageBody for Headless {
    type Error = std::convert::Infallible;

    fn size(&self) -> BodySize {
        self.0
    }

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Bytes, Self::Error>>> {
        std::task::Poll::Ready(None)
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::header;
    use actix_web::middleware::from_fn;
    use actix_web::{App, HttpResponse, test as actix_test, web};

    use super::*;

    #[actix_web::test]
    async fn a_cache_policy_or_header_the_handler_set_is_kept() {
        let app = actix_test::init_service(
            App::new()
                .route(
                    "/api/v1/report",
                    web::get().to(|| async {
                        HttpResponse::Ok()
                            .insert_header((header::CACHE_CONTROL, "private, max-age=60"))
                            .insert_header((header::REFERRER_POLICY, "same-origin"))
                            .body("report")
                    }),
                )
                .route("/api/v1/plain", web::get().to(HttpResponse::Ok))
                .wrap(from_fn(security_headers)),
        )
        .await;
        let kept = actix_test::call_service(
            &app,
            actix_test::TestRequest::get()
                .uri("/api/v1/report")
                .to_request(),
        )
        .await;
        assert_eq!(
            kept.headers()
                .get(header::CACHE_CONTROL)
                .and_then(|v| v.to_str().ok()),
            Some("private, max-age=60")
        );
        assert_eq!(
            kept.headers()
                .get(header::REFERRER_POLICY)
                .and_then(|v| v.to_str().ok()),
            Some("same-origin")
        );
        let plain = actix_test::call_service(
            &app,
            actix_test::TestRequest::get()
                .uri("/api/v1/plain")
                .to_request(),
        )
        .await;
        assert_eq!(
            plain
                .headers()
                .get(header::CACHE_CONTROL)
                .and_then(|v| v.to_str().ok()),
            Some("no-store")
        );
    }

    #[test]
    fn each_part_of_the_site_gets_its_policy() {
        assert_eq!(policy("/"), APP_CSP);
        assert_eq!(policy("/customers/1"), APP_CSP);
        assert_eq!(policy("/api/docs/"), DOCS_CSP);
        assert_eq!(policy("/api/docs"), DOCS_CSP);
        assert_eq!(policy("/api/v1/customers"), API_CSP);
        assert_eq!(policy("/apidocs"), APP_CSP);
    }
}
