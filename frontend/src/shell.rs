//! The app shell around every signed-in page: sidebar (collapsible on
//! phones) with role-aware links, top bar with global search, reminders,
//! language switch and user menu, toasts, and the sign-in guard.

use crm_api_types::auth::Me;
use crm_api_types::domain::access::{Action, ObjectType};
use leptos::prelude::*;
use leptos_router::components::{A, Outlet};
use leptos_router::hooks::{use_location, use_navigate};

use crate::components::{ErrorView, ToastHost, Toasts, When};
use crate::i18n::{tr, use_locale};
use crate::session::{Lookups, Session};

#[component]
pub fn Shell() -> impl IntoView {
    if !crate::api::signed_in() {
        crate::api::to_login();
    }
    let locale = use_locale();
    let session = Session(RwSignal::new(None::<Me>));
    provide_context(session);
    provide_context(Lookups::load());
    provide_context(Toasts::new());
    provide_context(crate::reminders::Changed(RwSignal::new(0)));
    let failure = RwSignal::new(None);
    leptos::task::spawn_local(async move {
        match crate::api::get::<Me>("/api/v1/me").await {
            Ok(me) => session.0.set(Some(me)),
            Err(err) => failure.set(Some(err)),
        }
    });

    let menu_open = RwSignal::new(false);
    let nav_open = RwSignal::new(false);
    let location = use_location();
    Effect::new(move |_| {
        location.pathname.track();
        nav_open.set(false);
        menu_open.set(false);
    });
    let search = RwSignal::new(String::new());
    let on_search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let q = search.get_untracked();
        use_navigate()(
            &format!("/customers?q={}", crate::api::encode(q.trim())),
            Default::default(),
        );
    };
    let toggle_language = move |_| crate::i18n::toggle_locale(locale);
    let sign_out = move |_| {
        leptos::task::spawn_local(async move {
            crate::api::logout().await;
            crate::api::to_login();
        });
    };
    let link = move |href: &'static str, key: &'static str, icon: &'static str| {
        view! { <A href=href attr:class="nav-link"><span class="icon">{icon}</span>{tr(key)}</A> }
    };

    view! {
        <div class="shell" class:nav-open=move || nav_open.get()>
            <nav class="sidebar" id="sidebar">
                <div class="brand"><span class="logo">"◆"</span>{tr("app-name")}</div>
                {link("/", "nav-dashboard", "▦")}
                <When when=move || session.can(ObjectType::Customers, Action::Read)>
                    {link("/customers", "nav-customers", "◎")}
                    {link("/distribution", "nav-distribution", "◍")}
                    {link("/analytics", "nav-analytics", "◔")}
                    {link("/segments", "nav-segments", "◈")}
                </When>
                <When when=move || session.can(ObjectType::Contacts, Action::Read)>
                    {link("/contacts", "nav-contacts", "☏")}
                </When>
                <When when=move || session.can(ObjectType::Deals, Action::Read)>
                    {link("/deals", "nav-deals", "▤")}
                    {link("/forecast", "nav-forecast", "↗")}
                    {link("/performance", "nav-performance", "★")}
                </When>
                <When when=move || session.can(ObjectType::Leads, Action::Read)>
                    {link("/leads", "nav-leads", "✦")}
                </When>
                <When when=move || session.can(ObjectType::Activities, Action::Read)>
                    {link("/tasks", "nav-tasks", "☑")}
                </When>
                <When when=move || session.can(ObjectType::Tickets, Action::Read)>
                    {link("/tickets", "nav-tickets", "✉")}
                    {link("/satisfaction", "nav-satisfaction", "☺")}
                </When>
                <When when=move || session.can(ObjectType::Articles, Action::Read)>
                    {link("/kb", "nav-kb", "❓")}
                </When>
                {link("/dashboards", "nav-dashboards", "◫")}
                {link("/reports", "nav-reports", "▥")}
                <When when=move || session.can(ObjectType::Products, Action::Read)>
                    {link("/products", "nav-products", "▣")}
                </When>
                <When when=move || crate::pages::imports::may_import_any(session)>
                    {link("/imports", "imp-nav", "⇪")}
                </When>
                <When when=move || session.is_admin()>
                    <A href="/settings/users" attr:class="nav-link" attr:id="nav-settings"><span class="icon">"⚙"</span>{tr("nav-settings")}</A>
                </When>
            </nav>
            <div class="main">
                <header class="topbar">
                    <button class="icon-button menu-toggle" id="menu-toggle" aria-label="menu" on:click=move |_| nav_open.update(|o| *o = !*o)>"☰"</button>
                    <form class="global-search" on:submit=on_search>
                        <input id="global-search" type="search" placeholder=tr("search-placeholder") bind:value=search/>
                    </form>
                    <span class="spacer"></span>
                    <When when=move || session.can(ObjectType::Activities, Action::Read)>
                        <crate::reminders::ReminderBell/>
                    </When>
                    <button id="language" class="link" on:click=toggle_language>{tr("language-switch")}</button>
                    <div class="user-menu">
                        <button id="user-menu" class="link" on:click=move |_| menu_open.update(|o| *o = !*o)>
                            {Signal::derive(move || session.0.with(|me| me.as_ref().map(|m| m.user.display_name.clone()).unwrap_or_default()))}" ▾"
                        </button>
                        <When when=move || menu_open.get()>
                            <div class="menu card">
                                <div class="menu-info">
                                    <strong>{Signal::derive(move || session.0.with(|me| me.as_ref().map(|m| m.user.email.clone()).unwrap_or_default()))}</strong>
                                    <small>{Signal::derive(move || session.0.with(|me| me.as_ref().map(|m| format!("{} · {}", crate::i18n::role_name(locale.get(), &m.role.key, &m.role.name), m.workspace.name)).unwrap_or_default()))}</small>
                                </div>
                                <button id="sign-out" class="link" on:click=sign_out>{tr("sign-out")}</button>
                            </div>
                        </When>
                    </div>
                </header>
                <main class="content">
                    {move || failure.get().map(|e| view! { <ErrorView error=e/> })}
                    <Outlet/>
                </main>
            </div>
            <ToastHost/>
        </div>
    }
}
