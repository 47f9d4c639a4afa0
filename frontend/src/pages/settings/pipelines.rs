//! Settings › 销售流程 Pipelines: every pipeline with its stages in board
//! order. An administrator renames a stage, changes its default probability
//! (deals already on it keep theirs) or its forecast category — an open
//! stage commit, best case, pipeline or omitted, a won one closed, a lost
//! one omitted — moves it left or right on the board, retires it once no
//! deal is on it, and adds new stages (`PATCH`, `DELETE` and `POST
//! /pipelines/{id}/stages…`). The server's field errors show on the row;
//! a refusal (deals still on a stage, its last won stage) shows as a toast.

use crm_api_types::deals::{Pipeline, Stage};
use crm_api_types::domain::sales::StageKind;
use leptos::prelude::*;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::api::ApiError;
use crate::components::{Confirm, ErrorView, Skeleton, use_toasts};
use crate::i18n::{self, tr, use_locale, use_t, use_t1};
use crate::load::Load;

/// The categories a stage of this kind may take.
fn categories(kind: StageKind) -> &'static [&'static str] {
    match kind {
        StageKind::Open => &["commit", "best_case", "pipeline", "omitted"],
        StageKind::Won => &["closed"],
        StageKind::Lost => &["omitted"],
    }
}

/// The first of the named fields the server's error names, else its detail.
fn problem_text(e: &ApiError, fields: &[&str]) -> String {
    fields
        .iter()
        .find_map(|f| e.field(f))
        .or(e.detail.clone())
        .unwrap_or(e.title.clone())
}

#[component]
fn StageRow(pipeline: Uuid, stage: Stage, last: bool, on_saved: Callback<()>) -> impl IntoView {
    let t = use_t();
    let t1 = use_t1();
    let locale = use_locale();
    let toasts = use_toasts();
    let name = RwSignal::new(stage.name.clone());
    let probability = RwSignal::new(stage.probability.to_string());
    let category = RwSignal::new(stage.forecast_category.as_str().to_owned());
    let failure = RwSignal::new(None::<ApiError>);
    let saving = RwSignal::new(false);
    let confirm_retire = RwSignal::new(false);
    let id = stage.id;
    let path = format!("/api/v1/pipelines/{pipeline}/stages/{id}");
    let send = {
        let path = path.clone();
        move |body: Value, done: String| {
            let path = path.clone();
            saving.set(true);
            leptos::task::spawn_local(async move {
                let result = crate::api::patch_part::<Pipeline, _>(&path, &body).await;
                saving.set(false);
                match result {
                    Ok(_) => {
                        failure.set(None);
                        toasts.success(done);
                        on_saved.run(());
                    }
                    Err(e) => failure.set(Some(e)),
                }
            });
        }
    };
    let save = {
        let send = send.clone();
        move |_| {
            send(
                json!({
                    "name": name.get_untracked().trim(),
                    "probability": probability.get_untracked().trim().parse::<i64>().unwrap_or(-1),
                    "forecast_category": category.get_untracked(),
                }),
                t("stage-saved"),
            )
        }
    };
    let position = stage.position;
    let move_to = {
        let send = send.clone();
        move |to: i32| send(json!({ "position": to }), t("stage-moved"))
    };
    let move_left = {
        let move_to = move_to.clone();
        move |_| move_to(position - 1)
    };
    let move_right = move |_| move_to(position + 1);
    let retire = move || {
        let path = path.clone();
        leptos::task::spawn_local(async move {
            match crate::api::delete(&path, None).await {
                Ok(()) => {
                    toasts.success(t("stage-retired"));
                    on_saved.run(());
                }
                Err(e) => toasts.error(problem_text(&e, &["stage_id", "kind"])),
            }
        });
    };
    let retire = StoredValue::new(retire);
    let problem = move || {
        failure.get().map(|e| {
            problem_text(
                &e,
                &["name", "probability", "forecast_category", "position"],
            )
        })
    };
    let stage_name = stage.name.clone();
    view! {
        <tr class="stage-row" data-stage=id.to_string()>
            <td><input class="stage-name" maxlength="50" bind:value=name aria-label=move || t("stage-name")/></td>
            <td>{move || i18n::vocab(locale.get(), "stage-kind", stage.kind.as_str())}</td>
            <td><input class="stage-probability" inputmode="numeric" bind:value=probability aria-label=move || t("deal-probability")/></td>
            <td>
                <select class="stage-category" aria-label=move || t("deal-forecast-category")
                    on:change=move |ev| category.set(event_target_value(&ev))>
                    {categories(stage.kind).iter().map(|c| view! {
                        <option value=*c selected=move || category.get() == *c>{move || i18n::vocab(locale.get(), "forecast", c)}</option>
                    }).collect_view()}
                </select>
            </td>
            <td class="stage-actions">
                <button class="stage-save" disabled=move || saving.get() on:click=save>{tr("save")}</button>
                <button class="stage-left" title=move || t("stage-move-left") aria-label=move || t("stage-move-left")
                    disabled=move || saving.get() || position == 0 on:click=move_left>"←"</button>
                <button class="stage-right" title=move || t("stage-move-right") aria-label=move || t("stage-move-right")
                    disabled=move || saving.get() || last on:click=move_right>"→"</button>
                <button class="stage-retire danger" on:click=move |_| confirm_retire.set(true)>{tr("stage-retire")}</button>
                {move || problem().map(|p| view! { <span class="field-error stage-error">{p}</span> })}
                <Confirm open=confirm_retire
                    message=Signal::derive(move || t1("stage-confirm-retire", "name", stage_name.clone()))
                    on_confirm=move || retire.with_value(|r| r())/>
            </td>
        </tr>
    }
}

/// The row that adds a stage: name, kind and probability; the server puts an
/// open stage after the last open one, a won or lost one last.
#[component]
fn AddStage(pipeline: Uuid, on_saved: Callback<()>) -> impl IntoView {
    let t = use_t();
    let locale = use_locale();
    let toasts = use_toasts();
    let name = RwSignal::new(String::new());
    let kind = RwSignal::new("open".to_owned());
    let probability = RwSignal::new("50".to_owned());
    let failure = RwSignal::new(None::<ApiError>);
    let saving = RwSignal::new(false);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = json!({
            "name": name.get_untracked().trim(),
            "kind": kind.get_untracked(),
            "probability": probability.get_untracked().trim().parse::<i64>().unwrap_or(-1),
        });
        saving.set(true);
        leptos::task::spawn_local(async move {
            let path = format!("/api/v1/pipelines/{pipeline}/stages");
            let result = crate::api::post::<Pipeline, _>(&path, &body).await;
            saving.set(false);
            match result {
                Ok(_) => {
                    failure.set(None);
                    name.set(String::new());
                    toasts.success(t("stage-added"));
                    on_saved.run(());
                }
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    view! {
        <form class="toolbar new-stage" on:submit=add>
            <input class="new-stage-name" maxlength="50" required bind:value=name
                placeholder=move || t("stage-new-name") aria-label=move || t("stage-name")/>
            <select class="new-stage-kind" aria-label=move || t("stage-kind")
                on:change=move |ev| kind.set(event_target_value(&ev))>
                {["open", "won", "lost"].into_iter().map(|k| view! {
                    <option value=k selected=move || kind.get() == k>{move || i18n::vocab(locale.get(), "stage-kind", k)}</option>
                }).collect_view()}
            </select>
            <input class="new-stage-probability" inputmode="numeric" bind:value=probability aria-label=move || t("deal-probability")/>
            <button type="submit" class="primary new-stage-add" disabled=move || saving.get()>{tr("stage-add")}</button>
            {move || failure.get().map(|e| view! {
                <span class="field-error new-stage-error">{problem_text(&e, &["name", "probability", "kind", "stages"])}</span>
            })}
        </form>
    }
}

#[component]
pub fn Pipelines() -> impl IntoView {
    let pipelines = Load::<Vec<Pipeline>>::new(|| "/api/v1/pipelines".to_owned());
    let reload = Callback::new(move |()| pipelines.refetch());
    view! {
        {move || match pipelines.get() {
            None => view! { <Skeleton rows=4/> }.into_any(),
            Some(Err(e)) => view! { <ErrorView error=e/> }.into_any(),
            Some(Ok(all)) => all.into_iter().map(|p| {
                let pipeline = p.id;
                let count = p.stages.len();
                view! {
                    <div class="card pipeline-card" data-pipeline=p.id.to_string()>
                        <h2>{p.name.clone()}</h2>
                        <p class="muted">{tr("stages-help")}</p>
                        <div class="scroll-x">
                            <table class="rank stages">
                                <thead><tr>
                                    <th>{tr("stage-name")}</th>
                                    <th>{tr("stage-kind")}</th>
                                    <th>{tr("deal-probability")}</th>
                                    <th>{tr("deal-forecast-category")}</th>
                                    <th></th>
                                </tr></thead>
                                <tbody>
                                    {p.stages.into_iter().enumerate().map(|(i, s)| view! {
                                        <StageRow pipeline=pipeline stage=s last=i + 1 == count on_saved=reload/>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        <AddStage pipeline=pipeline on_saved=reload/>
                    </div>
                }
            }).collect_view().into_any(),
        }}
    }
}
