//! The service desk's queue (工单): ready-made queues (mine, unassigned,
//! active, due soon, all) and priority / tag / status filters and a search, all
//! in the URL, "load more" on the keyset cursor; each row shows the SLA
//! state of the clock that matters now. The create form is [`form`], one
//! ticket's page [`detail`].

mod articles;
mod attachments;
pub mod detail;
mod extras;
mod form;
mod surveys;

use crm_api_types::domain::access::{Action, ObjectType};
use crm_api_types::domain::service::{SlaState, TicketPriority, TicketStatus};
use crm_api_types::tickets::{ServiceAgent, ServiceSettings, Ticket};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::params::ParamsMap;

use crate::api::encode;
use crate::components::{Empty, ErrorView, Skeleton, When};
use crate::i18n::{self, Locale, message, tr, use_locale};
use crate::load::{Load, Paged};
use crate::session::{use_lookups, use_session};

const PARAMS: [&str; 5] = ["queue", "q", "status", "priority", "tag_id"];
const QUEUES: [(&str, &str); 5] = [
    ("active", "tk-queue-active"),
    ("mine", "tk-queue-mine"),
    ("unassigned", "tk-queue-unassigned"),
    ("at_risk", "tk-queue-at-risk"),
    ("all", "tk-queue-all"),
];

fn query_string(query: &ParamsMap) -> String {
    PARAMS
        .iter()
        .filter_map(|key| {
            query
                .get(key)
                .filter(|v| !v.is_empty())
                .map(|v| format!("{key}={}", encode(&v)))
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// The API query of the page's URL: `queue=all` is no queue, and the
/// default queue is `active`.
fn api_query(query: &ParamsMap) -> String {
    let mut q = query.clone();
    match q.get("queue").as_deref() {
        Some("all") => {
            q.remove("queue");
        }
        None | Some("") => q.replace("queue", "active".to_owned()),
        _ => {}
    }
    let sort = if q.get("queue").as_deref() == Some("at_risk") {
        "&sort=resolution_due_at"
    } else {
        ""
    };
    format!("{}{sort}", query_string(&q))
}

/// The label of a ticket type key, from the workspace's settings.
pub fn type_name(settings: &Load<ServiceSettings>, key: &str) -> String {
    settings
        .ok_with(|s| {
            s.ticket_types
                .iter()
                .find(|t| t.key == key)
                .map(|t| t.name.clone())
        })
        .flatten()
        .unwrap_or_else(|| key.to_owned())
}

/// The SLA state to show for a ticket: the first response until it is
/// met, then the resolution.
pub fn sla_badge(locale: Locale, t: &Ticket) -> Option<(String, String)> {
    let state = match (t.first_response_state, t.resolution_state) {
        (Some(first), _) if first != SlaState::Met && t.first_responded_at.is_none() => first,
        (_, Some(resolution)) => resolution,
        (first, None) => first?,
    };
    let key = state.as_str();
    Some((format!("badge sla-{key}"), i18n::vocab(locale, "sla", key)))
}

#[component]
pub fn Tickets() -> impl IntoView {
    let session = use_session();
    let lookups = use_lookups();
    let query_map = use_query_map();
    let query = Memo::new(move |_| query_map.get());
    let search = RwSignal::new(String::new());
    Effect::new(move |_| search.set(query.with(|q| q.get("q").unwrap_or_default())));
    let list = Paged::<Ticket>::new(move || {
        format!("/api/v1/tickets?limit=25&{}", api_query(&query.get()))
    });
    let settings = Load::<ServiceSettings>::new(|| "/api/v1/service/settings".to_owned());
    let creating = RwSignal::new(false);
    let set = move |key: &'static str, value: String| {
        let mut next = query.get_untracked();
        if value.is_empty() {
            next.remove(key);
        } else {
            next.replace(key, value);
        }
        use_navigate()(
            &format!("/tickets?{}", query_string(&next)),
            Default::default(),
        );
    };
    let on_search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        set("q", search.get_untracked().trim().to_owned());
    };
    let value = move |key: &'static str| move || query.with(|q| q.get(key).unwrap_or_default());
    let queue = move || {
        let q = value("queue")();
        if q.is_empty() { "active".to_owned() } else { q }
    };
    let Paged {
        items,
        cursor,
        loading,
        error,
        ..
    } = list;
    view! {
        <section class="tickets-page">
            <div class="toolbar">
                <h1 id="page-title">{tr("nav-tickets")}</h1>
                <form class="search" on:submit=on_search>
                    <input id="ticket-search" type="search" placeholder=tr("tk-search") bind:value=search/>
                </form>
                <DutyToggle/>
                <When when=move || session.can(ObjectType::Tickets, Action::Export)>
                    <ExportButtons query=query/>
                </When>
                <When when=move || session.can(ObjectType::Tickets, Action::Create)>
                    <button id="new-ticket" class="primary" on:click=move |_| creating.update(|c| *c = !*c)>{tr("tk-new")}</button>
                </When>
            </div>
            <When when=move || creating.get()>
                <form::TicketForm settings=settings on_cancel=move || creating.set(false)/>
            </When>
            <div class="list-controls">
                <div class="chips" id="ticket-queues">
                    {QUEUES.iter().map(|(key, label)| {
                        let key = *key;
                        view! {
                            <button class="chip" class:active=move || queue() == key data-queue=key
                                on:click=move |_| set("queue", key.to_owned())>{tr(label)}</button>
                        }
                    }).collect_view()}
                </div>
                <div class="filters">
                    <select id="filter-priority" aria-label=tr("tk-any-priority") on:change=move |ev| set("priority", event_target_value(&ev))>
                        <option value="">{tr("tk-any-priority")}</option>
                        {TicketPriority::ALL.iter().map(|p| {
                            let p = p.as_str();
                            view! { <option value=p selected=move || value("priority")() == p>{i18n::tr_vocab("ticket-priority", p)}</option> }
                        }).collect_view()}
                    </select>
                    <select id="filter-tag" aria-label=tr("tk-any-tag") on:change=move |ev| set("tag_id", event_target_value(&ev))>
                        <option value="">{tr("tk-any-tag")}</option>
                        {move || lookups.tags.get().into_iter().map(|tag| {
                            let id = tag.id.to_string();
                            let chosen = id.clone();
                            view! { <option value=id selected=move || value("tag_id")() == chosen>{tag.name}</option> }
                        }).collect_view()}
                    </select>
                    <select id="filter-status" aria-label=tr("tk-any-status") on:change=move |ev| set("status", event_target_value(&ev))>
                        <option value="">{tr("tk-any-status")}</option>
                        {TicketStatus::ALL.iter().map(|s| {
                            let s = s.as_str();
                            view! { <option value=s selected=move || value("status")() == s>{i18n::tr_vocab("ticket-status", s)}</option> }
                        }).collect_view()}
                    </select>
                </div>
            </div>
            {move || error.get().map(|e| view! { <ErrorView error=e/> })}
            <When when=move || !(loading.get() && items.with(Vec::is_empty)) fallback=|| view! { <Skeleton/> }>
                <table class="list" id="tickets">
                    <thead><tr>
                        <th>{tr("tk-number")}</th>
                        <th>{tr("tk-subject")}</th>
                        <th>{tr("tk-type")}</th>
                        <th>{tr("tk-priority")}</th>
                        <th>{tr("field-status")}</th>
                        <th>{tr("tk-sla")}</th>
                        <th>{tr("tk-assignee")}</th>
                        <th>{tr("field-created-at")}</th>
                    </tr></thead>
                    <tbody>
                        <For each=move || items.get() key=|t| (t.id, t.version) let:ticket>
                            <Row ticket=ticket settings=settings/>
                        </For>
                    </tbody>
                </table>
                <When when=move || !loading.get() && items.with(Vec::is_empty) && error.get().is_none()>
                    <Empty message=tr("tk-none")/>
                </When>
            </When>
            <When when=move || cursor.get().is_some()>
                <button id="load-more" class="wide" disabled=move || loading.get() on:click=move |_| list.load_more()>{tr("load-more")}</button>
            </When>
        </section>
    }
}

/// An agent's own availability: on duty (given tickets) or away.
/// CSV and Excel exports of the tickets the queue and filters select.
#[component]
fn ExportButtons(query: Memo<ParamsMap>) -> impl IntoView {
    let toasts = crate::components::use_toasts();
    let busy = RwSignal::new(false);
    let export = move |xlsx: bool| {
        let filters = api_query(&query.get_untracked());
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = if xlsx {
                crate::api::download_binary(
                    &format!("/api/v1/tickets/export.xlsx?{filters}"),
                    "tickets.xlsx",
                    crate::api::XLSX,
                )
                .await
            } else {
                crate::api::download(&format!("/api/v1/tickets/export?{filters}"), "tickets.csv")
                    .await
            };
            if let Err(err) = result {
                toasts.error(err.to_string());
            }
            busy.set(false);
        });
    };
    view! {
        <button id="export-csv" disabled=move || busy.get() on:click=move |_| export(false)>{tr("export-csv")}</button>
        <button id="export-xlsx" disabled=move || busy.get() on:click=move |_| export(true)>{tr("export-xlsx")}</button>
    }
}

#[component]
fn DutyToggle() -> impl IntoView {
    let session = use_session();
    let toasts = crate::components::use_toasts();
    let agents = Load::<Vec<ServiceAgent>>::new(|| "/api/v1/service/agents".to_owned());
    let me = move || {
        let id = session.0.with(|m| m.as_ref().map(|m| m.user.id))?;
        agents
            .ok_with(|list| list.iter().find(|a| a.user_id == id).cloned())
            .flatten()
    };
    let toggle = move |_| {
        let Some(agent) = me() else { return };
        let body = serde_json::json!({"on_duty": !agent.on_duty, "capacity": agent.capacity});
        leptos::task::spawn_local(async move {
            let path = format!("/api/v1/service/agents/{}", agent.user_id);
            match crate::api::put::<ServiceAgent, _>(&path, &body).await {
                Ok(_) => agents.refetch(),
                Err(err) => toasts.error(err.to_string()),
            }
        });
    };
    view! {
        {move || me().map(|agent| view! {
            <button id="duty-toggle" class="chip" class:active=agent.on_duty data-on-duty=agent.on_duty.to_string() on:click=toggle>
                {if agent.on_duty { tr("tk-on-duty") } else { tr("tk-away") }}
                " · "{agent.open_tickets}"/"{agent.capacity}
            </button>
        })}
    }
}

#[component]
fn Row(ticket: Ticket, settings: Load<ServiceSettings>) -> impl IntoView {
    let locale = use_locale();
    let lookups = use_lookups();
    let status = ticket.status.as_str();
    let priority = ticket.priority.as_str();
    let created = ticket.created_at.to_rfc3339();
    let assignee = ticket.assignee_id;
    let kind = ticket.ticket_type.clone();
    let badge = StoredValue::new(ticket.clone());
    view! {
        <tr class="ticket" data-id=ticket.id.to_string() data-status=status data-priority=priority>
            <td data-label=tr("tk-number")>"#"{ticket.number}</td>
            <td class="name-cell" data-label=tr("tk-subject")>
                <a class="ticket-link" href=format!("/tickets/{}", ticket.id)><strong>{ticket.subject.clone()}</strong></a>
            </td>
            <td data-label=tr("tk-type")>{move || type_name(&settings, &kind)}</td>
            <td data-label=tr("tk-priority")><span class=format!("badge priority-{priority}")>{i18n::tr_vocab("ticket-priority", priority)}</span></td>
            <td data-label=tr("field-status")><span class=format!("badge ticket-{status}")>{i18n::tr_vocab("ticket-status", status)}</span></td>
            <td data-label=tr("tk-sla")>{move || badge.with_value(|t| sla_badge(locale.get(), t)).map(|(class, label)| view! { <span class=class>{label}</span> })}</td>
            <td data-label=tr("tk-assignee")>{move || if assignee.is_some() { lookups.user_name(assignee) } else { message(locale.get(), "tk-unassigned", None) }}</td>
            <td data-label=tr("field-created-at")>{move || i18n::date(locale.get(), &created)}</td>
        </tr>
    }
}
