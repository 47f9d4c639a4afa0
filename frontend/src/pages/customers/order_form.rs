//! Entering and editing a customer's order (订单): date, status, number,
//! lines picked from the product catalogue (the list price fills in, a
//! quantity with up to three decimals, a discount per line), and a note.
//! The totals shown while typing are the page's estimate; the saved order
//! carries the server's. An edit sends `If-Match` and replaces the lines.

use crm_api_types::domain::sales::OrderStatus;
use crm_api_types::orders::Order;
use crm_api_types::products::Product;
use leptos::prelude::*;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::api::ApiError;
use crate::components::{ErrorView, FieldError, use_toasts};
use crate::i18n::{self, tr, use_locale, use_t};
use crate::pages::leads::amount_minor;

/// One line as typed (an order's or a deal's).
#[derive(Clone, Copy)]
pub(crate) struct Line {
    pub(crate) product: RwSignal<String>,
    pub(crate) quantity: RwSignal<String>,
    pub(crate) price: RwSignal<String>,
    pub(crate) discount: RwSignal<String>,
}

pub(crate) fn yuan(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

impl Line {
    pub(crate) fn new(
        product: Option<Uuid>,
        quantity: f64,
        price: Option<i64>,
        discount: i64,
    ) -> Self {
        Line {
            product: RwSignal::new(product.map(|p| p.to_string()).unwrap_or_default()),
            quantity: RwSignal::new(quantity.to_string()),
            price: RwSignal::new(price.map(yuan).unwrap_or_default()),
            discount: RwSignal::new(if discount == 0 {
                String::new()
            } else {
                yuan(discount)
            }),
        }
    }

    /// The line's body, or the field path of what cannot be read.
    pub(crate) fn body(&self, n: usize) -> Result<Value, String> {
        let product = self
            .product
            .get_untracked()
            .parse::<Uuid>()
            .map_err(|_| format!("lines[{n}].product_id"))?;
        let quantity: f64 = self
            .quantity
            .get_untracked()
            .trim()
            .parse()
            .map_err(|_| format!("lines[{n}].quantity"))?;
        let price = amount_minor(&self.price.get_untracked())
            .ok_or_else(|| format!("lines[{n}].unit_price_minor"))?;
        let discount = amount_minor(&self.discount.get_untracked())
            .ok_or_else(|| format!("lines[{n}].discount_minor"))?;
        Ok(
            json!({"product_id": product, "quantity": quantity, "unit_price_minor": price, "discount_minor": discount.unwrap_or(0)}),
        )
    }

    /// quantity × price − discount, as the page estimates it.
    pub(crate) fn estimate(&self) -> i64 {
        let q: f64 = self.quantity.get().trim().parse().unwrap_or(0.0);
        let p = amount_minor(&self.price.get()).flatten().unwrap_or(0);
        let d = amount_minor(&self.discount.get()).flatten().unwrap_or(0);
        (q * p as f64).round() as i64 - d
    }
}

/// Picks a line's product; its list price in CNY fills in the unit price.
pub(crate) fn pick(products: RwSignal<Vec<Product>>, line: Line, id: String) {
    line.product.set(id.clone());
    let price = products.with_untracked(|all| {
        all.iter().find(|p| p.id.to_string() == id).and_then(|p| {
            p.price
                .as_ref()
                .filter(|m| m.currency == "CNY")
                .map(|m| m.amount_minor)
        })
    });
    if let Some(price) = price {
        line.price.set(yuan(price));
    }
}

/// Finds products by name or SKU beyond the first page of the catalogue
/// and adds the matches to the lines' choices (the chosen ones stay).
#[component]
pub(crate) fn ProductSearch(
    products: RwSignal<Vec<Product>>,
    prefix: &'static str,
) -> impl IntoView {
    let t = use_t();
    let query = RwSignal::new(String::new());
    let search = move || {
        let q = query.get_untracked().trim().to_owned();
        if q.is_empty() {
            return;
        }
        leptos::task::spawn_local(async move {
            let path = format!("/api/v1/products?limit=50&q={}", crate::api::encode(&q));
            if let Ok(found) = crate::api::get::<crm_api_types::Page<Product>>(&path).await {
                // The form may be gone by now.
                products.try_update(|all| {
                    for p in found.items {
                        if !all.iter().any(|known| known.id == p.id) {
                            all.insert(0, p);
                        }
                    }
                });
            }
        });
    };
    view! {
        <div class="product-search">
            <input id=format!("{prefix}-product-search") type="search" placeholder=move || t("order-search-product")
                bind:value=query
                on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Enter" { ev.prevent_default(); search(); }/>
            <button type="button" id=format!("{prefix}-product-search-go") on:click=move |_| search()>{tr("order-find-product")}</button>
        </div>
    }
}

/// One line being edited (an order's or a deal's): product, quantity, unit
/// price, discount, the page's estimate, and × (which keeps `keep` lines).
/// Field errors come from `field("lines[n].…")`; their ids start `prefix`.
#[component]
pub(crate) fn LineInputs(
    n: usize,
    line: Line,
    lines: RwSignal<Vec<Line>>,
    products: RwSignal<Vec<Product>>,
    field: Callback<String, Signal<Option<String>>>,
    keep: usize,
    prefix: &'static str,
) -> impl IntoView {
    let locale = use_locale();
    let error = move |name: &str, key: &str| {
        view! { <FieldError id=format!("{prefix}-{n}-{name}-error") message=field.run(format!("lines[{n}].{key}"))/> }
    };
    view! {
        <tr class="form-line">
            <td data-label=tr("order-product")>
                <select class="line-product" on:change=move |ev| pick(products, line, event_target_value(&ev))>
                    <option value="">{tr("order-pick-product")}</option>
                    {move || products.get().into_iter().filter(|p| p.active || p.id.to_string() == line.product.get_untracked()).map(|p| {
                        let id = p.id.to_string();
                        let selected = id.clone();
                        view! { <option value=id selected=move || line.product.get() == selected>{format!("{} · {}", p.sku, p.name)}</option> }
                    }).collect_view()}
                </select>
                {error("product-id", "product_id")}
            </td>
            <td data-label=tr("order-quantity")><input class="line-quantity" inputmode="decimal" bind:value=line.quantity/>
                {error("quantity", "quantity")}</td>
            <td data-label=tr("order-unit-price")><input class="line-price" inputmode="decimal" bind:value=line.price/>
                {error("unit-price-minor", "unit_price_minor")}</td>
            <td data-label=tr("order-discount")><input class="line-discount" inputmode="decimal" bind:value=line.discount/>
                {error("discount-minor", "discount_minor")}</td>
            <td class="num" data-label=tr("order-amount")>{move || i18n::money(locale.get(), line.estimate(), "CNY")}</td>
            <td><button type="button" class="link remove-line" aria-label=tr("order-remove-line")
                on:click=move |_| lines.update(|all| { if all.len() > keep { all.remove(n); } })>"×"</button></td>
        </tr>
    }
}

#[component]
pub fn OrderForm(
    customer_id: Uuid,
    existing: Option<Order>,
    products: Vec<Product>,
    on_saved: impl Fn() + Copy + Send + Sync + 'static,
    on_cancel: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let t = use_t();
    let locale = use_locale();
    let toasts = use_toasts();
    let o = existing.as_ref();
    let today = String::from(js_sys::Date::new_0().to_iso_string())
        .chars()
        .take(10)
        .collect::<String>();
    let date = RwSignal::new(o.map(|o| o.order_date.to_string()).unwrap_or(today));
    let status = RwSignal::new(o.map_or(OrderStatus::Confirmed, |o| o.status));
    let number = RwSignal::new(o.and_then(|o| o.external_id.clone()).unwrap_or_default());
    let note = RwSignal::new(o.and_then(|o| o.note.clone()).unwrap_or_default());
    let lines = RwSignal::new(match o {
        Some(o) => o
            .lines
            .iter()
            .map(|l| {
                Line::new(
                    Some(l.product_id),
                    l.quantity,
                    Some(l.unit_price_minor),
                    l.discount_minor,
                )
            })
            .collect(),
        None => vec![Line::new(None, 1.0, None, 0)],
    });
    let target = o.map(|o| (o.id, o.version));
    let products = RwSignal::new(products);
    let failure = RwSignal::new(None::<ApiError>);
    let local = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);
    let field = move |f: String| {
        Signal::derive(move || {
            local
                .get()
                .filter(|k| *k == f)
                .map(|_| t("order-check-line"))
                .or_else(|| failure.with(|e| e.as_ref().and_then(|e| e.field(&f))))
        })
    };
    let total = move || lines.get().iter().map(Line::estimate).sum::<i64>();

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        local.set(None);
        let mut bodies = Vec::new();
        for (n, line) in lines.get_untracked().iter().enumerate() {
            match line.body(n) {
                Ok(b) => bodies.push(b),
                Err(path) => {
                    local.set(Some(path));
                    return;
                }
            }
        }
        let text = |s: RwSignal<String>| match s.get_untracked().trim() {
            "" => Value::Null,
            v => json!(v),
        };
        let mut body = json!({
            "order_date": date.get_untracked(),
            "status": status.get_untracked(),
            "lines": bodies,
            "external_id": text(number),
            "note": text(note),
        });
        if target.is_none() {
            body["customer_id"] = json!(customer_id);
            body["currency"] = json!("CNY");
        }
        saving.set(true);
        failure.set(None);
        leptos::task::spawn_local(async move {
            let result = match target {
                Some((id, version)) => {
                    crate::api::patch::<Order, _>(&format!("/api/v1/orders/{id}"), &body, version)
                        .await
                }
                None => crate::api::post::<Order, _>("/api/v1/orders", &body).await,
            };
            saving.set(false);
            match result {
                Ok(_) => {
                    toasts.success(t("order-saved"));
                    on_saved();
                }
                Err(err) => failure.set(Some(err)),
            }
        });
    };
    let field_of = Callback::new(field);
    let line_row = move |(n, line): (usize, Line)| {
        view! { <LineInputs n=n line=line lines=lines products=products field=field_of keep=1 prefix="line"/> }
    };
    view! {
        <form class="card form order-form" id="order-form" on:submit=submit>
            <h2>{if target.is_some() { tr("order-edit") } else { tr("order-new") }}</h2>
            <div class="grid-form">
                <label>{tr("order-date")}<input id="order-date" type="date" required bind:value=date/>
                    <FieldError id="order-order-date-error" message=field("order_date".to_owned())/></label>
                <label>{tr("field-status")}
                    <select id="order-status" on:change=move |ev| { if let Ok(s) = OrderStatus::parse(&event_target_value(&ev)) { status.set(s) } }>
                        {OrderStatus::ALL.iter().map(|s| {
                            let s = *s;
                            view! { <option value=s.as_str() selected=move || status.get() == s>{move || i18n::vocab(locale.get(), "order-status", s.as_str())}</option> }
                        }).collect_view()}
                    </select></label>
                <label>{tr("order-number")}<input id="order-number" bind:value=number/>
                    <FieldError id="order-external-id-error" message=field("external_id".to_owned())/></label>
            </div>
            <ProductSearch products=products prefix="order"/>
            <div class="scroll-x">
                <table class="list compact order-lines-form">
                    <thead><tr>
                        <th>{tr("order-product")}</th><th>{tr("order-quantity")}</th><th>{tr("order-unit-price")}</th>
                        <th>{tr("order-discount")}</th><th class="num">{tr("order-amount")}</th><th></th>
                    </tr></thead>
                    <tbody>{move || lines.get().into_iter().enumerate().map(line_row).collect_view()}</tbody>
                    <tfoot><tr class="grand"><td colspan="4">{tr("order-total")}</td>
                        <td class="num" id="order-form-total">{move || i18n::money(locale.get(), total(), "CNY")}</td><td></td></tr></tfoot>
                </table>
            </div>
            <button type="button" id="order-add-line" class="link" on:click=move |_| lines.update(|all| all.push(Line::new(None, 1.0, None, 0)))>{tr("order-add-line")}</button>
            <FieldError id="order-lines-error" message=field("lines".to_owned())/>
            <label>{tr("order-note")}<input id="order-note" bind:value=note/></label>
            {move || failure.get().filter(|e| e.errors.is_empty()).map(|e| view! { <ErrorView error=e/> })}
            <div class="actions">
                <button type="button" id="order-cancel" on:click=move |_| on_cancel()>{tr("cancel")}</button>
                <button type="submit" class="primary" id="order-save" disabled=move || saving.get()>{tr("save")}</button>
            </div>
        </form>
    }
}
