//! A ticket's knowledge panel: the articles linked as having answered it
//! (removable), and articles found for the ticket's subject or for words
//! the agent types, each linkable with one click.

use crm_api_types::articles::{Article, ArticleHit};
use leptos::prelude::*;
use serde_json::json;
use uuid::Uuid;

use crate::api::encode;
use crate::components::{When, use_toasts};
use crate::i18n::tr;
use crate::load::Load;
use crate::pages::articles::Hits;

#[component]
pub fn ArticlesPanel(
    ticket_id: Uuid,
    subject: String,
    #[prop(into)] can_update: Signal<bool>,
) -> impl IntoView {
    let toasts = use_toasts();
    let linked = Load::<Vec<Article>>::new(move || format!("/api/v1/tickets/{ticket_id}/articles"));
    let typed = RwSignal::new(subject.clone());
    let words = RwSignal::new(subject);
    let hits = Load::<Vec<ArticleHit>>::new(move || {
        format!(
            "/api/v1/articles/search?limit=5&q={}",
            encode(words.get().trim())
        )
    });
    let link = Callback::new(move |article: Uuid| {
        leptos::task::spawn_local(async move {
            let path = format!("/api/v1/tickets/{ticket_id}/articles");
            match crate::api::post::<Vec<Article>, _>(&path, &json!({"article_id": article})).await
            {
                Ok(_) => linked.refetch(),
                Err(err) => toasts.error(err.to_string()),
            }
        });
    });
    let unlink = move |article: Uuid| {
        leptos::task::spawn_local(async move {
            let path = format!("/api/v1/tickets/{ticket_id}/articles/{article}");
            match crate::api::delete(&path, None).await {
                Ok(()) => linked.refetch(),
                Err(err) => toasts.error(err.to_string()),
            }
        });
    };
    let find = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        words.set(typed.get_untracked());
    };
    view! {
        <div class="card" id="ticket-articles">
            <h2>{tr("kb-linked")}</h2>
            <ul class="linked-articles" id="linked-articles">
                {move || linked.ok_with(|list| list.clone()).unwrap_or_default().into_iter().map(|a| {
                    let id = a.id;
                    view! {
                        <li data-id=id.to_string()>
                            <a href=format!("/kb/{id}")>{a.title}</a>
                            <When when=can_update>
                                " "<button class="link kb-unlink" on:click=move |_| unlink(id)>{tr("kb-unlink")}</button>
                            </When>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <form class="search" on:submit=find>
                <input id="ticket-kb-search" type="search" placeholder=tr("kb-find") bind:value=typed/>
            </form>
            {move || hits.ok_with(|h| h.clone()).map(|h| {
                let action = can_update.get().then_some(link);
                view! { <div id="ticket-kb-hits"><Hits hits=h action=action/></div> }
            })}
        </div>
    }
}
