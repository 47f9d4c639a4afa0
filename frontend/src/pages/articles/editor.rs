//! The article editor: title, category, language, status and body, for a
//! new article or an existing one (PATCH with its version). The server's
//! field errors show beside each input; a new article opens once saved.

use crm_api_types::articles::{Article, ArticleLocale, ArticleStatus};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use serde_json::json;

use crate::api::ApiError;
use crate::components::{ErrorView, FieldError, use_toasts};
use crate::i18n::{self, tr, use_t};

#[component]
pub fn ArticleEditor(
    article: Option<Article>,
    on_cancel: impl Fn() + Copy + Send + Sync + 'static,
    #[prop(optional)] on_saved: Option<Callback<Article>>,
) -> impl IntoView {
    let toasts = use_toasts();
    let t = use_t();
    let navigate = use_navigate();
    let existing = article.as_ref().map(|a| (a.id, a.version));
    let title = RwSignal::new(
        article
            .as_ref()
            .map(|a| a.title.clone())
            .unwrap_or_default(),
    );
    let category = RwSignal::new(
        article
            .as_ref()
            .map(|a| a.category.clone())
            .unwrap_or_default(),
    );
    let body = RwSignal::new(article.as_ref().map(|a| a.body.clone()).unwrap_or_default());
    let locale = RwSignal::new(
        article
            .as_ref()
            .map_or("zh-CN", |a| a.locale.as_str())
            .to_owned(),
    );
    let status = RwSignal::new(
        article
            .as_ref()
            .map_or("draft", |a| a.status.as_str())
            .to_owned(),
    );
    let failure = RwSignal::new(None::<ApiError>);
    let saving = RwSignal::new(false);
    let field = move |f: &'static str| {
        Signal::derive(move || failure.with(|e| e.as_ref().and_then(|e| e.field(f))))
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let payload = json!({
            "title": title.get_untracked(),
            "category": category.get_untracked(),
            "body": body.get_untracked(),
            "locale": locale.get_untracked(),
            "status": status.get_untracked(),
        });
        saving.set(true);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let saved = match existing {
                Some((id, version)) => {
                    crate::api::patch::<Article, _>(
                        &format!("/api/v1/articles/{id}"),
                        &payload,
                        version,
                    )
                    .await
                }
                None => crate::api::post::<Article, _>("/api/v1/articles", &payload).await,
            };
            match saved {
                Ok(a) => {
                    toasts.success(t("kb-saved"));
                    match on_saved {
                        Some(done) => done.run(a),
                        None => navigate(&format!("/kb/{}", a.id), Default::default()),
                    }
                }
                Err(err) => {
                    let _ = failure.try_set(Some(err));
                }
            }
            let _ = saving.try_set(false);
        });
    };
    let choice = |signal: RwSignal<String>, value: &'static str, label: Signal<String>| {
        view! { <option value=value selected=move || signal.get() == value>{label}</option> }
    };
    view! {
        <form class="card form article-form" id="article-form" on:submit=submit>
            <div class="grid-form">
                <label class="span-2">{tr("kb-title")}<input id="article-title" required bind:value=title/>
                    <FieldError id="article-title-error" message=field("title")/></label>
                <label>{tr("kb-category")}<input id="article-category" required bind:value=category/>
                    <FieldError id="article-category-error" message=field("category")/></label>
                <label>{tr("kb-locale")}
                    <select id="article-locale" on:change=move |ev| locale.set(event_target_value(&ev))>
                        {ArticleLocale::ALL.iter().map(|l| choice(locale, l.as_str(), i18n::tr_vocab("article-locale", l.as_str()))).collect_view()}
                    </select>
                </label>
                <label>{tr("field-status")}
                    <select id="article-status" on:change=move |ev| status.set(event_target_value(&ev))>
                        {ArticleStatus::ALL.iter().map(|s| choice(status, s.as_str(), i18n::tr_vocab("article-status", s.as_str()))).collect_view()}
                    </select>
                </label>
                <label class="span-2">{tr("kb-body")}<textarea id="article-body-input" rows="10" required bind:value=body></textarea>
                    <FieldError id="article-body-error" message=field("body")/></label>
            </div>
            {move || failure.get().filter(|e| e.errors.is_empty()).map(|e| view! { <ErrorView error=e/> })}
            <div class="actions">
                <button type="button" id="article-cancel" on:click=move |_| on_cancel()>{tr("cancel")}</button>
                <button type="submit" class="primary" id="article-save" disabled=move || saving.get()>{tr("save")}</button>
            </div>
        </form>
    }
}
