//! Settings › custom fields: definitions per record type (text, number,
//! date, yes/no, single or multiple choice; required or not).

use crm_api_types::custom_fields::CustomFieldDef;
use crm_api_types::domain::custom_field::{FieldEntity, FieldType};
use leptos::prelude::*;
use serde_json::json;

use super::{collection, render};
use crate::api::ApiError;
use crate::components::{FieldError, When, use_toasts};
use crate::i18n::tr;

#[component]
pub fn CustomFields() -> impl IntoView {
    let toasts = use_toasts();
    let defs = collection::<CustomFieldDef>("/api/v1/custom-fields");
    let entity = RwSignal::new("customer".to_owned());
    let key = RwSignal::new(String::new());
    let label = RwSignal::new(String::new());
    let field_type = RwSignal::new("text".to_owned());
    let options = RwSignal::new(String::new());
    let required = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiError>);
    let field = move |f: &'static str| {
        Signal::derive(move || failure.with(|e| e.as_ref().and_then(|e| e.field(f))))
    };
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let choices: Vec<String> = options
            .get_untracked()
            .split([',', '，', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        let body = json!({
            "entity": entity.get_untracked(), "key": key.get_untracked().trim(), "label": label.get_untracked().trim(),
            "field_type": field_type.get_untracked(), "options": choices, "required": required.get_untracked(),
        });
        leptos::task::spawn_local(async move {
            match crate::api::post::<CustomFieldDef, _>("/api/v1/custom-fields", &body).await {
                Ok(_) => {
                    for s in [key, label, options] {
                        s.set(String::new());
                    }
                    failure.set(None);
                    defs.refetch();
                }
                Err(err) => failure.set(Some(err)),
            }
        });
    };
    let remove = move |def: CustomFieldDef| {
        leptos::task::spawn_local(async move {
            match crate::api::delete(
                &format!("/api/v1/custom-fields/{}", def.id),
                Some(def.version),
            )
            .await
            {
                Ok(()) => defs.refetch(),
                Err(err) => toasts.error(err.to_string()),
            }
        });
    };
    view! {
        {render(defs, move |items| view! {
            <table class="list" id="custom-field-list">
                <thead><tr>
                    <th>{tr("field-label")}</th><th>{tr("field-key")}</th><th>{tr("field-entity")}</th>
                    <th>{tr("field-type")}</th><th>{tr("field-required")}</th><th></th>
                </tr></thead>
                <tbody>
                    {items.into_iter().map(|def| {
                        let d = StoredValue::new(def.clone());
                        let (entity, kind) = (def.entity.as_str(), def.field_type.as_str());
                        view! {
                            <tr>
                                <td data-label=tr("field-label")>{def.label.clone()}</td>
                                <td data-label=tr("field-key")><code>{def.key.clone()}</code></td>
                                <td data-label=tr("field-entity")>{crate::i18n::tr_vocab("entity", entity)}</td>
                                <td data-label=tr("field-type")>{crate::i18n::tr_vocab("type", kind)}{(!def.options.is_empty()).then(|| format!(" ({})", def.options.join(", ")))}</td>
                                <td data-label=tr("field-required")>{if def.required { "✓" } else { "" }}</td>
                                <td><button class="link danger-text" on:click=move |_| remove(d.get_value())>{tr("delete")}</button></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        })}
        <form class="card form inline-form" id="field-form" on:submit=create>
            <label>{tr("field-entity")}
                <select id="cf-entity" on:change=move |ev| entity.set(event_target_value(&ev))>
                    {FieldEntity::ALL.iter().map(|e| { let v = e.as_str(); view! { <option value=v>{crate::i18n::tr_vocab("entity", v)}</option> } }).collect_view()}
                </select>
            </label>
            <label>{tr("field-key")}<input id="cf-key" required placeholder="channel" bind:value=key/><FieldError id="cf-key-error" message=field("key")/></label>
            <label>{tr("field-label")}<input id="cf-label" required bind:value=label/><FieldError id="cf-label-error" message=field("label")/></label>
            <label>{tr("field-type")}
                <select id="cf-type" on:change=move |ev| field_type.set(event_target_value(&ev))>
                    {FieldType::ALL.iter().map(|ft| { let v = ft.as_str(); view! { <option value=v>{crate::i18n::tr_vocab("type", v)}</option> } }).collect_view()}
                </select>
            </label>
            <When when=move || field_type.get().ends_with("select")>
                <label>{tr("field-options")}<input id="cf-options" placeholder="A, B, C" bind:value=options/><FieldError id="cf-options-error" message=field("options")/></label>
            </When>
            <label class="check"><input type="checkbox" bind:checked=required/>{tr("field-required")}</label>
            <div class="actions"><button type="submit" class="primary" id="create-field">{tr("create")}</button></div>
        </form>
    }
}
