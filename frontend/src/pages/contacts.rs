//! Contacts across every customer the caller may see: search and "load
//! more"; each row links to its organisation, and 记录跟进 opens the
//! follow-up panel for the contact in place.

use crm_api_types::contacts::Contact;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::encode;
use crate::components::{Empty, ErrorView, Skeleton, When};
use crate::i18n::tr;
use crate::load::Paged;
use crate::pages::follow_panel::FollowUpPanel;
use crate::pages::followups::Subject;
use crate::session::use_session;
use crm_api_types::domain::access::{Action, ObjectType};

#[component]
pub fn ContactList() -> impl IntoView {
    let session = use_session();
    let query = use_query_map();
    let q = Memo::new(move |_| query.with(|m| m.get("q").unwrap_or_default()));
    let search = RwSignal::new(String::new());
    Effect::new(move |_| search.set(q.get()));
    let list =
        Paged::<Contact>::new(move || format!("/api/v1/contacts?limit=25&q={}", encode(&q.get())));
    let following = RwSignal::new(None::<Contact>);
    let may_log = move || session.can(ObjectType::Activities, Action::Create);
    let Paged {
        items,
        cursor,
        loading,
        error,
        ..
    } = list;
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
            {move || following.get().map(|c| view! {
                <FollowUpPanel about=Subject { contact_id: Some(c.id), customer_id: Some(c.customer_id), ..Default::default() }
                    title=c.name.clone() on_close=move || following.set(None)/>
            })}
            {move || error.get().map(|e| view! { <ErrorView error=e/> })}
            <When when=move || !(loading.get() && items.with(Vec::is_empty)) fallback=|| view! { <Skeleton/> }>
                <table class="list" id="contacts">
                    <thead><tr>
                        <th>{tr("field-name")}</th><th>{tr("field-title")}</th>
                        <th>{tr("field-email")}</th><th>{tr("field-phone")}</th><th></th>
                    </tr></thead>
                    <tbody>
                        <For each=move || items.get() key=|c| (c.id, c.version) let:c>
                            <tr class="contact">
                                <td data-label=tr("field-name")><a href=format!("/customers/{}", c.customer_id)>{c.name.clone()}</a></td>
                                <td data-label=tr("field-title")>{c.title.clone().unwrap_or_default()}</td>
                                <td data-label=tr("field-email")>{c.email.clone().unwrap_or_default()}</td>
                                <td data-label=tr("field-phone")>{c.phone.clone().unwrap_or_default()}</td>
                                <td class="row-actions">
                                    <When when=may_log>
                                        <button class="follow" on:click={
                                            let c = c.clone();
                                            move |_| following.set(Some(c.clone()))
                                        }>{tr("fu-log")}</button>
                                    </When>
                                </td>
                            </tr>
                        </For>
                    </tbody>
                </table>
                <When when=move || !loading.get() && items.with(Vec::is_empty)>
                    <Empty message=tr("no-contacts")/>
                </When>
            </When>
            <When when=move || cursor.get().is_some()>
                <button id="load-more" class="wide" disabled=Signal::derive(move || loading.get()) on:click=move |_| list.load_more()>{tr("load-more")}</button>
            </When>
        </section>
    }
}
