//! Settings › tags: the workspace's static tags (name and colour).

use crm_api_types::tags::Tag;
use leptos::prelude::*;
use serde_json::json;

use super::{collection, render};
use crate::api::ApiError;
use crate::components::{FieldError, use_toasts};
use crate::i18n::tr;

#[component]
pub fn Tags() -> impl IntoView {
    let toasts = use_toasts();
    let tags = collection::<Tag>("/api/v1/tags");
    let name = RwSignal::new(String::new());
    let color = RwSignal::new("#1677ff".to_owned());
    let failure = RwSignal::new(None::<ApiError>);
    let field = move |f: &'static str| {
        Signal::derive(move || failure.with(|e| e.as_ref().and_then(|e| e.field(f))))
    };
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = json!({"name": name.get_untracked().trim(), "color": color.get_untracked()});
        leptos::task::spawn_local(async move {
            match crate::api::post::<Tag, _>("/api/v1/tags", &body).await {
                Ok(_) => {
                    name.set(String::new());
                    failure.set(None);
                    tags.refetch();
                }
                Err(err) => failure.set(Some(err)),
            }
        });
    };
    let remove = move |tag: Tag| {
        leptos::task::spawn_local(async move {
            match crate::api::delete(&format!("/api/v1/tags/{}", tag.id), Some(tag.version)).await {
                Ok(()) => tags.refetch(),
                Err(err) => toasts.error(err.to_string()),
            }
        });
    };
    view! {
        <form class="card form inline-form" id="tag-form" on:submit=create>
            <label>{tr("field-name")}<input id="tag-name" required bind:value=name/><FieldError id="tag-name-error" message=field("name")/></label>
            <label>{tr("field-color")}<input id="tag-color" type="color" bind:value=color/><FieldError id="tag-color-error" message=field("color")/></label>
            <div class="actions"><button type="submit" class="primary" id="create-tag">{tr("create")}</button></div>
        </form>
        {render(tags, move |items| view! {
            <div class="tags card" id="tag-list">
                {items.into_iter().map(|tag| {
                    let style = tag.color.clone().map(|c| format!("border-color:{c}")).unwrap_or_default();
                    let name = tag.name.clone();
                    view! { <span class="tag" style=style>{name}<button class="tag-remove link" aria-label=tr("delete") on:click=move |_| remove(tag.clone())>"×"</button></span> }
                }).collect_view()}
            </div>
        })}
    }
}
