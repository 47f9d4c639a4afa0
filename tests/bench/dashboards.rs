//! A dashboard of eight widgets loaded the way the web app loads it: the
//! built-in dashboard's (three numbers of this month and five standard
//! reports), all requested at once; the time until the last answer, p50
//! of warm loads (goal ≤ 1 s).

use std::time::{Duration, Instant};

use crate::analytics::p50;

const LOADS: usize = 7;

pub(crate) async fn bench<S, B>(service: &S, token: &str, backend: &str)
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let bodies: Vec<serde_json::Value> = crm_domain::dashboards::standard::layout()
        .widgets
        .iter()
        .map(|w| serde_json::json!({"standard": w.standard}))
        .collect();
    let mut samples: Vec<Duration> = Vec::new();
    for i in 0..LOADS + 1 {
        let started = Instant::now();
        let calls = bodies.iter().map(|body| {
            let request = actix_web::test::TestRequest::post()
                .uri("/api/v1/dashboards/run")
                .insert_header(("authorization", format!("Bearer {token}")))
                .set_json(body)
                .to_request();
            async move {
                let response = actix_web::test::call_service(service, request).await;
                assert!(response.status().is_success(), "{}", response.status());
                actix_web::test::read_body(response).await
            }
        });
        let answers = futures_util::future::join_all(calls).await;
        assert!(answers.iter().all(|b| !b.is_empty()));
        if i >= 1 {
            samples.push(started.elapsed());
        }
    }
    let took = p50(samples).as_secs_f64() * 1000.0;
    println!(
        "{:<34}{took:>10.2}   ({} widgets at once; goal ≤ 1,000 ms)",
        "dashboard, 8 widgets",
        bodies.len()
    );
    let what = "dashboard, 8 widgets at once";
    crate::results::record(
        "analytics",
        backend,
        what,
        "ms p50",
        took,
        None,
        crate::results::Better::Lower,
    );
}
