//! The customer's orders (`/orders?customer_id=`), newest first with "load
//! more": date, number, status and the server's subtotal, discount and
//! total; a row opens to show its lines. Under the table, the number of
//! orders shown and the sum of those that count as revenue. The orders can
//! be exported as CSV by roles that may export orders.

use std::collections::{HashMap, HashSet};

use crm_api_types::Page;
use crm_api_types::domain::access::{Action, ObjectType};
use crm_api_types::orders::Order;
use crm_api_types::products::Product;
use leptos::prelude::*;
use uuid::Uuid;

use crate::components::{Empty, ErrorView, Skeleton, When, use_toasts};
use crate::i18n::{self, Locale, message, tr, use_locale, use_t1};
use crate::load::{Load, Paged};
use crate::session::use_session;

fn lines(locale: Locale, o: &Order, products: &HashMap<Uuid, String>) -> AnyView {
    let t = |key| message(locale, key, None);
    let money = |v: i64| i18n::money(locale, v, &o.currency);
    view! {
        <tr class="order-lines" data-order=o.id.to_string()>
            <td colspan="8">
                <table class="lines">
                    <thead><tr>
                        <th>"#"</th><th>{t("order-product")}</th><th class="num">{t("order-quantity")}</th>
                        <th class="num">{t("order-unit-price")}</th><th class="num">{t("order-discount")}</th><th class="num">{t("order-amount")}</th>
                    </tr></thead>
                    <tbody>
                        {o.lines.iter().map(|l| view! {
                            <tr class="order-line">
                                <td>{l.line_no}</td>
                                <td>{products.get(&l.product_id).cloned().unwrap_or_else(|| l.product_id.to_string())}</td>
                                <td class="num">{i18n::decimal(locale, l.quantity, 3)}</td>
                                <td class="num">{money(l.unit_price_minor)}</td>
                                <td class="num">{money(l.discount_minor)}</td>
                                <td class="num line-amount" data-minor=l.amount_minor.to_string()>{money(l.amount_minor)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                    <tfoot>
                        <tr><td colspan="5">{t("order-subtotal")}</td><td class="num">{money(o.subtotal.amount_minor)}</td></tr>
                        <tr><td colspan="5">{t("order-discount")}</td><td class="num">{format!("−{}", money(o.discount.amount_minor))}</td></tr>
                        <tr class="grand"><td colspan="5">{t("order-total")}</td><td class="num">{money(o.total.amount_minor)}</td></tr>
                    </tfoot>
                </table>
                {o.note.clone().map(|n| view! { <p class="muted">{n}</p> })}
            </td>
        </tr>
    }
    .into_any()
}

fn row(
    locale: Locale,
    o: &Order,
    open: bool,
    expanded: RwSignal<HashSet<Uuid>>,
    products: &HashMap<Uuid, String>,
    editing: Option<RwSignal<Option<Option<Order>>>>,
) -> AnyView {
    let order = o.clone();
    let id = o.id;
    let money = |v: i64| i18n::money(locale, v, &o.currency);
    let t = |key| message(locale, key, None);
    let toggle = move |_| {
        expanded.update(|set| {
            if !set.remove(&id) {
                set.insert(id);
            }
        })
    };
    let status = o.status.as_str();
    view! {
        <tr class="order" class:open=open data-id=id.to_string() data-total=o.total.amount_minor.to_string()>
            <td data-label=t("order-date")>{i18n::date(locale, &format!("{}T00:00:00", o.order_date))}</td>
            <td data-label=t("order-number")>{o.external_id.clone().unwrap_or_else(|| "—".to_owned())}</td>
            <td data-label=t("field-status")><span class=format!("badge order-{status}")>{i18n::vocab(locale, "order-status", status)}</span></td>
            <td class="num" data-label=t("order-lines")>{o.lines.len()}</td>
            <td class="num" data-label=t("order-subtotal")>{money(o.subtotal.amount_minor)}</td>
            <td class="num" data-label=t("order-discount")>{money(o.discount.amount_minor)}</td>
            <td class="num order-total" data-label=t("order-total")>{money(o.total.amount_minor)}</td>
            <td class="row-actions"><button class="link expand" aria-expanded=open.to_string() on:click=toggle>{if open { "▾" } else { "▸" }}" "{t("order-lines")}</button>
                {editing.map(|form| view! { " "<button class="link edit-order" on:click=move |_| form.set(Some(Some(order.clone())))>{t("edit")}</button> })}</td>
        </tr>
        {open.then(|| lines(locale, o, products))}
    }
    .into_any()
}

#[component]
pub fn Orders(customer_id: Uuid) -> impl IntoView {
    let locale = use_locale();
    let session = use_session();
    let toasts = use_toasts();
    let t1 = use_t1();
    let list =
        Paged::<Order>::new(move || format!("/api/v1/orders?customer_id={customer_id}&limit=25"));
    let catalogue = Load::<Page<Product>>::new(|| "/api/v1/products?limit=200".to_owned());
    let expanded = RwSignal::new(HashSet::<Uuid>::new());
    let exporting = RwSignal::new(false);
    // The order form: `Some(None)` for a new order, `Some(Some(order))` to edit one.
    let form = RwSignal::new(None::<Option<Order>>);
    let can_edit = move || session.can(ObjectType::Orders, Action::Update);
    let saved = move || {
        form.set(None);
        list.reload();
    };
    let table = move || {
        let locale = locale.get();
        let products: HashMap<Uuid, String> = catalogue
            .ok_with(|p| p.items.iter().map(|p| (p.id, p.name.clone())).collect())
            .unwrap_or_default();
        let open = expanded.get();
        let t = |key| message(locale, key, None);
        let rows = list.items.with(|items| {
            items
                .iter()
                .map(|o| {
                    row(
                        locale,
                        o,
                        open.contains(&o.id),
                        expanded,
                        &products,
                        can_edit().then_some(form),
                    )
                })
                .collect_view()
        });
        view! {
            <table class="list orders" id="orders">
                <thead><tr>
                    <th>{t("order-date")}</th><th>{t("order-number")}</th><th>{t("field-status")}</th>
                    <th class="num">{t("order-lines")}</th><th class="num">{t("order-subtotal")}</th>
                    <th class="num">{t("order-discount")}</th><th class="num">{t("order-total")}</th><th></th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
    };
    let summary = move || {
        list.items.with(|items| {
            let revenue: i64 = items
                .iter()
                .filter(|o| o.status.is_revenue())
                .map(|o| o.total.amount_minor)
                .sum();
            let currency = items
                .first()
                .map_or_else(|| "CNY".to_owned(), |o| o.currency.clone());
            let mut args = fluent_bundle::FluentArgs::new();
            args.set("n", items.len());
            args.set("sum", i18n::money(locale.get(), revenue, &currency));
            message(locale.get(), "order-summary", Some(&args))
        })
    };
    let export = move |_| {
        exporting.set(true);
        leptos::task::spawn_local(async move {
            let path = format!("/api/v1/orders/export?customer_id={customer_id}");
            let name = format!(
                "{}.csv",
                t1("order-export-file", "id", customer_id.to_string())
            );
            if let Err(err) = crate::api::download(&path, &name).await {
                toasts.error(err.to_string());
            }
            exporting.set(false);
        });
    };
    view! {
        <section class="card" id="orders-tab">
            <div class="section-head">
                <p class="muted" id="orders-summary">{summary}</p>
                <When when=move || session.can(ObjectType::Orders, Action::Create)>
                    <button id="new-order" class="primary" on:click=move |_| form.set(Some(None))>{tr("order-new")}</button>
                </When>
                <When when=move || session.can(ObjectType::Orders, Action::Export)>
                    <button id="orders-export" disabled=move || exporting.get() on:click=export>{tr("order-export")}</button>
                </When>
            </div>
            {move || form.get().map(|existing| view! {
                <super::order_form::OrderForm customer_id=customer_id existing=existing
                    products=catalogue.ok_with(|p| p.items.clone()).unwrap_or_default()
                    on_saved=saved on_cancel=move || form.set(None)/>
            })}
            {move || list.error.get().map(|e| view! { <ErrorView error=e/> })}
            {move || {
                if list.loading.get() && list.items.with(Vec::is_empty) {
                    view! { <Skeleton rows=4/> }.into_any()
                } else if list.items.with(Vec::is_empty) {
                    view! { <Empty message=tr("order-none")/> }.into_any()
                } else {
                    view! { <div class="scroll-x">{table}</div> }.into_any()
                }
            }}
            <When when=move || list.cursor.get().is_some()>
                <button id="orders-more" class="wide" disabled=move || list.loading.get() on:click=move |_| list.load_more()>{tr("load-more")}</button>
            </When>
        </section>
    }
}
