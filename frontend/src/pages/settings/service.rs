//! Settings › 服务设置 Service desk (`/service/settings`): the ticket types
//! (key and name, in order), the SLA targets per priority in working
//! minutes, and the business calendar — time zone, each weekday's working
//! periods as `09:00-12:00, 13:30-18:00`, and public holidays and make-up
//! working days (调休) pasted as lists of dates, and the assignment rules
//! ([`rules`]). Saved as a whole; the server checks it and its field
//! errors show beside each part. Below, each user's availability,
//! capacity and skills for automatic assignment ([`agents`]).

mod agents;
mod rules;

use crm_api_types::domain::service::{Escalation, TicketPriority};
use crm_api_types::tickets::{ServiceSettings, TicketType};
use leptos::prelude::*;
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::components::{ErrorView, FieldError, Skeleton, When, use_toasts};
use crate::i18n::{self, tr, use_t};
use crate::load::Load;

const DAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// `09:00-12:00, 13:30-18:00` → periods; a piece without `-` is sent as
/// its start, so the server names it.
fn periods(text: &str) -> Value {
    text.split([',', '，', ';', '；'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once(['-', '–', '~']) {
            Some((start, end)) => json!({"start": start.trim(), "end": end.trim()}),
            None => json!({"start": p, "end": ""}),
        })
        .collect()
}

/// Dates separated by white space, commas or semicolons.
fn dates(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | ';' | '；' | '、'))
        .filter(|d| !d.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The first message of every error under `prefix` (`calendar.hours.monday` …).
fn errors_under(
    failure: RwSignal<Option<ApiError>>,
    prefix: &'static str,
) -> Signal<Option<String>> {
    Signal::derive(move || {
        failure.with(|e| {
            let e = e.as_ref()?;
            let found: Vec<String> = e
                .errors
                .iter()
                .filter(|(k, _)| k.starts_with(prefix))
                .filter_map(|(k, m)| {
                    m.first().map(|m| {
                        format!(
                            "{}: {m}",
                            k.trim_start_matches(prefix).trim_start_matches('.')
                        )
                    })
                })
                .collect();
            (!found.is_empty()).then(|| found.join("; "))
        })
    })
}

#[component]
pub fn ServiceSettingsTab() -> impl IntoView {
    let t = use_t();
    let toasts = use_toasts();
    let current = Load::<ServiceSettings>::new(|| "/api/v1/service/settings".to_owned());
    let types = RwSignal::new(Vec::<TicketType>::new());
    let zone = RwSignal::new(String::new());
    let hours: [RwSignal<String>; 7] = std::array::from_fn(|_| RwSignal::new(String::new()));
    let holidays = RwSignal::new(String::new());
    let workdays = RwSignal::new(String::new());
    // (first response, resolution) minutes per priority, as typed.
    let targets: [(RwSignal<String>, RwSignal<String>); 4] =
        std::array::from_fn(|_| (RwSignal::new(String::new()), RwSignal::new(String::new())));
    // The form takes the stored settings once: what the admin types is
    // never replaced by a later answer.
    let filled = StoredValue::new(false);
    let rules = RwSignal::new(Vec::new());
    let public_faq = RwSignal::new(false);
    let escalation = RwSignal::new(Escalation::Notify);
    let session = crate::session::use_session();
    let slug = move || {
        session
            .0
            .with(|m| m.as_ref().map(|m| m.workspace.slug.clone()))
    };
    Effect::new(move |_| {
        if let Some(s) = current.ok_with(Clone::clone)
            && !filled.get_value()
        {
            filled.set_value(true);
            rules.set(s.assignment_rules.clone());
            public_faq.set(s.public_faq);
            escalation.set(s.escalation);
            types.set(s.ticket_types.clone());
            zone.set(s.calendar.time_zone.clone());
            let week = &s.calendar.hours;
            for (signal, day) in hours.iter().zip([
                &week.monday,
                &week.tuesday,
                &week.wednesday,
                &week.thursday,
                &week.friday,
                &week.saturday,
                &week.sunday,
            ]) {
                signal.set(
                    day.iter()
                        .map(|p| format!("{}-{}", p.start, p.end))
                        .collect::<Vec<_>>()
                        .join(", "),
                );
            }
            holidays.set(
                s.calendar
                    .holidays
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
            workdays.set(
                s.calendar
                    .workdays
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
            for ((first, resolution), p) in targets.iter().zip(TicketPriority::ALL) {
                let target = s.sla.target(*p);
                first.set(target.first_response_minutes.to_string());
                resolution.set(target.resolution_minutes.to_string());
            }
        }
    });
    let failure = RwSignal::new(None::<ApiError>);
    let saving = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let minutes = |s: RwSignal<String>| s.get_untracked().trim().parse::<i64>().unwrap_or(-1);
        let mut sla = serde_json::Map::new();
        for ((first, resolution), p) in targets.iter().zip(TicketPriority::ALL) {
            sla.insert(
                p.as_str().to_owned(),
                json!({"first_response_minutes": minutes(*first), "resolution_minutes": minutes(*resolution)}),
            );
        }
        let mut week = serde_json::Map::new();
        for (day, text) in DAYS.iter().zip(hours.iter()) {
            week.insert((*day).to_owned(), periods(&text.get_untracked()));
        }
        let body = json!({
            "ticket_types": types.get_untracked(),
            "calendar": {
                "time_zone": zone.get_untracked().trim(),
                "hours": week,
                "holidays": dates(&holidays.get_untracked()),
                "workdays": dates(&workdays.get_untracked()),
            },
            "sla": sla,
            "assignment_rules": rules.get_untracked(),
            "public_faq": public_faq.get_untracked(),
            "escalation": escalation.get_untracked(),
        });
        saving.set(true);
        failure.set(None);
        leptos::task::spawn_local(async move {
            let result =
                crate::api::put::<ServiceSettings, _>("/api/v1/service/settings", &body).await;
            let _ = saving.try_set(false);
            match result {
                Ok(_) => toasts.success(t("svc-saved")),
                Err(err) => failure.set(Some(err)),
            }
        });
    };
    let set_type = move |i: usize, key: bool, value: String| {
        types.update(|list| {
            if let Some(t) = list.get_mut(i) {
                if key { t.key = value } else { t.name = value }
            }
        })
    };
    view! {
        {move || match current.get() {
            None => view! { <Skeleton rows=4/> }.into_any(),
            Some(Err(e)) => view! { <ErrorView error=e/> }.into_any(),
            Some(Ok(_)) => view! {
                <form class="card form" id="service-settings" on:submit=submit>
                    <h2>{tr("svc-types")}</h2>
                    <table class="list" id="ticket-types">
                        <thead><tr><th>{tr("svc-type-key")}</th><th>{tr("svc-type-name")}</th><th></th></tr></thead>
                        <tbody>
                            {move || types.get().into_iter().enumerate().map(|(i, t)| view! {
                                <tr class="ticket-type">
                                    <td><input class="type-key" prop:value=t.key on:change=move |ev| set_type(i, true, event_target_value(&ev))/></td>
                                    <td><input class="type-name" prop:value=t.name on:change=move |ev| set_type(i, false, event_target_value(&ev))/></td>
                                    <td><button type="button" class="link remove-type" on:click=move |_| types.update(|l| { l.remove(i); })>"×"</button></td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <button type="button" id="add-type" on:click=move |_| types.update(|l| l.push(TicketType { key: String::new(), name: String::new() }))>{tr("svc-add-type")}</button>
                    <FieldError id="ticket-types-error" message=errors_under(failure, "ticket_types")/>

                    <h2>{tr("svc-sla")}</h2>
                    <p class="muted">{tr("svc-sla-help")}</p>
                    <table class="list" id="sla-targets">
                        <thead><tr><th>{tr("tk-priority")}</th><th>{tr("tk-first-response")}</th><th>{tr("tk-resolution")}</th></tr></thead>
                        <tbody>
                            {targets.iter().zip(TicketPriority::ALL).map(|((first, resolution), p)| {
                                let (first, resolution, p) = (*first, *resolution, p.as_str());
                                view! {
                                    <tr data-priority=p>
                                        <td>{i18n::tr_vocab("ticket-priority", p)}</td>
                                        <td><input class="first-response" inputmode="numeric" bind:value=first/></td>
                                        <td><input class="resolution" inputmode="numeric" bind:value=resolution/></td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    <FieldError id="sla-error" message=errors_under(failure, "sla")/>
                    <label>{tr("svc-escalation")}
                        <select id="escalation" on:change=move |ev| {
                            escalation.set(if event_target_value(&ev) == "reassign" { Escalation::Reassign } else { Escalation::Notify })
                        }>
                            {Escalation::ALL.iter().map(|e| view! {
                                <option value=e.as_str() selected=move || escalation.get() == *e>{i18n::tr_vocab("escalation", e.as_str())}</option>
                            }).collect_view()}
                        </select></label>

                    <rules::AssignmentRules rules=rules types=types/>
                    <FieldError id="rules-error" message=errors_under(failure, "assignment_rules")/>

                    <h2>{tr("svc-calendar")}</h2>
                    <div class="grid-form">
                        <label>{tr("svc-time-zone")}<input id="time-zone" bind:value=zone/>
                            <FieldError id="time-zone-error" message=errors_under(failure, "calendar.time_zone")/></label>
                        {DAYS.iter().zip(hours.iter()).map(|(day, text)| {
                            let text = *text;
                            view! {
                                <label>{i18n::tr_vocab("weekday", day)}
                                    <input id=format!("hours-{day}") placeholder="09:00-12:00, 13:30-18:00" bind:value=text/></label>
                            }
                        }).collect_view()}
                        <label class="span-2">{tr("svc-holidays")}<textarea id="holidays" rows="3" placeholder="2026-10-01 2026-10-02" bind:value=holidays></textarea>
                            <FieldError id="holidays-error" message=errors_under(failure, "calendar.holidays")/></label>
                        <label class="span-2">{tr("svc-workdays")}<textarea id="workdays" rows="2" placeholder="2026-09-27" bind:value=workdays></textarea>
                            <FieldError id="workdays-error" message=errors_under(failure, "calendar.workdays")/></label>
                    </div>
                    <FieldError id="hours-error" message=errors_under(failure, "calendar.hours")/>
                    <label class="checkbox"><input type="checkbox" id="public-faq" bind:checked=public_faq/>{tr("svc-public-faq")}</label>
                    <When when=move || public_faq.get()>
                        {move || slug().map(|s| view! { <a id="public-faq-link" href=format!("/faq/{s}") target="_blank">{format!("/faq/{s}")}</a> })}
                    </When>
                    {move || failure.get().filter(|e| e.errors.is_empty()).map(|e| view! { <ErrorView error=e/> })}
                    <div class="actions"><button type="submit" class="primary" id="service-settings-save" disabled=move || saving.get()>{tr("save")}</button></div>
                </form>
                <div class="card"><agents::Agents types=types/></div>
            }.into_any(),
        }}
    }
}
