//! Products (产品): the catalogue with a search, category and active
//! filters in the URL and "load more"; the create / edit form (`form`) only
//! for roles that may write products (the server checks again).

mod form;

use crm_api_types::Page;
use crm_api_types::domain::access::{Action, ObjectType};
use crm_api_types::products::Product;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::params::ParamsMap;

use crate::api::encode;
use crate::components::{Empty, ErrorView, Skeleton, When};
use crate::i18n::{self, tr, use_locale};
use crate::load::{Load, Paged};
use crate::session::use_session;

const PARAMS: [&str; 3] = ["q", "category", "active"];

fn query_string(query: &ParamsMap) -> String {
    PARAMS
        .iter()
        .filter_map(|key| {
            query
                .get(key)
                .filter(|v| !v.is_empty())
                .map(|v| format!("{key}={}", encode(&v)))
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[component]
pub fn Products() -> impl IntoView {
    let session = use_session();
    let locale = use_locale();
    let query_map = use_query_map();
    let query = Memo::new(move |_| query_map.get());
    let search = RwSignal::new(String::new());
    Effect::new(move |_| search.set(query.with(|q| q.get("q").unwrap_or_default())));
    let changed = RwSignal::new(0u32);
    let list = Paged::<Product>::new(move || {
        changed.track();
        format!(
            "/api/v1/products?limit=25&sort=name&{}",
            query_string(&query.get())
        )
    });
    // The categories to filter by: those of the (small) catalogue.
    let all = Load::<Page<Product>>::new(move || {
        changed.track();
        "/api/v1/products?limit=200".to_owned()
    });
    let categories = move || {
        let mut names: Vec<String> = all.items().into_iter().filter_map(|p| p.category).collect();
        names.sort();
        names.dedup();
        names
    };
    let form = RwSignal::new(None::<Option<Product>>);
    let set = move |key: &'static str, value: String| {
        let mut next = query.get_untracked();
        if value.is_empty() {
            next.remove(key);
        } else {
            next.replace(key, value);
        }
        use_navigate()(
            &format!("/products?{}", query_string(&next)),
            Default::default(),
        );
    };
    let on_search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        set("q", search.get_untracked().trim().to_owned());
    };
    let value = move |key: &'static str| move || query.with(|q| q.get(key).unwrap_or_default());
    let can_edit = move || session.can(ObjectType::Products, Action::Update);
    let saved = move || {
        form.set(None);
        changed.update(|n| *n += 1);
    };
    let Paged {
        items,
        cursor,
        loading,
        error,
        ..
    } = list;

    view! {
        <section class="products-page">
            <div class="toolbar">
                <h1 id="page-title">{tr("nav-products")}</h1>
                <form class="search" on:submit=on_search>
                    <input id="product-search" type="search" placeholder=tr("product-search") bind:value=search/>
                </form>
                <When when=move || session.can(ObjectType::Products, Action::Create)>
                    <button id="new-product" class="primary" on:click=move |_| form.set(Some(None))>{tr("product-new")}</button>
                </When>
            </div>
            {move || form.get().map(|existing| view! { <form::ProductForm existing=existing on_saved=saved on_cancel=move || form.set(None)/> })}
            <div class="list-controls">
                <div class="filters">
                    <select id="filter-category" aria-label=tr("product-any-category") on:change=move |ev| set("category", event_target_value(&ev))>
                        <option value="">{tr("product-any-category")}</option>
                        {move || categories().into_iter().map(|c| {
                            let (selected, label) = (c.clone(), c.clone());
                            view! { <option value=c selected=move || value("category")() == selected>{label}</option> }
                        }).collect_view()}
                    </select>
                    <select id="filter-active" aria-label=tr("product-any-active") on:change=move |ev| set("active", event_target_value(&ev))>
                        <option value="">{tr("product-any-active")}</option>
                        <option value="true" selected=move || value("active")() == "true">{tr("product-active")}</option>
                        <option value="false" selected=move || value("active")() == "false">{tr("product-inactive")}</option>
                    </select>
                </div>
            </div>
            {move || error.get().map(|e| view! { <ErrorView error=e/> })}
            <When when=move || !(loading.get() && items.with(Vec::is_empty)) fallback=|| view! { <Skeleton/> }>
                <table class="list" id="products">
                    <thead><tr>
                        <th>{tr("product-sku")}</th>
                        <th>{tr("field-name")}</th>
                        <th>{tr("product-category")}</th>
                        <th>{tr("product-unit")}</th>
                        <th class="num">{tr("product-price")}</th>
                        <th>{tr("field-status")}</th>
                        <th></th>
                    </tr></thead>
                    <tbody>
                        {move || items.get().into_iter().map(|p| {
                            let price = p.price.clone();
                            let product = p.clone();
                            view! {
                                <tr class="product" class:inactive=!p.active data-id=p.id.to_string() data-sku=p.sku.clone()>
                                    <td data-label=tr("product-sku")><code>{p.sku.clone()}</code></td>
                                    <td class="name-cell" data-label=tr("field-name")>{p.name.clone()}</td>
                                    <td data-label=tr("product-category")>{p.category.clone().unwrap_or_default()}</td>
                                    <td data-label=tr("product-unit")>{p.unit.clone().unwrap_or_default()}</td>
                                    <td class="num price" data-label=tr("product-price")>{move || price.as_ref().map(|m| i18n::money(locale.get(), m.amount_minor, &m.currency)).unwrap_or_default()}</td>
                                    <td data-label=tr("field-status")>{if p.active { tr("product-active") } else { tr("product-inactive") }}</td>
                                    <td class="row-actions">
                                        <When when=can_edit>
                                            <button class="link edit-product" on:click={
                                                let product = product.clone();
                                                move |_| form.set(Some(Some(product.clone())))
                                            }>{tr("edit")}</button>
                                        </When>
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                <When when=move || !loading.get() && items.with(Vec::is_empty) && error.get().is_none()>
                    <Empty message=tr("product-none")/>
                </When>
            </When>
            <When when=move || cursor.get().is_some()>
                <button id="load-more" class="wide" disabled=move || loading.get() on:click=move |_| list.load_more()>{tr("load-more")}</button>
            </When>
        </section>
    }
}
