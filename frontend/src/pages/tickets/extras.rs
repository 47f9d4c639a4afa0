//! A ticket's tags and custom fields: the inputs (the workspace's tags as
//! checkboxes, each ticket custom field by its type) that the new-ticket
//! form and the ticket page share, and the ticket page's card that shows
//! them and edits them with a merge patch.

use crm_api_types::Page;
use crm_api_types::custom_fields::CustomFieldDef;
use crm_api_types::tickets::Ticket;
use leptos::prelude::*;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::api::ApiError;
use crate::components::{FieldError, When, use_toasts};
use crate::i18n::{tr, use_t};
use crate::load::Load;
use crate::pages::customers::detail::display_value;
use crate::pages::customers::form::CustomInput;
use crate::session::use_lookups;

/// The workspace's ticket custom fields.
pub fn ticket_fields() -> Load<Page<CustomFieldDef>> {
    Load::new(|| "/api/v1/custom-fields?entity=ticket".to_owned())
}

/// Tag checkboxes and custom field inputs; `error` gives the server's
/// message for a field (`tag_ids`, `custom_fields.<key>`).
#[component]
pub fn ExtrasInputs(
    tag_ids: RwSignal<Vec<Uuid>>,
    custom: RwSignal<Map<String, Value>>,
    defs: Load<Page<CustomFieldDef>>,
    error: impl Fn(String) -> Signal<Option<String>> + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let lookups = use_lookups();
    view! {
        <div class="span-2 ticket-tags">
            <span class="label">{tr("section-tags")}</span>
            <div class="tag-picker" id="ticket-tag-picker">
                {move || lookups.tags.get().into_iter().map(|tag| {
                    let id = tag.id;
                    view! {
                        <label class="check">
                            <input type="checkbox" data-tag=tag.name.clone() prop:checked=Signal::derive(move || tag_ids.with(|v| v.contains(&id)))
                                on:change=move |_| tag_ids.update(|v| if v.contains(&id) { v.retain(|x| *x != id) } else { v.push(id) })/>
                            {tag.name}
                        </label>
                    }
                }).collect_view()}
            </div>
            <FieldError id="ticket-tags-error" message=error("tag_ids".to_owned())/>
        </div>
        {move || defs.items().into_iter().map(|def| view! { <CustomInput def=def values=custom error=error/> }).collect_view()}
    }
}

/// The ticket page's card: its tags and custom field values, and an
/// editor for both when the caller may update the ticket.
#[component]
pub fn ExtrasCard(
    ticket: Ticket,
    can_update: Signal<bool>,
    on_changed: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let toasts = use_toasts();
    let t = use_t();
    let defs = ticket_fields();
    let editing = RwSignal::new(false);
    let saving = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiError>);
    let tag_ids = RwSignal::new(ticket.tags.iter().map(|t| t.id).collect::<Vec<_>>());
    let custom = RwSignal::new(ticket.custom_fields.clone());
    let (id, version) = (ticket.id, ticket.version);
    let tags = StoredValue::new(ticket.tags);
    let values = StoredValue::new(ticket.custom_fields);
    let error = move |field: String| {
        Signal::derive(move || failure.with(|e| e.as_ref().and_then(|e| e.field(&field))))
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saving.set(true);
        let body =
            json!({"tag_ids": tag_ids.get_untracked(), "custom_fields": custom.get_untracked()});
        leptos::task::spawn_local(async move {
            match crate::api::patch::<Ticket, _>(&format!("/api/v1/tickets/{id}"), &body, version)
                .await
            {
                Ok(_) => {
                    toasts.success(t("tk-updated"));
                    on_changed();
                }
                Err(err) => failure.set(Some(err)),
            }
            let _ = saving.try_set(false);
        });
    };
    let label_of = move |key: &str| {
        defs.items()
            .into_iter()
            .find(|d| d.key == key)
            .map_or_else(|| key.to_owned(), |d| d.label)
    };
    view! {
        <div class="card" id="ticket-extras">
            <div class="toolbar">
                <h2>{tr("tk-extras")}</h2>
                <When when=move || can_update.get() && !editing.get()>
                    <button class="link" id="ticket-extras-edit" on:click=move |_| editing.set(true)>{tr("edit")}</button>
                </When>
            </div>
            <Show when=move || editing.get() fallback=move || view! {
                {(tags.with_value(Vec::is_empty) && values.with_value(Map::is_empty)).then(|| view! { <p class="muted" id="ticket-no-extras">{tr("tk-no-extras")}</p> })}
                <div class="tags" id="ticket-tags">
                    {tags.with_value(|list| list.iter().map(|tag| {
                        let style = tag.color.as_ref().map(|c| format!("border-color:{c}")).unwrap_or_default();
                        view! { <span class="tag" style=style>{tag.name.clone()}</span> }
                    }).collect_view())}
                </div>
                <dl class="fields" id="ticket-custom-fields">
                    {move || values.with_value(|map| map.iter().map(|(key, value)| view! {
                        <div class="field" data-key=key.clone()><dt>{label_of(key)}</dt><dd>{display_value(value)}</dd></div>
                    }).collect_view())}
                </dl>
            }>
                <form class="form" id="ticket-extras-form" on:submit=save>
                    <div class="grid-form">
                        <ExtrasInputs tag_ids=tag_ids custom=custom defs=defs error=error/>
                    </div>
                    <div class="actions">
                        <button type="button" on:click=move |_| editing.set(false)>{tr("cancel")}</button>
                        <button type="submit" class="primary" id="ticket-extras-save" disabled=move || saving.get()>{tr("save")}</button>
                    </div>
                </form>
            </Show>
        </div>
    }
}
