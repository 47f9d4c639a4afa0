//! The dashboard: a greeting and the way in to the customer list until the
//! analytics issue fills it with charts.

use leptos::prelude::*;

use crate::i18n::{tr, use_t1};
use crate::session::use_session;

#[component]
pub fn Dashboard() -> impl IntoView {
    let t1 = use_t1();
    let session = use_session();
    let name = move || {
        session.0.with(|me| {
            me.as_ref()
                .map(|m| m.user.display_name.clone())
                .unwrap_or_default()
        })
    };
    view! {
        <section class="dashboard">
            <h1 id="page-title">{tr("nav-dashboard")}</h1>
            <div class="card welcome">
                <h2>{Signal::derive(move || t1("welcome", "name", name()))}</h2>
                <p class="muted">{tr("dashboard-soon")}</p>
                <a class="button primary" href="/customers">{tr("nav-customers")}</a>
            </div>
        </section>
    }
}
