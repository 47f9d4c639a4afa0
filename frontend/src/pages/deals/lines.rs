//! The products on a deal (产品明细) on the deal page: the lines with
//! quantity, unit price, discount and amount, and their total, which is the
//! deal's amount. Whoever may update the deal edits them in place: products
//! from the catalogue (a search adds ones beyond the first 200), the list
//! price filling in; saved as a whole with `If-Match` on the deal's version
//! (`PUT /deals/{id}/lines`), after which the deal page reloads.

use std::collections::HashMap;

use crm_api_types::Page;
use crm_api_types::deals::DealLines;
use crm_api_types::products::Product;
use leptos::prelude::*;
use serde_json::json;
use uuid::Uuid;

use crate::api::ApiError;
use crate::components::{Empty, ErrorView, Skeleton, When, use_toasts};
use crate::i18n::{self, tr, use_locale, use_t};
use crate::load::Load;
use crate::pages::customers::order_form::{Line, LineInputs, ProductSearch};

#[component]
pub fn DealLinesCard(
    deal_id: Uuid,
    #[prop(into)] can_update: Signal<bool>,
    on_changed: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let t = use_t();
    let locale = use_locale();
    let toasts = use_toasts();
    let found = Load::<DealLines>::new(move || format!("/api/v1/deals/{deal_id}/lines"));
    let products = RwSignal::new(Vec::<Product>::new());
    leptos::task::spawn_local(async move {
        if let Ok(page) = crate::api::get::<Page<Product>>("/api/v1/products?limit=200").await {
            // The card may be gone by now (the deal page re-rendered).
            products.try_update(|all| all.extend(page.items));
        }
    });
    let names = move || -> HashMap<Uuid, String> {
        products.with(|all| {
            all.iter()
                .map(|p| (p.id, format!("{} · {}", p.sku, p.name)))
                .collect()
        })
    };
    let editing = RwSignal::new(false);
    let lines = RwSignal::new(Vec::<Line>::new());
    let failure = RwSignal::new(None::<ApiError>);
    let local = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);
    // The lines' signals belong to the card: made under the button's owner,
    // they would be disposed with it when the form replaces the button.
    let owner = StoredValue::new(Owner::current());
    let start = move |_| {
        let make = || {
            found
                .ok_with(|f| {
                    f.lines
                        .iter()
                        .map(|l| {
                            Line::new(
                                Some(l.product_id),
                                l.quantity,
                                Some(l.unit_price_minor),
                                l.discount_minor,
                            )
                        })
                        .collect::<Vec<_>>()
                })
                .filter(|current| !current.is_empty())
                .unwrap_or_else(|| vec![Line::new(None, 1.0, None, 0)])
        };
        let current = match owner.get_value() {
            Some(owner) => owner.with(make),
            None => make(),
        };
        lines.set(current);
        failure.set(None);
        local.set(None);
        editing.set(true);
    };
    let field = move |f: String| {
        Signal::derive(move || {
            local
                .get()
                .filter(|k| *k == f)
                .map(|_| t("order-check-line"))
                .or_else(|| failure.with(|e| e.as_ref().and_then(|e| e.field(&f))))
        })
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        local.set(None);
        let mut bodies = Vec::new();
        for (n, line) in lines.get_untracked().iter().enumerate() {
            // A row left without a product is dropped, not an error.
            if line.product.get_untracked().is_empty() {
                continue;
            }
            match line.body(n) {
                Ok(b) => bodies.push(b),
                Err(path) => {
                    local.set(Some(path));
                    return;
                }
            }
        }
        let Some(version) = found.ok_with(|f| f.deal.version) else {
            return;
        };
        saving.set(true);
        failure.set(None);
        leptos::task::spawn_local(async move {
            let path = format!("/api/v1/deals/{deal_id}/lines");
            let result = crate::api::put_versioned::<DealLines, _>(
                &path,
                &json!({ "lines": bodies }),
                version,
            )
            .await;
            saving.set(false);
            match result {
                Ok(_) => {
                    editing.set(false);
                    toasts.success(t("deal-lines-saved"));
                    on_changed();
                }
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let total = move || lines.get().iter().map(Line::estimate).sum::<i64>();
    let field_of = Callback::new(field);
    let line_row = move |(n, line): (usize, Line)| {
        view! { <LineInputs n=n line=line lines=lines products=products field=field_of keep=0 prefix="deal-line"/> }
    };
    let shown = move |f: &DealLines| {
        let names = names();
        let locale = locale.get();
        let currency = f.deal.amount.currency.clone();
        if f.lines.is_empty() {
            return view! { <Empty message=tr("deal-no-lines")/> }.into_any();
        }
        let rows = f.lines.iter().map(|l| {
            let name = names.get(&l.product_id).cloned().unwrap_or_else(|| l.product_id.to_string());
            view! {
                <tr class="deal-line">
                    <td data-label=tr("order-product")>{name}</td>
                    <td class="num" data-label=tr("order-quantity")>{i18n::decimal(locale, l.quantity, 3)}</td>
                    <td class="num" data-label=tr("order-unit-price")>{i18n::money(locale, l.unit_price_minor, &currency)}</td>
                    <td class="num" data-label=tr("order-discount")>{i18n::money(locale, l.discount_minor, &currency)}</td>
                    <td class="num line-amount" data-label=tr("order-amount")>{i18n::money(locale, l.amount_minor, &currency)}</td>
                </tr>
            }
        }).collect_view();
        let total = f.lines.iter().map(|l| l.amount_minor).sum::<i64>();
        view! {
            <div class="scroll-x">
                <table class="list compact" id="deal-lines">
                    <thead><tr>
                        <th>{tr("order-product")}</th><th class="num">{tr("order-quantity")}</th><th class="num">{tr("order-unit-price")}</th>
                        <th class="num">{tr("order-discount")}</th><th class="num">{tr("order-amount")}</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                    <tfoot><tr class="grand"><td colspan="4">{tr("order-total")}</td>
                        <td class="num" id="deal-lines-total">{i18n::money(locale, total, &currency)}</td></tr></tfoot>
                </table>
            </div>
        }.into_any()
    };
    view! {
        <section class="card" id="deal-products">
            <h2>{tr("deal-products")}</h2>
            {move || if editing.get() {
                view! {
                    <form class="form deal-lines-form" id="deal-lines-form" on:submit=save>
                        <ProductSearch products=products prefix="deal"/>
                        <div class="scroll-x">
                            <table class="list compact order-lines-form">
                                <thead><tr>
                                    <th>{tr("order-product")}</th><th>{tr("order-quantity")}</th><th>{tr("order-unit-price")}</th>
                                    <th>{tr("order-discount")}</th><th class="num">{tr("order-amount")}</th><th></th>
                                </tr></thead>
                                <tbody>{move || lines.get().into_iter().enumerate().map(line_row).collect_view()}</tbody>
                                <tfoot><tr class="grand"><td colspan="4">{tr("order-total")}</td>
                                    <td class="num" id="deal-lines-form-total">{move || i18n::money(locale.get(), total(), "CNY")}</td><td></td></tr></tfoot>
                            </table>
                        </div>
                        <button type="button" id="deal-add-line" class="link" on:click=move |_| {
                            let line = match owner.get_value() {
                                Some(owner) => owner.with(|| Line::new(None, 1.0, None, 0)),
                                None => Line::new(None, 1.0, None, 0),
                            };
                            lines.update(|all| all.push(line));
                        }>{tr("order-add-line")}</button>
                        <p class="muted">{tr("deal-lines-help")}</p>
                        {move || failure.get().filter(|e| e.errors.is_empty()).map(|e| view! { <ErrorView error=e/> })}
                        <div class="actions">
                            <button type="button" id="deal-lines-cancel" on:click=move |_| editing.set(false)>{tr("cancel")}</button>
                            <button type="submit" class="primary" id="deal-lines-save" disabled=move || saving.get()>{tr("save")}</button>
                        </div>
                    </form>
                }.into_any()
            } else {
                view! {
                    {move || match found.get() {
                        None => view! { <Skeleton rows=2/> }.into_any(),
                        Some(Err(e)) => view! { <ErrorView error=e/> }.into_any(),
                        Some(Ok(f)) => shown(&f),
                    }}
                    <When when=move || can_update.get()>
                        <button id="deal-lines-edit" on:click=start>{tr("deal-edit-lines")}</button>
                    </When>
                }.into_any()
            }}
        </section>
    }
}
