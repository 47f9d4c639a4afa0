//! Guessing under concurrency: sign-in per account and per address, refresh
//! tokens and API keys per address. Attempts beyond the limit are refused
//! with 429 and `Retry-After` without being checked, and a block holds
//! against the right credential until it ends.

use crm_tests::fixtures::PASSWORD;
use crm_tests::{Resp, TestApp, World, both};
use futures_util::future::join_all;
use serde_json::json;

both!(
    concurrent_wrong_passwords_are_checked_at_most_the_limit_and_block_the_account,
    one_address_guessing_many_accounts_is_blocked_after_its_limit,
    concurrent_bad_api_keys_from_one_address_are_throttled,
    bad_refresh_tokens_from_one_address_are_throttled,
    a_successful_sign_in_does_not_lift_an_accounts_block,
);

async fn login(app: &TestApp, email: &str, password: &str, peer: &str) -> Resp {
    app.post("/api/v1/auth/login")
        .json(&json!({"workspace": "acme", "email": email, "password": password}))
        .peer(peer)
        .send()
        .await
}

/// Counts the statuses of a set of answers, asserting each is `checked` or 429
/// and that every 429 says when to come back.
fn tally(answers: &[Resp], checked: u16) -> (usize, usize) {
    let mut counts = (0, 0);
    for resp in answers {
        match resp.status.as_u16() {
            s if s == checked => counts.0 += 1,
            429 => {
                let retry: i64 = resp
                    .header("retry-after")
                    .and_then(|v| v.parse().ok())
                    .expect("Retry-After seconds");
                assert!((1..=900).contains(&retry), "retry after {retry}");
                assert_eq!(resp.body["status"], 429);
                counts.1 += 1;
            }
            other => panic!("unexpected status {other}: {}", resp.body),
        }
    }
    counts
}

async fn concurrent_wrong_passwords_are_checked_at_most_the_limit_and_block_the_account(
    app: TestApp,
) {
    World::create(&app);
    // 48 wrong passwords for one account, 16 at a time, from 16 addresses
    // (so only the account's limit of 5 applies).
    let mut answers = Vec::new();
    for round in 0..3 {
        let batch = (0..16).map(|i| {
            let peer = format!("10.1.{round}.{i}:5000");
            let app = &app;
            async move { login(app, "rep1@acme.test", "wrong-password", &peer).await }
        });
        answers.extend(join_all(batch).await);
    }
    let (checked, refused) = tally(&answers, 401);
    assert!(
        checked <= 5,
        "{checked} wrong passwords were checked, the limit is 5"
    );
    assert_eq!(checked + refused, 48);
    assert!(refused >= 43);
    // The right password is refused while the block lasts, from anywhere.
    login(&app, "rep1@acme.test", PASSWORD, "10.9.9.9:5000")
        .await
        .expect(429);
    // Another account is not affected.
    login(&app, "rep2@acme.test", PASSWORD, "10.9.9.9:5000")
        .await
        .expect(200);
}

async fn one_address_guessing_many_accounts_is_blocked_after_its_limit(app: TestApp) {
    World::create(&app);
    let peer = "10.2.0.1:5000";
    let batch = (0..40).map(|i| {
        let app = &app;
        async move { login(app, &format!("nobody{i}@acme.test"), "wrong-password", peer).await }
    });
    let answers = join_all(batch).await;
    let (checked, refused) = tally(&answers, 401);
    assert!(
        checked <= 30,
        "{checked} guesses checked from one address, limit 30"
    );
    assert_eq!(checked + refused, 40);
    // The address stays blocked, even for a real account and password;
    // another address signs in.
    login(&app, "rep2@acme.test", PASSWORD, peer)
        .await
        .expect(429);
    login(&app, "rep2@acme.test", PASSWORD, "10.2.0.2:5000")
        .await
        .expect(200);
}

async fn concurrent_bad_api_keys_from_one_address_are_throttled(app: TestApp) {
    let world = World::create(&app);
    let created = app
        .post("/api/v1/api-keys")
        .token(&world.admin.token)
        .json(&json!({"name": "ERP", "role_id": world.role("sales")}))
        .send()
        .await
        .expect(201);
    let secret = created.body["secret"].as_str().expect("secret").to_owned();
    let peer = "10.3.0.1:5000";
    let batch = (0..40).map(|i| {
        let app = &app;
        async move {
            app.get("/api/v1/me")
                .token(&format!("crm_guess{i:05}_not-a-real-secret"))
                .peer(peer)
                .send()
                .await
        }
    });
    let answers = join_all(batch).await;
    let (checked, refused) = tally(&answers, 401);
    assert!(checked <= 30, "{checked} bad keys answered 401, limit 30");
    assert!(refused >= 10);
    // The blocked address is refused even with a valid key; another is served.
    app.get("/api/v1/me")
        .token(&secret)
        .peer(peer)
        .send()
        .await
        .expect(429);
    app.get("/api/v1/me")
        .token(&secret)
        .peer("10.3.0.2:5000")
        .send()
        .await
        .expect(200);
}

async fn bad_refresh_tokens_from_one_address_are_throttled(app: TestApp) {
    World::create(&app);
    let signed_in = login(&app, "rep1@acme.test", PASSWORD, "10.4.0.9:5000")
        .await
        .expect(200);
    let refresh = signed_in.body["refresh_token"]
        .as_str()
        .expect("refresh token")
        .to_owned();
    let peer = "10.4.0.1:5000";
    let batch = (0..40).map(|i| {
        let app = &app;
        async move {
            app.post("/api/v1/auth/refresh")
                .json(&json!({"refresh_token": format!("guess-{i}-0123456789abcdef0123456789")}))
                .peer(peer)
                .send()
                .await
        }
    });
    let answers = join_all(batch).await;
    let (checked, refused) = tally(&answers, 401);
    assert!(checked <= 30, "{checked} bad refresh tokens answered 401");
    assert!(refused >= 10);
    app.post("/api/v1/auth/refresh")
        .json(&json!({"refresh_token": refresh}))
        .peer(peer)
        .send()
        .await
        .expect(429);
    // The real token was not spent by the refusal: it still works elsewhere.
    app.post("/api/v1/auth/refresh")
        .json(&json!({"refresh_token": refresh}))
        .peer("10.4.0.2:5000")
        .send()
        .await
        .expect(200);
}

async fn a_successful_sign_in_does_not_lift_an_accounts_block(app: TestApp) {
    World::create(&app);
    for i in 0..5 {
        login(
            &app,
            "rep1@acme.test",
            "wrong-password",
            &format!("10.5.0.{i}:5000"),
        )
        .await
        .expect(401);
    }
    // The sixth attempt, right or wrong, is refused and starts the block...
    login(&app, "rep1@acme.test", PASSWORD, "10.5.1.1:5000")
        .await
        .expect(429);
    // ...which a later attempt neither lifts nor ends.
    for _ in 0..3 {
        login(&app, "rep1@acme.test", PASSWORD, "10.5.1.2:5000")
            .await
            .expect(429);
    }
}
