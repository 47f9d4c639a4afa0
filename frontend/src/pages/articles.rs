//! The knowledge base (知识库): a search whose words sit in the URL (hits
//! best first, the words found marked in each snippet), the newest
//! articles when nothing is searched, an article's page with its
//! helpfulness votes, and the editor ([`editor`]) for those who write
//! articles. [`Snippet`] and [`Suggestions`] also serve the ticket pages.

pub mod editor;
pub mod faq;

use crm_api_types::articles::{Article, ArticleHit, SnippetPart};
use crm_api_types::domain::access::{Action, ObjectType};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

use crate::api::encode;
use crate::components::{Breadcrumbs, Empty, ErrorView, Skeleton, When, use_toasts};
use crate::i18n::{self, tr, use_locale, use_t};
use crate::load::{Load, Paged};
use crate::session::use_session;

/// A hit's snippet, the words found in `<mark>`.
#[component]
pub fn Snippet(parts: Vec<SnippetPart>) -> impl IntoView {
    view! {
        <p class="snippet">
            {parts.into_iter().map(|p| if p.highlight {
                view! { <mark>{p.text}</mark> }.into_any()
            } else {
                view! { <span>{p.text}</span> }.into_any()
            }).collect_view()}
        </p>
    }
}

/// Search hits as a list; `action` adds a button to each (link to a ticket).
#[component]
pub fn Hits(hits: Vec<ArticleHit>, action: Option<Callback<uuid::Uuid>>) -> impl IntoView {
    view! {
        <ul class="kb-hits">
            {hits.into_iter().map(|h| {
                let id = h.id;
                view! {
                    <li class="kb-hit" data-id=id.to_string()>
                        <a class="kb-hit-title" href=format!("/kb/{id}")>{h.title}</a>
                        " "<span class="chip">{h.category}</span>
                        {action.map(|a| view! {
                            <button class="link kb-link-article" on:click=move |_| a.run(id)>{tr("kb-answered")}</button>
                        })}
                        <Snippet parts=h.snippet/>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

/// Up to five articles found for `text` (a ticket's subject as it is typed).
#[component]
pub fn Suggestions(#[prop(into)] text: Signal<String>) -> impl IntoView {
    let hits = Load::<Vec<ArticleHit>>::new(move || {
        format!(
            "/api/v1/articles/search?limit=5&q={}",
            encode(text.get().trim())
        )
    });
    view! {
        {move || hits.ok_with(|h| h.clone()).filter(|h| !h.is_empty()).map(|h| view! {
            <div class="kb-suggestions" id="kb-suggestions">
                <strong>{tr("kb-suggested")}</strong>
                <Hits hits=h action=None/>
            </div>
        })}
    }
}

#[component]
pub fn Articles() -> impl IntoView {
    let session = use_session();
    let query_map = use_query_map();
    let q = Memo::new(move |_| query_map.with(|m| m.get("q").unwrap_or_default()));
    let search = RwSignal::new(String::new());
    Effect::new(move |_| search.set(q.get()));
    let creating = RwSignal::new(false);
    let on_search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let words = search.get_untracked().trim().to_owned();
        let path = if words.is_empty() {
            "/kb".to_owned()
        } else {
            format!("/kb?q={}", encode(&words))
        };
        use_navigate()(&path, Default::default());
    };
    view! {
        <section class="kb-page">
            <div class="toolbar">
                <h1 id="page-title">{tr("nav-kb")}</h1>
                <form class="search" on:submit=on_search>
                    <input id="kb-search" type="search" placeholder=tr("kb-search") bind:value=search/>
                </form>
                <When when=move || session.can(ObjectType::Articles, Action::Create)>
                    <button id="new-article" class="primary" on:click=move |_| creating.update(|c| *c = !*c)>{tr("kb-new")}</button>
                </When>
            </div>
            <When when=move || creating.get()>
                <editor::ArticleEditor article=None on_cancel=move || creating.set(false)/>
            </When>
            {move || if q.get().trim().is_empty() {
                view! { <Latest/> }.into_any()
            } else {
                view! { <Found q=q.get()/> }.into_any()
            }}
        </section>
    }
}

#[component]
fn Found(q: String) -> impl IntoView {
    let hits = Load::<Vec<ArticleHit>>::new(move || {
        format!("/api/v1/articles/search?limit=20&q={}", encode(&q))
    });
    view! {
        {move || match hits.get() {
            None => view! { <Skeleton/> }.into_any(),
            Some(Err(e)) => view! { <ErrorView error=e/> }.into_any(),
            Some(Ok(h)) if h.is_empty() => view! { <Empty message=tr("kb-no-hits")/> }.into_any(),
            Some(Ok(h)) => view! { <div class="card" id="kb-hits"><Hits hits=h action=None/></div> }.into_any(),
        }}
    }
}

#[component]
fn Latest() -> impl IntoView {
    let locale = use_locale();
    let list = Paged::<Article>::new(|| "/api/v1/articles?limit=25".to_owned());
    let Paged {
        items,
        cursor,
        loading,
        error,
        ..
    } = list;
    view! {
        {move || error.get().map(|e| view! { <ErrorView error=e/> })}
        <table class="list" id="kb-articles">
            <thead><tr>
                <th>{tr("kb-title")}</th>
                <th>{tr("kb-category")}</th>
                <th>{tr("field-status")}</th>
                <th>{tr("kb-views")}</th>
                <th>{tr("field-updated-at")}</th>
            </tr></thead>
            <tbody>
                <For each=move || items.get() key=|a| (a.id, a.version) let:a>
                    <tr data-id=a.id.to_string()>
                        <td><a href=format!("/kb/{}", a.id)>{a.title.clone()}</a>" "<small class="muted">{a.locale.as_str()}</small></td>
                        <td>{a.category.clone()}</td>
                        <td><span class=format!("badge article-{}", a.status.as_str())>{i18n::tr_vocab("article-status", a.status.as_str())}</span></td>
                        <td>{a.views}</td>
                        <td>{move || i18n::datetime(locale.get(), &a.updated_at.to_rfc3339())}</td>
                    </tr>
                </For>
            </tbody>
        </table>
        <When when=move || !loading.get() && items.with(Vec::is_empty) && error.get().is_none()>
            <Empty message=tr("kb-none")/>
        </When>
        <When when=move || cursor.get().is_some()>
            <button id="load-more" class="wide" disabled=move || loading.get() on:click=move |_| list.load_more()>{tr("load-more")}</button>
        </When>
    }
}

/// `/kb/:id`: one article.
#[component]
pub fn ArticlePage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let article = Load::<Article>::new(move || format!("/api/v1/articles/{}", id.get()));
    // One view per opening of the page.
    Effect::new(move |_| {
        let path = format!("/api/v1/articles/{}/views", id.get());
        leptos::task::spawn_local(async move {
            let _ = crate::api::post::<serde_json::Value, _>(&path, &serde_json::json!({})).await;
        });
    });
    view! {
        {move || match article.get() {
            None => view! { <Skeleton/> }.into_any(),
            Some(Err(e)) => view! { <ErrorView error=e/> }.into_any(),
            Some(Ok(a)) => view! { <ArticleView article=a on_changed=move || article.refetch()/> }.into_any(),
        }}
    }
}

#[component]
fn ArticleView(
    article: Article,
    on_changed: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let session = use_session();
    let toasts = use_toasts();
    let t = use_t();
    let navigate = use_navigate();
    let editing = RwSignal::new(false);
    let voted = RwSignal::new(false);
    let (id, version) = (article.id, article.version);
    let vote = move |helpful: bool| {
        leptos::task::spawn_local(async move {
            let path = format!("/api/v1/articles/{id}/votes");
            let body = serde_json::json!({"helpful": helpful});
            match crate::api::post::<serde_json::Value, _>(&path, &body).await {
                Ok(_) => {
                    let _ = voted.try_set(true);
                    toasts.success(t("kb-thanks"));
                }
                Err(err) => toasts.error(err.to_string()),
            }
        });
    };
    let remove = move |_| {
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match crate::api::delete(&format!("/api/v1/articles/{id}"), Some(version)).await {
                Ok(()) => {
                    toasts.success(t("kb-deleted"));
                    navigate("/kb", Default::default());
                }
                Err(err) => toasts.error(err.to_string()),
            }
        });
    };
    let title = article.title.clone();
    let crumbs =
        Signal::derive(move || vec![(t("nav-kb"), Some("/kb".to_owned())), (title.clone(), None)]);
    let stored = StoredValue::new(article.clone());
    view! {
        <section class="article-page" id="article" data-status=article.status.as_str()>
            <Breadcrumbs crumbs=crumbs/>
            <div class="toolbar">
                <h1 id="page-title">{article.title.clone()}</h1>
                <When when=move || session.can(ObjectType::Articles, Action::Update)>
                    <button id="edit-article" on:click=move |_| editing.update(|e| *e = !*e)>{tr("edit")}</button>
                </When>
                <When when=move || session.can(ObjectType::Articles, Action::Delete)>
                    <button id="delete-article" class="danger" on:click=remove.clone()>{tr("delete")}</button>
                </When>
            </div>
            <When when=move || editing.get()>
                <editor::ArticleEditor article=Some(stored.get_value()) on_cancel=move || editing.set(false)
                    on_saved=Callback::new(move |_| { editing.set(false); on_changed(); })/>
            </When>
            <p class="muted">
                <span class="chip">{article.category.clone()}</span>" "
                <span class=format!("badge article-{}", article.status.as_str())>{i18n::tr_vocab("article-status", article.status.as_str())}</span>" "
                {article.locale.as_str()}" · "{tr("kb-views")}" "<span id="article-views">{article.views}</span>
                " · 👍 "<span id="article-helpful">{article.helpful}</span>" · 👎 "{article.not_helpful}
            </p>
            <div class="card article-body" id="article-body">{article.body.clone()}</div>
            <div class="actions" id="article-votes">
                <Show when=move || !voted.get() fallback=|| view! { <span class="muted" id="voted">{tr("kb-thanks")}</span> }>
                    <span>{tr("kb-did-it-help")}</span>
                    <button id="vote-helpful" on:click=move |_| vote(true)>{tr("kb-helpful")}</button>
                    <button id="vote-unhelpful" on:click=move |_| vote(false)>{tr("kb-unhelpful")}</button>
                </Show>
            </div>
        </section>
    }
}
