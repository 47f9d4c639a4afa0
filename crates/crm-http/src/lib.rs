//! The CRM's HTTP layer on actix-web: one module per feature (same names
//! as in `crm-db`), thin handlers (parse → authorise → call `crm-db` on the
//! blocking pool → map to a view), `ApiError` → problem+json, request ids,
//! and the OpenAPI document generated from the handlers themselves.

pub mod activities;
pub mod analytics;
pub mod api_keys;
pub mod articles;
pub mod audit;
pub mod auth;
pub mod backups;
pub mod batch;
pub mod caller;
pub mod changes;
pub mod contacts;
pub mod custom_fields;
pub mod customers;
pub mod dashboards;
pub mod deals;
pub mod deliveries;
pub mod docs;
pub mod error;
pub mod export;
pub mod extract;
pub mod forecast;
pub mod headers;
pub mod health;
pub mod idempotency;
pub mod imports;
pub mod jobs;
pub mod leads;
pub mod live;
pub mod middleware;
pub mod orders;
pub mod paging;
pub mod performance;
pub mod pipelines;
pub mod products;
pub mod quotas;
pub mod refresh_cookie;
pub mod regions;
pub mod reports;
pub mod roles;
pub mod segments;
pub mod state;
pub mod surveys;
pub mod tags;
pub mod teams;
pub mod tickets;
pub mod upsert;
pub mod users;
pub mod views;
pub mod web_app;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{App, web};
use utoipa::OpenApi;
use utoipa_actix_web::{AppExt, scope, service_config::ServiceConfig};
use utoipa_swagger_ui::SwaggerUi;

/// Credentials live in the application core; `crate::security` keeps naming them.
pub use crm_app::security;
pub use error::ApiError;
pub use state::AppState;

/// Every `/api/v1` route, registered once for the server and the spec.
fn v1(cfg: &mut ServiceConfig<'_>) {
    cfg.service(auth::options)
        .service(auth::login)
        .service(auth::refresh)
        .service(auth::logout)
        .service(auth::me)
        .service(customers::list)
        .service(customers::create)
        .service(customers::batch::batch)
        .service(customers::export::export)
        .service(customers::export::export_xlsx)
        .service(customers::get)
        .service(customers::update)
        .service(customers::remove)
        .service(customers::upsert::put)
        .service(customers::upsert::get_by_external_id)
        .service(contacts::list)
        .service(contacts::export::export)
        .service(contacts::export::export_xlsx)
        .service(contacts::create)
        .service(contacts::batch::batch)
        .service(contacts::get)
        .service(contacts::update)
        .service(contacts::remove)
        .service(contacts::put)
        .service(contacts::get_by_external_id)
        .service(tags::list)
        .service(tags::create)
        .service(tags::update)
        .service(tags::remove)
        .service(custom_fields::list)
        .service(custom_fields::create)
        .service(custom_fields::update)
        .service(custom_fields::remove)
        .service(regions::list)
        .service(users::list)
        .service(users::create)
        .service(users::get)
        .service(users::update)
        .service(teams::list)
        .service(teams::create)
        .service(teams::get)
        .service(teams::update)
        .service(teams::remove)
        .service(roles::list)
        .service(roles::create)
        .service(roles::get)
        .service(roles::update)
        .service(roles::remove)
        .service(api_keys::list)
        .service(api_keys::create)
        .service(api_keys::revoke)
        .service(products::list)
        .service(products::export::export)
        .service(products::export::export_xlsx)
        .service(products::create)
        .service(products::batch)
        .service(products::get)
        .service(products::update)
        .service(products::remove)
        .service(products::put)
        .service(products::get_by_external_id)
        .service(orders::list)
        .service(orders::export::export)
        .service(orders::export::export_xlsx)
        .service(orders::create)
        .service(orders::batch)
        .service(orders::get)
        .service(orders::update)
        .service(orders::remove)
        .service(orders::put)
        .service(orders::get_by_external_id)
        .service(pipelines::list)
        .service(pipelines::create)
        .service(pipelines::read)
        .service(pipelines::kanban)
        .service(pipelines::update_stage)
        .service(pipelines::add_stage)
        .service(pipelines::retire_stage)
        .service(deals::list)
        .service(deals::lines::lines)
        .service(deals::lines::replace_lines)
        .service(deals::export::export)
        .service(deals::export::export_xlsx)
        .service(deals::create)
        .service(deals::batch::batch)
        .service(deals::get)
        .service(deals::update)
        .service(deals::remove)
        .service(deals::put)
        .service(deals::get_by_external_id)
        .service(deals::stage_changes)
        .service(leads::list)
        .service(leads::export::export)
        .service(leads::export::export_xlsx)
        .service(leads::create)
        .service(leads::get)
        .service(leads::update)
        .service(leads::remove)
        .service(leads::convert)
        .service(tickets::batch::batch)
        .service(tickets::attachments::attach)
        .service(tickets::attachments::attachments)
        .service(tickets::attachments::get_attachment)
        .service(tickets::attachments::detach)
        .service(tickets::export::export)
        .service(tickets::export::export_xlsx)
        .service(tickets::list)
        .service(tickets::create)
        .service(tickets::get)
        .service(tickets::update)
        .service(tickets::put)
        .service(tickets::get_by_external_id)
        .service(tickets::replies)
        .service(tickets::reply)
        .service(tickets::get_settings)
        .service(tickets::save_settings)
        .service(tickets::agents)
        .service(tickets::save_agent)
        .service(articles::linked_articles)
        .service(articles::link_article)
        .service(articles::unlink_article)
        .service(articles::list)
        .service(articles::create)
        .service(articles::search)
        .service(articles::categories)
        .service(articles::get)
        .service(articles::update)
        .service(articles::remove)
        .service(articles::view)
        .service(articles::vote)
        .service(articles::faq_list)
        .service(articles::faq_search)
        .service(articles::faq_get)
        .service(surveys::send_survey)
        .service(surveys::surveys)
        .service(surveys::satisfaction)
        .service(surveys::survey)
        .service(surveys::answer_survey)
        .service(activities::list)
        .service(activities::reminders)
        .service(activities::export::export)
        .service(activities::export::export_xlsx)
        .service(activities::create)
        .service(activities::get)
        .service(activities::update)
        .service(activities::remove)
        .service(activities::timeline)
        .service(changes::list)
        .service(audit::list)
        .service(analytics::distribution::distribution)
        .service(analytics::rfm::rfm)
        .service(analytics::cohorts::cohorts)
        .service(analytics::kmeans::kmeans_segments)
        .service(analytics::kpis::kpis)
        .service(forecast::get)
        .service(performance::get)
        .service(quotas::list)
        .service(quotas::set)
        .service(quotas::remove)
        .service(analytics::value::clv_summary)
        .service(analytics::portrait::portrait)
        .service(analytics::profile::profile)
        .service(analytics::settings::get_settings)
        .service(analytics::settings::put_settings)
        .service(segments::list)
        .service(segments::create)
        .service(segments::read)
        .service(segments::update)
        .service(segments::remove)
        .service(reports::list)
        .service(reports::standard)
        .service(reports::fields)
        .service(reports::share_targets)
        .service(reports::run)
        .service(reports::create)
        .service(reports::read)
        .service(reports::data)
        .service(reports::export)
        .service(reports::export_xlsx)
        .service(reports::update)
        .service(reports::remove)
        .service(dashboards::list)
        .service(dashboards::home)
        .service(dashboards::run)
        .service(dashboards::create)
        .service(dashboards::read)
        .service(dashboards::update)
        .service(dashboards::remove)
        .service(deliveries::list)
        .service(deliveries::create)
        .service(deliveries::read)
        .service(deliveries::update)
        .service(deliveries::remove)
        .service(deliveries::send)
        .service(live::live)
        .service(imports::upload)
        .service(imports::list)
        .service(imports::read)
        .service(imports::start_import)
        .service(imports::cancel)
        .service(imports::remove)
        .service(imports::error_rows)
        .service(backups::start)
        .service(backups::read)
        .service(backups::download)
        .service(jobs::list)
        .service(jobs::retry)
        .service(jobs::cancel);
}

/// Serves the app on `listener` — over TLS when `tls` is given — until the
/// process is stopped (Ctrl-C or SIGTERM).
pub async fn run(
    state: AppState,
    listener: std::net::TcpListener,
    tls: Option<rustls::ServerConfig>,
) -> std::io::Result<()> {
    let server = actix_web::HttpServer::new(move || app(state.clone()));
    let server = match tls {
        Some(config) => server.listen_rustls_0_23(listener, config)?,
        None => server.listen(listener)?,
    };
    server.run().await
}

/// Runs `future` to completion on the HTTP server's runtime.
pub fn block_on<F: Future>(future: F) -> F::Output {
    actix_web::rt::System::new().block_on(future)
}

fn api(cfg: &mut ServiceConfig<'_>) {
    cfg.service(health::health)
        .service(scope("/v1").configure(v1));
}

/// The operations as the handlers' annotations declare them, with their
/// operation ids: what the route table (404 / 405) is built from.
pub(crate) fn documented() -> utoipa::openapi::OpenApi {
    static SPEC: std::sync::LazyLock<utoipa::openapi::OpenApi> = std::sync::LazyLock::new(|| {
        let (_, mut spec) = App::new()
            .into_utoipa_app()
            .openapi(docs::ApiDoc::openapi())
            .service(scope("/api").configure(api))
            .split_for_parts();
        docs::name_operations(&mut spec);
        spec
    });
    SPEC.clone()
}

/// The OpenAPI document, as served at `/api/openapi.json` and committed at
/// `openapi/openapi.json`: the declared operations completed with what they
/// all share (`docs::complete`).
pub fn openapi() -> serde_json::Value {
    static SPEC: std::sync::LazyLock<serde_json::Value> =
        std::sync::LazyLock::new(|| docs::complete(&documented()));
    SPEC.clone()
}

/// The whole application; `crm serve` and the in-process tests both build it here.
pub fn app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let routes = docs::RouteTable::new(&documented());
    let web_dir = state
        .web_dir
        .clone()
        .filter(|dir| dir.join("index.html").is_file());
    // The docs and their redirect are registered before the `/api` scope, which would
    // otherwise claim `/api/docs` and `/api/docs/…` (a scope does not fall through).
    let app = App::new()
        .app_data(web::Data::new(state))
        .app_data(web::Data::new(routes))
        .app_data(web::PathConfig::default().error_handler(extract::path_error))
        .service(
            SwaggerUi::new("/api/docs/{_:.*}")
                .external_url_unchecked("/api/openapi.json", openapi()),
        )
        .route("/api/docs", web::get().to(docs::docs_redirect))
        .into_utoipa_app()
        .service(scope("/api").configure(api))
        .into_app();
    // The web app comes last: `/api/…` is matched by the routes above first.
    let app = match web_dir {
        Some(dir) => app
            .service(web_app::precompressed(&dir))
            .service(web_app::web_app(&dir)),
        None => app.route("/", web::get().to(web_app::index)),
    };
    app.default_service(web::to(docs::fallback))
        // Innermost: sees the route table (app data) before routing picks `/{id}`.
        .wrap(actix_web::middleware::from_fn(docs::wrong_method))
        .wrap(actix_web::middleware::from_fn(middleware::request_id))
        .wrap(actix_web::middleware::from_fn(headers::security_headers))
        // gzip when the client accepts it: the WASM bundle and large JSON pages.
        .wrap(actix_web::middleware::Compress::default())
        // Outermost, so routing and every layer above see HEAD as GET.
        .wrap(actix_web::middleware::from_fn(headers::head_as_get))
}
