//! Logging a follow-up (跟进记录) or creating a task (待办) on a customer,
//! contact, deal or lead: the kind as one click (call, visit, meeting,
//! e-mail, note, task), a subject that defaults to the kind, notes, the
//! outcome and next step, a visit's place; a task's due time, reminder,
//! priority and assignee. "Also create a follow-up task" turns the next
//! step into a task in the same save. The server checks scope and input;
//! its field errors show beside each input.

use crm_api_types::activities::Activity;
use leptos::prelude::*;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::api::ApiError;
use crate::components::{ErrorView, FieldError, When, use_toasts};
use crate::i18n::{self, tr, use_locale, use_t};
use crate::session::{use_lookups, use_session};

/// The kinds offered, in order.
pub const KINDS: [&str; 6] = ["call", "visit", "meeting", "email", "note", "task"];

/// What a follow-up is about: at least one of these.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Subject {
    pub customer_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    pub deal_id: Option<Uuid>,
    pub lead_id: Option<Uuid>,
}

fn text(s: RwSignal<String>) -> Value {
    let v = s.get_untracked();
    if v.trim().is_empty() {
        Value::Null
    } else {
        json!(v.trim())
    }
}

/// What asks the top bar's reminders to count again (after a task
/// changed). Taken while the component is set up: an async task has no
/// reactive owner to find the context from.
pub fn remind_again() -> impl Fn() + Copy + Send + Sync + 'static {
    let changed = use_context::<crate::reminders::Changed>();
    move || {
        if let Some(signal) = changed {
            signal.0.update(|n| *n += 1);
        }
    }
}

#[component]
pub fn FollowUpForm(
    about: Subject,
    /// The kind selected when the form opens.
    #[prop(default = "call")]
    kind: &'static str,
    on_saved: impl Fn() + Copy + Send + Sync + 'static,
    on_cancel: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let t = use_t();
    let locale = use_locale();
    let toasts = use_toasts();
    let session = use_session();
    let lookups = use_lookups();
    let me = move || session.0.with(|m| m.as_ref().map(|m| m.user.id));
    let kind = RwSignal::new(kind);
    let subject = RwSignal::new(String::new());
    let body = RwSignal::new(String::new());
    let outcome = RwSignal::new(String::new());
    let next_step = RwSignal::new(String::new());
    let location = RwSignal::new(String::new());
    let due = RwSignal::new(crate::clock::local_in_hours(2));
    let remind = RwSignal::new(String::new());
    let priority = RwSignal::new("normal".to_owned());
    let assignee = RwSignal::new(String::new());
    let follow_up = RwSignal::new(false);
    let follow_due = RwSignal::new(crate::clock::local_in_hours(24));
    let failure = RwSignal::new(None::<ApiError>);
    let saving = RwSignal::new(false);
    let remind_again = remind_again();
    let field = move |f: &'static str| {
        Signal::derive(move || failure.with(|e| e.as_ref().and_then(|e| e.field(f))))
    };
    let is_task = move || kind.get() == "task";

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let k = kind.get_untracked();
        let task = k == "task";
        let title = match subject.get_untracked().trim() {
            "" => i18n::vocab(locale.get_untracked(), "activity", k),
            s => s.to_owned(),
        };
        let owner = assignee.get_untracked().parse::<Uuid>().ok().or_else(me);
        let mut main = json!({
            "kind": k,
            "subject": title,
            "body": text(body),
            "customer_id": about.customer_id,
            "contact_id": about.contact_id,
            "deal_id": about.deal_id,
            "lead_id": about.lead_id,
            "owner_id": owner,
        });
        if task {
            main["due_at"] = json!(crate::clock::from_local(&due.get_untracked()));
            main["remind_at"] = json!(crate::clock::from_local(&remind.get_untracked()));
            main["priority"] = json!(priority.get_untracked());
        } else {
            main["outcome"] = text(outcome);
            main["next_step"] = text(next_step);
            if k == "visit" {
                main["location"] = text(location);
            }
        }
        let next = (!task && follow_up.get_untracked()).then(|| {
            let step = next_step.get_untracked();
            json!({
                "kind": "task",
                "subject": if step.trim().is_empty() { t("fu-follow-up-default") } else { step.trim().to_owned() },
                "customer_id": about.customer_id,
                "contact_id": about.contact_id,
                "deal_id": about.deal_id,
                "lead_id": about.lead_id,
                "due_at": crate::clock::from_local(&follow_due.get_untracked()),
            })
        });
        saving.set(true);
        failure.set(None);
        leptos::task::spawn_local(async move {
            let mut result = crate::api::post::<Activity, _>("/api/v1/activities", &main)
                .await
                .map(|_| ());
            if let (Ok(()), Some(next)) = (&result, next) {
                result = crate::api::post::<Activity, _>("/api/v1/activities", &next)
                    .await
                    .map(|_| ());
            }
            saving.set(false);
            match result {
                Ok(()) => {
                    toasts.success(t(if task { "fu-task-saved" } else { "fu-logged" }));
                    remind_again();
                    on_saved();
                }
                Err(err) => failure.set(Some(err)),
            }
        });
    };

    let chip = move |k: &'static str| {
        view! {
            <button type="button" class="chip" class:active=move || kind.get() == k data-kind=k
                on:click=move |_| kind.set(k)>
                {crate::pages::deals::activity_icon(k)}" "{move || i18n::vocab(locale.get(), "activity", k)}
            </button>
        }
    };
    view! {
        <form class="card form follow-up-form" id="follow-up-form" on:submit=submit>
            <div class="chips kind-chips" role="group" aria-label=tr("fu-kind")>
                {KINDS.into_iter().map(chip).collect_view()}
            </div>
            <div class="grid-form">
                <label class="span-2">{tr("fu-subject")}
                    <input id="fu-subject" bind:value=subject placeholder=move || i18n::vocab(locale.get(), "activity", kind.get())/>
                    <FieldError id="fu-subject-error" message=field("subject")/></label>
                <When when=move || kind.get() == "visit">
                    <label class="span-2">{tr("fu-location")}<input id="fu-location" bind:value=location/>
                        <FieldError id="fu-location-error" message=field("location")/></label>
                </When>
                <label class="span-2">{tr("fu-body")}<textarea id="fu-body" rows="2" bind:value=body></textarea>
                    <FieldError id="fu-body-error" message=field("body")/></label>
                <When when=move || !is_task()>
                    <label>{tr("fu-outcome")}<input id="fu-outcome" bind:value=outcome/>
                        <FieldError id="fu-outcome-error" message=field("outcome")/></label>
                    <label>{tr("fu-next-step")}<input id="fu-next-step" bind:value=next_step/>
                        <FieldError id="fu-next-step-error" message=field("next_step")/></label>
                    <label class="check span-2"><input type="checkbox" id="fu-follow-up" prop:checked=move || follow_up.get()
                        on:change=move |ev| follow_up.set(event_target_checked(&ev))/>{tr("fu-follow-up")}</label>
                    <When when=move || follow_up.get()>
                        <label>{tr("fu-follow-due")}<input type="datetime-local" id="fu-follow-due" bind:value=follow_due/></label>
                    </When>
                </When>
                <When when=is_task>
                    <label>{tr("fu-due")}<input type="datetime-local" id="fu-due" bind:value=due/>
                        <FieldError id="fu-due-error" message=field("due_at")/></label>
                    <label>{tr("fu-remind")}<input type="datetime-local" id="fu-remind" bind:value=remind/>
                        <FieldError id="fu-remind-error" message=field("remind_at")/></label>
                    <label>{tr("fu-priority")}
                        <select id="fu-priority" on:change=move |ev| priority.set(event_target_value(&ev))>
                            {["normal", "high", "low"].into_iter().map(|p| view! {
                                <option value=p selected=move || priority.get() == p>{move || i18n::vocab(locale.get(), "priority", p)}</option>
                            }).collect_view()}
                        </select></label>
                    <label>{tr("fu-assignee")}
                        <select id="fu-assignee" on:change=move |ev| assignee.set(event_target_value(&ev))>
                            <option value="">{tr("fu-assignee-me")}</option>
                            {move || lookups.users.get().into_iter().filter(|u| u.active && Some(u.id) != me()).map(|u| view! {
                                <option value=u.id.to_string()>{u.display_name.clone()}</option>
                            }).collect_view()}
                        </select>
                        <FieldError id="fu-assignee-error" message=field("owner_id")/></label>
                </When>
            </div>
            {move || failure.get().filter(|e| e.errors.is_empty()).map(|e| view! { <ErrorView error=e/> })}
            <div class="actions">
                <button type="button" id="fu-cancel" on:click=move |_| on_cancel()>{tr("cancel")}</button>
                <button type="submit" class="primary" id="fu-save" disabled=move || saving.get()>{tr("save")}</button>
            </div>
        </form>
    }
}

/// A "log a follow-up" button that opens the form in place, and calls
/// `on_saved` after a save (to reload the list beside it).
#[component]
pub fn LogFollowUp(
    about: Subject,
    on_saved: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let session = use_session();
    let open = RwSignal::new(None::<&'static str>);
    let can = move || {
        session.can(
            crm_api_types::domain::access::ObjectType::Activities,
            crm_api_types::domain::access::Action::Create,
        )
    };
    view! {
        <When when=can>
            <div class="follow-up-actions">
                <button id="log-follow-up" class="primary" on:click=move |_| open.set(Some("call"))>{tr("fu-log")}</button>
                <button id="new-task" on:click=move |_| open.set(Some("task"))>{tr("fu-new-task")}</button>
            </div>
        </When>
        {move || open.get().map(|kind| view! {
            <FollowUpForm about=about kind=kind
                on_saved=move || { open.set(None); on_saved(); }
                on_cancel=move || open.set(None)/>
        })}
    }
}
