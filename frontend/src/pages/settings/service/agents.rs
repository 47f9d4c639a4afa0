//! Who is given tickets: every active user with their availability,
//! capacity and skills (the ticket types they handle, read by teams that
//! assign by skill), each row saved on its own.

use crm_api_types::tickets::{ServiceAgent, TicketType};
use leptos::prelude::*;
use serde_json::json;

use crate::components::use_toasts;
use crate::i18n::{tr, use_t};
use crate::load::Load;
use crate::session::use_lookups;

#[component]
pub fn Agents(types: RwSignal<Vec<TicketType>>) -> impl IntoView {
    let lookups = use_lookups();
    let toasts = use_toasts();
    let t = use_t();
    let agents = Load::<Vec<ServiceAgent>>::new(|| "/api/v1/service/agents".to_owned());
    view! {
        <h2>{tr("svc-agents")}</h2>
        <p class="muted">{tr("svc-agents-help")}</p>
        <table class="list" id="service-agents">
            <thead><tr><th>{tr("field-owner")}</th><th>{tr("tk-on-duty")}</th><th>{tr("svc-capacity")}</th><th>{tr("svc-skills")}</th><th>{tr("svc-open")}</th><th></th></tr></thead>
            <tbody>
                {move || {
                    let known = agents.ok_with(Clone::clone).unwrap_or_default();
                    lookups.users.get().into_iter().filter(|u| u.active).map(|u| {
                        let agent = known.iter().find(|a| a.user_id == u.id).cloned();
                        let on_duty = RwSignal::new(agent.as_ref().is_some_and(|a| a.on_duty));
                        let capacity = RwSignal::new(agent.as_ref().map_or(20, |a| a.capacity).to_string());
                        let skills = RwSignal::new(agent.as_ref().map(|a| a.skills.clone()).unwrap_or_default());
                        let open = agent.as_ref().map_or(0, |a| a.open_tickets);
                        let id = u.id;
                        let save = move |_| {
                            let body = json!({
                                "on_duty": on_duty.get_untracked(),
                                "capacity": capacity.get_untracked().trim().parse::<i64>().unwrap_or(-1),
                                "skills": skills.get_untracked(),
                            });
                            leptos::task::spawn_local(async move {
                                match crate::api::put::<ServiceAgent, _>(&format!("/api/v1/service/agents/{id}"), &body).await {
                                    Ok(_) => toasts.success(t("svc-saved")),
                                    Err(err) => toasts.error(err.to_string()),
                                }
                            });
                        };
                        view! {
                            <tr data-email=u.email.clone()>
                                <td>{u.display_name.clone()}</td>
                                <td><input type="checkbox" class="on-duty" bind:checked=on_duty/></td>
                                <td><input class="capacity" inputmode="numeric" size="4" bind:value=capacity/></td>
                                <td class="agent-skills">
                                    {move || types.get().into_iter().map(|ty| {
                                        let key = ty.key.clone();
                                        let has = key.clone();
                                        view! {
                                            <label class="check">
                                                <input type="checkbox" class="skill" data-skill=key.clone()
                                                    prop:checked=move || skills.with(|s| s.contains(&has))
                                                    on:change=move |_| skills.update(|s| if s.contains(&key) { s.retain(|x| *x != key) } else { s.push(key.clone()) })/>
                                                {ty.name}
                                            </label>
                                        }
                                    }).collect_view()}
                                </td>
                                <td>{open}</td>
                                <td><button type="button" class="save-agent" on:click=save>{tr("save")}</button></td>
                            </tr>
                        }
                    }).collect_view()
                }}
            </tbody>
        </table>
    }
}
