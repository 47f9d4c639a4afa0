//! The customer list: search, filters (a saved segment's members among
//! them, `segment_id`) and sort kept in the URL, selectable
//! columns remembered in this browser, "load more" on the keyset cursor,
//! a table on wide screens and cards on phones, and CSV / Excel exports of
//! what the filters select.

use crm_api_types::Page;
use crm_api_types::customers::Customer;
use crm_api_types::domain::access::{Action, ObjectType};
use crm_api_types::segments::Segment;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::params::ParamsMap;

use super::filters::FilterBar;
use crate::api::encode;
use crate::components::{Empty, ErrorView, Skeleton, When};
use crate::i18n::{self, tr, use_locale};
use crate::load::{Load, Paged};
use crate::session::{use_lookups, use_session};
use crate::vocab;

/// The list parameters the URL may carry, in the order they are written.
const PARAMS: [&str; 9] = [
    "q",
    "segment_id",
    "industry",
    "size_band",
    "lifecycle_stage",
    "owner_id",
    "tag_id",
    "region",
    "sort",
];
const COLUMNS_KEY: &str = "crm.customer-columns";
/// Every optional column: key and catalog label.
const COLUMNS: [(&str, &str); 10] = [
    ("kind", "field-kind"),
    ("industry", "field-industry"),
    ("size_band", "field-size-band"),
    ("lifecycle_stage", "field-lifecycle-stage"),
    ("owner", "field-owner"),
    ("region", "field-region"),
    ("phone", "field-phone"),
    ("email", "field-email"),
    ("created_at", "field-created-at"),
    ("updated_at", "field-updated-at"),
];
const DEFAULT_COLUMNS: [&str; 6] = [
    "industry",
    "lifecycle_stage",
    "owner",
    "region",
    "phone",
    "updated_at",
];
const SORTS: [(&str, &str); 9] = [
    ("-created_at", "sort-newest"),
    ("created_at", "sort-oldest"),
    ("-updated_at", "sort-recently-updated"),
    ("name", "sort-name-asc"),
    ("-name", "sort-name-desc"),
    ("updated_at", "sort-least-recently-updated"),
    ("-revenue", "sort-revenue"),
    ("-order_count", "sort-order-count"),
    ("-last_order_on", "sort-last-order"),
];

fn stored_columns() -> Vec<String> {
    let saved = web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(COLUMNS_KEY).ok().flatten())
        .and_then(|text| serde_json::from_str::<Vec<String>>(&text).ok());
    saved.unwrap_or_else(|| DEFAULT_COLUMNS.iter().map(|c| (*c).to_owned()).collect())
}

fn store_columns(columns: &[String]) {
    if let Some(store) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = store.set_item(
            COLUMNS_KEY,
            &serde_json::to_string(columns).unwrap_or_default(),
        );
    }
}

/// `key=value&…` of the non-empty list parameters.
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
pub fn CustomerList() -> impl IntoView {
    let session = use_session();
    let query_map = use_query_map();
    let query = Memo::new(move |_| query_map.get());
    let search = RwSignal::new(String::new());
    // The box follows the URL (the top bar's search navigates here too).
    Effect::new(move |_| search.set(query.with(|q| q.get("q").unwrap_or_default())));
    let columns = RwSignal::new(stored_columns());
    let list = Paged::<Customer>::new(move || {
        format!("/api/v1/customers?limit=25&{}", query_string(&query.get()))
    });
    let Paged {
        items,
        cursor,
        loading,
        error,
        ..
    } = list;
    let set = move |key: &'static str, value: String| {
        let mut next = query.get_untracked();
        if value.is_empty() {
            next.remove(key);
        } else {
            next.replace(key, value);
        }
        use_navigate()(
            &format!("/customers?{}", query_string(&next)),
            Default::default(),
        );
    };
    let on_search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        set("q", search.get_untracked().trim().to_owned());
    };
    let toggle_column = move |key: &'static str| {
        columns.update(|cols| {
            if cols.iter().any(|c| c == key) {
                cols.retain(|c| c != key);
            } else {
                cols.push(key.to_owned());
            }
            store_columns(cols);
        });
    };
    let shown = move || {
        let chosen = columns.get();
        COLUMNS
            .iter()
            .filter(|(key, _)| chosen.iter().any(|c| c == key))
            .copied()
            .collect::<Vec<_>>()
    };
    let sort = move || query.with(|q| q.get("sort").unwrap_or_else(|| "-created_at".to_owned()));

    view! {
        <section>
            <div class="toolbar">
                <h1 id="page-title">{tr("nav-customers")}</h1>
                <form class="search" on:submit=on_search>
                    <input id="search" type="search" placeholder=tr("search-placeholder") bind:value=search/>
                </form>
                <When when=move || session.can(ObjectType::Customers, Action::Export)>
                    <ExportButtons query=query/>
                </When>
                <When when=move || session.can(ObjectType::Customers, Action::Create)>
                    <a id="new-customer" class="button primary" href="/customers/new">{tr("new-customer")}</a>
                </When>
            </div>
            <When when=move || query.with(|q| q.get("segment_id").is_some())>
                <SegmentChip query=query set=set/>
            </When>
            <div class="list-controls">
                <FilterBar query=query set=set/>
                <select id="sort" aria-label=tr("sort") on:change=move |ev| set("sort", event_target_value(&ev))>
                    {SORTS.iter().map(|(value, label)| view! { <option value=*value selected=Signal::derive(move || sort() == *value)>{tr(label)}</option> }).collect_view()}
                </select>
                <details class="columns-picker">
                    <summary id="columns">{tr("columns")}</summary>
                    <div class="card menu">
                        {COLUMNS.iter().map(|(key, label)| view! {
                            <label class="check"><input type="checkbox" prop:checked=Signal::derive(move || columns.with(|c| c.iter().any(|c| c == key))) on:change=move |_| toggle_column(key)/>{tr(label)}</label>
                        }).collect_view()}
                    </div>
                </details>
            </div>
            {move || error.get().map(|e| view! { <ErrorView error=e/> })}
            <When when=move || !(loading.get() && items.with(Vec::is_empty)) fallback=|| view! { <Skeleton/> }>
                <table class="list" id="customers">
                    <thead><tr>
                        <th>{tr("field-name")}</th>
                        {move || shown().into_iter().map(|(_, label)| view! { <th>{tr(label)}</th> }).collect_view()}
                    </tr></thead>
                    <tbody>
                        <For each=move || items.get() key=|c| (c.id, c.version) let:customer>
                            <Row customer=customer columns=Signal::derive(shown)/>
                        </For>
                    </tbody>
                </table>
                <When when=move || !loading.get() && items.with(Vec::is_empty) && error.get().is_none()>
                    <Empty message=tr("no-customers")/>
                </When>
            </When>
            <When when=move || cursor.get().is_some()>
                <button id="load-more" class="wide" disabled=Signal::derive(move || loading.get()) on:click=move |_| list.load_more()>{tr("load-more")}</button>
            </When>
        </section>
    }
}

/// CSV and Excel exports of the customers the list's filters select.
#[component]
fn ExportButtons(query: Memo<ParamsMap>) -> impl IntoView {
    let toasts = crate::components::use_toasts();
    let busy = RwSignal::new(false);
    let export = move |xlsx: bool| {
        let filters = query_string(&query.get_untracked());
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = if xlsx {
                crate::api::download_binary(
                    &format!("/api/v1/customers/export.xlsx?{filters}"),
                    "customers.xlsx",
                    crate::api::XLSX,
                )
                .await
            } else {
                crate::api::download(
                    &format!("/api/v1/customers/export?{filters}"),
                    "customers.csv",
                )
                .await
            };
            if let Err(err) = result {
                toasts.error(err.to_string());
            }
            busy.set(false);
        });
    };
    view! {
        <button id="export-csv" disabled=move || busy.get() on:click=move |_| export(false)>{tr("export-csv")}</button>
        <button id="export-xlsx" disabled=move || busy.get() on:click=move |_| export(true)>{tr("export-xlsx")}</button>
    }
}

/// The saved segment the list is limited to (`segment_id`), by name, with
/// a way out of it.
#[component]
fn SegmentChip(
    query: Memo<ParamsMap>,
    set: impl Fn(&'static str, String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let segments = Load::<Page<Segment>>::new(|| "/api/v1/segments".to_owned());
    let name = move || {
        let id = query.with(|q| q.get("segment_id").unwrap_or_default());
        segments
            .items()
            .into_iter()
            .find(|s| s.id.to_string() == id)
            .map_or(id, |s| s.name)
    };
    view! {
        <div class="segment-filter" id="segment-filter">
            {tr("segment-filter")}" "<a href=move || format!("/segments?id={}", query.with(|q| q.get("segment_id").unwrap_or_default()))>{Signal::derive(name)}</a>
            <button class="link" id="segment-filter-clear" aria-label=tr("remove") on:click=move |_| set("segment_id", String::new())>"×"</button>
        </div>
    }
}

#[component]
fn Row(customer: Customer, columns: Signal<Vec<(&'static str, &'static str)>>) -> impl IntoView {
    let locale = use_locale();
    let lookups = use_lookups();
    let href = format!("/customers/{}", customer.id);
    let c = StoredValue::new(customer);
    let cell = move |key: &str| -> String {
        c.with_value(|c| match key {
            "kind" => vocab::label(vocab::KIND, Some(c.kind.as_str()))(),
            "industry" => vocab::label(vocab::INDUSTRY, c.industry.map(|v| v.as_str()))(),
            "size_band" => vocab::label(vocab::SIZE, c.size_band.map(|v| v.as_str()))(),
            "lifecycle_stage" => {
                vocab::label(vocab::STAGE, c.lifecycle_stage.map(|v| v.as_str()))()
            }
            "owner" => lookups.user_name(c.owner_id),
            "region" => region_text(c, locale.get(), &lookups),
            "phone" => c.phone.clone().unwrap_or_default(),
            "email" => c.email.clone().unwrap_or_default(),
            "created_at" => i18n::date(locale.get(), &c.created_at.to_rfc3339()),
            "updated_at" => i18n::date(locale.get(), &c.updated_at.to_rfc3339()),
            _ => String::new(),
        })
    };
    view! {
        <tr class="customer">
            <td class="name-cell" data-label=tr("field-name")><a href=href>{c.with_value(|c| c.name.clone())}</a></td>
            {move || columns.get().into_iter().map(|(key, label)| view! { <td data-label=tr(label)>{Signal::derive(move || cell(key))}</td> }).collect_view()}
        </tr>
    }
}

/// "广东 · 深圳" from the province and city codes.
pub fn region_text(
    c: &Customer,
    locale: i18n::Locale,
    lookups: &crate::session::Lookups,
) -> String {
    lookups.regions.with(|regions| {
        [c.province_code.as_deref(), c.city_code.as_deref()]
            .into_iter()
            .flatten()
            .filter_map(|code| regions.name(locale, code))
            .collect::<Vec<_>>()
            .join(" · ")
    })
}
