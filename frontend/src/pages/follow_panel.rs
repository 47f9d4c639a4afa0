//! A follow-up panel for records the lists open in place (a lead, a
//! contact): the log-or-task form (`followups::FollowUpForm`) and the
//! record's last ten activities, reloaded and the form emptied after each
//! save.

use crm_api_types::Page;
use crm_api_types::activities::Activity;
use leptos::prelude::*;

use crate::components::ErrorView;
use crate::i18n::{self, tr, use_locale};
use crate::load::Load;
use crate::pages::followups::{FollowUpForm, Subject};

#[component]
pub fn FollowUpPanel(
    about: Subject,
    title: String,
    on_close: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let locale = use_locale();
    let filter = match (about.lead_id, about.contact_id) {
        (Some(lead), _) => format!("lead_id={lead}"),
        (None, Some(contact)) => format!("contact_id={contact}"),
        _ => String::new(),
    };
    let recent =
        Load::<Page<Activity>>::new(move || format!("/api/v1/activities?{filter}&limit=10"));
    // Bumped after a save: the form mounts again, empty.
    let round = RwSignal::new(0_u32);
    let items = move || {
        let locale = locale.get();
        recent.with(|r| match r {
            Some(Ok(page)) => page
                .items
                .iter()
                .map(|a| {
                    let kind = a.kind.as_str();
                    let when = i18n::datetime(locale, &a.occurred_at.to_rfc3339());
                    view! {
                        <li class="follow-item" data-kind=kind>
                            <span class="badge">{i18n::vocab(locale, "activity", kind)}</span>" "
                            <strong>{a.subject.clone()}</strong>" "
                            <span class="muted">{when}</span>
                            {a.outcome.clone().map(|o| view! { <div class="muted">{o}</div> })}
                        </li>
                    }
                })
                .collect_view()
                .into_any(),
            Some(Err(e)) => view! { <ErrorView error=e.clone()/> }.into_any(),
            None => ().into_any(),
        })
    };
    view! {
        <div class="card follow-panel" id="follow-panel">
            <div class="section-head">
                <h2>{tr("fu-log")}" · "{title}</h2>
                <button id="follow-close" on:click=move |_| on_close()>{tr("close")}</button>
            </div>
            {move || {
                round.track();
                view! {
                    <FollowUpForm about=about kind="call"
                        on_saved=move || { round.update(|r| *r += 1); recent.refetch(); }
                        on_cancel=on_close/>
                }
            }}
            <ul class="plain" id="follow-recent">{items}</ul>
        </div>
    }
}
