//! Sign-in, tokens, refresh rotation, throttling and API keys.

use crm_http::security::{AUDIENCE, Claims, ISSUER};
use crm_tests::fixtures::PASSWORD;
use crm_tests::{TestApp, World, both};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

both!(
    login_returns_tokens_and_me_describes_the_caller,
    login_without_workspace_needs_one_when_the_server_has_several,
    login_without_workspace_works_on_a_single_workspace_server,
    wrong_passwords_are_401_and_repeated_failures_are_throttled,
    refresh_rotates_and_reusing_a_spent_token_revokes_the_family,
    logout_revokes_the_refresh_token,
    expired_tampered_wrong_alg_and_wrong_audience_tokens_are_rejected,
    api_keys_authenticate_with_their_role_until_revoked,
    deactivated_users_lose_access_at_once,
    sign_in_options_say_whether_a_workspace_is_needed_and_demo_exists,
);

async fn login(
    app: &TestApp,
    workspace: Option<&str>,
    email: &str,
    password: &str,
) -> crm_tests::Resp {
    let mut body = json!({"email": email, "password": password});
    if let Some(ws) = workspace {
        body["workspace"] = json!(ws);
    }
    app.post("/api/v1/auth/login")
        .json(&body)
        .peer("10.0.0.1:5000")
        .send()
        .await
}

async fn login_returns_tokens_and_me_describes_the_caller(app: TestApp) {
    let world = World::create(&app);
    let resp = login(&app, Some("acme"), "Manager1@Acme.test", PASSWORD)
        .await
        .expect(200);
    assert_eq!(resp.body["token_type"], "Bearer");
    assert_eq!(resp.body["expires_in"], 900);
    let access = resp.body["access_token"]
        .as_str()
        .expect("access token")
        .to_owned();
    assert!(
        resp.body["refresh_token"]
            .as_str()
            .is_some_and(|t| t.len() >= 40)
    );

    let me = app
        .get("/api/v1/me")
        .token(&access)
        .send()
        .await
        .expect(200);
    assert_eq!(me.body["user"]["email"], "manager1@acme.test");
    assert_eq!(me.body["user"]["id"], world.manager1.id.to_string());
    assert_eq!(me.body["workspace"]["slug"], "acme");
    assert_eq!(me.body["role"]["key"], "manager");
    assert_eq!(me.body["team"]["name"], "Team A");
    assert_eq!(me.body["auth"], "jwt");
    assert_eq!(me.body["permissions"]["customers"]["read"], "subtree");
    assert_eq!(me.body["permissions"]["roles"]["update"], "none");
}

async fn login_without_workspace_needs_one_when_the_server_has_several(app: TestApp) {
    World::create(&app);
    let resp = login(&app, None, "admin@acme.test", PASSWORD)
        .await
        .expect(422);
    assert_eq!(resp.errors(), ["workspace"]);
}

async fn login_without_workspace_works_on_a_single_workspace_server(app: TestApp) {
    let mut conn = app.conn();
    crm_server::provision::create_workspace(
        &mut conn,
        "solo",
        "Solo Ltd",
        "boss@solo.test",
        "a-long-password",
    )
    .expect("workspace");
    drop(conn);
    login(&app, None, "boss@solo.test", "a-long-password")
        .await
        .expect(200);
    login(&app, Some("nope"), "boss@solo.test", "a-long-password")
        .await
        .expect(401);
}

async fn wrong_passwords_are_401_and_repeated_failures_are_throttled(app: TestApp) {
    World::create(&app);
    for _ in 0..5 {
        let resp = login(&app, Some("acme"), "rep1@acme.test", "wrong-password")
            .await
            .expect(401);
        assert_eq!(resp.header("www-authenticate"), Some("Bearer"));
    }
    // Even the right password is refused while the account is blocked.
    let blocked = login(&app, Some("acme"), "rep1@acme.test", PASSWORD)
        .await
        .expect(429);
    let retry: i64 = blocked
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After seconds");
    assert!((1..=900).contains(&retry), "retry after {retry}");
    // Another account from another address is unaffected.
    let other = app
        .post("/api/v1/auth/login")
        .json(&json!({"workspace": "acme", "email": "rep2@acme.test", "password": PASSWORD}))
        .peer("10.0.0.2:5000")
        .send()
        .await;
    other.expect(200);
}

async fn refresh_rotates_and_reusing_a_spent_token_revokes_the_family(app: TestApp) {
    World::create(&app);
    let first = login(&app, Some("acme"), "rep1@acme.test", PASSWORD)
        .await
        .expect(200);
    let r1 = first.body["refresh_token"].as_str().expect("r1").to_owned();
    let second = app
        .post("/api/v1/auth/refresh")
        .json(&json!({"refresh_token": r1}))
        .send()
        .await
        .expect(200);
    let r2 = second.body["refresh_token"]
        .as_str()
        .expect("r2")
        .to_owned();
    assert_ne!(r1, r2);
    let access = second.body["access_token"]
        .as_str()
        .expect("access")
        .to_owned();
    app.get("/api/v1/me")
        .token(&access)
        .send()
        .await
        .expect(200);
    // r1 is spent: presenting it again is a theft signal and revokes r2 too.
    app.post("/api/v1/auth/refresh")
        .json(&json!({"refresh_token": r1}))
        .send()
        .await
        .expect(401);
    app.post("/api/v1/auth/refresh")
        .json(&json!({"refresh_token": r2}))
        .send()
        .await
        .expect(401);
    app.post("/api/v1/auth/refresh")
        .json(&json!({"refresh_token": "made-up"}))
        .send()
        .await
        .expect(401);
}

async fn logout_revokes_the_refresh_token(app: TestApp) {
    World::create(&app);
    let tokens = login(&app, Some("acme"), "rep1@acme.test", PASSWORD)
        .await
        .expect(200);
    let refresh = tokens.body["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();
    app.post("/api/v1/auth/logout")
        .json(&json!({"refresh_token": refresh}))
        .send()
        .await
        .expect(204);
    app.post("/api/v1/auth/refresh")
        .json(&json!({"refresh_token": refresh}))
        .send()
        .await
        .expect(401);
}

fn claims(world: &World) -> Claims {
    let now = chrono::Utc::now().timestamp();
    Claims {
        sub: world.rep1.id,
        wid: world.ws,
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        iat: now,
        exp: now + 300,
    }
}

fn sign(alg: Algorithm, claims: &impl serde::Serialize, secret: &[u8]) -> String {
    jsonwebtoken::encode(&Header::new(alg), claims, &EncodingKey::from_secret(secret))
        .expect("sign")
}

async fn expired_tampered_wrong_alg_and_wrong_audience_tokens_are_rejected(app: TestApp) {
    let world = World::create(&app);
    let secret = crm_tests::app::SECRET;
    let good = sign(Algorithm::HS256, &claims(&world), secret);
    app.get("/api/v1/me").token(&good).send().await.expect(200);

    let expired = Claims {
        exp: chrono::Utc::now().timestamp() - 120,
        ..claims(&world)
    };
    let wrong_aud = Claims {
        aud: "someone-else".into(),
        ..claims(&world)
    };
    let wrong_iss = Claims {
        iss: "evil".into(),
        ..claims(&world)
    };
    let other_key = sign(
        Algorithm::HS256,
        &claims(&world),
        b"another-secret-another-secret-another",
    );
    let hs512 = sign(Algorithm::HS512, &claims(&world), secret);
    let mut tampered = good.clone();
    let last = tampered.pop().expect("char");
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let c = claims(&world);
    let no_sub = sign(
        Algorithm::HS256,
        &json!({"wid": c.wid, "iss": c.iss, "aud": c.aud, "exp": c.exp}),
        secret,
    );
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let alg_none = format!(
        "{}.{}.",
        b64.encode(r#"{"alg":"none","typ":"JWT"}"#),
        b64.encode(serde_json::to_vec(&claims(&world)).expect("json"))
    );
    let cases = [
        ("expired", sign(Algorithm::HS256, &expired, secret)),
        ("wrong audience", sign(Algorithm::HS256, &wrong_aud, secret)),
        ("wrong issuer", sign(Algorithm::HS256, &wrong_iss, secret)),
        ("other key", other_key),
        ("HS512", hs512),
        ("tampered", tampered),
        ("no sub", no_sub),
        ("alg none", alg_none),
        ("garbage", "not.a.jwt".to_owned()),
    ];
    for (what, token) in cases {
        let resp = app.get("/api/v1/me").token(&token).send().await;
        assert_eq!(
            resp.status.as_u16(),
            401,
            "{what} token must be rejected: {}",
            resp.body
        );
    }
    app.get("/api/v1/me").send().await.expect(401);
    app.get("/api/v1/me")
        .header("Authorization", "Basic abc")
        .send()
        .await
        .expect(401);
}

async fn api_keys_authenticate_with_their_role_until_revoked(app: TestApp) {
    let world = World::create(&app);
    let created = app
        .post("/api/v1/api-keys")
        .token(&world.admin.token)
        .json(&json!({"name": "ERP sync", "role_id": world.role("sales")}))
        .send()
        .await
        .expect(201);
    let secret = created.body["secret"]
        .as_str()
        .expect("secret shown once")
        .to_owned();
    assert!(secret.starts_with("crm_"));
    let key_id = created.id();

    let listed = app
        .get("/api/v1/api-keys")
        .token(&world.admin.token)
        .send()
        .await
        .expect(200);
    let listed_text = listed.body.to_string();
    assert!(!listed_text.contains(&secret), "the secret is never listed");
    assert!(listed_text.contains(created.body["prefix"].as_str().expect("prefix")));

    let me = app
        .get("/api/v1/me")
        .token(&secret)
        .send()
        .await
        .expect(200);
    assert_eq!(me.body["auth"], "api_key");
    assert_eq!(me.body["role"]["key"], "sales");
    // Bound to the sales role: the admin endpoints are closed to it.
    app.get("/api/v1/roles")
        .token(&secret)
        .send()
        .await
        .expect(403);

    // Non-admins may not mint keys.
    app.post("/api/v1/api-keys")
        .token(&world.rep1.token)
        .json(&json!({"name": "x", "role_id": world.role("admin")}))
        .send()
        .await
        .expect(403);

    app.delete(&format!("/api/v1/api-keys/{key_id}"))
        .token(&world.admin.token)
        .send()
        .await
        .expect(204);
    app.get("/api/v1/me")
        .token(&secret)
        .send()
        .await
        .expect(401);
    let mut forged = secret.clone();
    forged.push('x');
    app.get("/api/v1/me")
        .token(&forged)
        .send()
        .await
        .expect(401);
}

async fn deactivated_users_lose_access_at_once(app: TestApp) {
    let world = World::create(&app);
    app.get("/api/v1/me")
        .token(&world.rep2.token)
        .send()
        .await
        .expect(200);
    app.patch(&format!("/api/v1/users/{}", world.rep2.id))
        .token(&world.admin.token)
        .json(&json!({"active": false}))
        .send()
        .await
        .expect(200);
    app.get("/api/v1/me")
        .token(&world.rep2.token)
        .send()
        .await
        .expect(401);
    login(&app, Some("acme"), "rep2@acme.test", PASSWORD)
        .await
        .expect(401);
}

async fn options(app: &TestApp) -> serde_json::Value {
    app.get("/api/v1/auth/options")
        .send()
        .await
        .expect(200)
        .body
}

async fn sign_in_options_say_whether_a_workspace_is_needed_and_demo_exists(app: TestApp) {
    let empty = options(&app).await;
    assert_eq!(empty, json!({"workspace_required": true, "demo": false}));

    let mut conn = app.conn();
    crm_server::provision::create_workspace(
        &mut conn,
        "demo",
        "Demo",
        "a@demo.test",
        "a-long-password",
    )
    .expect("workspace");
    drop(conn);
    let single = options(&app).await;
    assert_eq!(single, json!({"workspace_required": false, "demo": true}));

    World::create(&app);
    let several = options(&app).await;
    assert_eq!(several, json!({"workspace_required": true, "demo": true}));
}
