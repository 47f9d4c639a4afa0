//! Settings › roles: pick a role and edit its permission matrix (object ×
//! action → scope none / own / team / subtree / all); add a role that
//! starts from the chosen one's permissions.

use crm_api_types::access::Role;
use crm_api_types::domain::access::{Action, ObjectType, Permissions, Scope};
use leptos::prelude::*;
use serde_json::json;
use uuid::Uuid;

use super::{collection, render};
use crate::api::ApiError;
use crate::components::{FieldError, use_toasts};
use crate::i18n::{tr, use_t1};

#[component]
pub fn Roles() -> impl IntoView {
    let t1 = use_t1();
    let toasts = use_toasts();
    let locale = crate::i18n::use_locale();
    let roles = collection::<Role>("/api/v1/roles");
    let selected = RwSignal::new(None::<Uuid>);
    let matrix = RwSignal::new(Permissions::default());
    let version = RwSignal::new(0);
    let choose = move |role: &Role| {
        selected.set(Some(role.id));
        matrix.set(role.permissions.clone());
        version.set(role.version);
    };
    Effect::new(move |_| {
        let first = roles
            .get()
            .and_then(Result::ok)
            .and_then(|list| list.items.into_iter().next());
        if let (None, Some(first)) = (selected.get_untracked(), first) {
            choose(&first);
        }
    });
    let save = move |_| {
        let Some(id) = selected.get_untracked() else {
            return;
        };
        let body = json!({"permissions": matrix.get_untracked()});
        leptos::task::spawn_local(async move {
            match crate::api::patch::<Role, _>(
                &format!("/api/v1/roles/{id}"),
                &body,
                version.get_untracked(),
            )
            .await
            {
                Ok(role) => {
                    version.set(role.version);
                    toasts.success(t1("role-saved", "name", role.name));
                    roles.refetch();
                }
                Err(err) => toasts.error(err.to_string()),
            }
        });
    };
    let key = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<ApiError>);
    let field = move |f: &'static str| {
        Signal::derive(move || failure.with(|e| e.as_ref().and_then(|e| e.field(f))))
    };
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = json!({"key": key.get_untracked().trim(), "name": name.get_untracked().trim(), "permissions": matrix.get_untracked()});
        leptos::task::spawn_local(async move {
            match crate::api::post::<Role, _>("/api/v1/roles", &body).await {
                Ok(role) => {
                    key.set(String::new());
                    name.set(String::new());
                    failure.set(None);
                    choose(&role);
                    roles.refetch();
                }
                Err(err) => failure.set(Some(err)),
            }
        });
    };
    view! {
        {render(roles, move |items| view! {
            <div class="role-picker" id="roles">
                {items.into_iter().map(|role| {
                    let id = role.id;
                    let r = StoredValue::new(role.clone());
                    view! { <button class="chip" class:active=move || selected.get() == Some(id) on:click=move |_| r.with_value(|r| choose(r))>{crate::i18n::role_name(locale.get(), &role.key, &role.name)}</button> }
                }).collect_view()}
            </div>
        })}
        <div class="card matrix-card">
            <table class="matrix" id="permission-matrix">
                <thead><tr>
                    <th></th>
                    {Action::ALL.iter().map(|a| view! { <th>{crate::i18n::tr_vocab("action", a.as_str())}</th> }).collect_view()}
                </tr></thead>
                <tbody>
                    {ObjectType::ALL.iter().map(|object| {
                        let object = *object;
                        view! {
                            <tr>
                                <th>{crate::i18n::tr_vocab("object", object.as_str())}</th>
                                {Action::ALL.iter().map(|action| {
                                    let action = *action;
                                    view! {
                                        <td>
                                            <select class=Signal::derive(move || format!("scope scope-{}", matrix.with(|m| m.scope(object, action)).as_str()))
                                                data-object=object.as_str() data-action=action.as_str()
                                                on:change=move |ev| {
                                                    if let Ok(scope) = Scope::parse(&event_target_value(&ev)) {
                                                        matrix.update(|m| m.set(object, action, scope));
                                                    }
                                                }>
                                                {Scope::ALL.iter().map(|scope| {
                                                    let scope = *scope;
                                                    view! { <option value=scope.as_str() selected=Signal::derive(move || matrix.with(|m| m.scope(object, action)) == scope)>{crate::i18n::tr_vocab("scope", scope.as_str())}</option> }
                                                }).collect_view()}
                                            </select>
                                        </td>
                                    }
                                }).collect_view()}
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <div class="actions"><button class="primary" id="save-role" on:click=save>{tr("save")}</button></div>
        </div>
        <form class="card form inline-form" id="role-form" on:submit=create>
            <label>{tr("field-key")}<input id="role-key" required bind:value=key/><FieldError id="role-key-error" message=field("key")/></label>
            <label>{tr("field-name")}<input id="role-name" required bind:value=name/><FieldError id="role-name-error" message=field("name")/></label>
            <div class="actions"><button type="submit" class="primary" id="create-role">{tr("new-role")}</button></div>
        </form>
    }
}
