//! 我的待办 My tasks: the open activities assigned to the caller (or, for a
//! manager, to someone in their scope), grouped overdue / today / this week
//! / later (undated ones last), soonest first; complete or reschedule in
//! place; filter by kind and customer (both in the URL); create a task on
//! a customer.

use crm_api_types::Page;
use crm_api_types::activities::Activity;
use crm_api_types::customers::Customer;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use serde_json::json;
use uuid::Uuid;

use crate::api::encode;
use crate::components::{Empty, ErrorView, Skeleton, When, use_toasts};
use crate::i18n::{self, tr, use_locale, use_t};
use crate::load::Load;
use crate::pages::followups::{FollowUpForm, KINDS, Subject, remind_again};
use crate::session::{use_lookups, use_session};

/// Which group a due time falls in, given the local day boundaries (milliseconds).
fn group_of(due: Option<f64>, now: f64, tomorrow: f64, next_week: f64) -> &'static str {
    match due {
        None => "later",
        Some(d) if d < now => "overdue",
        Some(d) if d < tomorrow => "today",
        Some(d) if d < next_week => "week",
        Some(_) => "later",
    }
}

#[component]
pub fn Tasks() -> impl IntoView {
    let t = use_t();
    let locale = use_locale();
    let session = use_session();
    let lookups = use_lookups();
    let toasts = use_toasts();
    let query_map = use_query_map();
    let param = move |key: &'static str| query_map.with(|q| q.get(key).unwrap_or_default());
    let me = move || session.0.with(|m| m.as_ref().map(|m| m.user.id));
    let owner = move || param("owner_id").parse::<Uuid>().ok().or_else(me);
    let changed = RwSignal::new(0u32);
    let filters = move || {
        let mut q = String::new();
        if !param("kind").is_empty() {
            q.push_str(&format!("&kind={}", encode(&param("kind"))));
        }
        if let Ok(c) = param("customer_id").parse::<Uuid>() {
            q.push_str(&format!("&customer_id={c}"));
        }
        q
    };
    let path = move |extra: &str| {
        changed.track();
        match owner() {
            Some(o) => format!(
                "/api/v1/activities?owner_id={o}&done=false&limit=200{extra}{}",
                filters()
            ),
            None => "/api/v1/activities?limit=1&owner_id=00000000-0000-0000-0000-000000000000"
                .to_owned(),
        }
    };
    let dated = Load::<Page<Activity>>::new(move || path("&sort=due_at"));
    let undated = Load::<Page<Activity>>::new(move || path("&has_due=false"));
    // The customer filtered by, by name.
    let customer = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        let id = param("customer_id").parse::<Uuid>().ok();
        customer.set(None);
        if let Some(id) = id {
            leptos::task::spawn_local(async move {
                if let Ok(c) = crate::api::get::<Customer>(&format!("/api/v1/customers/{id}")).await
                {
                    customer.set(Some(c.name));
                }
            });
        }
    });
    let creating = RwSignal::new(false);
    let set = move |key: &'static str, value: String| {
        let mut next = query_map.get_untracked();
        if value.is_empty() {
            next.remove(key);
        } else {
            next.replace(key, value);
        }
        let q: Vec<String> = ["owner_id", "kind", "customer_id"]
            .iter()
            .filter_map(|k| next.get(k).map(|v| format!("{k}={}", encode(&v))))
            .collect();
        use_navigate()(&format!("/tasks?{}", q.join("&")), Default::default());
    };
    let remind_again = remind_again();
    let reload = move || {
        changed.update(|n| *n += 1);
        remind_again();
    };
    let save = move |a: &Activity, body: serde_json::Value, message: &'static str| {
        let (id, version) = (a.id, a.version);
        leptos::task::spawn_local(async move {
            match crate::api::patch::<Activity, _>(
                &format!("/api/v1/activities/{id}"),
                &body,
                version,
            )
            .await
            {
                Ok(_) => {
                    toasts.success(t(message));
                    reload();
                }
                Err(err) => toasts.error(err.to_string()),
            }
        });
    };

    let row = move |a: Activity| {
        let locale = locale.get_untracked();
        let due = a.due_at.map(|d| d.to_rfc3339());
        let when = due
            .as_deref()
            .map(|d| i18n::datetime(locale, d))
            .unwrap_or_else(|| t("task-no-due"));
        let reschedule = RwSignal::new(
            due.as_deref()
                .map(crate::clock::to_local)
                .unwrap_or_default(),
        );
        let (done_task, moved_task) = (a.clone(), a.clone());
        let priority = a.priority.as_str();
        view! {
            <li class="task" data-id=a.id.to_string() data-priority=priority>
                <input type="checkbox" class="task-done" aria-label=tr("task-complete")
                    on:change=move |_| save(&done_task, json!({"done": true}), "task-completed")/>
                <div class="task-body">
                    <div>
                        <span aria-hidden="true">{crate::pages::deals::activity_icon(a.kind.as_str())}</span>" "
                        <strong class="task-subject">{a.subject.clone()}</strong>
                        {(priority != "normal").then(|| view! { <span class=format!("badge priority-{priority}")>{i18n::vocab(locale, "priority", priority)}</span> })}
                    </div>
                    <small class="muted">
                        <time class="task-due">{when}</time>
                        {a.customer_id.map(|c| view! { " · "<a href=format!("/customers/{c}?tab=timeline")>{tr("task-customer")}</a> })}
                        {a.deal_id.map(|d| view! { " · "<a href=format!("/deals/{d}")>{tr("task-deal")}</a> })}
                        " · "{lookups.user_name(a.owner_id)}
                    </small>
                </div>
                <div class="task-reschedule">
                    <input type="datetime-local" class="task-due-input" aria-label=tr("task-reschedule") bind:value=reschedule/>
                    <button class="link task-move" on:click=move |_| {
                        if let Some(at) = crate::clock::from_local(&reschedule.get_untracked()) {
                            save(&moved_task, json!({"due_at": at}), "task-moved");
                        }
                    }>{tr("task-reschedule")}</button>
                </div>
            </li>
        }
    };
    let groups = move || {
        let ms = |at: String| crate::clock::millis(&at);
        let (now, tomorrow, week) = (
            ms(crate::clock::now()),
            ms(crate::clock::day_start(1)),
            ms(crate::clock::next_week()),
        );
        let mut all = dated.ok_with(|p| p.items.clone()).unwrap_or_default();
        all.extend(undated.ok_with(|p| p.items.clone()).unwrap_or_default());
        ["overdue", "today", "week", "later"]
            .into_iter()
            .map(|g| {
                let items: Vec<Activity> = all
                    .iter()
                    .filter(|a| group_of(a.due_at.map(|d| ms(d.to_rfc3339())), now, tomorrow, week) == g)
                    .cloned()
                    .collect();
                let n = items.len();
                view! {
                    <section class="card task-group" id=format!("tasks-{g}") data-count=n>
                        <h2>{tr(match g { "overdue" => "task-overdue", "today" => "task-today", "week" => "task-week", _ => "task-later" })}" "<span class="badge count">{n}</span></h2>
                        {if items.is_empty() {
                            view! { <p class="muted">{tr("task-group-empty")}</p> }.into_any()
                        } else {
                            view! { <ul class="tasks">{items.into_iter().map(row).collect_view()}</ul> }.into_any()
                        }}
                    </section>
                }
            })
            .collect_view()
    };
    let about = move || Subject {
        customer_id: param("customer_id").parse::<Uuid>().ok(),
        ..Subject::default()
    };

    view! {
        <section class="tasks-page">
            <div class="toolbar">
                <h1 id="page-title">{tr("nav-tasks")}</h1>
                <When when=move || about().customer_id.is_some()>
                    <button id="new-task" class="primary" on:click=move |_| creating.set(true)>{tr("fu-new-task")}</button>
                </When>
            </div>
            {move || creating.get().then(|| view! {
                <FollowUpForm about=about() kind="task" on_saved=move || { creating.set(false); reload(); } on_cancel=move || creating.set(false)/>
            })}
            <div class="list-controls">
                <div class="filters">
                    <select id="task-kind" aria-label=tr("task-any-kind") on:change=move |ev| set("kind", event_target_value(&ev))>
                        <option value="">{tr("task-any-kind")}</option>
                        {KINDS.into_iter().map(|k| view! {
                            <option value=k selected=move || param("kind") == k>{move || i18n::vocab(locale.get(), "activity", k)}</option>
                        }).collect_view()}
                    </select>
                    <select id="task-owner" aria-label=tr("task-owner") on:change=move |ev| set("owner_id", event_target_value(&ev))>
                        <option value="">{tr("fu-assignee-me")}</option>
                        {move || lookups.users.get().into_iter().filter(|u| u.active && Some(u.id) != me()).map(|u| {
                            let id = u.id.to_string();
                            let selected = id.clone();
                            view! { <option value=id selected=move || param("owner_id") == selected>{u.display_name.clone()}</option> }
                        }).collect_view()}
                    </select>
                    {move || customer.get().map(|name| view! {
                        <span class="chip active" id="task-customer-filter">{name}
                            " "<button class="link" aria-label=tr("task-clear-customer") on:click=move |_| set("customer_id", String::new())>"×"</button>
                        </span>
                    })}
                </div>
            </div>
            {move || dated.get().and_then(Result::err).map(|e| view! { <ErrorView error=e/> })}
            <When when=move || dated.get().is_some() && undated.get().is_some() fallback=|| view! { <Skeleton/> }>
                <When when=move || { let n = dated.ok_with(|p| p.items.len()).unwrap_or(0) + undated.ok_with(|p| p.items.len()).unwrap_or(0); n > 0 }
                    fallback=|| view! { <Empty message=tr("task-none")/> }>
                    <div class="task-groups">{groups}</div>
                </When>
            </When>
        </section>
    }
}
