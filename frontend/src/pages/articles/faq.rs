//! `/faq/:workspace`: the public FAQ (常见问题), read without signing in —
//! a workspace's public articles in the reader's language by category, and
//! a search with the words found marked. A workspace that has not switched
//! the FAQ on (or does not exist) shows "not found".

use crm_api_types::articles::{ArticleHit, FaqArticle};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api::{ApiError, encode};
use crate::components::{Empty, ErrorView, Skeleton};
use crate::i18n::{Locale, tr, use_locale};

/// The answer to an unauthenticated GET of `path()`, refetched as it changes.
fn public<T>(
    path: impl Fn() -> Option<String> + Send + Sync + 'static,
) -> RwSignal<Option<Result<T, ApiError>>>
where
    T: serde::de::DeserializeOwned + Send + Sync + 'static,
{
    let state = RwSignal::new(None);
    Effect::new(move |_| {
        let Some(path) = path() else {
            state.set(None);
            return;
        };
        leptos::task::spawn_local(async move {
            let _ = state.try_set(Some(crate::api::get_public::<T>(&path).await));
        });
    });
    state
}

#[component]
pub fn Faq() -> impl IntoView {
    let params = use_params_map();
    let locale = use_locale();
    let workspace = Memo::new(move |_| params.with(|p| p.get("workspace").unwrap_or_default()));
    let language = move || match locale.get() {
        Locale::ZhCn => "zh-CN",
        Locale::En => "en",
    };
    let articles = public::<Vec<FaqArticle>>(move || {
        Some(format!(
            "/api/v1/public/{}/articles?locale={}",
            encode(&workspace.get()),
            language()
        ))
    });
    let typed = RwSignal::new(String::new());
    let words = RwSignal::new(String::new());
    let hits = public::<Vec<ArticleHit>>(move || {
        let q = words.get();
        (!q.trim().is_empty()).then(|| {
            format!(
                "/api/v1/public/{}/articles/search?q={}&locale={}",
                encode(&workspace.get()),
                encode(q.trim()),
                language()
            )
        })
    });
    let on_search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        words.set(typed.get_untracked());
    };
    view! {
        <main class="faq-page" id="faq">
            <div class="toolbar">
                <h1 id="page-title">{tr("kb-faq")}</h1>
                <button id="language" class="link" on:click=move |_| crate::i18n::toggle_locale(locale)>{tr("language-switch")}</button>
            </div>
            <form class="search" on:submit=on_search>
                <input id="faq-search" type="search" placeholder=tr("kb-search") bind:value=typed/>
            </form>
            {move || hits.get().map(|r| match r {
                Err(e) => view! { <ErrorView error=e/> }.into_any(),
                Ok(h) if h.is_empty() => view! { <Empty message=tr("kb-no-hits")/> }.into_any(),
                Ok(h) => view! {
                    <ul class="kb-hits card" id="faq-hits">
                        {h.into_iter().map(|hit| view! {
                            <li class="kb-hit" data-id=hit.id.to_string()>
                                <a class="kb-hit-title" href=format!("#a-{}", hit.id)>{hit.title}</a>
                                <super::Snippet parts=hit.snippet/>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any(),
            })}
            {move || match articles.get() {
                None => view! { <Skeleton/> }.into_any(),
                Some(Err(e)) => view! { <ErrorView error=e/> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <Empty message=tr("kb-none")/> }.into_any(),
                Some(Ok(mut list)) => {
                    list.sort_by(|a, b| a.category.cmp(&b.category));
                    view! {
                        <div id="faq-articles">
                            {list.into_iter().map(|a| view! {
                                <details class="card faq-article" id=format!("a-{}", a.id) data-id=a.id.to_string()>
                                    <summary><span class="chip">{a.category}</span>" "{a.title}</summary>
                                    <div class="article-body">{a.body}</div>
                                </details>
                            }).collect_view()}
                        </div>
                    }.into_any()
                }
            }}
        </main>
    }
}
