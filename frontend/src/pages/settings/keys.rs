//! Settings › API keys for integrators: create one bound to a role (the
//! secret is shown once, with a copy button), list, revoke.

use crm_api_types::access::Role;
use crm_api_types::auth::{ApiKey, CreatedApiKey};
use leptos::prelude::*;
use serde_json::json;

use super::{collection, render};
use crate::api::ApiError;
use crate::components::{Confirm, FieldError, When, use_toasts};
use crate::i18n::{date, tr, use_locale, use_t, use_t1};

#[component]
pub fn ApiKeys() -> impl IntoView {
    let t = use_t();
    let t1 = use_t1();
    let locale = use_locale();
    let toasts = use_toasts();
    let keys = collection::<ApiKey>("/api/v1/api-keys");
    let roles = collection::<Role>("/api/v1/roles");
    let roles_list = move || roles.items();
    let name = RwSignal::new(String::new());
    let role_id = RwSignal::new(String::new());
    let secret = RwSignal::new(None::<String>);
    let failure = RwSignal::new(None::<ApiError>);
    let revoking = RwSignal::new(None::<ApiKey>);
    let confirm_open = RwSignal::new(false);
    let field = move |f: &'static str| {
        Signal::derive(move || failure.with(|e| e.as_ref().and_then(|e| e.field(f))))
    };
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = json!({"name": name.get_untracked().trim(), "role_id": role_id.get_untracked()});
        leptos::task::spawn_local(async move {
            match crate::api::post::<CreatedApiKey, _>("/api/v1/api-keys", &body).await {
                Ok(created) => {
                    secret.set(Some(created.secret));
                    name.set(String::new());
                    failure.set(None);
                    keys.refetch();
                }
                Err(err) => failure.set(Some(err)),
            }
        });
    };
    let copy = move |_| {
        if let (Some(text), Some(window)) = (secret.get_untracked(), web_sys::window()) {
            let _ = window.navigator().clipboard().write_text(&text);
            toasts.success(t("copied"));
        }
    };
    let revoke = move || {
        let Some(key) = revoking.get_untracked() else {
            return;
        };
        leptos::task::spawn_local(async move {
            match crate::api::delete(&format!("/api/v1/api-keys/{}", key.id), None).await {
                Ok(()) => {
                    toasts.success(t1("key-revoked", "name", key.name));
                    keys.refetch();
                }
                Err(err) => toasts.error(err.to_string()),
            }
        });
    };
    let role_name = move |key: &ApiKey| {
        roles_list()
            .into_iter()
            .find(|r| r.id == key.role_id)
            .map(|r| crate::i18n::role_name(locale.get(), &r.key, &r.name))
            .unwrap_or_default()
    };
    view! {
        <form class="card form inline-form" id="key-form" on:submit=create>
            <label>{tr("field-name")}<input id="key-name" required placeholder="ERP sync" bind:value=name/><FieldError id="key-name-error" message=field("name")/></label>
            <label>{tr("field-role")}
                <select id="key-role" required on:change=move |ev| role_id.set(event_target_value(&ev))>
                    <option value="">"—"</option>
                    {move || roles_list().into_iter().map(|r| view! { <option value=r.id.to_string()>{crate::i18n::role_name(locale.get(), &r.key, &r.name)}</option> }).collect_view()}
                </select>
                <FieldError id="key-role-error" message=field("role_id")/>
            </label>
            <div class="actions"><button type="submit" class="primary" id="create-key">{tr("create-key")}</button></div>
        </form>
        <When when=move || secret.get().is_some()>
            <div class="card secret" id="secret-box">
                <p><strong>{tr("secret-once")}</strong></p>
                <code id="secret">{Signal::derive(move || secret.get().unwrap_or_default())}</code>
                <div class="actions">
                    <button id="copy-secret" on:click=copy>{tr("copy")}</button>
                    <button on:click=move |_| secret.set(None)>{tr("done")}</button>
                </div>
            </div>
        </When>
        <Confirm open=confirm_open message=Signal::derive(move || t1("confirm-revoke", "name", revoking.get().map(|k| k.name).unwrap_or_default())) on_confirm=revoke/>
        {render(keys, move |items| view! {
            <table class="list" id="api-keys">
                <thead><tr>
                    <th>{tr("field-name")}</th><th>{tr("field-prefix")}</th><th>{tr("field-role")}</th>
                    <th>{tr("field-created-at")}</th><th>{tr("field-last-used")}</th><th></th>
                </tr></thead>
                <tbody>
                    {items.into_iter().map(|key| {
                        let k = StoredValue::new(key.clone());
                        let created = key.created_at.to_rfc3339();
                        let used = key.last_used_at.map(|d| d.to_rfc3339());
                        let revoked = key.revoked_at.is_some();
                        view! {
                            <tr class="api-key" class:inactive=revoked>
                                <td data-label=tr("field-name")>{key.name.clone()}</td>
                                <td data-label=tr("field-prefix")><code>{key.prefix.clone()}"…"</code></td>
                                <td data-label=tr("field-role")>{Signal::derive(move || k.with_value(|k| role_name(k)))}</td>
                                <td data-label=tr("field-created-at")>{Signal::derive(move || date(locale.get(), &created))}</td>
                                <td data-label=tr("field-last-used")>{Signal::derive(move || used.as_deref().map(|u| date(locale.get(), u)).unwrap_or_default())}</td>
                                <td>
                                    {if revoked {
                                        view! { <span class="muted">{tr("revoked")}</span> }.into_any()
                                    } else {
                                        view! { <button class="link danger-text revoke" on:click=move |_| { revoking.set(Some(k.get_value())); confirm_open.set(true); }>{tr("revoke")}</button> }.into_any()
                                    }}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        })}
    }
}
