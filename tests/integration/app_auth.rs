//! The sign-in use cases called directly through `crm_app::auth` (no HTTP):
//! a password sign-in whose tokens authenticate, a refresh token that works
//! once and whose reuse revokes its family, an API key that acts with no
//! more than its creator holds, and the account throttle.

use crm_api_types::auth::LoginRequest;
use crm_app::AppError;
use crm_app::auth::{Authenticated, authenticate, me, refresh, sign_in, sign_out};
use crm_app::throttle::Throttles;
use crm_domain::access::{Action, ObjectType};
use crm_tests::fixtures::PASSWORD;
use crm_tests::{TestApp, World, both};
use serde_json::json;

both!(
    a_password_sign_in_gives_tokens_that_authenticate,
    a_refresh_token_works_once_and_its_reuse_revokes_the_family,
    an_api_key_acts_with_no_more_than_its_creator_holds,
    repeated_wrong_passwords_are_throttled_before_the_password_is_checked,
);

const ADDRESS: &str = "198.51.100.7";

fn login(email: &str, password: &str) -> LoginRequest {
    LoginRequest {
        workspace: Some("acme".to_owned()),
        email: email.to_owned(),
        password: password.to_owned(),
    }
}

fn signed_in(app: &TestApp, token: &str) -> std::sync::Arc<Authenticated> {
    let mut conn = app.conn();
    authenticate(
        &mut conn,
        &app.state().tokens,
        &Throttles::default(),
        &app.state().principals,
        token,
        ADDRESS,
    )
    .expect("authenticated")
}

async fn a_password_sign_in_gives_tokens_that_authenticate(app: TestApp) {
    let w = World::create(&app);
    let mut conn = app.conn();
    let tokens = sign_in(
        &mut conn,
        &app.state().tokens,
        &Throttles::default(),
        login(" REP1@acme.test ", PASSWORD),
        ADDRESS,
    )
    .expect("signed in");
    assert!(tokens.refresh_token.is_some());
    let who = signed_in(&app, &tokens.access_token);
    assert_eq!(
        who.actor.user_id(),
        w.rep1.id,
        "e-mail is trimmed and case-folded"
    );
    assert_eq!(who.api_key, None);
    let profile = me(&mut conn, &who).expect("me");
    assert_eq!(profile.auth, "jwt");
    assert_eq!(profile.user.email, "rep1@acme.test");
    assert_eq!(profile.role.key, "sales");

    let wrong = sign_in(
        &mut conn,
        &app.state().tokens,
        &Throttles::default(),
        login("rep1@acme.test", "not the password"),
        ADDRESS,
    );
    assert!(matches!(wrong, Err(AppError::Unauthorized(_))), "{wrong:?}");
    let unknown = sign_in(
        &mut conn,
        &app.state().tokens,
        &Throttles::default(),
        login("nobody@acme.test", PASSWORD),
        ADDRESS,
    );
    assert!(
        matches!(unknown, Err(AppError::Unauthorized(_))),
        "{unknown:?}"
    );
    let forged = authenticate(
        &mut conn,
        &app.state().tokens,
        &Throttles::default(),
        &app.state().principals,
        &format!("{}x", tokens.access_token),
        ADDRESS,
    );
    assert!(
        matches!(forged, Err(AppError::Unauthorized(_))),
        "{forged:?}"
    );
}

async fn a_refresh_token_works_once_and_its_reuse_revokes_the_family(app: TestApp) {
    World::create(&app);
    let mut conn = app.conn();
    let keys = &app.state().tokens;
    let throttles = Throttles::default();
    let first = sign_in(
        &mut conn,
        keys,
        &throttles,
        login("rep1@acme.test", PASSWORD),
        ADDRESS,
    )
    .expect("signed in")
    .refresh_token
    .expect("refresh token");
    let second = refresh(&mut conn, keys, &throttles, &first, ADDRESS)
        .expect("no database error")
        .expect("a fresh token is spent")
        .refresh_token
        .expect("the next refresh token");
    let reused = refresh(&mut conn, keys, &throttles, &first, ADDRESS).expect("no database error");
    assert!(
        matches!(reused, Err(AppError::Unauthorized(_))),
        "{reused:?}"
    );
    let revoked =
        refresh(&mut conn, keys, &throttles, &second, ADDRESS).expect("no database error");
    assert!(
        matches!(revoked, Err(AppError::Unauthorized(_))),
        "reusing a spent token revokes its descendants: {revoked:?}"
    );

    let other = sign_in(
        &mut conn,
        keys,
        &throttles,
        login("rep1@acme.test", PASSWORD),
        ADDRESS,
    )
    .expect("signed in")
    .refresh_token
    .expect("refresh token");
    sign_out(&mut conn, &other).expect("signed out");
    let after = refresh(&mut conn, keys, &throttles, &other, ADDRESS).expect("no database error");
    assert!(matches!(after, Err(AppError::Unauthorized(_))), "{after:?}");
    sign_out(&mut conn, "never-issued").expect("an unknown token signs out quietly");
}

async fn an_api_key_acts_with_no_more_than_its_creator_holds(app: TestApp) {
    let w = World::create(&app);
    let admin = signed_in(&app, &w.admin.token);
    let mut conn = app.conn();
    let key = crm_app::api_keys::create(
        &mut conn,
        &admin,
        serde_json::from_value(json!({"name": "ERP", "role_id": w.role("sales")})).expect("body"),
    )
    .expect("key");
    drop(conn);
    let through_key = signed_in(&app, &key.secret);
    assert_eq!(through_key.api_key, Some(key.key.id));
    assert_eq!(through_key.role.key, "sales", "the key's role");
    assert!(!through_key.actor.admin, "an admin's sales key is no admin");
    assert!(
        through_key
            .require(ObjectType::Customers, Action::Read)
            .is_ok()
    );
    assert!(
        matches!(
            through_key.require(ObjectType::Roles, Action::Update),
            Err(AppError::Forbidden(_))
        ),
        "the key carries the sales role's rights, not its creator's"
    );
    let mut conn = app.conn();
    assert_eq!(me(&mut conn, &through_key).expect("me").auth, "api_key");

    let wrong = authenticate(
        &mut conn,
        &app.state().tokens,
        &Throttles::default(),
        &app.state().principals,
        &format!("{}x", key.secret),
        ADDRESS,
    );
    assert!(matches!(wrong, Err(AppError::Unauthorized(_))), "{wrong:?}");
}

async fn repeated_wrong_passwords_are_throttled_before_the_password_is_checked(app: TestApp) {
    World::create(&app);
    let mut conn = app.conn();
    let throttles = Throttles::default();
    for _ in 0..throttles.account.max_failures {
        let refused = sign_in(
            &mut conn,
            &app.state().tokens,
            &throttles,
            login("rep2@acme.test", "wrong password"),
            ADDRESS,
        );
        assert!(
            matches!(refused, Err(AppError::Unauthorized(_))),
            "{refused:?}"
        );
    }
    let blocked = sign_in(
        &mut conn,
        &app.state().tokens,
        &throttles,
        login("rep2@acme.test", PASSWORD),
        ADDRESS,
    );
    match blocked {
        Err(AppError::TooManyAttempts { retry_after }) => {
            assert!((1..=15 * 60).contains(&retry_after), "{retry_after}");
        }
        other => panic!("the right password is not even checked: {other:?}"),
    }
    let other_account = sign_in(
        &mut conn,
        &app.state().tokens,
        &throttles,
        login("rep1@acme.test", PASSWORD),
        "203.0.113.9",
    );
    assert!(
        other_account.is_ok(),
        "another account is not blocked: {other_account:?}"
    );
}
