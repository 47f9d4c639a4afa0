//! `TestApp`: the real actix `App` over a test database, called in process,
//! with the server's job workers running beside it (two, polling often).

use std::cell::OnceCell;

use actix_web::body::BoxBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::{Method, StatusCode, header::HeaderMap};
use actix_web::test;
use crm_db::Backend;
use crm_http::AppState;
use serde_json::Value;
use uuid::Uuid;

use crate::db::TestDb;

pub const SECRET: &[u8] = b"test-secret-test-secret-test-secret!";

/// The app as `crm serve` runs it on one worker: built once, then called.
type Service = actix_service::boxed::RcService<
    actix_http::Request,
    ServiceResponse<BoxBody>,
    actix_web::Error,
>;

pub struct TestApp {
    /// Declared first: the workers stop before the database goes.
    runner: Option<crm_app::jobs::Runner>,
    /// Where the job workers' mail goes (nowhere until a test sets it).
    pub mailer: crm_app::mail::Mailer,
    /// Read with [`TestApp::state`]; changed with [`TestApp::state_mut`],
    /// which makes the next request build the app again.
    state: AppState,
    /// Built at the first request over the state as it is then.
    service: OnceCell<Service>,
    pub db: TestDb,
}

#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    /// The raw body (binary downloads).
    pub bytes: actix_web::web::Bytes,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The field errors of a problem body, as `field → messages`.
    pub fn errors(&self) -> Vec<String> {
        self.body["errors"]
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    }

    pub fn id(&self) -> Uuid {
        self.body["id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no id in {}", self.body))
    }

    /// Asserts the status and, for errors, the problem+json content type.
    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.body
        );
        if status >= 400 {
            assert_eq!(
                self.header("content-type"),
                Some("application/problem+json"),
                "errors are problem+json"
            );
            assert_eq!(self.body["status"], status, "problem status matches");
        }
        self
    }
}

pub struct Request<'a> {
    app: &'a TestApp,
    req: test::TestRequest,
}

impl Request<'_> {
    pub fn token(mut self, token: &str) -> Self {
        self.req = self
            .req
            .insert_header(("Authorization", format!("Bearer {token}")));
        self
    }

    pub fn json(mut self, body: &Value) -> Self {
        self.req = self.req.set_json(body);
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.req = self.req.insert_header((name.to_owned(), value.to_owned()));
        self
    }

    pub fn raw(mut self, content_type: &str, body: impl Into<actix_web::web::Bytes>) -> Self {
        self.req = self
            .req
            .insert_header(("Content-Type", content_type.to_owned()))
            .set_payload(body.into());
        self
    }

    pub fn peer(mut self, addr: &str) -> Self {
        self.req = self.req.peer_addr(addr.parse().expect("socket address"));
        self
    }

    pub async fn send(self) -> Resp {
        let response = test::call_service(self.app.service().await, self.req.to_request()).await;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = test::read_body(response).await;
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Resp {
            status,
            headers,
            body,
            bytes,
        }
    }
}

impl TestApp {
    pub fn new(db: TestDb) -> Self {
        let pool = db.pool();
        let backend = if db.url().starts_with("postgres") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        };
        let state = AppState {
            pool,
            backend,
            tokens: crm_http::security::TokenKeys::new(SECRET),
            trust_proxy: false,
            throttles: crm_app::throttle::Throttles::default(),
            web_dir: None,
            // Tests read scores right after writing orders.
            rfm_max_age: std::time::Duration::ZERO,
            import_dir: std::env::temp_dir().join("crm-test-imports"),
            import_max_bytes: 64 * 1024 * 1024,
            attachments: crm_app::tickets::attachments::Store {
                dir: std::env::temp_dir().join("crm-test-attachments"),
                max_bytes: 1024 * 1024,
            },
            jobs: crm_app::jobs::Wake::default(),
            principals: Default::default(),
            live: Default::default(),
            heavy: crm_http::state::HeavyReads::half_the_cores(),
        };
        let mut app = Self {
            runner: None,
            mailer: crm_app::mail::Mailer::none(),
            state,
            service: OnceCell::new(),
            db,
        };
        app.start_workers(2);
        app
    }

    /// What the app's handlers see.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Changes what the handlers see: the next request builds the app
    /// again over the changed state.
    pub fn state_mut(&mut self) -> &mut AppState {
        self.service.take();
        &mut self.state
    }

    async fn service(&self) -> &Service {
        if self.service.get().is_none() {
            let built = test::init_service(crm_http::app(self.state.clone())).await;
            let boxed = actix_service::boxed::rc_service(actix_service::ServiceExt::map(
                built,
                ServiceResponse::map_into_boxed_body,
            ));
            // A request that built it meanwhile (same thread) wins; the same app either way.
            let _ = self.service.set(boxed);
        }
        self.service.get().expect("built above")
    }

    /// The job handlers `crm serve` registers, for this app's import directory.
    pub fn registry(&self) -> crm_app::jobs::Registry {
        crm_app::jobs::registry(&self.state.import_dir, &self.mailer)
    }

    /// How tests run jobs: short polls and backoff, the server's lease.
    pub fn runner_config(workers: usize) -> crm_app::jobs::RunnerConfig {
        let mut config = crm_app::jobs::RunnerConfig::new(workers);
        config.poll = std::time::Duration::from_millis(50);
        config.backoff_base = std::time::Duration::from_millis(50);
        config
    }

    /// (Re)starts this app's job workers (0: none run; jobs stay queued).
    pub fn start_workers(&mut self, workers: usize) {
        if let Some(old) = self.runner.take() {
            old.stop();
        }
        self.runner = Some(crm_app::jobs::Runner::start(
            self.state.pool.clone(),
            self.registry(),
            &Self::runner_config(workers),
            self.state.jobs.clone(),
        ));
    }

    pub fn conn(&self) -> crm_db::PooledConn {
        self.state.pool.get().expect("connection")
    }

    pub fn request(&self, method: Method, path: &str) -> Request<'_> {
        Request {
            app: self,
            req: test::TestRequest::default().method(method).uri(path),
        }
    }

    pub fn get(&self, path: &str) -> Request<'_> {
        self.request(Method::GET, path)
    }

    pub fn post(&self, path: &str) -> Request<'_> {
        self.request(Method::POST, path)
    }

    pub fn put(&self, path: &str) -> Request<'_> {
        self.request(Method::PUT, path)
    }

    pub fn patch(&self, path: &str) -> Request<'_> {
        self.request(Method::PATCH, path)
    }

    pub fn delete(&self, path: &str) -> Request<'_> {
        self.request(Method::DELETE, path)
    }

    /// An access token for a user, minted by the app's own token service.
    pub fn token_for(&self, user: Uuid, workspace: Uuid) -> String {
        self.state.tokens.issue(user, workspace).expect("token")
    }
}
