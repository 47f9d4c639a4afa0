//! Satisfaction (满意度): the report of the tickets the user sees — CSAT
//! and NPS overall and by agent, team, type, channel or month (the choice
//! in the URL), and the unhappy answers of the customers who bought the
//! most first — and [`SurveyPage`], where a customer answers a survey by
//! its link without signing in.

use crm_api_types::satisfaction::{Satisfaction, SatisfactionReport, SurveyKind, SurveyQuestion};
use crm_api_types::tickets::ServiceSettings;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use serde_json::json;

use crate::api::{ApiError, encode};
use crate::components::{Empty, ErrorView, Skeleton};
use crate::i18n::{self, Locale, tr, use_locale};
use crate::load::Load;
use crate::session::use_lookups;

const GROUPS: [(&str, &str); 5] = [
    ("month", "sat-by-month"),
    ("agent", "sat-by-agent"),
    ("team", "sat-by-team"),
    ("ticket_type", "sat-by-type"),
    ("channel", "sat-by-channel"),
];

fn figures(locale: Locale, s: &Satisfaction) -> (String, String, String) {
    let dash = || "—".to_owned();
    (
        s.csat_average.map_or_else(dash, |v| format!("{v:.2}")),
        s.csat_satisfied
            .map_or_else(dash, |v| i18n::percent(locale, v)),
        s.nps.map_or_else(dash, |v| format!("{v:.0}")),
    )
}

#[component]
pub fn SatisfactionReportPage() -> impl IntoView {
    let query = use_query_map();
    let locale = use_locale();
    let lookups = use_lookups();
    let by = Memo::new(move |_| query.with(|q| q.get("by").unwrap_or_else(|| "month".to_owned())));
    let report = Load::<SatisfactionReport>::new(move || {
        format!("/api/v1/service/satisfaction?by={}", encode(&by.get()))
    });
    let settings = Load::<ServiceSettings>::new(|| "/api/v1/service/settings".to_owned());
    let label = move |key: &str| -> String {
        if key.is_empty() {
            return "—".to_owned();
        }
        match by.get().as_str() {
            "agent" => lookups.user_name(key.parse().ok()),
            "ticket_type" => crate::pages::tickets::type_name(&settings, key),
            _ => key.to_owned(),
        }
    };
    view! {
        <section class="satisfaction-page">
            <div class="toolbar"><h1 id="page-title">{tr("nav-satisfaction")}</h1></div>
            <div class="chips" id="satisfaction-by">
                {GROUPS.iter().map(|(key, name)| {
                    let key = *key;
                    view! {
                        <button class="chip" class:active=move || by.get() == key data-by=key
                            on:click=move |_| use_navigate()(&format!("/satisfaction?by={key}"), Default::default())>{tr(name)}</button>
                    }
                }).collect_view()}
            </div>
            {move || match report.get() {
                None => view! { <Skeleton/> }.into_any(),
                Some(Err(e)) => view! { <ErrorView error=e/> }.into_any(),
                Some(Ok(r)) => {
                    let (avg, satisfied, nps) = figures(locale.get(), &r.total);
                    view! {
                        <div class="kpis" id="satisfaction-total">
                            <div class="card kpi"><small>{tr("sat-csat")}</small><strong id="csat-average">{avg}</strong><small>{r.total.csat_responses}" "{tr("sat-responses")}</small></div>
                            <div class="card kpi"><small>{tr("sat-satisfied")}</small><strong>{satisfied}</strong></div>
                            <div class="card kpi"><small>"NPS"</small><strong id="nps">{nps}</strong><small>{r.total.nps_responses}" "{tr("sat-responses")}</small></div>
                        </div>
                        <table class="list" id="satisfaction-rows">
                            <thead><tr><th></th><th>{tr("sat-csat")}</th><th>{tr("sat-satisfied")}</th><th>{tr("sat-responses")}</th><th>"NPS"</th></tr></thead>
                            <tbody>
                                {r.rows.into_iter().map(|row| {
                                    let (avg, satisfied, nps) = figures(locale.get_untracked(), &row.satisfaction);
                                    view! {
                                        <tr data-key=row.key.clone()>
                                            <td>{label(&row.key)}</td><td>{avg}</td><td>{satisfied}</td>
                                            <td>{row.satisfaction.csat_responses + row.satisfaction.nps_responses}</td><td>{nps}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                        <h2>{tr("sat-unhappy")}</h2>
                        {if r.unhappy.is_empty() {
                            view! { <Empty message=tr("sat-no-unhappy")/> }.into_any()
                        } else {
                            view! {
                                <table class="list" id="unhappy">
                                    <thead><tr><th>{tr("tk-customer")}</th><th>{tr("sat-revenue")}</th><th>"RFM"</th><th>{tr("sat-score")}</th><th></th></tr></thead>
                                    <tbody>
                                        {r.unhappy.into_iter().map(|u| view! {
                                            <tr>
                                                <td><a href=format!("/customers/{}", u.survey.customer_id)>{u.customer_name}</a></td>
                                                <td>{u.revenue_minor.map(|m| i18n::money(locale.get_untracked(), m, "CNY")).unwrap_or_default()}</td>
                                                <td>{u.rfm_segment.unwrap_or_default()}</td>
                                                <td>{u.survey.kind.as_str().to_uppercase()}" "{u.survey.score}</td>
                                                <td><a href=format!("/tickets/{}", u.survey.ticket_id)>{u.survey.comment.unwrap_or_default()}</a></td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            }.into_any()
                        }}
                    }.into_any()
                }
            }}
        </section>
    }
}

/// `/survey/:token`: a customer rates the service, once, without signing in.
#[component]
pub fn SurveyPage() -> impl IntoView {
    let params = use_params_map();
    let token = Memo::new(move |_| params.with(|p| p.get("token").unwrap_or_default()));
    let question = RwSignal::new(None::<Result<SurveyQuestion, ApiError>>);
    Effect::new(move |_| {
        let path = format!("/api/v1/public/surveys/{}", encode(&token.get()));
        leptos::task::spawn_local(async move {
            let _ = question.try_set(Some(crate::api::get_public::<SurveyQuestion>(&path).await));
        });
    });
    let score = RwSignal::new(None::<i32>);
    let comment = RwSignal::new(String::new());
    let done = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiError>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(value) = score.get_untracked() else {
            return;
        };
        let body = json!({"score": value, "comment": comment.get_untracked()});
        let path = format!("/api/v1/public/surveys/{}", encode(&token.get_untracked()));
        leptos::task::spawn_local(async move {
            match crate::api::post_public::<serde_json::Value, _>(&path, &body).await {
                Ok(_) => {
                    let _ = done.try_set(true);
                }
                Err(err) => {
                    let _ = failure.try_set(Some(err));
                }
            }
        });
    };
    view! {
        <main class="survey-page card" id="survey">
            {move || match question.get() {
                None => view! { <Skeleton rows=2/> }.into_any(),
                Some(Err(e)) => view! { <ErrorView error=e/> }.into_any(),
                Some(Ok(_)) if done.get() => view! { <h1 id="survey-thanks">{tr("sat-thanks")}</h1> }.into_any(),
                Some(Ok(q)) => {
                    let (low, high) = q.kind.scale();
                    let prompt = if q.kind == SurveyKind::Csat { "sat-ask-csat" } else { "sat-ask-nps" };
                    view! {
                        <p class="muted">{q.workspace_name.clone()}" · #"{q.ticket_number}" "{q.ticket_subject.clone()}</p>
                        <h1>{tr(prompt)}</h1>
                        <form on:submit=submit>
                            <div class="chips" id="survey-scores">
                                {(low..=high).map(|v| view! {
                                    <button type="button" class="chip score" class:active=move || score.get() == Some(v)
                                        data-score=v on:click=move |_| score.set(Some(v))>{v}</button>
                                }).collect_view()}
                            </div>
                            <label>{tr("sat-comment")}<textarea id="survey-comment" rows="3" bind:value=comment></textarea></label>
                            {move || failure.get().map(|e| view! { <ErrorView error=e/> })}
                            <button type="submit" class="primary" id="survey-submit" disabled=move || score.get().is_none()>{tr("sat-submit")}</button>
                        </form>
                    }.into_any()
                }
            }}
        </main>
    }
}
