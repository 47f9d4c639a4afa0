//! 定时发送: the scheduled e-mails of one saved report or dashboard — the
//! list (schedule, next time, recipients) with send now, pause / resume,
//! edit and delete, and the form that saves one (`/api/v1/deliveries`).
//! Each recipient receives only the rows they may read; the form says so.

use crm_api_types::Page;
use crm_api_types::deliveries::{
    Delivery, DeliveryFormat, DeliveryPatch, DeliverySent, Frequency, NewDelivery, Schedule,
};
use crm_api_types::reports::Audience;
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

use super::form::select;
use crate::api;
use crate::components::use_toasts;
use crate::i18n::{Locale, message, tr, use_locale};
use crate::session::use_lookups;

/// What the form edits: a new delivery (`id` none) or a saved one.
#[derive(Clone, PartialEq)]
struct Draft {
    existing: Option<(Uuid, i32)>,
    name: String,
    schedule: Schedule,
    format: DeliveryFormat,
    recipients: Vec<Uuid>,
    active: bool,
}

/// A message with one named argument.
fn msg1(locale: Locale, key: &str, name: &str, value: String) -> String {
    let mut args = fluent_bundle::FluentArgs::new();
    args.set(name.to_owned(), fluent_bundle::FluentValue::from(value));
    message(locale, key, Some(&args))
}

/// The signed-in user's id.
fn my_id() -> Option<Uuid> {
    crate::session::use_session()
        .0
        .with_untracked(|m| m.as_ref().map(|m| m.user.id))
}

/// "每周一 08:00" in the locale.
fn summary(locale: Locale, s: &Schedule) -> String {
    let t = |k: &str| message(locale, k, None);
    let at = format!("{:02}:00", s.hour);
    match s.frequency {
        Frequency::Daily => format!("{} {at}", t("dl-daily")),
        Frequency::Weekly => format!(
            "{} {at}",
            t(&format!("dl-weekday-{}", s.weekday.unwrap_or(1)))
        ),
        Frequency::Monthly => format!(
            "{} {at}",
            msg1(
                locale,
                "dl-monthly-on",
                "day",
                s.day.unwrap_or(1).to_string()
            )
        ),
    }
}

/// The deliveries of the saved report or dashboard `of` (nothing while it
/// is not saved); `audience` — who saved it and who it is shared with —
/// says who may receive it.
#[component]
pub fn Deliveries(
    #[prop(into)] of: Signal<Option<Uuid>>,
    #[prop(into)] name: Signal<String>,
    #[prop(into)] audience: Signal<Option<(Option<Uuid>, Audience)>>,
    dashboard: bool,
) -> impl IntoView {
    let locale = use_locale();
    let targets = super::share::targets();
    let shared = move || audience.with(|a| a.as_ref().is_some_and(|(_, a)| !a.is_private()));
    // Whether a user may receive it: who may see it, by the server's rule.
    let me = my_id();
    let may_receive = move |user: &crm_api_types::access::User| {
        audience.with(|a| match a {
            Some((owner, a)) => targets.with(|t| {
                let t = t.as_ref().and_then(|t| t.as_ref().ok());
                super::share::reaches(a, owner.or(me), user, t)
            }),
            None => Some(user.id) == me,
        })
    };
    let lookups = use_lookups();
    let toasts = use_toasts();
    let items = RwSignal::new(Vec::<Delivery>::new());
    let draft = RwSignal::new(None::<Draft>);

    let reload = move || {
        if let Some(id) = of.get_untracked() {
            spawn_local(async move {
                match api::get::<Page<Delivery>>(&format!("/api/v1/deliveries?of={id}")).await {
                    Ok(p) => items.set(p.items),
                    Err(e) => toasts.error(e.to_string()),
                }
            });
        } else {
            items.set(Vec::new());
        }
    };
    Effect::new(move |_| {
        of.track();
        reload();
    });

    let start_new = move |_| {
        let mine = my_id();
        draft.set(Some(Draft {
            existing: None,
            name: format!(
                "{} · {}",
                name.get_untracked(),
                message(locale.get_untracked(), "dl-weekly", None)
            ),
            schedule: Schedule {
                frequency: Frequency::Weekly,
                hour: 8,
                weekday: Some(1),
                day: None,
            },
            format: DeliveryFormat::Xlsx,
            recipients: mine.into_iter().collect(),
            active: true,
        }));
    };
    let edit = move |d: Delivery| {
        draft.set(Some(Draft {
            existing: Some((d.id, d.version)),
            name: d.name,
            schedule: d.schedule,
            format: d.format,
            recipients: d.recipients,
            active: d.active,
        }));
    };
    let save = move |_| {
        let Some(d) = draft.get_untracked() else {
            return;
        };
        let Some(source) = of.get_untracked() else {
            return;
        };
        spawn_local(async move {
            let answer = match d.existing {
                Some((id, version)) => {
                    let patch = DeliveryPatch {
                        name: Some(d.name),
                        schedule: Some(d.schedule),
                        format: Some(d.format),
                        recipients: Some(d.recipients),
                        active: Some(d.active),
                    };
                    api::patch::<Delivery, _>(&format!("/api/v1/deliveries/{id}"), &patch, version)
                        .await
                }
                None => {
                    let body = NewDelivery {
                        name: d.name,
                        report_id: (!dashboard).then_some(source),
                        dashboard_id: dashboard.then_some(source),
                        schedule: d.schedule,
                        format: d.format,
                        recipients: d.recipients,
                        active: d.active,
                    };
                    api::post::<Delivery, _>("/api/v1/deliveries", &body).await
                }
            };
            match answer {
                Ok(_) => {
                    toasts.success(message(locale.get_untracked(), "dl-saved", None));
                    draft.set(None);
                    reload();
                }
                Err(e) => toasts.error(e.to_string()),
            }
        });
    };
    let act = move |d: Delivery, what: &'static str| {
        spawn_local(async move {
            let path = format!("/api/v1/deliveries/{}", d.id);
            let answer = match what {
                "send" => api::post::<DeliverySent, _>(&format!("{path}/send"), &())
                    .await
                    .map(|s| {
                        toasts.success(msg1(
                            locale.get_untracked(),
                            "dl-queued",
                            "count",
                            s.queued.to_string(),
                        ))
                    }),
                "toggle" => {
                    let patch = DeliveryPatch {
                        active: Some(!d.active),
                        ..Default::default()
                    };
                    api::patch::<Delivery, _>(&path, &patch, d.version)
                        .await
                        .map(|_| ())
                }
                _ => api::delete(&path, None).await,
            };
            match answer {
                Ok(()) => reload(),
                Err(e) => toasts.error(e.to_string()),
            }
        });
    };

    let row = move |d: Delivery| {
        let l = locale.get();
        let (a, b, c, e) = (d.clone(), d.clone(), d.clone(), d.clone());
        let next = d
            .next_run_at
            .map(|t| crate::clock::to_local(&t.to_rfc3339()).replacen('T', " ", 1))
            .unwrap_or_else(|| message(l, "dl-paused", None));
        view! {
            <li class="delivery" data-id=d.id.to_string()>
                <strong>{d.name.clone()}</strong>
                <span class="muted">{summary(l, &d.schedule)}" · "{d.format.as_str().to_uppercase()}" · "
                    {msg1(l, "dl-recipients-count", "count", d.recipients.len().to_string())}</span>
                <span class="next">{message(l, "dl-next", None)}" "{next}</span>
                <span class="spacer"></span>
                <button data-act="send" on:click=move |_| act(a.clone(), "send")>{tr("dl-send-now")}</button>
                <button data-act="toggle" on:click=move |_| act(b.clone(), "toggle")>
                    {if d.active { tr("dl-pause") } else { tr("dl-resume") }}
                </button>
                <button data-act="edit" on:click=move |_| edit(c.clone())>{tr("dl-edit")}</button>
                <button data-act="delete" class="danger" on:click=move |_| act(e.clone(), "delete")>{tr("dl-delete")}</button>
            </li>
        }
    };

    view! {
        <div class="card deliveries" id="deliveries" class:hidden=move || of.with(Option::is_none)>
            <div class="toolbar">
                <h3>{tr("dl-title")}</h3>
                <span class="spacer"></span>
                <button id="delivery-new" on:click=start_new>{tr("dl-new")}</button>
            </div>
            <p class="hint">{move || if shared() { tr("dl-hint-shared") } else { tr("dl-hint-private") }}</p>
            <ul class="delivery-list">{move || items.get().into_iter().map(row).collect_view()}</ul>
            {move || draft.get().is_some().then(|| form(draft, locale.get(), lookups, may_receive, save))}
        </div>
    }
}

fn form(
    draft: RwSignal<Option<Draft>>,
    locale: Locale,
    lookups: crate::session::Lookups,
    may_receive: impl Fn(&crm_api_types::access::User) -> bool,
    save: impl Fn(leptos::ev::MouseEvent) + 'static,
) -> impl IntoView {
    let t = move |k: &str| message(locale, k, None);
    let get = move |f: fn(&Draft) -> String| {
        move || draft.with(|d| d.as_ref().map(f).unwrap_or_default())
    };
    let set = move |f: fn(&mut Draft, String)| {
        move |v: String| {
            draft.update(|d| {
                if let Some(d) = d {
                    f(d, v)
                }
            })
        }
    };
    let frequencies = Frequency::ALL
        .iter()
        .map(|f| (f.as_str().to_owned(), t(&format!("dl-{}", f.as_str()))))
        .collect();
    let hours = (0..24)
        .map(|h| (h.to_string(), format!("{h:02}:00")))
        .collect();
    let weekdays = (1..=7)
        .map(|d| (d.to_string(), t(&format!("dl-weekday-{d}"))))
        .collect();
    let days = (1..=28).map(|d| (d.to_string(), d.to_string())).collect();
    let formats = DeliveryFormat::ALL
        .iter()
        .map(|f| (f.as_str().to_owned(), f.as_str().to_uppercase()))
        .collect();
    let weekly = move || {
        draft.with(|d| {
            d.as_ref()
                .is_some_and(|d| d.schedule.frequency == Frequency::Weekly)
        })
    };
    let monthly = move || {
        draft.with(|d| {
            d.as_ref()
                .is_some_and(|d| d.schedule.frequency == Frequency::Monthly)
        })
    };
    let me = my_id();
    let users: Vec<_> = lookups
        .users
        .get_untracked()
        .into_iter()
        .filter(|u| u.active && (Some(u.id) == me || may_receive(u)))
        .collect();
    view! {
        <div class="delivery-form" id="delivery-form">
            <label>{t("dl-name")}
                <input id="delivery-name" prop:value=get(|d| d.name.clone())
                    on:input=move |ev| set(|d, v| d.name = v)(event_target_value(&ev))/></label>
            <label>{t("dl-frequency")}
                {select("delivery-frequency".into(), frequencies, get(|d| d.schedule.frequency.as_str().to_owned()),
                    set(|d, v| if let Ok(f) = Frequency::parse(&v) { d.schedule.frequency = f }))}</label>
            <label class:hidden=move || !weekly()>{t("dl-weekday")}
                {select("delivery-weekday".into(), weekdays, get(|d| d.schedule.weekday.unwrap_or(1).to_string()),
                    set(|d, v| d.schedule.weekday = v.parse().ok()))}</label>
            <label class:hidden=move || !monthly()>{t("dl-day")}
                {select("delivery-day".into(), days, get(|d| d.schedule.day.unwrap_or(1).to_string()),
                    set(|d, v| d.schedule.day = v.parse().ok()))}</label>
            <label>{t("dl-hour")}
                {select("delivery-hour".into(), hours, get(|d| d.schedule.hour.to_string()),
                    set(|d, v| d.schedule.hour = v.parse().unwrap_or(8)))}</label>
            <label>{t("dl-format")}
                {select("delivery-format".into(), formats, get(|d| d.format.as_str().to_owned()),
                    set(|d, v| if let Ok(f) = DeliveryFormat::parse(&v) { d.format = f }))}</label>
            <fieldset class="recipients" id="delivery-recipients">
                <legend>{t("dl-recipients")}</legend>
                {users.into_iter().map(|u| {
                    let id = u.id;
                    view! {
                        <label class="check"><input type="checkbox" data-user=id.to_string()
                            prop:checked=move || draft.with(|d| d.as_ref().is_some_and(|d| d.recipients.contains(&id)))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                draft.update(|d| if let Some(d) = d {
                                    d.recipients.retain(|r| *r != id);
                                    if on { d.recipients.push(id) }
                                });
                            }/>{u.display_name.clone()}</label>
                    }
                }).collect_view()}
            </fieldset>
            <label class="check"><input type="checkbox" id="delivery-active"
                prop:checked=move || draft.with(|d| d.as_ref().is_some_and(|d| d.active))
                on:change=move |ev| { let on = event_target_checked(&ev); draft.update(|d| if let Some(d) = d { d.active = on }) }/>
                {t("dl-active")}</label>
            <div class="toolbar">
                <button class="primary" id="delivery-save" on:click=save>{t("dl-save")}</button>
                <button id="delivery-cancel" on:click=move |_| draft.set(None)>{t("dl-cancel")}</button>
            </div>
        </div>
    }
}
