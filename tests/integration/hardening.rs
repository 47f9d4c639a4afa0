//! HTTP hardening in process: security headers and content security
//! policies, `no-store` on API data, the refresh-token cookie (attributes,
//! rotation, same-origin checks, sign-out), and HEAD wherever GET is.
//! The real binary (TLS, log filtering, a clean first start) is in
//! `hardening/binary.rs`.

mod binary;

use crm_http::headers::{API_CSP, APP_CSP, DOCS_CSP};
use crm_tests::fixtures::PASSWORD;
use crm_tests::{Resp, TestApp, World, both};
use serde_json::json;

both!(
    every_answer_carries_the_security_headers_and_api_data_is_not_stored,
    the_web_app_gets_its_policy_and_its_files_keep_their_caching,
    sign_in_sets_the_refresh_cookie_only_when_asked_and_keeps_json_clients_working,
    refresh_by_cookie_rotates_the_cookie_and_a_spent_cookie_revokes_the_family,
    a_token_from_the_cookie_needs_the_same_origin_signals,
    sign_out_by_cookie_revokes_the_family_and_clears_the_cookie,
    head_answers_wherever_get_does_without_a_body,
    the_cookie_is_secure_except_over_plain_http_to_another_machine,
);

fn assert_hardened(resp: &Resp, csp: &str) {
    assert_eq!(resp.header("content-security-policy"), Some(csp));
    assert_eq!(resp.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(resp.header("referrer-policy"), Some("no-referrer"));
    assert_eq!(resp.header("x-frame-options"), Some("DENY"));
}

async fn sign_in(app: &TestApp, cookie: bool) -> Resp {
    let mut req = app
        .post("/api/v1/auth/login")
        .json(&json!({"workspace": "acme", "email": "rep1@acme.test", "password": PASSWORD}));
    if cookie {
        req = req.header("X-Refresh-Cookie", "1");
    }
    req.send().await.expect(200)
}

/// The `crm_refresh` cookie a response sets: its value and attributes.
fn set_cookie(resp: &Resp) -> (String, Vec<String>) {
    let header = resp
        .headers
        .get_all("set-cookie")
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("crm_refresh="))
        .unwrap_or_else(|| panic!("no crm_refresh cookie in {:?}", resp.headers))
        .to_owned();
    let mut parts = header.split(';').map(|p| p.trim().to_owned());
    let value = parts
        .next()
        .and_then(|p| p.strip_prefix("crm_refresh=").map(str::to_owned))
        .unwrap_or_default();
    (value, parts.collect())
}

/// A same-origin refresh from the web app with the cookie `token`.
async fn refresh_with_cookie(app: &TestApp, token: &str) -> Resp {
    app.post("/api/v1/auth/refresh")
        .header("Cookie", &format!("crm_refresh={token}"))
        .header("X-Refresh-Cookie", "1")
        .header("Origin", "http://localhost:8080")
        .header("Sec-Fetch-Site", "same-origin")
        .send()
        .await
}

async fn every_answer_carries_the_security_headers_and_api_data_is_not_stored(app: TestApp) {
    let world = World::create(&app);
    let token = app.token_for(world.rep1.id, world.ws);

    let list = app.get("/api/v1/customers").token(&token).send().await;
    let list = list.expect(200);
    assert_hardened(&list, API_CSP);
    assert_eq!(list.header("cache-control"), Some("no-store"));

    let bad = app.get("/api/v1/customers/not-a-uuid").token(&token).send();
    let bad = bad.await.expect(400);
    assert_hardened(&bad, API_CSP);
    assert_eq!(bad.header("cache-control"), Some("no-store"));
    let unknown = app.get("/api/v1/no-such-thing").send().await.expect(404);
    assert_hardened(&unknown, API_CSP);
    let anonymous = app.get("/api/v1/me").send().await.expect(401);
    assert_hardened(&anonymous, API_CSP);

    let spec = app.get("/api/openapi.json").send().await.expect(200);
    assert_hardened(&spec, API_CSP);
    assert_eq!(spec.header("cache-control"), None, "the spec may be cached");

    let docs = app.get("/api/docs/").send().await.expect(200);
    assert!(
        docs.header("content-type")
            .unwrap_or_default()
            .starts_with("text/html")
    );
    assert_hardened(&docs, DOCS_CSP);
    let initializer = app.get("/api/docs/swagger-initializer.js").send();
    assert_hardened(&initializer.await.expect(200), DOCS_CSP);

    let home = app.get("/").send().await.expect(200);
    assert_hardened(&home, APP_CSP);
    assert_eq!(
        home.header("strict-transport-security"),
        None,
        "HSTS over TLS only"
    );
}

async fn the_web_app_gets_its_policy_and_its_files_keep_their_caching(app: TestApp) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("index.html"),
        "<!doctype html><script type=\"module\" src=\"/boot.js\"></script>",
    )
    .expect("index");
    std::fs::write(dir.path().join("boot.js"), "export {};").expect("script");
    let mut app = app;
    app.state_mut().web_dir = Some(dir.path().to_path_buf());

    for path in ["/", "/customers/some-deep-link"] {
        let page = app.get(path).send().await.expect(200);
        assert_hardened(&page, APP_CSP);
        assert!(page.bytes.starts_with(b"<!doctype html>"), "{path}");
    }
    let head = app.request(actix_web::http::Method::HEAD, "/customers/x");
    let head = head.send().await.expect(200);
    assert!(head.bytes.is_empty(), "HEAD of the app's index has no body");
    assert_eq!(head.header("content-security-policy"), Some(APP_CSP));
    let script = app.get("/boot.js").send().await.expect(200);
    assert_hardened(&script, APP_CSP);
    assert_eq!(
        script.header("cache-control"),
        None,
        "no no-store on assets"
    );
    assert!(
        script.header("etag").is_some(),
        "assets keep their validators"
    );
}

async fn sign_in_sets_the_refresh_cookie_only_when_asked_and_keeps_json_clients_working(
    app: TestApp,
) {
    World::create(&app);
    let plain = sign_in(&app, false).await;
    assert!(
        plain.body["refresh_token"]
            .as_str()
            .is_some_and(|t| t.len() >= 40)
    );
    assert!(
        plain.headers.get("set-cookie").is_none(),
        "no cookie unasked"
    );
    assert_eq!(plain.header("cache-control"), Some("no-store"));

    let web = sign_in(&app, true).await;
    assert!(web.body["access_token"].is_string());
    assert!(
        web.body.get("refresh_token").is_none(),
        "no script may read the refresh token: {}",
        web.body
    );
    let (token, attributes) = set_cookie(&web);
    assert!(token.len() >= 40, "{token}");
    for attribute in [
        "HttpOnly",
        "Secure",
        "SameSite=Strict",
        "Path=/api/v1/auth",
        "Max-Age=2592000",
    ] {
        assert!(
            attributes.iter().any(|a| a == attribute),
            "{attribute} missing from {attributes:?}"
        );
    }
    // The JSON client's token still works from the body.
    app.post("/api/v1/auth/refresh")
        .json(&json!({"refresh_token": plain.body["refresh_token"]}))
        .send()
        .await
        .expect(200);
    // Neither a body nor a cookie: the field is named.
    let none = app.post("/api/v1/auth/refresh").send().await.expect(422);
    assert_eq!(none.errors(), ["refresh_token"]);
}

async fn refresh_by_cookie_rotates_the_cookie_and_a_spent_cookie_revokes_the_family(app: TestApp) {
    World::create(&app);
    let (first, _) = set_cookie(&sign_in(&app, true).await);

    let renewed = refresh_with_cookie(&app, &first).await.expect(200);
    assert!(
        renewed.body.get("refresh_token").is_none(),
        "{}",
        renewed.body
    );
    let (second, attributes) = set_cookie(&renewed);
    assert_ne!(first, second, "the cookie rotates");
    assert!(attributes.iter().any(|a| a == "HttpOnly"));
    let access = renewed.body["access_token"].as_str().expect("access token");
    app.get("/api/v1/me").token(access).send().await.expect(200);

    // The spent cookie presented again (stolen): the whole family goes.
    refresh_with_cookie(&app, &first).await.expect(401);
    refresh_with_cookie(&app, &second).await.expect(401);
}

async fn a_token_from_the_cookie_needs_the_same_origin_signals(app: TestApp) {
    World::create(&app);
    let (token, _) = set_cookie(&sign_in(&app, true).await);
    let cookie = format!("crm_refresh={token}");

    let no_header = app.post("/api/v1/auth/refresh").header("Cookie", &cookie);
    no_header.send().await.expect(403);
    let other_origin = app
        .post("/api/v1/auth/refresh")
        .header("Cookie", &cookie)
        .header("X-Refresh-Cookie", "1")
        .header("Origin", "https://evil.example");
    other_origin.send().await.expect(403);
    let cross_site = app
        .post("/api/v1/auth/refresh")
        .header("Cookie", &cookie)
        .header("X-Refresh-Cookie", "1")
        .header("Sec-Fetch-Site", "cross-site");
    cross_site.send().await.expect(403);
    let forged_logout = app
        .post("/api/v1/auth/logout")
        .header("Cookie", &cookie)
        .header("Origin", "https://evil.example");
    forged_logout.send().await.expect(403);

    // None of these spent or revoked the token.
    refresh_with_cookie(&app, &token).await.expect(200);
}

async fn sign_out_by_cookie_revokes_the_family_and_clears_the_cookie(app: TestApp) {
    World::create(&app);
    let (first, _) = set_cookie(&sign_in(&app, true).await);
    let (second, _) = set_cookie(&refresh_with_cookie(&app, &first).await.expect(200));

    let out = app
        .post("/api/v1/auth/logout")
        .header("Cookie", &format!("crm_refresh={second}"))
        .header("X-Refresh-Cookie", "1")
        .send()
        .await
        .expect(204);
    let (value, attributes) = set_cookie(&out);
    assert_eq!(value, "", "the cookie is emptied");
    assert!(
        attributes.iter().any(|a| a == "Max-Age=0"),
        "and expired: {attributes:?}"
    );
    assert!(attributes.iter().any(|a| a == "Path=/api/v1/auth"));
    refresh_with_cookie(&app, &second).await.expect(401);

    // Without any token, sign-out still answers 204 and clears the cookie.
    let empty = app.post("/api/v1/auth/logout").send().await.expect(204);
    assert_eq!(set_cookie(&empty).0, "");
}

async fn head_answers_wherever_get_does_without_a_body(app: TestApp) {
    let world = World::create(&app);
    let token = app.token_for(world.admin.id, world.ws);
    for (path, authenticated) in [
        ("/api/v1/customers", true),
        ("/api/v1/me", true),
        ("/api/openapi.json", false),
        ("/api/health", false),
        ("/", false),
        ("/api/docs/", false),
    ] {
        let get = app.get(path);
        let head = app.request(actix_web::http::Method::HEAD, path);
        let (get, head) = if authenticated {
            (get.token(&token), head.token(&token))
        } else {
            (get, head)
        };
        let get = get.send().await;
        let head = head.send().await;
        assert_eq!((head.status, path), (get.status, path));
        assert_eq!(head.status.as_u16(), 200, "{path}");
        assert_eq!(head.header("content-type"), get.header("content-type"));
        assert_eq!(
            head.header("content-security-policy"),
            get.header("content-security-policy")
        );
        assert!(head.bytes.is_empty(), "{path}: HEAD has no body");
        assert!(!get.bytes.is_empty(), "{path}");
    }
    let refused = app.request(actix_web::http::Method::HEAD, "/api/v1/customers");
    assert_eq!(refused.send().await.status.as_u16(), 401);
}

/// Browsers keep `Secure` cookies from HTTPS and from this machine only; a
/// plain-HTTP intranet address gets the cookie without `Secure` (or the web
/// app would be signed out at every reload there).
async fn the_cookie_is_secure_except_over_plain_http_to_another_machine(app: TestApp) {
    World::create(&app);
    for (host, proto, secure) in [
        ("127.0.0.1:8080", None, true),
        ("localhost:8080", None, true),
        ("crm.intranet:8080", Some("https"), true),
        ("crm.intranet:8080", None, false),
        ("192.168.1.20:8080", None, false),
    ] {
        let mut req = app
            .post("/api/v1/auth/login")
            .header("Host", host)
            .header("X-Refresh-Cookie", "1")
            .json(&json!({"workspace": "acme", "email": "rep1@acme.test", "password": PASSWORD}));
        if let Some(proto) = proto {
            req = req.header("X-Forwarded-Proto", proto);
        }
        let (_, attributes) = set_cookie(&req.send().await.expect(200));
        assert_eq!(
            attributes.iter().any(|a| a == "Secure"),
            secure,
            "{host} {proto:?}: {attributes:?}"
        );
        assert!(attributes.iter().any(|a| a == "HttpOnly"));
    }
}
