//! Sign-in: workspace (only when the server has several), e-mail and
//! password; the demo logins listed when the demo workspace exists; back to
//! the page that sent the user here.

use crm_api_types::auth::{LoginRequest, SignInOptions};
use leptos::prelude::*;

use crate::components::When;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::i18n::{tr, use_locale, use_t};

const DEMO_LOGINS: [&str; 4] = [
    "admin@demo.test",
    "manager1@demo.test",
    "rep1@demo.test",
    "viewer@demo.test",
];

#[component]
pub fn Login() -> impl IntoView {
    let t = use_t();
    let locale = use_locale();
    let workspace = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let options = RwSignal::new(None::<SignInOptions>);
    leptos::task::spawn_local(async move {
        options.set(
            crate::api::get_public::<SignInOptions>("/api/v1/auth/options")
                .await
                .ok(),
        );
    });
    let demo = move || options.with(|o| o.as_ref().is_some_and(|o| o.demo));
    let needs_workspace = move || options.with(|o| o.as_ref().is_none_or(|o| o.workspace_required));
    Effect::new(move |_| {
        if demo() && workspace.get_untracked().is_empty() {
            workspace.set(crm_api_types::domain::DEMO_WORKSPACE.to_owned());
        }
    });
    let query = use_query_map();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = LoginRequest {
            workspace: Some(workspace.get_untracked())
                .filter(|w| !w.trim().is_empty() && needs_workspace()),
            email: email.get_untracked(),
            password: password.get_untracked(),
        };
        let next = query
            .get_untracked()
            .get("next")
            .filter(|n| n.starts_with('/') && !n.starts_with("//"))
            .unwrap_or_else(|| "/".to_owned());
        let navigate = use_navigate();
        busy.set(true);
        leptos::task::spawn_local(async move {
            match crate::api::login(&request).await {
                Ok(()) => navigate(&next, Default::default()),
                Err(err) if err.status == 401 => error.set(Some(t("login-failed"))),
                Err(err) if err.status == 429 => error.set(Some(t("login-throttled"))),
                Err(err) => error.set(Some(err.to_string())),
            }
            busy.set(false);
        });
    };
    let toggle = move |_| crate::i18n::toggle_locale(locale);
    view! {
        <div class="center login-page">
            <form class="card login" on:submit=submit>
                <div class="login-head">
                    <h1><span class="logo">"◆"</span>{tr("app-name")}</h1>
                    <button type="button" id="language" class="link" on:click=toggle>{tr("language-switch")}</button>
                </div>
                <When when=needs_workspace>
                    <label>{tr("workspace")}<input id="workspace" autocomplete="organization" bind:value=workspace/></label>
                </When>
                <label>{tr("email")}<input id="email" type="email" required autocomplete="username" bind:value=email/></label>
                <label>{tr("password")}<input id="password" type="password" required autocomplete="current-password" bind:value=password/></label>
                <When when=move || error.get().is_some()>
                    <p class="error" id="login-error" role="alert">{Signal::derive(move || error.get().unwrap_or_default())}</p>
                </When>
                <button id="sign-in" type="submit" class="primary wide" disabled=Signal::derive(move || busy.get())>{tr("sign-in")}</button>
                <When when=demo>
                    <div class="hint" id="demo-hint">
                        <p>{tr("demo-hint")}</p>
                        <ul>
                            {DEMO_LOGINS.iter().map(|login| view! {
                                <li><button type="button" class="link" on:click=move |_| { email.set((*login).to_owned()); password.set("demo-password".to_owned()); }>{*login}</button></li>
                            }).collect_view()}
                        </ul>
                    </div>
                </When>
            </form>
        </div>
    }
}
