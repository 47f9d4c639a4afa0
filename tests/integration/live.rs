//! Live updates: a write through the API reaches the watcher (on
//! PostgreSQL by `NOTIFY`, on SQLite by the in-process signal) as the
//! kinds of records it changed, for its own workspace only; an open
//! `/live` stream of that workspace receives it as a `change` event, a
//! stream of another workspace does not, and nobody opens one unsigned.

use std::pin::Pin;
use std::sync::mpsc;
use std::time::Duration;

use actix_web::body::MessageBody;
use crm_app::live::Live;
use crm_domain::reports::ReportObject;
use crm_tests::{CustomerBuilder, TestApp, World, both};
use serde_json::json;

both!(a_write_reaches_the_watcher_and_the_open_streams_of_its_workspace);

/// The next chunk of a streaming body, or `None` after `wait`.
async fn next_chunk(body: &mut Pin<Box<impl MessageBody>>, wait: Duration) -> Option<String> {
    let chunk =
        actix_rt::time::timeout(wait, std::future::poll_fn(|cx| body.as_mut().poll_next(cx)))
            .await
            .ok()??;
    chunk.ok().map(|b| String::from_utf8_lossy(&b).into_owned())
}

async fn a_write_reaches_the_watcher_and_the_open_streams_of_its_workspace(app: TestApp) {
    let w = World::create(&app);
    let customer = CustomerBuilder::new(w.ws, "实时客户")
        .owner(&w.rep1)
        .build(&app);
    let (tx, rx) = mpsc::channel();
    let hub = app.state().live.notify();
    let watcher = Live::start(
        app.state().pool.clone(),
        app.db.url(),
        Duration::from_millis(500),
        Box::new(move |ws, objects| {
            let _sent = tx.send((ws, objects.clone()));
            hub(ws, objects);
        }),
    )
    .expect("watcher");
    let service = actix_web::test::init_service(crm_http::app(app.state().clone())).await;
    let open = |token: &str| {
        actix_web::test::TestRequest::get()
            .uri("/api/v1/live")
            .insert_header(("authorization", format!("Bearer {token}")))
            .to_request()
    };
    let mine = actix_web::test::call_service(&service, open(&w.rep1.token)).await;
    assert_eq!(mine.status(), 200);
    assert_eq!(
        mine.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/event-stream")
    );
    let mut mine = Box::pin(mine.into_body());
    let theirs = actix_web::test::call_service(&service, open(&w.other_admin.token)).await;
    let mut theirs = Box::pin(theirs.into_body());
    let wait = Duration::from_secs(10);
    assert_eq!(
        next_chunk(&mut mine, wait).await.as_deref(),
        Some(": open\n\n")
    );
    assert_eq!(
        next_chunk(&mut theirs, wait).await.as_deref(),
        Some(": open\n\n")
    );
    let unsigned = actix_web::test::TestRequest::get()
        .uri("/api/v1/live")
        .to_request();
    let unsigned = actix_web::test::call_service(&service, unsigned).await;
    assert_eq!(unsigned.status(), 401);

    app.post("/api/v1/deals")
        .token(&w.rep1.token)
        .json(&json!({"customer_id": customer, "name": "实时商机",
            "amount": {"amount_minor": 100, "currency": "CNY"}}))
        .send()
        .await
        .expect(201);
    let (ws, objects) = rx.recv_timeout(wait).expect("the watcher heard the write");
    assert_eq!(ws, w.ws);
    assert!(objects.contains(&ReportObject::Deals), "{objects:?}");
    let event = next_chunk(&mut mine, wait).await.expect("a change event");
    assert!(event.starts_with("event: change\ndata: "), "{event}");
    assert!(event.contains("\"deals\""), "{event}");
    // Another workspace's stream hears nothing of it.
    assert_eq!(next_chunk(&mut theirs, Duration::from_secs(1)).await, None);
    drop(watcher);
}
