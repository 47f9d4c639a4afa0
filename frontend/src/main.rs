//! The CRM web app (Leptos, client-side rendered). `api` is the only HTTP
//! caller; `session` holds who is signed in and the shared reference data;
//! `shell` is the frame of every signed-in page; pages live in `pages/`;
//! `echarts` draws charts and maps with the library served beside the app;
//! every visible string comes from the catalogs in `locales/` via `i18n`.

mod api;
mod clock;
mod components;
mod echarts;
mod i18n;
mod live;
mod load;
mod pages;
mod reminders;
mod session;
mod shell;
mod vocab;

use leptos::prelude::*;
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::{Lazy, path};

use crate::i18n::Locale;
use crate::pages::ImportsRoute;
use crate::pages::{
    AnalyticsRoute, ArticleRoute, ArticlesRoute, ContactsRoute, CustomerDetailRoute,
    DashboardsRoute, DealDetailRoute, DealsRoute, DistributionRoute, EditCustomerRoute, FaqRoute,
    ForecastRoute, HomeRoute, LeadsRoute, NewCustomerRoute, PerformanceRoute, ProductsRoute,
    ReportBuilderRoute, ReportsRoute, SatisfactionRoute, SegmentsRoute, SettingsRoute, SurveyRoute,
    TasksRoute, TicketDetailRoute, TicketsRoute, customers, login, not_found,
};

#[component]
fn App() -> impl IntoView {
    let locale = Locale::stored();
    locale.apply();
    provide_context(RwSignal::new(locale));
    view! {
        <Router>
            <Routes fallback=|| view! { <not_found::NotFound/> }>
                <Route path=path!("/login") view=login::Login/>
                <Route path=path!("/faq/:workspace") view={Lazy::<FaqRoute>::new()}/>
                <Route path=path!("/survey/:token") view={Lazy::<SurveyRoute>::new()}/>
                <ParentRoute path=path!("") view=shell::Shell>
                    <Route path=path!("") view={Lazy::<HomeRoute>::new()}/>
                    <Route path=path!("customers") view=customers::list::CustomerList/>
                    <Route path=path!("customers/new") view={Lazy::<NewCustomerRoute>::new()}/>
                    <Route path=path!("customers/:id") view={Lazy::<CustomerDetailRoute>::new()}/>
                    <Route path=path!("customers/:id/edit") view={Lazy::<EditCustomerRoute>::new()}/>
                    <Route path=path!("contacts") view={Lazy::<ContactsRoute>::new()}/>
                    <Route path=path!("distribution") view={Lazy::<DistributionRoute>::new()}/>
                    <Route path=path!("analytics") view={Lazy::<AnalyticsRoute>::new()}/>
                    <Route path=path!("segments") view={Lazy::<SegmentsRoute>::new()}/>
                    <Route path=path!("deals") view={Lazy::<DealsRoute>::new()}/>
                    <Route path=path!("deals/:id") view={Lazy::<DealDetailRoute>::new()}/>
                    <Route path=path!("leads") view={Lazy::<LeadsRoute>::new()}/>
                    <Route path=path!("tasks") view={Lazy::<TasksRoute>::new()}/>
                    <Route path=path!("forecast") view={Lazy::<ForecastRoute>::new()}/>
                    <Route path=path!("performance") view={Lazy::<PerformanceRoute>::new()}/>
                    <Route path=path!("dashboards") view={Lazy::<DashboardsRoute>::new()}/>
                    <Route path=path!("dashboards/:id") view={Lazy::<DashboardsRoute>::new()}/>
                    <Route path=path!("reports") view={Lazy::<ReportsRoute>::new()}/>
                    <Route path=path!("reports/new") view={Lazy::<ReportBuilderRoute>::new()}/>
                    <Route path=path!("reports/:id") view={Lazy::<ReportBuilderRoute>::new()}/>
                    <Route path=path!("tickets") view={Lazy::<TicketsRoute>::new()}/>
                    <Route path=path!("tickets/:id") view={Lazy::<TicketDetailRoute>::new()}/>
                    <Route path=path!("satisfaction") view={Lazy::<SatisfactionRoute>::new()}/>
                    <Route path=path!("kb") view={Lazy::<ArticlesRoute>::new()}/>
                    <Route path=path!("kb/:id") view={Lazy::<ArticleRoute>::new()}/>
                    <Route path=path!("products") view={Lazy::<ProductsRoute>::new()}/>
                    <Route path=path!("imports") view={Lazy::<ImportsRoute>::new()}/>
                    <Route path=path!("settings") view=|| view! { <Redirect path="/settings/users"/> }/>
                    <Route path=path!("settings/:tab") view={Lazy::<SettingsRoute>::new()}/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}
