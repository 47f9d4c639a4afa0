//! The conversion dialog: a new customer from the lead or an existing one
//! picked by search, the person as a contact, and optionally a deal with an
//! amount in a pipeline. On success the customer's page opens.

use crm_api_types::customers::Customer;
use crm_api_types::deals::Pipeline;
use crm_api_types::leads::{Conversion, Lead};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use serde_json::{Value, json};
use uuid::Uuid;

use super::amount_minor;
use crate::api::ApiError;
use crate::components::{ErrorView, FieldError, When, use_toasts};
use crate::i18n::{tr, use_t, use_t1};
use crate::load::{Load, Paged};

#[component]
pub fn ConvertDialog(lead: Lead, open: RwSignal<Option<Lead>>) -> impl IntoView {
    let toasts = use_toasts();
    let t = use_t();
    let t1 = use_t1();
    let id = lead.id;
    let existing = RwSignal::new(false);
    let term = RwSignal::new(lead.company_name.clone().unwrap_or_default());
    let picked = RwSignal::new(None::<(Uuid, String)>);
    let contact = RwSignal::new(true);
    let with_deal = RwSignal::new(false);
    let deal_name = RwSignal::new(String::new());
    let amount = RwSignal::new(String::new());
    let pipeline = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<ApiError>);
    let amount_error = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);
    let pipelines = Load::<Vec<Pipeline>>::new(|| "/api/v1/pipelines".to_owned());
    let matches = Paged::<Customer>::new(move || {
        format!(
            "/api/v1/customers?limit=8&q={}",
            crate::api::encode(term.get().trim())
        )
    });
    let navigate = StoredValue::new_local(use_navigate());
    let field = move |f: &'static str| {
        Signal::derive(move || failure.with(|e| e.as_ref().and_then(|e| e.field(f))))
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        amount_error.set(None);
        let mut body = json!({ "create_contact": contact.get_untracked() });
        if existing.get_untracked() {
            let Some((customer, _)) = picked.get_untracked() else {
                failure.set(Some(ApiError {
                    status: 0,
                    title: t("lead-pick-customer"),
                    detail: None,
                    request_id: None,
                    errors: Default::default(),
                }));
                return;
            };
            body["customer_id"] = json!(customer);
        }
        if with_deal.get_untracked() {
            let Some(Some(minor)) = amount_minor(&amount.get_untracked()) else {
                amount_error.set(Some(t("check-amount")));
                return;
            };
            let name = deal_name.get_untracked();
            let pipeline = pipeline.get_untracked();
            body["deal"] = json!({
                "name": if name.trim().is_empty() { Value::Null } else { json!(name.trim()) },
                "amount": { "amount_minor": minor, "currency": "CNY" },
                "pipeline_id": pipeline.parse::<Uuid>().ok(),
            });
        }
        saving.set(true);
        let navigate = navigate.get_value();
        leptos::task::spawn_local(async move {
            let path = format!("/api/v1/leads/{id}/convert");
            match crate::api::post::<Conversion, _>(&path, &body).await {
                Ok(done) => {
                    toasts.success(t1(
                        "lead-converted",
                        "name",
                        done.lead.company_name.unwrap_or(done.lead.person_name),
                    ));
                    open.set(None);
                    navigate(
                        &format!("/customers/{}", done.customer_id),
                        Default::default(),
                    );
                }
                Err(err) => failure.set(Some(err)),
            }
            saving.set(false);
        });
    };
    let candidates = move || {
        matches.items.with(|items| {
            items
                .iter()
                .map(|c| {
                    let (cid, name) = (c.id, c.name.clone());
                    let label = name.clone();
                    view! {
                        <li>
                            <button type="button" class="pick" class:active=move || picked.with(|p| p.as_ref().map(|p| p.0) == Some(cid))
                                data-id=cid.to_string() on:click=move |_| picked.set(Some((cid, name.clone())))>{label}</button>
                        </li>
                    }
                })
                .collect_view()
        })
    };

    view! {
        <div class="modal-backdrop">
            <form class="modal card convert-dialog" role="dialog" aria-modal="true" id="convert-dialog" on:submit=submit>
                <h2>{t1("lead-convert-title", "name", lead.company_name.clone().unwrap_or(lead.person_name.clone()))}</h2>
                <fieldset class="choice">
                    <label class="check"><input type="radio" name="target" id="convert-new" prop:checked=move || !existing.get() on:change=move |_| existing.set(false)/>{tr("lead-new-customer")}</label>
                    <label class="check"><input type="radio" name="target" id="convert-existing" prop:checked=move || existing.get() on:change=move |_| existing.set(true)/>{tr("lead-existing-customer")}</label>
                </fieldset>
                <When when=move || existing.get()>
                    <div class="picker">
                        <input id="convert-search" type="search" placeholder=tr("search-placeholder") bind:value=term/>
                        <ul class="pick-list" id="convert-matches">{candidates}</ul>
                        <p class="muted" id="convert-picked">{move || picked.get().map(|(_, n)| t1("lead-picked", "name", n))}</p>
                        <FieldError id="convert-customer-error" message=field("customer_id")/>
                    </div>
                </When>
                <label class="check"><input type="checkbox" id="convert-contact" prop:checked=move || contact.get() on:change=move |ev| contact.set(event_target_checked(&ev))/>{tr("lead-create-contact")}</label>
                <label class="check"><input type="checkbox" id="convert-deal" prop:checked=move || with_deal.get() on:change=move |ev| with_deal.set(event_target_checked(&ev))/>{tr("lead-open-deal")}</label>
                <When when=move || with_deal.get()>
                    <div class="deal-fields">
                        <label>{tr("lead-deal-name")}<input id="convert-deal-name" bind:value=deal_name/></label>
                        <label>{tr("lead-deal-amount")}<input id="convert-amount" inputmode="decimal" bind:value=amount/>
                            <FieldError id="convert-amount-error" message=Signal::derive(move || amount_error.get().or_else(|| field("deal.amount").get()))/></label>
                        <label>{tr("deal-pipeline")}
                            <select id="convert-pipeline" on:change=move |ev| pipeline.set(event_target_value(&ev))>
                                {move || pipelines.ok_with(|list| list.iter().map(|p| view! { <option value=p.id.to_string()>{p.name.clone()}</option> }).collect_view())}
                            </select>
                        </label>
                    </div>
                </When>
                {move || failure.get().filter(|e| e.errors.is_empty()).map(|e| view! { <ErrorView error=e/> })}
                <div class="actions">
                    <button type="button" id="convert-cancel" on:click=move |_| open.set(None)>{tr("cancel")}</button>
                    <button type="submit" class="primary" id="convert-submit" disabled=move || saving.get()>{tr("lead-convert")}</button>
                </div>
            </form>
        </div>
    }
}
