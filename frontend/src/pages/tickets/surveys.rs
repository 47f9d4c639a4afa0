//! A ticket's satisfaction surveys: their answers, and for an agent who
//! may update the ticket, sending a CSAT survey once it is resolved (or an
//! NPS survey) and copying the link to give the customer.

use crm_api_types::satisfaction::{SentSurvey, Survey};
use leptos::prelude::*;
use serde_json::json;
use uuid::Uuid;

use crate::components::{When, use_toasts};
use crate::i18n::tr;
use crate::load::Load;

#[component]
pub fn SurveysPanel(
    ticket_id: Uuid,
    resolved: bool,
    #[prop(into)] can_update: Signal<bool>,
) -> impl IntoView {
    let toasts = use_toasts();
    let surveys = Load::<Vec<Survey>>::new(move || format!("/api/v1/tickets/{ticket_id}/surveys"));
    let link = RwSignal::new(None::<String>);
    let send = move |kind: &'static str| {
        leptos::task::spawn_local(async move {
            let path = format!("/api/v1/tickets/{ticket_id}/surveys");
            match crate::api::post::<SentSurvey, _>(&path, &json!({"kind": kind})).await {
                Ok(sent) => {
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
