//! Settings › teams: the hierarchy as a tree with each team's manager, and
//! a form to add a team under a parent.

use crm_api_types::access::{Team, User};
use leptos::prelude::*;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{collection, render};
use crate::api::ApiError;
use crate::components::FieldError;
use crate::i18n::tr;

/// Teams depth-first from the roots: (depth, team).
fn tree(teams: &[Team]) -> Vec<(usize, Team)> {
    fn walk(teams: &[Team], parent: Option<Uuid>, depth: usize, out: &mut Vec<(usize, Team)>) {
        for team in teams.iter().filter(|t| t.parent_id == parent) {
            out.push((depth, team.clone()));
            if depth < 32 {
                walk(teams, Some(team.id), depth + 1, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(teams, None, 0, &mut out);
    out
}

#[component]
pub fn Teams() -> impl IntoView {
    let teams = collection::<Team>("/api/v1/teams");
    let users = collection::<User>("/api/v1/users");
    let users_list = move || users.items();
    let name = RwSignal::new(String::new());
    let parent = RwSignal::new(String::new());
    let manager = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<ApiError>);
    let field = move |f: &'static str| {
        Signal::derive(move || failure.with(|e| e.as_ref().and_then(|e| e.field(f))))
    };
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let opt = |s: String| if s.is_empty() { Value::Null } else { json!(s) };
        let body = json!({"name": name.get_untracked().trim(), "parent_id": opt(parent.get_untracked()), "manager_id": opt(manager.get_untracked())});
        leptos::task::spawn_local(async move {
            match crate::api::post::<Team, _>("/api/v1/teams", &body).await {
                Ok(_) => {
                    name.set(String::new());
                    failure.set(None);
                    teams.refetch();
                }
                Err(err) => failure.set(Some(err)),
            }
        });
    };
    let toasts = crate::components::use_toasts();
    let set_manager = move |team: &Team, manager: String| {
        let (id, version) = (team.id, team.version);
        let body =
            json!({"manager_id": if manager.is_empty() { Value::Null } else { json!(manager) }});
        leptos::task::spawn_local(async move {
            if let Err(err) =
                crate::api::patch::<Team, _>(&format!("/api/v1/teams/{id}"), &body, version).await
            {
                toasts.error(err.to_string());
            }
            teams.refetch();
        });
    };
    view! {
        {render(teams, move |items| {
            let users = users_list();
            view! {
                <ul class="tree card" id="team-tree">
                    {tree(&items).into_iter().map(|(depth, team)| view! {
                        <li class="team" style=format!("padding-left:{}px", 12 + depth * 24)>
                            <strong>{team.name.clone()}</strong>
                            <label class="muted team-manager">{tr("field-manager")}
                                <select on:change={
                                    let t = StoredValue::new(team.clone());
                                    move |ev| t.with_value(|t| set_manager(t, event_target_value(&ev)))
                                }>
                                    <option value="" selected=team.manager_id.is_none()>"—"</option>
                                    {users.iter().map(|u| view! { <option value=u.id.to_string() selected=Some(u.id) == team.manager_id>{u.display_name.clone()}</option> }).collect_view()}
                                </select>
                            </label>
                        </li>
                    }).collect_view()}
                </ul>
            }
        })}
        <form class="card form inline-form" id="team-form" on:submit=create>
            <label>{tr("field-name")}<input id="team-name" required bind:value=name/><FieldError id="team-name-error" message=field("name")/></label>
            <label>{tr("field-parent-team")}
                <select id="team-parent" on:change=move |ev| parent.set(event_target_value(&ev))>
                    <option value="">"—"</option>
                    {move || teams.items().into_iter().map(|tm| view! { <option value=tm.id.to_string()>{tm.name}</option> }).collect_view()}
                </select>
                <FieldError id="team-parent-error" message=field("parent_id")/>
            </label>
            <label>{tr("field-manager")}
                <select id="team-manager" on:change=move |ev| manager.set(event_target_value(&ev))>
                    <option value="">"—"</option>
                    {move || users_list().into_iter().map(|u| view! { <option value=u.id.to_string()>{u.display_name}</option> }).collect_view()}
                </select>
            </label>
            <div class="actions"><button type="submit" class="primary" id="create-team">{tr("create")}</button></div>
        </form>
    }
}
