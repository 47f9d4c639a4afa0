//! The form that opens a ticket: the customer (picked by search), subject,
//! type from the workspace's list, priority, channel, description, tags
//! and the workspace's ticket custom fields, with
//! the knowledge base's articles for the subject as it is typed. The
//! server's field errors show beside each input; a saved ticket opens.

use crm_api_types::domain::service::{Channel, TicketPriority};
use crm_api_types::tickets::{ServiceSettings, Ticket};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::api::ApiError;
use crate::components::{ErrorView, FieldError, When, use_toasts};
use crate::i18n::{self, tr, use_t1};
use crate::load::Load;
use crate::pages::deals::form::CustomerPicker;

#[component]
pub fn TicketForm(
    settings: Load<ServiceSettings>,
    on_cancel: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let toasts = use_toasts();
    let t1 = use_t1();
    let navigate = use_navigate();
    let customer = RwSignal::new(None::<(Uuid, String)>);
    let subject = RwSignal::new(String::new());
    let kind = RwSignal::new(String::new());
    let priority = RwSignal::new("normal".to_owned());
    let channel = RwSignal::new("phone".to_owned());
    let description = RwSignal::new(String::new());
    let tag_ids = RwSignal::new(Vec::<Uuid>::new());
    let custom = RwSignal::new(serde_json::Map::new());
    let defs = super::extras::ticket_fields();
    let failure = RwSignal::new(None::<ApiError>);
    let saving = RwSignal::new(false);
    let field = move |f: &'static str| {
        Signal::derive(move || failure.with(|e| e.as_ref().and_then(|e| e.field(f))))
    };
    let error = move |f: String| {
        Signal::derive(move || failure.with(|e| e.as_ref().and_then(|e| e.field(&f))))
    };
    let types = move || {
        settings
            .ok_with(|s| s.ticket_types.clone())
            .unwrap_or_default()
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let chosen_type = match kind.get_untracked() {
            k if k.is_empty() => types().first().map(|t| t.key.clone()).unwrap_or_default(),
            k => k,
        };
        let text = description.get_untracked();
        let body = json!({
            "customer_id": customer.get_untracked().map(|(id, _)| json!(id)).unwrap_or(Value::Null),
            "subject": subject.get_untracked().trim(),
            "ticket_type": chosen_type,
            "priority": priority.get_untracked(),
            "channel": channel.get_untracked(),
            "description": if text.trim().is_empty() { Value::Null } else { json!(text.trim()) },
            "tag_ids": tag_ids.get_untracked(),
            "custom_fields": custom.get_untracked().into_iter().filter(|(_, v)| !v.is_null()).collect::<serde_json::Map<_, _>>(),
        });
        saving.set(true);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match crate::api::post::<Ticket, _>("/api/v1/tickets", &body).await {
                Ok(ticket) => {
                    toasts.success(t1("tk-saved", "number", ticket.number.to_string()));
                    navigate(&format!("/tickets/{}", ticket.id), Default::default());
                }
                Err(err) => failure.set(Some(err)),
            }
            let _ = saving.try_set(false);
        });
    };
    view! {
        <form class="card form ticket-form" id="ticket-form" on:submit=submit>
            <h2>{tr("tk-new")}</h2>
            <div class="grid-form">
                <label class="span-2">{tr("tk-customer")}<CustomerPicker chosen=customer/><FieldError id="ticket-customer-error" message=field("customer_id")/></label>
                <label class="span-2">{tr("tk-subject")}<input id="ticket-subject" required bind:value=subject/><FieldError id="ticket-subject-error" message=field("subject")/></label>
                <When when=move || subject.with(|s| !s.trim().is_empty())>
                    <div class="span-2"><crate::pages::articles::Suggestions text=subject/></div>
                </When>
                <label>{tr("tk-type")}
                    <select id="ticket-type" on:change=move |ev| kind.set(event_target_value(&ev))>
                        {move || types().into_iter().map(|t| view! { <option value=t.key.clone()>{t.name.clone()}</option> }).collect_view()}
                    </select>
                    <FieldError id="ticket-type-error" message=field("ticket_type")/>
                </label>
                <label>{tr("tk-priority")}
                    <select id="ticket-priority" on:change=move |ev| priority.set(event_target_value(&ev))>
                        {TicketPriority::ALL.iter().map(|p| {
                            let p = p.as_str();
                            view! { <option value=p selected=p == "normal">{i18n::tr_vocab("ticket-priority", p)}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label>{tr("tk-channel")}
                    <select id="ticket-channel" on:change=move |ev| channel.set(event_target_value(&ev))>
                        {Channel::ALL.iter().map(|c| {
                            let c = c.as_str();
                            view! { <option value=c selected=c == "phone">{i18n::tr_vocab("channel", c)}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label class="span-2">{tr("tk-description")}<textarea id="ticket-description" rows="4" bind:value=description></textarea>
                    <FieldError id="ticket-description-error" message=field("description")/></label>
                <super::extras::ExtrasInputs tag_ids=tag_ids custom=custom defs=defs error=error/>
            </div>
            {move || failure.get().filter(|e| e.errors.is_empty()).map(|e| view! { <ErrorView error=e/> })}
            <div class="actions">
                <button type="button" id="ticket-cancel" on:click=move |_| on_cancel()>{tr("cancel")}</button>
                <button type="submit" class="primary" id="ticket-save" disabled=move || saving.get()>{tr("save")}</button>
            </div>
        </form>
    }
}
