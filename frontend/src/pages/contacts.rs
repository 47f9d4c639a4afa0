//! Contacts across every customer the caller may see: search and "load
//! more"; each row links to its organisation.

use crm_api_types::Page;
use crm_api_types::contacts::Contact;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::{ApiError, encode};
use crate::components::{Empty, ErrorView, Skeleton, When};
use crate::i18n::tr;

#[component]
pub fn ContactList() -> impl IntoView {
    let query = use_query_map();
    let q = Memo::new(move |_| query.with(|m| m.get("q").unwrap_or_default()));
    let search = RwSignal::new(q.get_untracked());
    let items = RwSignal::new(Vec::<Contact>::new());
    let cursor = RwSignal::new(None::<String>);
    let loading = RwSignal::new(true);
    let error = RwSignal::new(None::<ApiError>);
    let load = move |more: bool| {
        let mut path = format!("/api/v1/contacts?limit=25&q={}", encode(&q.get_untracked()));
        if let (true, Some(c)) = (more, cursor.get_untracked()) {
            path.push_str(&format!("&cursor={}", encode(&c)));
        }
        loading.set(true);
        leptos::task::spawn_local(async move {
            match crate::api::get::<Page<Contact>>(&path).await {
                Ok(page) => {
                    if more {
                        items.update(|v| v.extend(page.items))
                    } else {
                        items.set(page.items)
                    }
                    cursor.set(page.next_cursor);
                    error.set(None);
                }
                Err(err) => error.set(Some(err)),
            }
            loading.set(false);
        });
    };
    Effect::new(move |_| {
        q.track();
        load(false);
    });
    let on_search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        use_navigate()(
            &format!("/contacts?q={}", encode(search.get_untracked().trim())),
            Default::default(),
        );
    };
    view! {
        <section>
            <div class="toolbar">
                <h1 id="page-title">{tr("nav-contacts")}</h1>
                <form class="search" on:submit=on_search>
                    <input id="search" type="search" placeholder=tr("search-placeholder") bind:value=search/>
                </form>
            </div>
            {move || error.get().map(|e| view! { <ErrorView error=e/> })}
            <When when=move || !(loading.get() && items.with(Vec::is_empty)) fallback=|| view! { <Skeleton/> }>
                <table class="list" id="contacts">
                    <thead><tr>
                        <th>{tr("field-name")}</th><th>{tr("field-title")}</th>
                        <th>{tr("field-email")}</th><th>{tr("field-phone")}</th>
                    </tr></thead>
                    <tbody>
                        <For each=move || items.get() key=|c| (c.id, c.version) let:c>
                            <tr class="contact">
                                <td data-label=tr("field-name")><a href=format!("/customers/{}", c.customer_id)>{c.name.clone()}</a></td>
                                <td data-label=tr("field-title")>{c.title.clone().unwrap_or_default()}</td>
                                <td data-label=tr("field-email")>{c.email.clone().unwrap_or_default()}</td>
                                <td data-label=tr("field-phone")>{c.phone.clone().unwrap_or_default()}</td>
                            </tr>
                        </For>
                    </tbody>
                </table>
                <When when=move || !loading.get() && items.with(Vec::is_empty)>
                    <Empty message=tr("no-contacts")/>
                </When>
            </When>
            <When when=move || cursor.get().is_some()>
                <button id="load-more" class="wide" disabled=Signal::derive(move || loading.get()) on:click=move |_| load(true)>{tr("load-more")}</button>
            </When>
        </section>
    }
}
