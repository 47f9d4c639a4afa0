//! One ticket (`/tickets/:id`): subject, customer, type, priority,
//! channel, status with the moves its state allows (start, wait on the
//! customer, resolve, close, reopen), the assignee, both SLA clocks with
//! their due times, the description, and the conversation: public replies
//! and internal notes, oldest first, each with the files sent with it, and
//! a composer that sends either, with files;
//! the ticket's tags and custom fields ([`super::extras`]) and files
//! ([`super::attachments`]).

use crm_api_types::customers::Customer;
use crm_api_types::domain::access::{Action, ObjectType};
use crm_api_types::domain::service::{SlaState, TicketPriority, TicketStatus};
use crm_api_types::tickets::{Attachment, Reply, ServiceSettings, Ticket};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use serde_json::json;
use uuid::Uuid;

use super::type_name;
use crate::components::{Breadcrumbs, Empty, Skeleton, When, error_fallback, use_toasts};
use crate::i18n::{self, message, tr, use_locale, use_t};
use crate::load::Load;
use crate::session::{use_lookups, use_session};

#[component]
pub fn TicketDetail() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").and_then(|s| s.parse::<Uuid>().ok())));
    let ticket = Load::<Ticket>::new(move || {
        format!(
            "/api/v1/tickets/{}",
            id.get().map_or_else(|| "-".to_owned(), |id| id.to_string())
        )
    });
    view! {
        <ErrorBoundary fallback=error_fallback>
            {move || match ticket.get() {
                None => Ok(view! { <Skeleton rows=8/> }.into_any()),
                Some(Ok(t)) => Ok(view! { <TicketView ticket=t on_changed=move || ticket.refetch()/> }.into_any()),
                Some(Err(err)) => Err(err),
            }}
        </ErrorBoundary>
    }
}

/// The status moves offered from `status`, as (target, label key).
fn moves(status: TicketStatus) -> Vec<(TicketStatus, &'static str)> {
    use TicketStatus::*;
    match status {
        New => vec![
            (Open, "tk-start"),
            (Pending, "tk-wait"),
            (Resolved, "tk-resolve"),
        ],
        Open => vec![
            (Pending, "tk-wait"),
            (Resolved, "tk-resolve"),
            (Closed, "tk-close"),
        ],
        Pending => vec![(Open, "tk-start"), (Resolved, "tk-resolve")],
        Resolved => vec![(Closed, "tk-close"), (Open, "tk-reopen")],
        Closed => vec![(Open, "tk-reopen")],
    }
}

#[component]
fn TicketView(
    ticket: Ticket,
    on_changed: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let session = use_session();
    let lookups = use_lookups();
    let locale = use_locale();
    let t = use_t();
    let toasts = use_toasts();
    let id = ticket.id;
    let customer_id = ticket.customer_id;
    let version = ticket.version;
    let customer = Load::<Customer>::new(move || format!("/api/v1/customers/{customer_id}"));
    let settings = Load::<ServiceSettings>::new(|| "/api/v1/service/settings".to_owned());
    let replies = Load::<Vec<Reply>>::new(move || format!("/api/v1/tickets/{id}/replies"));
    let can_update = move || session.can(ObjectType::Tickets, Action::Update);
    let saving = RwSignal::new(false);
    let save = move |body: serde_json::Value| {
        saving.set(true);
        leptos::task::spawn_local(async move {
            match crate::api::patch::<Ticket, _>(&format!("/api/v1/tickets/{id}"), &body, version)
                .await
            {
                Ok(_) => {
                    toasts.success(t("tk-updated"));
                    on_changed();
                }
                Err(err) => toasts.error(err.to_string()),
            }
            let _ = saving.try_set(false);
        });
    };
    let me = move || session.0.with(|m| m.as_ref().map(|m| m.user.id));
    let ticket = StoredValue::new(ticket);
    let field = |key: &'static str, value: AnyView| view! { <div class="field"><dt>{tr(key)}</dt><dd>{value}</dd></div> };
    let clock = move |key: &'static str, due: Option<String>, state: Option<SlaState>| {
        let state = state.map(|s| s.as_str());
        view! {
            <div class="field sla-clock" data-clock=key data-state=state.unwrap_or_default()>
                <dt>{tr(key)}</dt>
                <dd>
                    {state.map(|s| view! { <span class=format!("badge sla-{s}")>{i18n::tr_vocab("sla", s)}</span> })}
                    " "
                    {due.map(|d| view! { <small class="muted">{move || i18n::datetime(locale.get(), &d)}</small> })}
                </dd>
            </div>
        }
    };
    let (status, priority, number, subject) =
        ticket.with_value(|t| (t.status, t.priority, t.number, t.subject.clone()));
    let crumbs = Signal::derive(move || {
        vec![
            (t("nav-tickets"), Some("/tickets".to_owned())),
            (format!("#{number}"), None),
        ]
    });
    view! {
        <section class="ticket-page" id="ticket" data-status=status.as_str()>
            <Breadcrumbs crumbs=crumbs/>
            <div class="toolbar">
                <h1 id="page-title">"#"{number}" "{subject}</h1>
                <When when=can_update>
                    <div class="actions" id="ticket-moves">
                        {moves(status).into_iter().map(|(to, label)| view! {
                            <button class="status-move" data-to=to.as_str() disabled=move || saving.get()
                                on:click=move |_| save(json!({"status": to.as_str()}))>{tr(label)}</button>
                        }).collect_view()}
                    </div>
                </When>
            </div>
            <dl class="card fields">
                {field("tk-customer", view! {
                    <a href=format!("/customers/{customer_id}")>{move || customer.ok_with(|c| c.name.clone()).unwrap_or_default()}</a>
                }.into_any())}
                {field("field-status", view! { <span class=format!("badge ticket-{}", status.as_str()) id="ticket-status">{i18n::tr_vocab("ticket-status", status.as_str())}</span> }.into_any())}
                {field("tk-type", view! { <span>{move || ticket.with_value(|t| type_name(&settings, &t.ticket_type))}</span> }.into_any())}
                {field("tk-priority", view! {
                    <select id="ticket-priority" disabled=move || !can_update() || saving.get()
                        on:change=move |ev| save(json!({"priority": event_target_value(&ev)}))>
                        {TicketPriority::ALL.iter().map(|p| {
                            let p = *p;
                            view! { <option value=p.as_str() selected=p == priority>{i18n::tr_vocab("ticket-priority", p.as_str())}</option> }
                        }).collect_view()}
                    </select>
                }.into_any())}
                {field("tk-channel", view! { <span>{ticket.with_value(|t| i18n::tr_vocab("channel", t.channel.as_str()))}</span> }.into_any())}
                {field("tk-assignee", view! {
                    <span id="ticket-assignee">{move || ticket.with_value(|t| t.assignee_id).map_or_else(|| message(locale.get(), "tk-unassigned", None), |a| lookups.user_name(Some(a)))}</span>
                    <When when=move || can_update() && ticket.with_value(|t| t.assignee_id) != me()>
                        " "<button class="link" id="ticket-assign-me" on:click=move |_| save(json!({"assignee_id": me()}))>{tr("tk-assign-me")}</button>
                    </When>
                }.into_any())}
                {ticket.with_value(|t| clock("tk-first-response", t.first_response_due_at.map(|d| d.to_rfc3339()), t.first_response_state))}
                {ticket.with_value(|t| clock("tk-resolution", t.resolution_due_at.map(|d| d.to_rfc3339()), t.resolution_state))}
            </dl>
            {ticket.with_value(|t| t.description.clone()).map(|d| view! { <div class="card"><h2>{tr("tk-description")}</h2><p class="pre-wrap" id="ticket-description">{d}</p></div> })}
            <super::extras::ExtrasCard ticket=ticket.get_value() can_update=Signal::derive(can_update) on_changed=on_changed/>
            <super::surveys::SurveysPanel ticket_id=id resolved=matches!(status, TicketStatus::Resolved | TicketStatus::Closed) can_update=Signal::derive(can_update)/>
            <super::articles::ArticlesPanel ticket_id=id subject=ticket.with_value(|t| t.subject.clone()) can_update=Signal::derive(can_update)/>
            <super::attachments::AttachmentsPanel ticket_id=id can_update=Signal::derive(can_update)/>
            <div class="card">
                <h2>{tr("tk-replies")}</h2>
                {move || match replies.get() {
                    None => view! { <Skeleton rows=2/> }.into_any(),
                    Some(Err(_)) => ().into_any(),
                    Some(Ok(list)) if list.is_empty() => view! { <Empty message=tr("tk-no-replies")/> }.into_any(),
                    Some(Ok(list)) => view! {
                        <ul class="replies" id="ticket-replies">
                            {list.into_iter().map(|r| {
                                let at = r.created_at.to_rfc3339();
                                view! {
                                    <li class="reply" class:internal=r.internal>
                                        <div class="muted"><strong>{lookups.user_name(r.author_id)}</strong>" · "{move || i18n::datetime(locale.get(), &at)}
                                            {r.internal.then(|| view! { " " <span class="badge">{tr("tk-internal")}</span> })}</div>
                                        <p class="pre-wrap">{r.body.clone()}</p>
                                        {(!r.attachments.is_empty()).then(|| view! {
                                            <ul class="attachments reply-files">
                                                {r.attachments.clone().into_iter().map(|a| {
                                                    let name = a.file_name.clone();
                                                    view! { <li class="attachment" data-name=name><super::attachments::Download file=a/></li> }
                                                }).collect_view()}
                                            </ul>
                                        })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                }}
                <When when=can_update>
                    <Composer id=id on_sent=move || on_changed()/>
                </When>
            </div>
        </section>
    }
}

/// Writes a public reply or an internal note.
#[component]
fn Composer(id: Uuid, on_sent: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let toasts = use_toasts();
    let body = RwSignal::new(String::new());
    let internal = RwSignal::new(false);
    let sending = RwSignal::new(false);
    // Files uploaded to the ticket for this reply, sent with it.
    let files = RwSignal::new(Vec::<Attachment>::new());
    let uploading = RwSignal::new(false);
    let on_pick = move |ev: leptos::ev::Event| {
        let (input, picked) = super::attachments::picked(&ev);
        if picked.is_empty() {
            return;
        }
        uploading.set(true);
        leptos::task::spawn_local(async move {
            for file in picked {
                match super::attachments::upload(id, &file).await {
                    Ok(saved) => files.update(|f| f.push(saved)),
                    Err(why) => toasts.error(why),
                }
            }
            if let Some(input) = input {
                input.set_value("");
            }
            let _ = uploading.try_set(false);
        });
    };
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = body.get_untracked();
        if text.trim().is_empty() {
            return;
        }
        sending.set(true);
        let ids: Vec<Uuid> = files.with_untracked(|f| f.iter().map(|a| a.id).collect());
        let payload = json!({"body": text.trim(), "internal": internal.get_untracked(), "attachment_ids": ids});
        leptos::task::spawn_local(async move {
            match crate::api::post::<Reply, _>(&format!("/api/v1/tickets/{id}/replies"), &payload)
                .await
            {
                Ok(_) => {
                    let _ = body.try_set(String::new());
                    let _ = files.try_set(Vec::new());
                    on_sent();
                }
                Err(err) => toasts.error(err.to_string()),
            }
            let _ = sending.try_set(false);
        });
    };
    view! {
        <form class="composer" id="ticket-composer" on:submit=send>
            <div class="chips">
                <button type="button" class="chip" id="compose-reply" class:active=move || !internal.get() on:click=move |_| internal.set(false)>{tr("tk-reply")}</button>
                <button type="button" class="chip" id="compose-note" class:active=move || internal.get() on:click=move |_| internal.set(true)>{tr("tk-note")}</button>
            </div>
            <textarea id="reply-body" rows="3" placeholder=tr("tk-reply-placeholder") bind:value=body></textarea>
            <ul class="attachments" id="reply-files">
                {move || files.get().into_iter().map(|a| {
                    let file = a.id;
                    view! {
                        <li class="attachment" data-name=a.file_name.clone()>{a.file_name.clone()}" "
                            <button type="button" class="link unpick-file" on:click=move |_| files.update(|f| f.retain(|x| x.id != file))>"×"</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <div class="actions">
                <label class="file-pick">{tr("tk-attach")}" "
                    <input type="file" id="reply-file" multiple on:change=on_pick disabled=move || uploading.get()/>
                </label>
                <button type="submit" class="primary" id="reply-send" disabled=move || sending.get() || uploading.get()>{tr("tk-send")}</button>
            </div>
        </form>
    }
}
