//! How the server reads what schemathesis and generated clients send: a
//! body is an object (a top-level array is not read as the struct's fields),
//! `12.0` is the integer JSON Schema says it is, a `null` body is no body,
//! `?cursor=` is the first page, and a malformed region parent is a 400.

use crm_tests::{TestApp, World, both};
use serde_json::json;

both!(
    a_body_is_an_object_and_whole_floats_are_integers,
    an_empty_cursor_is_the_first_page,
    a_region_parent_is_checked,
    a_null_refresh_body_is_no_body
);

async fn a_body_is_an_object_and_whole_floats_are_integers(app: TestApp) {
    let w = World::create(&app);
    let t = &w.admin.token;
    let created = app
        .post("/api/v1/customers")
        .token(t)
        .json(&json!({"kind": "organization", "name": "云帆科技"}))
        .send()
        .await;
    let created = created.expect(201);
    let id = created.body["id"].as_str().expect("id").to_owned();
    let array = app
        .patch(&format!("/api/v1/customers/{id}"))
        .token(t)
        .json(&json!([null, null]))
        .send()
        .await;
    assert_eq!(array.status.as_u16(), 422, "{}", array.body);
    assert!(array.body["errors"]["body"].is_array(), "{}", array.body);
    let float = app
        .patch(&format!("/api/v1/customers/{id}"))
        .token(t)
        .json(&json!({"employee_count": 12.0}))
        .send()
        .await;
    let float = float.expect(200);
    assert_eq!(float.body["employee_count"], 12);
    let fraction = app
        .patch(&format!("/api/v1/customers/{id}"))
        .token(t)
        .json(&json!({"employee_count": 12.5}))
        .send()
        .await;
    assert_eq!(fraction.status.as_u16(), 422, "{}", fraction.body);
    assert!(fraction.body["errors"]["employee_count"].is_array());
}

async fn an_empty_cursor_is_the_first_page(app: TestApp) {
    let w = World::create(&app);
    let first = app
        .get("/api/v1/customers?limit=5")
        .token(&w.admin.token)
        .send()
        .await;
    let first = first.expect(200);
    let empty = app
        .get("/api/v1/customers?limit=5&cursor=")
        .token(&w.admin.token)
        .send()
        .await;
    let empty = empty.expect(200);
    assert_eq!(first.body["items"], empty.body["items"]);
    let forged = app
        .get("/api/v1/customers?limit=5&cursor=bm90LWEtY3Vyc29y")
        .token(&w.admin.token)
        .send()
        .await;
    assert_eq!(forged.status.as_u16(), 400, "{}", forged.body);
    assert!(forged.body["errors"]["cursor"].is_array());
}

async fn a_region_parent_is_checked(app: TestApp) {
    let w = World::create(&app);
    let bad = app
        .get("/api/v1/regions?parent=null")
        .token(&w.admin.token)
        .send()
        .await;
    assert_eq!(bad.status.as_u16(), 400, "{}", bad.body);
    assert!(bad.body["errors"]["parent"].is_array(), "{}", bad.body);
    let cities = app
        .get("/api/v1/regions?parent=440000")
        .token(&w.admin.token)
        .send()
        .await;
    let cities = cities.expect(200);
    assert!(
        cities.body["items"]
            .as_array()
            .is_some_and(|items| items.iter().any(|r| r["code"] == "440100"))
    );
}

async fn a_null_refresh_body_is_no_body(app: TestApp) {
    let refresh = app
        .post("/api/v1/auth/refresh")
        .raw("application/json", "null")
        .send()
        .await;
    assert_eq!(refresh.status.as_u16(), 422, "{}", refresh.body);
    // Read as "no body": the token is missing, not the body malformed.
    assert!(
        refresh.body["errors"]["refresh_token"].is_array(),
        "{}",
        refresh.body
    );
    assert!(
        refresh.body["errors"].get("body").is_none(),
        "{}",
        refresh.body
    );
}
