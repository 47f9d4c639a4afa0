//! Creating and editing a deal (商机): name, customer (fixed when opened
//! from a customer, else picked by search), pipeline and stage, amount,
//! expected close date, a probability that overrides the stage's, on an open
//! stage the rep's forecast category (else the stage's), owner,
//! and the reason when the stage is a lost one. An edit sends `If-Match`
//! and only what changed; the server's field errors show beside each input.

use crm_api_types::Page;
use crm_api_types::customers::Customer;
use crm_api_types::deals::{Deal, Pipeline};
use crm_api_types::domain::sales::StageKind;
use leptos::prelude::*;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::api::{ApiError, encode};
use crate::components::{ErrorView, FieldError, When, use_toasts};
use crate::i18n::{self, tr, use_locale, use_t, use_t1};
use crate::load::Load;
use crate::pages::leads::amount_minor;
use crate::session::use_lookups;

/// Picks a customer by searching their names (8 at a time).
#[component]
pub fn CustomerPicker(chosen: RwSignal<Option<(Uuid, String)>>) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let found = RwSignal::new(Vec::<Customer>::new());
    let search = move |text: String| {
        query.set(text.clone());
        if text.trim().is_empty() {
            found.set(Vec::new());
            return;
        }
        leptos::task::spawn_local(async move {
            let path = format!("/api/v1/customers?limit=8&q={}", encode(text.trim()));
            if let Ok(page) = crate::api::get::<Page<Customer>>(&path).await
                && query.get_untracked() == text
            {
                found.set(page.items);
            }
        });
    };
    view! {
        {move || match chosen.get() {
            Some((_, name)) => view! {
                <span class="chip active" id="deal-customer-chosen">{name}" "
                    <button type="button" class="link" on:click=move |_| chosen.set(None)>"×"</button></span>
            }.into_any(),
            None => view! {
                <input id="deal-customer-search" type="search" autocomplete="off" placeholder=tr("deal-customer-search")
                    prop:value=move || query.get() on:input=move |ev| search(event_target_value(&ev))/>
                <ul class="picker-options">
                    {move || found.get().into_iter().map(|c| {
                        let (id, name) = (c.id, c.name.clone());
                        view! { <li><button type="button" class="link customer-option" on:click=move |_| chosen.set(Some((id, name.clone())))>{c.name.clone()}</button></li> }
                    }).collect_view()}
                </ul>
            }.into_any(),
        }}
    }
}

#[component]
pub fn DealForm(
    existing: Option<Deal>,
    /// The customer a new deal is for, with their name; `None`: picked in the form.
    #[prop(optional)]
    customer: Option<(Uuid, String)>,
    /// The stage to select when the form opens (a move from the deal page).
    #[prop(optional)]
    stage: Option<Uuid>,
    on_saved: impl Fn(Deal) + Copy + Send + Sync + 'static,
    on_cancel: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let t = use_t();
    let locale = use_locale();
    let t1 = use_t1();
    let toasts = use_toasts();
    let lookups = use_lookups();
    let d = existing.as_ref();
    let name = RwSignal::new(d.map(|d| d.name.clone()).unwrap_or_default());
    let chosen = RwSignal::new(customer);
    let pipeline = RwSignal::new(d.map(|d| d.pipeline_id));
    let stage_id = RwSignal::new(stage.or(d.map(|d| d.stage_id)));
    let amount = RwSignal::new(
        d.map(|d| {
            format!(
                "{}.{:02}",
                d.amount.amount_minor / 100,
                d.amount.amount_minor % 100
            )
        })
        .unwrap_or_default(),
    );
    let close = RwSignal::new(
        d.and_then(|d| d.expected_close_date)
            .map(|c| c.to_string())
            .unwrap_or_default(),
    );
    let probability = RwSignal::new(d.map(|d| d.probability.to_string()).unwrap_or_default());
    let owner = RwSignal::new(
        d.and_then(|d| d.owner_id)
            .map(|o| o.to_string())
            .unwrap_or_default(),
    );
    let lost_reason = RwSignal::new(d.and_then(|d| d.lost_reason.clone()).unwrap_or_default());
    // The rep's forecast category; empty: the stage's.
    let category = RwSignal::new(
        d.and_then(|d| d.forecast_category)
            .map(|c| c.as_str().to_owned())
            .unwrap_or_default(),
    );
    let target = existing.as_ref().map(|d| (d.id, d.version));
    let before = StoredValue::new(existing.clone());
    let editing = target.is_some();
    let pipelines = Load::<Vec<Pipeline>>::new(|| "/api/v1/pipelines".to_owned());
    // The first pipeline and its first stage until the user picks.
    Effect::new(move |_| {
        if let Some(first) = pipelines
            .ok_with(|p| p.first().map(|p| (p.id, p.stages.first().map(|s| s.id))))
            .flatten()
            && pipeline.get_untracked().is_none()
        {
            pipeline.set(Some(first.0));
            if stage_id.get_untracked().is_none() {
                stage_id.set(first.1);
            }
        }
    });
    let stages = move || {
        let p = pipeline.get();
        pipelines
            .ok_with(|all| {
                all.iter()
                    .find(|x| Some(x.id) == p)
                    .map(|x| x.stages.clone())
            })
            .flatten()
            .unwrap_or_default()
    };
    let lost = move || {
        let s = stage_id.get();
        stages()
            .iter()
            .any(|x| Some(x.id) == s && x.kind == StageKind::Lost)
    };
    // The chosen stage's forecast category, while it is an open one.
    let open_category = move || {
        let s = stage_id.get();
        stages()
            .into_iter()
            .find(|x| Some(x.id) == s && x.kind == StageKind::Open)
            .map(|x| x.forecast_category.as_str())
    };
    let failure = RwSignal::new(None::<ApiError>);
    let local_error = RwSignal::new(None::<(&'static str, String)>);
    let saving = RwSignal::new(false);
    let field = move |f: &'static str| {
        Signal::derive(move || {
            local_error
                .get()
                .filter(|(k, _)| *k == f)
                .map(|(_, m)| m)
                .or_else(|| failure.with(|e| e.as_ref().and_then(|e| e.field(f))))
        })
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        local_error.set(None);
        let Some(Some(minor)) = amount_minor(&amount.get_untracked()) else {
            local_error.set(Some(("amount", t("check-amount"))));
            return;
        };
        let probability_text = probability.get_untracked().trim().to_owned();
        let probability = match probability_text.as_str() {
            "" => Value::Null,
            p => match p.parse::<i32>() {
                Ok(n) if (0..=100).contains(&n) => json!(n),
                _ => {
                    local_error.set(Some(("probability", t("deal-check-probability"))));
                    return;
                }
            },
        };
        let text = |s: RwSignal<String>| match s.get_untracked().trim() {
            "" => Value::Null,
            v => json!(v),
        };
        let mut body = json!({
            "name": name.get_untracked().trim(),
            "pipeline_id": pipeline.get_untracked(),
            "stage_id": stage_id.get_untracked(),
            "amount": {"amount_minor": minor, "currency": "CNY"},
            "expected_close_date": text(close),
            "owner_id": text(owner),
            "lost_reason": if lost() { text(lost_reason) } else { Value::Null },
        });
        // Only an open deal takes a category; closing it clears the category by itself.
        let typed_category = text(category);
        let open_stage = open_category().is_some();
        match before.get_value() {
            // An edit sends what changed; a probability left as it was follows a new stage.
            Some(d) => {
                let typed = probability_text.clone();
                if let Some(o) = body.as_object_mut() {
                    if o.get("stage_id") == Some(&json!(d.stage_id)) {
                        o.remove("stage_id");
                        o.remove("pipeline_id");
                    }
                    if typed != d.probability.to_string() {
                        o.insert("probability".to_owned(), probability);
                    }
                    if d.lost_reason.is_none() && o.get("lost_reason") == Some(&Value::Null) {
                        o.remove("lost_reason");
                    }
                    let was = d
                        .forecast_category
                        .map(|c| json!(c.as_str()))
                        .unwrap_or(Value::Null);
                    if open_stage && typed_category != was {
                        o.insert("forecast_category".to_owned(), typed_category);
                    }
                }
            }
            None => {
                let Some((customer, _)) = chosen.get_untracked() else {
                    local_error.set(Some(("customer_id", t("deal-pick-customer"))));
                    return;
                };
                body["customer_id"] = json!(customer);
                body["probability"] = probability;
                if open_stage && typed_category != Value::Null {
                    body["forecast_category"] = typed_category;
                }
                if let Some(o) = body.as_object_mut()
                    && o.get("owner_id") == Some(&Value::Null)
                {
                    o.remove("owner_id");
                }
            }
        }
        saving.set(true);
        failure.set(None);
        leptos::task::spawn_local(async move {
            let result = match target {
                Some((id, version)) => {
                    crate::api::patch::<Deal, _>(&format!("/api/v1/deals/{id}"), &body, version)
                        .await
                }
                None => crate::api::post::<Deal, _>("/api/v1/deals", &body).await,
            };
            saving.set(false);
            match result {
                Ok(deal) => {
                    toasts.success(t1("deal-saved", "name", deal.name.clone()));
                    on_saved(deal);
                }
                Err(err) => failure.set(Some(err)),
            }
        });
    };

    view! {
        <form class="card form deal-form" id="deal-form" on:submit=submit>
            <h2>{if editing { tr("deal-edit") } else { tr("deal-new") }}</h2>
            <div class="grid-form">
                <label class="span-2">{tr("deal-name")}<input id="deal-name" required bind:value=name/>
                    <FieldError id="deal-name-error" message=field("name")/></label>
                <When when=move || !editing>
                    <div class="label span-2">{tr("deal-customer")}<CustomerPicker chosen=chosen/>
                        <FieldError id="deal-customer-error" message=field("customer_id")/></div>
                </When>
                <label>{tr("deal-pipeline")}
                    <select id="deal-pipeline" on:change=move |ev| {
                        let id = event_target_value(&ev).parse::<Uuid>().ok();
                        pipeline.set(id);
                        stage_id.set(pipelines.ok_with(|all| all.iter().find(|p| Some(p.id) == id).and_then(|p| p.stages.first().map(|s| s.id))).flatten());
                    }>
                        {move || pipelines.ok_with(|all| all.clone()).unwrap_or_default().into_iter().map(|p| {
                            let id = p.id;
                            view! { <option value=id.to_string() selected=move || pipeline.get() == Some(id)>{p.name.clone()}</option> }
                        }).collect_view()}
                    </select></label>
                <label>{tr("deal-stage")}
                    <select id="deal-stage-select" on:change=move |ev| stage_id.set(event_target_value(&ev).parse::<Uuid>().ok())>
                        {move || stages().into_iter().map(|s| {
                            let id = s.id;
                            view! { <option value=id.to_string() data-kind=s.kind.as_str() selected=move || stage_id.get() == Some(id)>{format!("{} · {}%", s.name, s.probability)}</option> }
                        }).collect_view()}
                    </select>
                    <FieldError id="deal-stage-error" message=field("stage_id")/></label>
                <When when=lost>
                    <label class="span-2">{tr("deal-lost-reason-label")}<input id="deal-lost-reason" bind:value=lost_reason/>
                        <FieldError id="deal-lost-reason-error" message=field("lost_reason")/></label>
                </When>
                <label>{tr("deal-amount-cny")}<input id="deal-amount" inputmode="decimal" required bind:value=amount/>
                    <FieldError id="deal-amount-error" message=field("amount")/></label>
                <label>{tr("deal-probability")}<input id="deal-probability" inputmode="numeric" placeholder=tr("deal-probability-stage") bind:value=probability/>
                    <FieldError id="deal-probability-error" message=field("probability")/></label>
                <Show when=move || open_category().is_some()>
                    <label>{tr("deal-forecast-category")}
                        <select id="deal-forecast" on:change=move |ev| category.set(event_target_value(&ev))>
                            <option value="" selected=move || category.get().is_empty()>{move || {
                                let stage = open_category().unwrap_or("pipeline");
                                format!("{} · {}", t("deal-forecast-stage"), i18n::vocab(locale.get(), "forecast", stage))
                            }}</option>
                            {["commit", "best_case", "pipeline", "omitted"].into_iter().map(|c| view! {
                                <option value=c selected=move || category.get() == c>{move || i18n::vocab(locale.get(), "forecast", c)}</option>
                            }).collect_view()}
                        </select>
                        <FieldError id="deal-forecast-error" message=field("forecast_category")/></label>
                </Show>
                <label>{tr("deal-expected-close")}<input id="deal-close" type="date" bind:value=close/>
                    <FieldError id="deal-close-error" message=field("expected_close_date")/></label>
                <label>{tr("field-owner")}
                    <select id="deal-owner" on:change=move |ev| owner.set(event_target_value(&ev))>
                        <option value="">{tr("deal-owner-default")}</option>
                        {move || lookups.users.get().into_iter().filter(|u| u.active).map(|u| {
                            let id = u.id.to_string();
                            let selected = id.clone();
                            view! { <option value=id selected=move || owner.get() == selected>{u.display_name.clone()}</option> }
                        }).collect_view()}
                    </select>
                    <FieldError id="deal-owner-error" message=field("owner_id")/></label>
            </div>
            {move || failure.get().filter(|e| e.errors.is_empty()).map(|e| view! { <ErrorView error=e/> })}
            <div class="actions">
                <button type="button" id="deal-cancel" on:click=move |_| on_cancel()>{tr("cancel")}</button>
                <button type="submit" class="primary" id="deal-save" disabled=move || saving.get()>{tr("save")}</button>
            </div>
        </form>
    }
}
