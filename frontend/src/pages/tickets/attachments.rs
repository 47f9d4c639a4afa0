//! A ticket's files (附件): the list with name, size, uploader and time,
//! each downloaded with the session's token and removable by its uploader
//! or a lead (the server decides), and a picker that uploads the chosen
//! files one by one as bytes (the server reads their type from them). What the server refuses
//! (type, size, content) is shown as its message.

use crm_api_types::tickets::Attachment;
use leptos::prelude::*;
use uuid::Uuid;
use wasm_bindgen::JsCast;

use crate::api::encode;
use crate::components::{When, use_toasts};
use crate::i18n::{self, tr, use_locale, use_t};
use crate::load::Load;
use crate::session::use_lookups;

/// What the picker offers (the server checks the bytes anyway).
const ACCEPT: &str = "image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain,text/csv,.txt,.csv,.docx,.xlsx";

fn size(bytes: i64) -> String {
    match bytes {
        b if b >= 1024 * 1024 => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
        b if b >= 1024 => format!("{:.0} KB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}

#[component]
pub fn AttachmentsPanel(ticket_id: Uuid, #[prop(into)] can_update: Signal<bool>) -> impl IntoView {
    let toasts = use_toasts();
    let lookups = use_lookups();
    let locale = use_locale();
    let t = use_t();
    let list =
        Load::<Vec<Attachment>>::new(move || format!("/api/v1/tickets/{ticket_id}/attachments"));
    let sending = RwSignal::new(false);
    let on_pick = move |ev: leptos::ev::Event| {
        let input = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok());
        let files: Vec<web_sys::File> = input
            .as_ref()
            .and_then(|i| i.files())
            .map(|fs| (0..fs.length()).filter_map(|i| fs.get(i)).collect())
            .unwrap_or_default();
        if files.is_empty() {
            return;
        }
        sending.set(true);
        leptos::task::spawn_local(async move {
            for file in files {
                let path = format!(
                    "/api/v1/tickets/{ticket_id}/attachments?file_name={}",
                    encode(&file.name())
                );
                // The server reads the type from the bytes.
                let kind = "application/octet-stream";
                match crate::api::upload_as::<Attachment>(&path, &file, kind, |_| {}).await {
                    Ok(_) => toasts.success(t("tk-attached")),
                    // The server's reason for this file (its bytes or its name), else the error.
                    Err(err) => {
                        let why = err
                            .errors
                            .values()
                            .find_map(|m| m.first().cloned())
                            .unwrap_or_else(|| err.to_string());
                        toasts.error(format!("{}: {why}", file.name()))
                    }
                }
            }
            if let Some(input) = input {
                input.set_value("");
            }
            let _ = sending.try_set(false);
            list.refetch();
        });
    };
    let remove = move |id: Uuid| {
        leptos::task::spawn_local(async move {
            let path = format!("/api/v1/tickets/{ticket_id}/attachments/{id}");
            match crate::api::delete(&path, None).await {
                Ok(()) => list.refetch(),
                Err(err) => toasts.error(err.to_string()),
            }
        });
    };
    view! {
        <div class="card" id="ticket-attachments-card">
            <h2>{tr("tk-attachments")}</h2>
            {move || {
                let items = list.ok_with(Clone::clone).unwrap_or_default();
                if items.is_empty() {
                    return view! { <p class="muted" id="no-attachments">{tr("tk-no-attachments")}</p> }.into_any();
                }
                view! {
                    <ul class="attachments" id="ticket-attachments">
                        {items.into_iter().map(|a| {
                            let at = a.created_at.to_rfc3339();
                            let (id, name, kind) = (a.id, a.file_name.clone(), a.content_type.clone());
                            let fetch = move |_| {
                                let (name, kind) = (name.clone(), kind.clone());
                                leptos::task::spawn_local(async move {
                                    let path = format!("/api/v1/tickets/{ticket_id}/attachments/{id}");
                                    if let Err(err) = crate::api::download_binary(&path, &name, &kind).await {
                                        toasts.error(err.to_string());
                                    }
                                });
                            };
                            view! {
                                <li class="attachment" data-name=a.file_name.clone()>
                                    <button type="button" class="link download-attachment" on:click=fetch>{a.file_name.clone()}</button>
                                    <span class="muted">" · "{size(a.size_bytes)}" · "{lookups.user_name(a.uploaded_by)}" · "{move || i18n::datetime(locale.get(), &at)}</span>
                                    <When when=can_update>
                                        " "<button type="button" class="link remove-attachment" title=move || t("tk-remove-attachment") on:click=move |_| remove(id)>"×"</button>
                                    </When>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <When when=can_update>
                <label class="file-pick">
                    {tr("tk-attach")}" "
                    <input type="file" id="attachment-file" multiple accept=ACCEPT on:change=on_pick disabled=move || sending.get()/>
                </label>
                <p class="muted">{tr("tk-attach-help")}</p>
            </When>
        </div>
    }
}
