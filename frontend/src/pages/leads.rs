//! Leads (线索): the list with status and source filters and a search, all
//! in the URL, "load more" on the keyset cursor; the create form (`form`);
//! and the conversion dialog (`convert`) that turns a lead into a customer
//! (new, or an existing one picked by search), a contact and optionally a
//! deal, then opens the customer. Converted leads link to their customer.
//! 记录跟进 on a row opens the follow-up panel (`follow_panel`) in place.

mod convert;
mod form;

use crm_api_types::domain::access::{Action, ObjectType};
use crm_api_types::domain::customer::Source;
use crm_api_types::domain::sales::LeadStatus;
use crm_api_types::leads::Lead;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::params::ParamsMap;

use crate::api::encode;
use crate::components::{Empty, ErrorView, Skeleton, When};
use crate::i18n::{self, tr, use_locale};
use crate::load::Paged;
use crate::pages::follow_panel::FollowUpPanel;
use crate::pages::followups::Subject;
use crate::session::{use_lookups, use_session};

const PARAMS: [&str; 3] = ["q", "status", "source"];

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
pub fn Leads() -> impl IntoView {
    let session = use_session();
    let query_map = use_query_map();
    let query = Memo::new(move |_| query_map.get());
    let search = RwSignal::new(String::new());
    Effect::new(move |_| search.set(query.with(|q| q.get("q").unwrap_or_default())));
    let list = Paged::<Lead>::new(move || {
        format!("/api/v1/leads?limit=25&{}", query_string(&query.get()))
    });
    let creating = RwSignal::new(false);
    let converting = RwSignal::new(None::<Lead>);
    let following = RwSignal::new(None::<Lead>);
    let set = move |key: &'static str, value: String| {
        let mut next = query.get_untracked();
        if value.is_empty() {
            next.remove(key);
        } else {
            next.replace(key, value);
        }
        use_navigate()(
            &format!("/leads?{}", query_string(&next)),
            Default::default(),
        );
    };
    let on_search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        set("q", search.get_untracked().trim().to_owned());
    };
    let value = move |key: &'static str| move || query.with(|q| q.get(key).unwrap_or_default());
    let created = move |lead: Lead| {
        creating.set(false);
        list.items.update(|items| items.insert(0, lead));
    };
    let Paged {
        items,
        cursor,
        loading,
        error,
        ..
    } = list;

    view! {
        <section class="leads-page">
            <div class="toolbar">
                <h1 id="page-title">{tr("nav-leads")}</h1>
                <form class="search" on:submit=on_search>
                    <input id="lead-search" type="search" placeholder=tr("lead-search") bind:value=search/>
                </form>
                <When when=move || session.can(ObjectType::Leads, Action::Create)>
                    <button id="new-lead" class="primary" on:click=move |_| creating.update(|c| *c = !*c)>{tr("lead-new")}</button>
                </When>
            </div>
            <When when=move || creating.get()>
                <form::LeadForm on_saved=created on_cancel=move || creating.set(false)/>
            </When>
            <div class="list-controls">
                <div class="filters">
                    <select id="filter-status" aria-label=tr("lead-any-status") on:change=move |ev| set("status", event_target_value(&ev))>
                        <option value="">{tr("lead-any-status")}</option>
                        {LeadStatus::ALL.iter().map(|s| {
                            let s = s.as_str();
                            view! { <option value=s selected=move || value("status")() == s>{i18n::tr_vocab("lead-status", s)}</option> }
                        }).collect_view()}
                    </select>
                    <select id="filter-source" aria-label=tr("lead-any-source") on:change=move |ev| set("source", event_target_value(&ev))>
                        <option value="">{tr("lead-any-source")}</option>
                        {Source::ALL.iter().map(|s| {
                            let s = s.as_str();
                            view! { <option value=s selected=move || value("source")() == s>{i18n::tr_vocab("source", s)}</option> }
                        }).collect_view()}
                    </select>
                </div>
            </div>
            {move || following.get().map(|lead| view! {
                <FollowUpPanel about=Subject { lead_id: Some(lead.id), ..Default::default() }
                    title=lead.person_name.clone() on_close=move || following.set(None)/>
            })}
            {move || error.get().map(|e| view! { <ErrorView error=e/> })}
            <When when=move || !(loading.get() && items.with(Vec::is_empty)) fallback=|| view! { <Skeleton/> }>
                <table class="list" id="leads">
                    <thead><tr>
                        <th>{tr("lead-person")}</th>
                        <th>{tr("lead-company")}</th>
                        <th>{tr("field-status")}</th>
                        <th>{tr("field-source")}</th>
                        <th>{tr("field-phone")}</th>
                        <th>{tr("field-owner")}</th>
                        <th>{tr("field-created-at")}</th>
                        <th></th>
                    </tr></thead>
                    <tbody>
                        <For each=move || items.get() key=|l| (l.id, l.version) let:lead>
                            <Row lead=lead converting=converting following=following/>
                        </For>
                    </tbody>
                </table>
                <When when=move || !loading.get() && items.with(Vec::is_empty) && error.get().is_none()>
                    <Empty message=tr("lead-none")/>
                </When>
            </When>
            <When when=move || cursor.get().is_some()>
                <button id="load-more" class="wide" disabled=move || loading.get() on:click=move |_| list.load_more()>{tr("load-more")}</button>
            </When>
            {move || converting.get().map(|lead| view! { <convert::ConvertDialog lead=lead open=converting/> })}
        </section>
    }
}

#[component]
fn Row(
    lead: Lead,
    converting: RwSignal<Option<Lead>>,
    following: RwSignal<Option<Lead>>,
) -> impl IntoView {
    let locale = use_locale();
    let lookups = use_lookups();
    let session = use_session();
    let status = lead.status.as_str();
    let source = lead.source.map(|s| s.as_str());
    let convertible = !matches!(
        lead.status,
        LeadStatus::Converted | LeadStatus::Disqualified
    );
    let created = lead.created_at.to_rfc3339();
    let owner = lead.owner_id;
    let follow_lead = lead.clone();
    let action = match lead.converted_customer_id {
        Some(customer) => view! {
            <a class="converted-customer" href=format!("/customers/{customer}")>{tr("lead-open-customer")}</a>
        }
        .into_any(),
        None if convertible => {
            let lead = lead.clone();
            view! {
                <When when=move || session.can(ObjectType::Leads, Action::Update)>
                    <button class="convert" on:click={
                        let lead = lead.clone();
                        move |_| converting.set(Some(lead.clone()))
                    }>{tr("lead-convert")}</button>
                </When>
            }
            .into_any()
        }
        None => ().into_any(),
    };
    view! {
        <tr class="lead" data-id=lead.id.to_string() data-status=status>
            <td class="name-cell" data-label=tr("lead-person")><strong>{lead.person_name.clone()}</strong>
                {lead.title.clone().map(|t| view! { <small class="muted">" · "{t}</small> })}</td>
            <td data-label=tr("lead-company")>{lead.company_name.clone().unwrap_or_default()}</td>
            <td data-label=tr("field-status")><span class=format!("badge lead-{status}")>{i18n::tr_vocab("lead-status", status)}</span></td>
            <td data-label=tr("field-source")>{source.map(|s| i18n::tr_vocab("source", s))}</td>
            <td data-label=tr("field-phone")>{lead.phone.clone().or(lead.email.clone()).unwrap_or_default()}</td>
            <td data-label=tr("field-owner")>{move || lookups.user_name(owner)}</td>
            <td data-label=tr("field-created-at")>{move || i18n::date(locale.get(), &created)}</td>
            <td class="row-actions">
                <When when=move || session.can(ObjectType::Activities, Action::Create)>
                    <button class="follow" on:click={
                        let lead = follow_lead.clone();
                        move |_| following.set(Some(lead.clone()))
                    }>{tr("fu-log")}</button>
                </When>
                {action}
            </td>
        </tr>
    }
}

/// "12500.5" (major units, commas allowed) → 1250050 minor units; `None`
/// when it is not an amount. Empty is `Some(None)`.
pub(crate) fn amount_minor(raw: &str) -> Option<Option<i64>> {
    let raw = raw.replace([',', ' ', '，'], "");
    if raw.is_empty() {
        return Some(None);
    }
    let value: f64 = raw.parse().ok()?;
    if !(0.0..9.0e15).contains(&value) {
        return None;
    }
    Some(Some((value * 100.0).round() as i64))
}
