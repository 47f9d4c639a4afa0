//! Step 1: which records the file holds (customers or products, as the role
//! may import), the file (picked or dropped on the drop zone), and the
//! upload with its progress. The file goes to the server as it is on disk.

use crm_api_types::imports::{Import, ImportEntity};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use wasm_bindgen::JsCast;

use super::{Wizard, label, may_import};
use crate::components::When;
use crate::i18n::{self, tr, use_locale, use_t1};
use crate::session::use_session;

/// "12.3 KB".
fn size(locale: i18n::Locale, bytes: f64) -> String {
    if bytes < 1024.0 * 1024.0 {
        format!("{} KB", i18n::decimal(locale, bytes / 1024.0, 1))
    } else {
        format!("{} MB", i18n::decimal(locale, bytes / 1024.0 / 1024.0, 1))
    }
}

#[component]
pub fn Upload(wizard: Wizard) -> impl IntoView {
    let locale = use_locale();
    let t1 = use_t1();
    let session = use_session();
    let entity = RwSignal::new(ImportEntity::Customers);
    // The role may import products only: those are the default.
    Effect::new(move |_| {
        if !may_import(session, ImportEntity::Customers)
            && may_import(session, ImportEntity::Products)
        {
            entity.set(ImportEntity::Products);
        }
    });
    let file = RwSignal::new_local(None::<web_sys::File>);
    let over = RwSignal::new(false);
    let sent = RwSignal::new(None::<f64>);
    let navigate = StoredValue::new_local(use_navigate());

    let on_pick = move |ev: leptos::ev::Event| {
        let picked = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .and_then(|input| input.files())
            .and_then(|files| files.get(0));
        if picked.is_some() {
            file.set(picked);
        }
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        over.set(false);
        let dropped = ev
            .data_transfer()
            .and_then(|d| d.files())
            .and_then(|files| files.get(0));
        if dropped.is_some() {
            file.set(dropped);
        }
    };
    let on_over = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        over.set(true);
    };
    let send = move |_| {
        let Some(chosen) = file.get_untracked() else {
            return;
        };
        let path = format!(
            "/api/v1/imports?entity={}&file_name={}",
            entity.get_untracked().as_str(),
            crate::api::encode(&chosen.name())
        );
        sent.set(Some(0.0));
        wizard.failure.set(None);
        leptos::task::spawn_local(async move {
            let progress = move |share: f64| {
                sent.try_set(Some(share));
            };
            let answer = crate::api::upload::<Import>(&path, &chosen, progress).await;
            if sent.try_set(None).is_some() {
                return;
            }
            match answer {
                Ok(import) => {
                    let id = import.id;
                    navigate
                        .try_with_value(|go| go(&format!("/imports?id={id}"), Default::default()));
                    wizard.open(import);
                    wizard.changed.update(|n| *n += 1);
                }
                Err(err) => wizard.failure.set(Some(err)),
            }
        });
    };
    let choice = move |value: ImportEntity| {
        let allowed = move || may_import(session, value);
        view! {
            <label class="check" class:muted=move || !allowed()>
                <input
                    type="radio"
                    name="imp-entity"
                    id=format!("imp-entity-{}", value.as_str())
                    value=value.as_str()
                    prop:checked=move || entity.get() == value
                    prop:disabled=move || !allowed()
                    on:change=move |_| entity.set(value)
                />
                {move || label(locale.get(), "entity", value.as_str())}
            </label>
        }
    };
    let chosen = move || {
        file.with(|f| {
            f.as_ref()
                .map(|f| format!("{} · {}", f.name(), size(locale.get(), f.size())))
        })
    };

    view! {
        <div class="card imp-upload" id="imp-upload-step">
            <fieldset class="imp-entity">
                <legend>{tr("imp-entity")}</legend>
                {ImportEntity::ALL.iter().map(|e| choice(*e)).collect_view()}
                <When when=move || !may_import(session, ImportEntity::Products)>
                    <small class="muted" id="imp-products-denied">{tr("imp-products-denied")}</small>
                </When>
            </fieldset>
            <label
                class="imp-drop"
                class:over=move || over.get()
                id="imp-drop"
                on:dragover=on_over
                on:dragleave=move |_| over.set(false)
                on:drop=on_drop
            >
                <span class="imp-drop-icon">"⇪"</span>
                <strong>{tr("imp-drop")}</strong>
                <small class="muted">{tr("imp-drop-hint")}</small>
                <input type="file" id="imp-file" accept=".csv,.txt,text/csv" on:change=on_pick/>
                <span id="imp-chosen">{chosen}</span>
            </label>
            {move || sent.get().map(|share| view! {
                <div class="imp-progress" id="imp-upload-progress">
                    <div class="imp-bar"><div style=format!("width:{:.1}%", share * 100.0)></div></div>
                    <small>{t1("imp-uploading", "percent", i18n::percent(locale.get(), share))}</small>
                </div>
            })}
            <div class="actions">
                <button
                    class="primary"
                    id="imp-upload"
                    prop:disabled=move || file.with(|f| f.is_none()) || sent.get().is_some()
                    on:click=send
                >
                    {tr("imp-upload")}
                </button>
            </div>
        </div>
    }
}
