//! The top bar's reminders (提醒): how many of the caller's open tasks are
//! due today or overdue (or whose reminder time has come), and the list
//! behind the count. Counted again every minute, when the tab regains
//! focus, and at once when a page changes a task ([`Changed`]).

use crm_api_types::activities::Reminders;
use leptos::prelude::*;

use crate::i18n::{self, tr, use_locale};

/// Bumped by pages that create, complete or reschedule a task (provided by the shell).
#[derive(Clone, Copy)]
pub struct Changed(pub RwSignal<u32>);

const EVERY: std::time::Duration = std::time::Duration::from_secs(60);

#[component]
pub fn ReminderBell() -> impl IntoView {
    let locale = use_locale();
    let changed = use_context::<Changed>().unwrap_or(Changed(RwSignal::new(0)));
    let state = RwSignal::new(None::<Reminders>);
    let open = RwSignal::new(false);
    let fetch = move || {
        let until = crate::clock::day_start(1);
        leptos::task::spawn_local(async move {
            let path = format!(
                "/api/v1/activities/reminders?until={}",
                crate::api::encode(&until)
            );
            // A failed count keeps the last one; the next tick tries again.
            if let Ok(r) = crate::api::get::<Reminders>(&path).await {
                state.set(Some(r));
            }
        });
    };
    Effect::new(move |_| {
        changed.0.track();
        fetch();
    });
    if let Ok(handle) = set_interval_with_handle(fetch, EVERY) {
        on_cleanup(move || handle.clear());
    }
    let focus = window_event_listener(leptos::ev::focus, move |_| fetch());
    on_cleanup(move || focus.remove());

    let count = move || state.with(|s| s.as_ref().map_or(0, |r| r.due));
    let overdue = move || state.with(|s| s.as_ref().is_some_and(|r| r.overdue > 0));
    let items = move || {
        let locale = locale.get();
        state.with(|s| {
            s.as_ref()
                .map(|r| r.items.clone())
                .unwrap_or_default()
                .into_iter()
                .map(|a| {
                    let when = a
                        .due_at
                        .map(|at| i18n::datetime(locale, &at.to_rfc3339()))
                        .unwrap_or_default();
                    let late = a.due_at.is_some_and(|at| {
                        crate::clock::millis(&at.to_rfc3339()) < crate::clock::millis(&crate::clock::now())
                    });
                    view! {
                        <li class="reminder" class:late=late data-id=a.id.to_string()>
                            <span aria-hidden="true">{crate::pages::deals::activity_icon(a.kind.as_str())}</span>
                            " "<span class="reminder-subject">{a.subject.clone()}</span>
                            <small class="muted">{when}</small>
                        </li>
                    }
                })
                .collect_view()
        })
    };
    view! {
        <div class="reminders">
            <button id="reminders" class="link" aria-label=tr("rem-title") on:click=move |_| open.update(|o| *o = !*o)>
                {tr("rem-title")}<span id="reminder-count" class="badge count" class:late=overdue class:zero=move || count() == 0>{count}</span>
            </button>
            <Show when=move || open.get()>
                <div class="menu card reminder-menu" id="reminder-list">
                    <strong>{tr("rem-title")}</strong>
                    <Show when=move || { count() > 0 } fallback=|| view! { <p class="muted">{tr("rem-none")}</p> }>
                        <ul class="reminder-items">{items}</ul>
                    </Show>
                    <a href="/tasks" id="reminders-all" on:click=move |_| open.set(false)>{tr("rem-all")}</a>
                </div>
            </Show>
        </div>
    }
}
