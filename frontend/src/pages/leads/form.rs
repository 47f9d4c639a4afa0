//! The form that creates a lead: the person, the company, how to reach them
//! and where they came from. The server's field errors show beside each input.

use crm_api_types::domain::customer::Source;
use crm_api_types::leads::Lead;
use leptos::prelude::*;
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::components::{ErrorView, FieldError, use_toasts};
use crate::i18n::{self, tr, use_t1};

fn optional(s: RwSignal<String>) -> Value {
    let v = s.get_untracked();
    if v.trim().is_empty() {
        Value::Null
    } else {
        json!(v.trim())
    }
}

#[component]
pub fn LeadForm(
    on_saved: impl Fn(Lead) + Copy + Send + Sync + 'static,
    on_cancel: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let toasts = use_toasts();
    let t1 = use_t1();
    let person = RwSignal::new(String::new());
    let company = RwSignal::new(String::new());
    let title = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let source = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<ApiError>);
    let saving = RwSignal::new(false);
    let field = move |f: &'static str| {
        Signal::derive(move || failure.with(|e| e.as_ref().and_then(|e| e.field(f))))
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = json!({
            "person_name": person.get_untracked().trim(),
            "company_name": optional(company),
            "title": optional(title),
            "email": optional(email),
            "phone": optional(phone),
            "source": optional(source),
            "note": optional(note),
        });
        saving.set(true);
        leptos::task::spawn_local(async move {
            match crate::api::post::<Lead, _>("/api/v1/leads", &body).await {
                Ok(lead) => {
                    toasts.success(t1("lead-saved", "name", lead.person_name.clone()));
                    on_saved(lead);
                }
                Err(err) => failure.set(Some(err)),
            }
            saving.set(false);
        });
    };
    view! {
        <form class="card form lead-form" id="lead-form" on:submit=submit>
            <h2>{tr("lead-new")}</h2>
            <div class="grid-form">
                <label>{tr("lead-person")}<input id="lead-person" required bind:value=person/><FieldError id="lead-person-error" message=field("person_name")/></label>
                <label>{tr("lead-company")}<input id="lead-company" bind:value=company/><FieldError id="lead-company-error" message=field("company_name")/></label>
                <label>{tr("field-title")}<input id="lead-title" bind:value=title/><FieldError id="lead-title-error" message=field("title")/></label>
                <label>{tr("field-phone")}<input id="lead-phone" bind:value=phone/><FieldError id="lead-phone-error" message=field("phone")/></label>
                <label>{tr("field-email")}<input id="lead-email" bind:value=email/><FieldError id="lead-email-error" message=field("email")/></label>
                <label>{tr("field-source")}
                    <select id="lead-source" on:change=move |ev| source.set(event_target_value(&ev))>
                        <option value="">"—"</option>
                        {Source::ALL.iter().map(|s| {
                            let s = s.as_str();
                            view! { <option value=s>{i18n::tr_vocab("source", s)}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label class="span-2">{tr("lead-note")}<input id="lead-note" bind:value=note/></label>
            </div>
            {move || failure.get().filter(|e| e.errors.is_empty()).map(|e| view! { <ErrorView error=e/> })}
            <div class="actions">
                <button type="button" id="lead-cancel" on:click=move |_| on_cancel()>{tr("cancel")}</button>
                <button type="submit" class="primary" id="lead-save" disabled=move || saving.get()>{tr("save")}</button>
            </div>
        </form>
    }
}
