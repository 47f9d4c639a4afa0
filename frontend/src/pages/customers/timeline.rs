//! The customer's timeline (`/customers/{id}/timeline`), newest first with
//! "load more": activities, deal stage changes, orders, tickets (linked to
//! their page) and changes to the record's fields, each with a mark, a
//! label, what happened and when.

use crm_api_types::activities::TimelineEntry;
use crm_api_types::changes::ChangeOp;
use crm_api_types::deals::Pipeline;
use leptos::prelude::*;
use uuid::Uuid;

use crate::components::{Empty, ErrorView, Skeleton, When};
use crate::i18n::{self, Locale, message, tr, use_locale};
use crate::load::{Load, Paged};
use crate::pages::deals::{activity_icon, stage_names};
use crate::session::{Lookups, use_lookups};

type Stages = std::collections::HashMap<Uuid, (String, String)>;

/// (kind for `data-type`, mark, label, text, who, when).
fn describe(
    locale: Locale,
    entry: &TimelineEntry,
    stages: &Stages,
    lookups: &Lookups,
) -> (&'static str, &'static str, String, String, String, String) {
    let t = |key| message(locale, key, None);
    let stage = |id: Option<Uuid>| {
        id.and_then(|id| stages.get(&id).map(|(s, _)| s.clone()))
            .unwrap_or_else(|| "—".to_owned())
    };
    match entry {
        TimelineEntry::Activity { at, activity } => {
            let kind = activity.kind.as_str();
            let text = activity_text(locale, activity);
            (
                "activity",
                activity_icon(kind),
                i18n::vocab(locale, "activity", kind),
                text,
                lookups.user_name(activity.owner_id),
                i18n::datetime(locale, &at.to_rfc3339()),
            )
        }
        TimelineEntry::StageChange {
            at,
            deal_name,
            from_stage_id,
            to_stage_id,
            actor_id,
            ..
        } => (
            "stage_change",
            "⇢",
            t("tl-stage-change"),
            format!(
                "{deal_name}: {} → {}",
                stage(*from_stage_id),
                stage(Some(*to_stage_id))
            ),
            lookups.user_name(*actor_id),
            i18n::datetime(locale, &at.to_rfc3339()),
        ),
        TimelineEntry::Order {
            at,
            external_id,
            status,
            total,
            ..
        } => (
            "order",
            "¥",
            t("tl-order"),
            format!(
                "{} · {} · {}",
                external_id.clone().unwrap_or_default(),
                i18n::vocab(locale, "order-status", status.as_str()),
                i18n::money(locale, total.amount_minor, &total.currency)
            ),
            String::new(),
            i18n::date(locale, &at.to_rfc3339()),
        ),
        TimelineEntry::Ticket {
            at,
            number,
            subject,
            status,
            priority,
            assignee_id,
            ..
        } => (
            "ticket",
            "☎",
            t("tl-ticket"),
            format!(
                "#{number} {subject} · {} · {}",
                i18n::vocab(locale, "ticket-status", status.as_str()),
                i18n::vocab(locale, "ticket-priority", priority.as_str())
            ),
            lookups.user_name(*assignee_id),
            i18n::datetime(locale, &at.to_rfc3339()),
        ),
        TimelineEntry::FieldChange {
            at,
            op,
            changed_fields,
            actor_id,
        } => {
            let op = match op {
                ChangeOp::Create => "tl-created",
                ChangeOp::Update => "tl-updated",
                ChangeOp::Delete => "tl-deleted",
            };
            (
                "field_change",
                "✎",
                t(op),
                changed_fields.join(", "),
                lookups.user_name(*actor_id),
                i18n::datetime(locale, &at.to_rfc3339()),
            )
        }
    }
}

/// An activity's subject with its notes, place, outcome and next step.
fn activity_text(locale: Locale, activity: &crm_api_types::activities::Activity) -> String {
    match activity_details(locale, activity) {
        Some(details) => format!("{} — {details}", activity.subject),
        None => activity.subject.clone(),
    }
}

/// An activity's notes, place, outcome and next step, if any.
pub fn activity_details(
    locale: Locale,
    activity: &crm_api_types::activities::Activity,
) -> Option<String> {
    let mut parts = Vec::new();
    let fields = [
        (None, &activity.body),
        (Some("fu-location"), &activity.location),
        (Some("fu-outcome"), &activity.outcome),
        (Some("fu-next-step"), &activity.next_step),
    ];
    for (label, value) in fields {
        if let Some(value) = value {
            parts.push(match label {
                Some(label) => format!("{}：{value}", message(locale, label, None)),
                None => value.clone(),
            });
        }
    }
    (!parts.is_empty()).then(|| parts.join(" — "))
}

#[component]
pub fn Timeline(customer_id: Uuid) -> impl IntoView {
    let locale = use_locale();
    let lookups = use_lookups();
    let list = Paged::<TimelineEntry>::new(move || {
        format!("/api/v1/customers/{customer_id}/timeline?limit=25")
    });
    let pipelines = Load::<Vec<Pipeline>>::new(|| "/api/v1/pipelines".to_owned());
    let entries = move || {
        let locale = locale.get();
        let stages = pipelines.ok_with(|p| stage_names(p)).unwrap_or_default();
        list.items.with(|items| {
            items
                .iter()
                .map(|e| {
                    let (kind, icon, label, text, who, when) =
                        describe(locale, e, &stages, &lookups);
                    let text = match e {
                        TimelineEntry::Ticket { ticket_id, .. } => view! {
                            <a class="tl-text" href=format!("/tickets/{ticket_id}")>{text}</a>
                        }
                        .into_any(),
                        _ => view! { <span class="tl-text">{text}</span> }.into_any(),
                    };
                    view! {
                        <li class="tl-entry" data-type=kind>
                            <span class="tl-icon" aria-hidden="true">{icon}</span>
                            <div class="tl-body">
                                <div><span class="badge">{label}</span>" "{text}</div>
                                <small class="muted"><time>{when}</time>{(!who.is_empty()).then(|| format!(" · {who}"))}</small>
                            </div>
                        </li>
                    }
                })
                .collect_view()
        })
    };
    let about = crate::pages::followups::Subject {
        customer_id: Some(customer_id),
        ..Default::default()
    };
    view! {
        <section class="card" id="timeline-tab">
            <div class="tab-actions">
                <crate::pages::followups::LogFollowUp about=about on_saved=move || list.reload()/>
                <a class="button" id="customer-tasks" href=format!("/tasks?customer_id={customer_id}")>{tr("task-of-customer")}</a>
            </div>
            {move || list.error.get().map(|e| view! { <ErrorView error=e/> })}
            {move || {
                if list.loading.get() && list.items.with(Vec::is_empty) {
                    view! { <Skeleton rows=4/> }.into_any()
                } else if list.items.with(Vec::is_empty) {
                    view! { <Empty message=tr("tl-none")/> }.into_any()
                } else {
                    view! { <ul class="timeline" id="timeline">{entries}</ul> }.into_any()
                }
            }}
            <When when=move || list.cursor.get().is_some()>
                <button id="timeline-more" class="wide" disabled=move || list.loading.get() on:click=move |_| list.load_more()>{tr("load-more")}</button>
            </When>
        </section>
    }
}
