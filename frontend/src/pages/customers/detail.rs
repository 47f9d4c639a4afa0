//! One customer: profile header, fields, tags (add / remove), custom
//! fields, contacts (list, add and edit), and edit / delete.

use crm_api_types::Page;
use crm_api_types::contacts::Contact;
use crm_api_types::custom_fields::CustomFieldDef;
use crm_api_types::customers::Customer;
use crm_api_types::domain::access::{Action, ObjectType};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use serde_json::{Value, json};
use uuid::Uuid;

use super::list::region_text;
use crate::api::ApiError;
use crate::components::{
    Breadcrumbs, Confirm, ErrorView, FieldError, Skeleton, When, error_fallback, use_toasts,
};
use crate::i18n::{self, tr, use_locale, use_t, use_t1};
use crate::load::Load;
use crate::session::{use_lookups, use_session};
use crate::vocab;

#[component]
pub fn CustomerDetail() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").and_then(|s| s.parse::<Uuid>().ok())));
    let customer = Load::<Customer>::new(move || {
        format!(
            "/api/v1/customers/{}",
            id.get()
                .map(|id| id.to_string())
                .unwrap_or_else(|| "-".to_owned())
        )
    });
    view! {
        <ErrorBoundary fallback=error_fallback>
            {move || match customer.get() {
                None => Ok(view! { <Skeleton rows=8/> }.into_any()),
                Some(Ok(c)) => Ok(view! { <Profile customer=c/> }.into_any()),
                Some(Err(err)) => Err(err),
            }}
        </ErrorBoundary>
    }
}

#[component]
fn Profile(customer: Customer) -> impl IntoView {
    let t = use_t();
    let t1 = use_t1();
    let locale = use_locale();
    let session = use_session();
    let lookups = use_lookups();
    let toasts = use_toasts();
    let customer = RwSignal::new(customer);
    let stale = RwSignal::new(false);
    let confirm_delete = RwSignal::new(false);
    let new_deal = RwSignal::new(false);
    let get =
        move |f: fn(&Customer) -> Option<String>| move || customer.with(f).unwrap_or_default();
    let crumbs = Signal::derive(move || {
        vec![
            (t("nav-customers"), Some("/customers".to_owned())),
            (customer.with(|c| c.name.clone()), None),
        ]
    });

    let patch_tags = move |tag_ids: Vec<Uuid>| {
        let (id, version) = customer.with_untracked(|c| (c.id, c.version));
        leptos::task::spawn_local(async move {
            match crate::api::patch::<Customer, _>(
                &format!("/api/v1/customers/{id}"),
                &json!({"tag_ids": tag_ids}),
                version,
            )
            .await
            {
                Ok(updated) => customer.set(updated),
                Err(err) if err.is_stale() => stale.set(true),
                Err(err) => toasts.error(err.to_string()),
            }
        });
    };
    let remove_tag = move |tag: Uuid| {
        patch_tags(customer.with_untracked(|c| {
            c.tags
                .iter()
                .map(|t| t.id)
                .filter(|id| *id != tag)
                .collect()
        }))
    };
    let add_tag = move |ev: leptos::ev::Event| {
        let Ok(tag) = event_target_value(&ev).parse::<Uuid>() else {
            return;
        };
        patch_tags(customer.with_untracked(|c| c.tags.iter().map(|t| t.id).chain([tag]).collect()));
    };
    let navigate = StoredValue::new_local(use_navigate());
    let delete = move || {
        let navigate = navigate.get_value();
        let (id, version, name) = customer.with_untracked(|c| (c.id, c.version, c.name.clone()));
        leptos::task::spawn_local(async move {
            match crate::api::delete(&format!("/api/v1/customers/{id}"), Some(version)).await {
                Ok(()) => {
                    toasts.success(t1("customer-deleted", "name", name));
                    navigate("/customers", Default::default());
                }
                Err(err) if err.is_stale() => stale.set(true),
                Err(err) => toasts.error(err.to_string()),
            }
        });
    };
    let can_update = move || session.can(ObjectType::Customers, Action::Update);
    let field = move |label: &'static str, value: Box<dyn Fn() -> String + Send + Sync>| {
        view! { <div class="field"><dt>{tr(label)}</dt><dd>{Signal::derive(move || { let v = value(); if v.is_empty() { "—".to_owned() } else { v } })}</dd></div> }
    };
    let vocab_field = move |label: &'static str,
                            vocabulary: vocab::Vocab,
                            f: fn(&Customer) -> Option<&'static str>| {
        field(
            label,
            Box::new(move || {
                customer
                    .with(|c| f(c).map(|v| i18n::vocab(locale.get(), vocabulary.group, v)))
                    .unwrap_or_default()
            }),
        )
    };

    view! {
        <Breadcrumbs crumbs=crumbs/>
        <When when=move || stale.get()>
            <div class="error-box" id="stale" role="alert">
                <strong>{tr("stale-title")}</strong>
                <p>{tr("stale-detail")}</p>
                <button on:click=move |_| { let _ = web_sys::window().map(|w| w.location().reload()); }>{tr("reload")}</button>
            </div>
        </When>
        <header class="profile card">
            <div class="avatar">{Signal::derive(move || customer.with(|c| c.name.chars().next().map(String::from).unwrap_or_default()))}</div>
            <div class="profile-main">
                <h1 id="page-title">{Signal::derive(move || customer.with(|c| c.name.clone()))}</h1>
                <div class="badges">
                    <span class="badge">{Signal::derive(move || customer.with(|c| i18n::vocab(locale.get(), "kind", c.kind.as_str())))}</span>
                    {move || customer.with(|c| c.lifecycle_stage).map(|s| view! { <span class="badge stage">{crate::i18n::tr_vocab("stage", s.as_str())}</span> })}
                    <span class="muted">{tr("field-owner")}": "{Signal::derive(move || customer.with(|c| lookups.user_name(c.owner_id)))}</span>
                </div>
            </div>
            <div class="actions">
                <When when=move || session.can(ObjectType::Deals, Action::Create)>
                    <button id="new-deal" on:click=move |_| new_deal.set(true)>{tr("deal-new")}</button>
                </When>
                <When when=can_update>
                    <a id="edit" class="button" href=Signal::derive(move || format!("/customers/{}/edit", customer.with(|c| c.id)))>{tr("edit")}</a>
                </When>
                <When when=move || session.can(ObjectType::Customers, Action::Delete)>
                    <button id="delete" class="danger" on:click=move |_| confirm_delete.set(true)>{tr("delete")}</button>
                </When>
            </div>
        </header>
        {move || new_deal.get().then(|| view! {
            <crate::pages::deals::form::DealForm existing=None
                customer=customer.with_untracked(|c| (c.id, c.name.clone()))
                on_saved=move |deal: crm_api_types::deals::Deal| {
                    new_deal.set(false);
                    navigate.get_value()(&format!("/deals/{}", deal.id), Default::default());
                }
                on_cancel=move || new_deal.set(false)/>
        })}
        <Confirm open=confirm_delete message=Signal::derive(move || t1("confirm-delete-customer", "name", customer.with(|c| c.name.clone()))) on_confirm=delete/>

        <div class="detail-grid">
            <section class="card">
                <h2>{tr("section-profile")}</h2>
                <dl class="fields" id="fields">
                    {vocab_field("field-industry", vocab::INDUSTRY, |c| c.industry.map(|v| v.as_str()))}
                    {vocab_field("field-size-band", vocab::SIZE, |c| c.size_band.map(|v| v.as_str()))}
                    {field("field-employee-count", Box::new(move || customer.with(|c| c.employee_count).map(|n| i18n::number(locale.get(), n.into())).unwrap_or_default()))}
                    {field("field-annual-revenue", Box::new(move || customer.with(|c| c.annual_revenue.as_ref().map(|m| i18n::money(locale.get(), m.amount_minor, &m.currency))).unwrap_or_default()))}
                    {field("field-email", Box::new(get(|c| c.email.clone())))}
                    {field("field-phone", Box::new(get(|c| c.phone.clone())))}
                    {field("field-website", Box::new(get(|c| c.website.clone())))}
                    {field("field-region", Box::new(move || customer.with(|c| region_text(c, locale.get(), &lookups))))}
                    {field("field-address", Box::new(get(|c| c.address.clone())))}
                    {vocab_field("field-source", vocab::SOURCE, |c| c.source.map(|v| v.as_str()))}
                    {vocab_field("field-gender", vocab::GENDER, |c| c.gender.map(|v| v.as_str()))}
                    {field("field-birth-date", Box::new(get(|c| c.birth_date.map(|d| d.to_string()))))}
                    {field("field-external-id", Box::new(get(|c| c.external_id.clone())))}
                    {field("field-created-at", Box::new(move || customer.with(|c| i18n::date(locale.get(), &c.created_at.to_rfc3339()))))}
                    {field("field-updated-at", Box::new(move || customer.with(|c| i18n::date(locale.get(), &c.updated_at.to_rfc3339()))))}
                </dl>
            </section>
            <div class="side">
                <super::metrics::PurchaseProfile customer_id=customer.with_untracked(|c| c.id)/>
                <section class="card">
                    <h2>{tr("section-tags")}</h2>
                    <div class="tags" id="tags">
                        <For each=move || customer.with(|c| c.tags.clone()) key=|tag| tag.id let:tag>
                            <span class="tag" style=tag.color.clone().map(|c| format!("border-color:{c}")).unwrap_or_default()>
                                {tag.name.clone()}
                                <When when=can_update>
                                    <button class="tag-remove link" aria-label=tr("remove") on:click=move |_| remove_tag(tag.id)>"×"</button>
                                </When>
                            </span>
                        </For>
                    </div>
                    <When when=can_update>
                        <select id="add-tag" on:change=add_tag>
                            <option value="">{tr("add-tag")}</option>
                            {move || {
                                let have: Vec<Uuid> = customer.with(|c| c.tags.iter().map(|t| t.id).collect());
                                lookups.tags.get().into_iter().filter(|tag| !have.contains(&tag.id)).map(|tag| view! { <option value=tag.id.to_string()>{tag.name}</option> }).collect_view()
                            }}
                        </select>
                    </When>
                </section>
                <CustomFieldValues values=Signal::derive(move || customer.with(|c| c.custom_fields.clone()))/>
            </div>
        </div>
        <RecordTabs customer_id=customer.with_untracked(|c| c.id)/>
    }
}

/// Contacts, the timeline, the orders and the change history, one at a time; the tab is in the
/// URL (`?tab=timeline`).
#[component]
fn RecordTabs(customer_id: Uuid) -> impl IntoView {
    let query = use_query_map();
    let tab = Memo::new(move |_| query.with(|q| q.get("tab").unwrap_or_default()));
    let link = move |key: &'static str, label: &'static str| {
        let href = if key.is_empty() {
            format!("/customers/{customer_id}")
        } else {
            format!("/customers/{customer_id}?tab={key}")
        };
        view! {
            <a class="tab" id=format!("tab-{}", if key.is_empty() { "contacts" } else { key }) href=href
                aria-current=move || (tab.get() == key).then_some("page")>{tr(label)}</a>
        }
    };
    view! {
        <nav class="tabs record-tabs">
            {link("", "nav-contacts")}
            {link("timeline", "cust-timeline")}
            {link("orders", "cust-orders")}
            {link("history", "cust-history")}
        </nav>
        {move || match tab.get().as_str() {
            "timeline" => view! { <super::timeline::Timeline customer_id=customer_id/> }.into_any(),
            "orders" => view! { <super::orders::Orders customer_id=customer_id/> }.into_any(),
            "history" => view! { <crate::pages::history::History entity="customer" id=customer_id/> }.into_any(),
            _ => view! { <Contacts customer_id=customer_id/> }.into_any(),
        }}
    }
}

#[component]
fn CustomFieldValues(values: Signal<serde_json::Map<String, Value>>) -> impl IntoView {
    let defs =
        Load::<Page<CustomFieldDef>>::new(|| "/api/v1/custom-fields?entity=customer".to_owned());
    view! {
        <When when=move || !defs.items().is_empty()>
            <section class="card">
                <h2>{tr("section-custom-fields")}</h2>
                <dl class="fields" id="custom-fields">
                    {move || defs.items().into_iter().map(|def| {
                        let key = def.key.clone();
                        let value = move || values.with(|v| v.get(&key).map(display_value)).unwrap_or_else(|| "—".to_owned());
                        view! { <div class="field"><dt>{def.label}</dt><dd>{value}</dd></div> }
                    }).collect_view()}
                </dl>
            </section>
        </When>
    }
}

/// A custom-field value as text: lists joined, booleans as ✓ / ✗.
pub fn display_value(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "✓".to_owned(),
        Value::Bool(false) => "✗".to_owned(),
        Value::Array(items) => items
            .iter()
            .map(display_value)
            .collect::<Vec<_>>()
            .join(", "),
        Value::Null => "—".to_owned(),
        other => other.to_string(),
    }
}

#[component]
fn Contacts(customer_id: Uuid) -> impl IntoView {
    let session = use_session();
    let toasts = use_toasts();
    let contacts = Load::<Page<Contact>>::new(move || {
        format!("/api/v1/contacts?customer_id={customer_id}&limit=100")
    });
    let adding = RwSignal::new(false);
    // The contact being edited: its id and version (for If-Match).
    let editing = RwSignal::new(None::<(Uuid, i32)>);
    let name = RwSignal::new(String::new());
    let title = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<ApiError>);
    let field = move |f: &'static str| {
        Signal::derive(move || failure.with(|e| e.as_ref().and_then(|e| e.field(f))))
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let optional = |s: String| {
            if s.trim().is_empty() {
                Value::Null
            } else {
                json!(s.trim())
            }
        };
        let mut body = json!({
            "name": name.get_untracked().trim(),
            "title": optional(title.get_untracked()),
            "email": optional(email.get_untracked()),
            "phone": optional(phone.get_untracked()),
        });
        let target = editing.get_untracked();
        if target.is_none() {
            body["customer_id"] = json!(customer_id);
        }
        leptos::task::spawn_local(async move {
            let saved = match target {
                Some((id, version)) => {
                    crate::api::patch::<Contact, _>(
                        &format!("/api/v1/contacts/{id}"),
                        &body,
                        version,
                    )
                    .await
                }
                None => crate::api::post::<Contact, _>("/api/v1/contacts", &body).await,
            };
            match saved {
                Ok(contact) => {
                    toasts.success(format!("{} ✓", contact.name));
                    for s in [name, title, email, phone] {
                        s.set(String::new());
                    }
                    failure.set(None);
                    adding.set(false);
                    editing.set(None);
                    contacts.refetch();
                }
                Err(err) => failure.set(Some(err)),
            }
        });
    };
    view! {
        <section class="card">
            <div class="section-head">
                <h2>{tr("nav-contacts")}</h2>
                <When when=move || session.can(ObjectType::Contacts, Action::Create)>
                    <button id="add-contact" on:click=move |_| {
                        editing.set(None);
                        for s in [name, title, email, phone] {
                            s.set(String::new());
                        }
                        adding.update(|a| *a = !*a);
                    }>{tr("add-contact")}</button>
                </When>
            </div>
            <When when=move || adding.get() || editing.get().is_some()>
                <form class="form inline-form" id="contact-form" on:submit=submit>
                    <label>{tr("field-name")}<input id="contact-name" required bind:value=name/><FieldError id="contact-name-error" message=field("name")/></label>
                    <label>{tr("field-title")}<input id="contact-title" bind:value=title/><FieldError id="contact-title-error" message=field("title")/></label>
                    <label>{tr("field-email")}<input id="contact-email" bind:value=email/><FieldError id="contact-email-error" message=field("email")/></label>
                    <label>{tr("field-phone")}<input id="contact-phone" bind:value=phone/><FieldError id="contact-phone-error" message=field("phone")/></label>
                    <div class="actions"><button type="submit" class="primary" id="save-contact">{tr("save")}</button></div>
                </form>
            </When>
            {move || match contacts.get() {
                    None => view! { <Skeleton rows=2/> }.into_any(),
                    Some(Err(err)) => view! { <ErrorView error=err/> }.into_any(),
                    Some(Ok(page)) if page.items.is_empty() => view! { <p class="muted" id="no-contacts">{tr("no-contacts")}</p> }.into_any(),
                    Some(Ok(page)) => view! {
                        <ul class="contacts" id="contacts">
                            {page.items.into_iter().map(|c| {
                                let open = RwSignal::new(false);
                                let id = c.id;
                                let edit = {
                                    let c = c.clone();
                                    move |_| {
                                        name.set(c.name.clone());
                                        title.set(c.title.clone().unwrap_or_default());
                                        email.set(c.email.clone().unwrap_or_default());
                                        phone.set(c.phone.clone().unwrap_or_default());
                                        failure.set(None);
                                        adding.set(false);
                                        editing.set(Some((c.id, c.version)));
                                    }
                                };
                                view! {
                                    <li class="contact" data-id=id.to_string()>
                                        <strong>{c.name}</strong>
                                        <span class="muted">{c.title.unwrap_or_default()}</span>
                                        <span>{c.email.unwrap_or_default()}</span>
                                        <span>{c.phone.unwrap_or_default()}</span>
                                        <When when=move || session.can(ObjectType::Contacts, Action::Update)>
                                            <button class="link edit-contact" on:click=edit.clone()>{tr("edit")}</button>
                                        </When>
                                        <button class="link contact-history" aria-expanded=move || open.get().to_string()
                                            on:click=move |_| open.update(|o| *o = !*o)>{tr("cust-history")}</button>
                                        <When when=move || open.get()>
                                            <crate::pages::history::History entity="contact" id=id/>
                                        </When>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                }}
        </section>
    }
}
