//! A ticket's satisfaction surveys: their answers, and for an agent who
//! may update the ticket, sending a CSAT survey once it is resolved (or an
//! NPS survey), mailed to the ticket's contact when asked, and copying the
//! link to give the customer.

use crm_api_types::satisfaction::{SentSurvey, Survey};
use leptos::prelude::*;
use serde_json::json;
use uuid::Uuid;

use crate::components::{When, use_toasts};
use crate::i18n::{tr, use_locale};
use crate::load::Load;

#[component]
pub fn SurveysPanel(
    ticket_id: Uuid,
    resolved: bool,
    #[prop(into)] can_update: Signal<bool>,
) -> impl IntoView {
    let toasts = use_toasts();
    let surveys = Load::<Vec<Survey>>::new(move || format!("/api/v1/tickets/{ticket_id}/surveys"));
    let locale = use_locale();
    let link = RwSignal::new(None::<String>);
    let by_email = RwSignal::new(false);
    let send = move |kind: &'static str| {
        leptos::task::spawn_local(async move {
            let path = format!("/api/v1/tickets/{ticket_id}/surveys");
            let body = json!({"kind": kind, "by_email": by_email.get_untracked()});
            match crate::api::post::<SentSurvey, _>(&path, &body).await {
                Ok(sent) => {
                    if let Some(to) = &sent.mailed_to {
                        let mut args = fluent_bundle::FluentArgs::new();
                        args.set("to", to.clone());
                        toasts.success(crate::i18n::message(
                            locale.get_untracked(),
                            "sat-mailed",
                            Some(&args),
                        ));
                    }
                    let origin = web_sys::window()
                        .and_then(|w| w.location().origin().ok())
                        .unwrap_or_default();
                    let _ = link.try_set(Some(format!("{origin}{}", sent.path)));
                    surveys.refetch();
                }
                Err(err) => toasts.error(err.to_string()),
            }
        });
    };
    view! {
        <div class="card" id="ticket-surveys">
            <h2>{tr("sat-surveys")}</h2>
            <ul class="surveys">
                {move || surveys.ok_with(|l| l.clone()).unwrap_or_default().into_iter().map(|s| view! {
                    <li class="survey" data-kind=s.kind.as_str() data-score=s.score.map(|v| v.to_string()).unwrap_or_default()>
                        <strong>{s.kind.as_str().to_uppercase()}</strong>" "
                        {match s.score {
                            Some(score) => view! { <span class="badge">{score}</span> }.into_any(),
                            None => view! { <span class="muted">{tr("sat-waiting")}</span> }.into_any(),
                        }}
                        {s.comment.map(|c| view! { " " <q>{c}</q> })}
                    </li>
                }).collect_view()}
            </ul>
            <When when=move || can_update.get()>
                <div class="actions">
                    <label class="check">
                        <input type="checkbox" id="survey-by-email" prop:checked=move || by_email.get()
                            on:change=move |ev| by_email.set(event_target_checked(&ev))/>
                        {tr("sat-by-email")}
                    </label>
                    <When when=move || resolved>
                        <button id="send-csat" on:click=move |_| send("csat")>{tr("sat-send-csat")}</button>
                    </When>
                    <button id="send-nps" on:click=move |_| send("nps")>{tr("sat-send-nps")}</button>
                </div>
            </When>
            {move || link.get().map(|url| view! {
                <label>{tr("sat-link")}<input id="survey-link" readonly prop:value=url/></label>
            })}
        </div>
    }
}
