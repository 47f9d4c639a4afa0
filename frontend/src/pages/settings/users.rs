//! Settings › users: create an account (e-mail, name, initial password,
//! role, team), change role or team, deactivate and reactivate.

use crm_api_types::access::{Role, Team, User};
use leptos::prelude::*;
use serde_json::{Value, json};

use super::{collection, render};
use crate::api::ApiError;
use crate::components::{FieldError, use_toasts};
use crate::i18n::{tr, use_t, use_t1};

#[component]
pub fn Users() -> impl IntoView {
    let t = use_t();
    let t1 = use_t1();
    let toasts = use_toasts();
    let users = collection::<User>("/api/v1/users");
    let roles = collection::<Role>("/api/v1/roles");
    let teams = collection::<Team>("/api/v1/teams");
    let roles_list = move || roles.items();
    let teams_list = move || teams.items();
    let locale = crate::i18n::use_locale();
    let role_label = move |r: &Role| crate::i18n::role_name(locale.get(), &r.key, &r.name);

    let email = RwSignal::new(String::new());
    let display_name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let role_id = RwSignal::new(String::new());
    let team_id = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<ApiError>);
    let field = move |f: &'static str| {
        Signal::derive(move || failure.with(|e| e.as_ref().and_then(|e| e.field(f))))
    };
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let team = team_id.get_untracked();
        let body = json!({
            "email": email.get_untracked().trim(),
            "display_name": display_name.get_untracked().trim(),
            "password": password.get_untracked(),
            "role_id": role_id.get_untracked(),
            "team_id": if team.is_empty() { Value::Null } else { json!(team) },
        });
        leptos::task::spawn_local(async move {
            match crate::api::post::<User, _>("/api/v1/users", &body).await {
                Ok(user) => {
                    toasts.success(t1("user-created", "name", user.display_name));
                    for s in [email, display_name, password] {
                        s.set(String::new());
                    }
                    failure.set(None);
                    users.refetch();
                }
                Err(err) => failure.set(Some(err)),
            }
        });
    };
    let update = move |user: &User, body: Value| {
        let (id, version) = (user.id, user.version);
        leptos::task::spawn_local(async move {
            match crate::api::patch::<User, _>(&format!("/api/v1/users/{id}"), &body, version).await
            {
                Ok(_) => users.refetch(),
                Err(err) => {
                    toasts.error(err.to_string());
                    users.refetch();
                }
            }
        });
    };

    view! {
        <details class="card">
            <summary id="new-user">{tr("new-user")}</summary>
            <form class="form" id="user-form" on:submit=create>
                <label>{tr("email")}<input id="user-email" type="email" required bind:value=email/><FieldError id="user-email-error" message=field("email")/></label>
                <label>{tr("field-display-name")}<input id="user-name" required bind:value=display_name/><FieldError id="user-name-error" message=field("display_name")/></label>
                <label>{tr("password")}<input id="user-password" type="password" autocomplete="new-password" required bind:value=password/><FieldError id="user-password-error" message=field("password")/></label>
                <label>{tr("field-role")}
                    <select id="user-role" required on:change=move |ev| role_id.set(event_target_value(&ev))>
                        <option value="">"—"</option>
                        {move || roles_list().into_iter().map(|r| view! { <option value=r.id.to_string()>{role_label(&r)}</option> }).collect_view()}
                    </select>
                    <FieldError id="user-role-error" message=field("role_id")/>
                </label>
                <label>{tr("field-team")}
                    <select id="user-team" on:change=move |ev| team_id.set(event_target_value(&ev))>
                        <option value="">"—"</option>
                        {move || teams_list().into_iter().map(|team| view! { <option value=team.id.to_string()>{team.name}</option> }).collect_view()}
                    </select>
                </label>
                <div class="actions"><button type="submit" class="primary" id="create-user">{tr("create")}</button></div>
            </form>
        </details>
        {render(users, move |items| view! {
            <table class="list" id="users">
                <thead><tr>
                    <th>{tr("field-display-name")}</th><th>{tr("email")}</th>
                    <th>{tr("field-role")}</th><th>{tr("field-team")}</th><th>{tr("field-status")}</th>
                </tr></thead>
                <tbody>
                    {items.into_iter().map(|user| {
                        let u = StoredValue::new(user.clone());
                        let role = user.role_id;
                        let team = user.team_id;
                        view! {
                            <tr class="user" class:inactive=!user.active>
                                <td data-label=tr("field-display-name")>{user.display_name.clone()}</td>
                                <td data-label=tr("email")>{user.email.clone()}</td>
                                <td data-label=tr("field-role")>
                                    <select on:change=move |ev| u.with_value(|u| update(u, json!({"role_id": event_target_value(&ev)})))>
                                        {move || roles_list().into_iter().map(|r| view! { <option value=r.id.to_string() selected=r.id == role>{role_label(&r)}</option> }).collect_view()}
                                    </select>
                                </td>
                                <td data-label=tr("field-team")>
                                    <select on:change=move |ev| {
                                        let v = event_target_value(&ev);
                                        u.with_value(|u| update(u, json!({"team_id": if v.is_empty() { Value::Null } else { json!(v) }})));
                                    }>
                                        <option value="" selected=team.is_none()>"—"</option>
                                        {move || teams_list().into_iter().map(|tm| view! { <option value=tm.id.to_string() selected=Some(tm.id) == team>{tm.name}</option> }).collect_view()}
                                    </select>
                                </td>
                                <td data-label=tr("field-status")>
                                    <button class="link" on:click=move |_| u.with_value(|u| update(u, json!({"active": !u.active})))>
                                        {Signal::derive(move || if u.with_value(|u| u.active) { t("deactivate") } else { t("reactivate") })}
                                    </button>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        })}
    }
}
