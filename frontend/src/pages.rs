//! One module per page (or group of pages), and the lazily loaded routes.
//!
//! The sign-in page, the shell and the customer list are in the main WASM
//! module. The home page (工作台) shares the sales pages' chunk. Every other page is a `LazyRoute` whose view
//! `make frontend` splits off (`wasm-split-cli`) into a WASM chunk that the
//! browser fetches the first time one of its pages opens. Pages that go
//! together share a chunk: every split point multiplies the small chunks
//! holding the code that several of them use.

pub mod analytics;
pub mod articles;
pub mod contacts;
pub mod customers;
pub mod dashboard;
pub mod dashboards;
pub mod deals;
pub mod distribution;
pub mod follow_panel;
pub mod followups;
pub mod forecast;
pub mod history;
pub mod imports;
pub mod leads;
pub mod login;
pub mod not_found;
pub mod performance;
pub mod period_bar;
pub mod products;
pub mod quotas;
pub mod reports;
pub mod satisfaction;
pub mod segments;
pub mod settings;
pub mod tasks;
pub mod tickets;

use leptos::prelude::*;
use leptos::wasm_split::SplitLoaderError;
use leptos_router::LazyRoute;

use crate::i18n::tr;

/// `pub struct $route;`, a route whose view (the component `$page`,
/// rendered by `$view`) lives in the lazily loaded chunk `$chunk`.
/// (Leptos' `#[lazy_route]` gives every route a chunk of its own.)
macro_rules! lazy_page {
    ($(#[$doc:meta])* $route:ident, $view:ident => $page:path, in $chunk:ident) => {
        $(#[$doc])*
        pub struct $route;

        #[leptos::wasm_split::wasm_split($chunk, wasm_split_path = ::leptos::wasm_split, fallible)]
        fn $view() -> Result<AnyView, SplitLoaderError> {
            Ok($page().into_any())
        }

        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            async fn view(_: Self) -> AnyView {
                $view().await.unwrap_or_else(|_| load_failed())
            }
        }
    };
}

lazy_page!(
    /// `/customers/:id`.
    CustomerDetailRoute, customer_detail_view => customers::detail::CustomerDetail, in crm_records
);
lazy_page!(
    /// `/customers/new`.
    NewCustomerRoute, new_customer_view => customers::form::NewCustomer, in crm_records
);
lazy_page!(
    /// `/customers/:id/edit`.
    EditCustomerRoute, edit_customer_view => customers::form::EditCustomer, in crm_records
);
lazy_page!(
    /// `/contacts`.
    ContactsRoute, contacts_view => contacts::ContactList, in crm_records
);
lazy_page!(
    /// `/distribution` (ECharts and the map outlines load later still, as scripts).
    DistributionRoute, distribution_view => distribution::Distribution, in crm_distribution
);
lazy_page!(
    /// `/analytics`.
    AnalyticsRoute, analytics_view => analytics::Analytics, in crm_analytics
);
lazy_page!(
    /// `/segments` (its portrait is the analytics page's).
    SegmentsRoute, segments_view => segments::Segments, in crm_analytics
);
lazy_page!(
    /// `/deals`: the pipeline kanban.
    DealsRoute, deals_view => deals::kanban::Kanban, in crm_sales
);
lazy_page!(
    /// `/deals/:id`.
    DealDetailRoute, deal_detail_view => deals::detail::DealDetail, in crm_sales
);
lazy_page!(
    /// `/leads`.
    LeadsRoute, leads_view => leads::Leads, in crm_sales
);
lazy_page!(
    /// `/tasks`: 我的待办 My tasks.
    TasksRoute, tasks_view => tasks::Tasks, in crm_sales
);
lazy_page!(
    /// `/forecast`: 销售预测 Sales forecast.
    ForecastRoute, forecast_view => forecast::SalesForecast, in crm_sales
);
lazy_page!(
    /// `/`: 工作台 Home, from the sales figures (so it shares their chunk).
    HomeRoute, home_view => dashboard::Dashboard, in crm_sales
);
lazy_page!(
    /// `/performance`: 销售业绩 Rep performance.
    PerformanceRoute, performance_view => performance::RepPerformance, in crm_sales
);
lazy_page!(
    /// `/tickets`: 工单 the service desk's queue.
    TicketsRoute, tickets_view => tickets::Tickets, in crm_service
);
lazy_page!(
    /// `/tickets/:id`.
    TicketDetailRoute, ticket_detail_view => tickets::detail::TicketDetail, in crm_service
);
lazy_page!(
    /// `/kb`: 知识库 the knowledge base.
    ArticlesRoute, articles_view => articles::Articles, in crm_service
);
lazy_page!(
    /// `/kb/:id`.
    ArticleRoute, article_view => articles::ArticlePage, in crm_service
);
lazy_page!(
    /// `/faq/:workspace`: the public FAQ, without signing in.
    FaqRoute, faq_view => articles::faq::Faq, in crm_service
);
lazy_page!(
    /// `/satisfaction`: 满意度 the satisfaction report.
    SatisfactionRoute, satisfaction_view => satisfaction::SatisfactionReportPage, in crm_service
);
lazy_page!(
    /// `/survey/:token`: a customer answers a survey, without signing in.
    SurveyRoute, survey_view => satisfaction::SurveyPage, in crm_service
);
lazy_page!(
    /// `/reports`: 报表 saved and standard reports.
    ReportsRoute, reports_view => reports::Reports, in crm_reports
);
lazy_page!(
    /// `/reports/new` and `/reports/:id`: the report builder.
    ReportBuilderRoute, report_builder_view => reports::builder::ReportBuilder, in crm_reports
);
lazy_page!(
    /// `/dashboards` and `/dashboards/:id`: 仪表盘.
    DashboardsRoute, dashboards_view => dashboards::Dashboards, in crm_reports
);
lazy_page!(
    /// `/products`.
    ProductsRoute, products_view => products::Products, in crm_sales
);
lazy_page!(
    /// `/settings/:tab`.
    SettingsRoute, settings_view => settings::Settings, in crm_settings
);

lazy_page!(
    /// `/imports`: the CSV import wizard.
    ImportsRoute, imports_view => imports::Imports, in crm_import
);

/// In place of a lazy page whose chunk could not be fetched (offline, or
/// the app was rebuilt since this tab loaded it, so the chunk's name
/// changed): say so and offer a reload.
fn load_failed() -> AnyView {
    let reload = |_| {
        if let Some(window) = web_sys::window() {
            let _ = window.location().reload();
        }
    };
    view! {
        <div class="error-box" role="alert" id="page-load-failed">
            <strong>{tr("page-load-failed")}</strong>
            <p><button class="button primary" on:click=reload>{tr("reload")}</button></p>
        </div>
    }
    .into_any()
}
