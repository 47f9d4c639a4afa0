//! Creating and editing a product: SKU, name, category, unit, list price
//! and whether it is sold. An edit sends `If-Match`; the server's field
//! errors (a taken SKU among them) show beside each input.

use crm_api_types::products::Product;
use leptos::prelude::*;
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::components::{ErrorView, FieldError, use_toasts};
use crate::i18n::{tr, use_t, use_t1};
use crate::pages::leads::amount_minor;

fn text(value: Option<&String>) -> RwSignal<String> {
    RwSignal::new(value.cloned().unwrap_or_default())
}

fn optional(s: RwSignal<String>) -> Value {
    let v = s.get_untracked();
    if v.trim().is_empty() {
        Value::Null
    } else {
        json!(v.trim())
    }
}

#[component]
pub fn ProductForm(
    existing: Option<Product>,
    on_saved: impl Fn() + Copy + Send + Sync + 'static,
    on_cancel: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let toasts = use_toasts();
    let t = use_t();
    let t1 = use_t1();
    let p = existing.as_ref();
    let sku = text(p.map(|p| &p.sku));
    let name = text(p.map(|p| &p.name));
    let category = text(p.and_then(|p| p.category.as_ref()));
    let unit = text(p.and_then(|p| p.unit.as_ref()));
    let price = RwSignal::new(
        p.and_then(|p| p.price.as_ref())
            .map(|m| format!("{}.{:02}", m.amount_minor / 100, m.amount_minor % 100))
            .unwrap_or_default(),
    );
    let active = RwSignal::new(p.is_none_or(|p| p.active));
    let description = text(p.and_then(|p| p.description.as_ref()));
    let target = existing.as_ref().map(|p| (p.id, p.version));
    let editing = target.is_some();
    let failure = RwSignal::new(None::<ApiError>);
    let price_error = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);
    let field = move |f: &'static str| {
        Signal::derive(move || failure.with(|e| e.as_ref().and_then(|e| e.field(f))))
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        price_error.set(None);
        let Some(minor) = amount_minor(&price.get_untracked()) else {
            price_error.set(Some(t("check-amount")));
            return;
        };
        let body = json!({
            "sku": sku.get_untracked().trim(),
            "name": name.get_untracked().trim(),
            "category": optional(category),
            "unit": optional(unit),
            "price": minor.map(|m| json!({"amount_minor": m, "currency": "CNY"})),
            "active": active.get_untracked(),
            "description": optional(description),
        });
        saving.set(true);
        leptos::task::spawn_local(async move {
            let result = match target {
                Some((id, version)) => {
                    crate::api::patch::<Product, _>(
                        &format!("/api/v1/products/{id}"),
                        &body,
                        version,
                    )
                    .await
                }
                None => crate::api::post::<Product, _>("/api/v1/products", &body).await,
            };
            match result {
                Ok(p) => {
                    toasts.success(t1("product-saved", "name", p.name));
                    on_saved();
                }
                Err(err) => failure.set(Some(err)),
            }
            saving.set(false);
        });
    };
    view! {
        <form class="card form product-form" id="product-form" on:submit=submit>
            <h2>{if editing { tr("product-edit") } else { tr("product-new") }}</h2>
            <div class="grid-form">
                <label>{tr("product-sku")}<input id="product-sku" required bind:value=sku/><FieldError id="product-sku-error" message=field("sku")/></label>
                <label>{tr("field-name")}<input id="product-name" required bind:value=name/><FieldError id="product-name-error" message=field("name")/></label>
                <label>{tr("product-category")}<input id="product-category" bind:value=category/><FieldError id="product-category-error" message=field("category")/></label>
                <label>{tr("product-unit")}<input id="product-unit" bind:value=unit/><FieldError id="product-unit-error" message=field("unit")/></label>
                <label>{tr("product-price-cny")}<input id="product-price" inputmode="decimal" bind:value=price/>
                    <FieldError id="product-price-error" message=Signal::derive(move || price_error.get().or_else(|| field("price").get()))/></label>
                <label class="check"><input type="checkbox" id="product-active" prop:checked=move || active.get() on:change=move |ev| active.set(event_target_checked(&ev))/>{tr("product-active")}</label>
                <label class="span-2">{tr("product-description")}<input id="product-description" bind:value=description/></label>
            </div>
            {move || failure.get().filter(|e| e.errors.is_empty()).map(|e| view! { <ErrorView error=e/> })}
            <div class="actions">
                <button type="button" id="product-cancel" on:click=move |_| on_cancel()>{tr("cancel")}</button>
                <button type="submit" class="primary" id="product-save" disabled=move || saving.get()>{tr("save")}</button>
            </div>
        </form>
    }
}
