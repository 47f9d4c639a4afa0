//! Workspace settings for administrators: users, teams, roles (the
//! permission matrix), custom fields, tags, API keys, background jobs, the
//! pipelines' stages, the analytics settings and the service desk's
//! settings, one tab each.

pub mod analytics;
pub mod fields;
pub mod jobs;
pub mod keys;
pub mod pipelines;
pub mod roles;
pub mod service;
pub mod tags;
pub mod teams;
pub mod users;

use crm_api_types::Page;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use serde::de::DeserializeOwned;

use crate::components::{ErrorView, Skeleton, When};
use crate::i18n::tr;
use crate::load::Load;
use crate::session::use_session;

const TABS: [(&str, &str); 10] = [
    ("/settings/users", "settings-users"),
    ("/settings/teams", "settings-teams"),
    ("/settings/roles", "settings-roles"),
    ("/settings/custom-fields", "settings-custom-fields"),
    ("/settings/tags", "settings-tags"),
    ("/settings/api-keys", "settings-api-keys"),
    ("/settings/jobs", "settings-jobs"),
    ("/settings/pipelines", "settings-pipelines"),
    ("/settings/analytics", "settings-analytics"),
    ("/settings/service", "settings-service"),
];

#[component]
pub fn Settings() -> impl IntoView {
    let session = use_session();
    let params = use_params_map();
    let tab = move || params.with(|p| p.get("tab").unwrap_or_default());
    // One route for every tab keeps the router (and the WASM) small.
    let page = move || match tab().as_str() {
        "users" => view! { <users::Users/> }.into_any(),
        "teams" => view! { <teams::Teams/> }.into_any(),
        "roles" => view! { <roles::Roles/> }.into_any(),
        "custom-fields" => view! { <fields::CustomFields/> }.into_any(),
        "tags" => view! { <tags::Tags/> }.into_any(),
        "api-keys" => view! { <keys::ApiKeys/> }.into_any(),
        "jobs" => view! { <jobs::Jobs/> }.into_any(),
        "pipelines" => view! { <pipelines::Pipelines/> }.into_any(),
        "analytics" => view! { <analytics::AnalyticsSettingsTab/> }.into_any(),
        "service" => view! { <service::ServiceSettingsTab/> }.into_any(),
        _ => view! { <crate::pages::not_found::NotFound/> }.into_any(),
    };
    view! {
        <section class="settings">
            <h1 id="page-title">{tr("nav-settings")}</h1>
            <nav class="tabs">
                {TABS.iter().map(|(href, label)| view! { <A href=*href attr:class="tab">{tr(label)}</A> }).collect_view()}
            </nav>
            <When when=move || session.0.with(Option::is_some) fallback=|| view! { <Skeleton/> }>
                <When when=move || session.is_admin() fallback=move || view! { <div class="error-box" role="alert">{tr("admins-only")}</div> }>
                    {page}
                </When>
            </When>
        </section>
    }
}

/// A whole (unpaged) settings collection, reloadable after a change.
pub fn collection<T: DeserializeOwned + Clone + Send + Sync + 'static>(
    path: &'static str,
) -> Load<Page<T>> {
    Load::new(move || path.to_owned())
}

/// Renders a loaded collection, a skeleton while loading, or the error.
pub fn render<T: DeserializeOwned + Clone + Send + Sync + 'static, V: IntoView + 'static>(
    resource: Load<Page<T>>,
    view_items: impl Fn(Vec<T>) -> V + Send + Sync + 'static,
) -> impl IntoView {
    move || match resource.get() {
        None => view! { <Skeleton/> }.into_any(),
        Some(Err(err)) => view! { <ErrorView error=err/> }.into_any(),
        Some(Ok(page)) => view_items(page.items).into_any(),
    }
}
