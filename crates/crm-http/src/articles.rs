//! `/articles`, `/tickets/{id}/articles` and `/public/{workspace}/articles`:
//! the HTTP side of `crm_app::articles` (the knowledge base, the articles
//! that answered a ticket, and the public FAQ read without signing in).

use actix_web::{HttpResponse, delete, get, patch, post, web};
use crm_api_types::articles::{
    Article, ArticleCategory, ArticleHit, ArticleLink, ArticlePatch, ArticleQuery, ArticleSearch,
    ArticleVote, FaqArticle, FaqQuery, NewArticle,
};
use crm_api_types::{Page, Problem};
use crm_db::articles::{ArticleFilter, ArticleSort};
use crm_db::paging::SortValue;
use crm_domain::access::{Action, ObjectType};
use uuid::Uuid;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, IfMatch, etag};
use crate::idempotency::{self, IdempotencyKey};
use crate::paging::{keyset, page};
use crate::state::AppState;

const SORTS: [(&str, ArticleSort); 2] = [
    ("created_at", ArticleSort::CreatedAt),
    ("updated_at", ArticleSort::UpdatedAt),
];

/// Write an article (roles that may create articles). It starts `draft`
/// unless `status` says otherwise.
#[utoipa::path(
    tag = "articles",
    params(("Idempotency-Key" = Option<String>, Header)),
    request_body = NewArticle,
    responses(
        (status = 201, body = Article),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/articles")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    body: ApiJson<NewArticle>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ObjectType::Articles, Action::Create)?;
    idempotency::create(
        &state,
        caller,
        key,
        "/api/v1/articles",
        body.0,
        |conn, caller, body| Ok(crm_app::articles::create_in(conn, caller, body)?),
    )
    .await
}

/// List the articles the caller sees (drafts only for those who may
/// update articles), most recently updated first unless `sort` says
/// otherwise. Keyset-paginated.
#[utoipa::path(
    tag = "articles",
    params(ArticleQuery),
    responses((status = 200, body = Page<Article>), (status = 400, body = Problem, content_type = "application/problem+json"))
)]
#[get("/articles")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<ArticleQuery>,
) -> Result<web::Json<Page<Article>>, ApiError> {
    let q = query.0;
    if q.category.as_ref().is_some_and(|c| c.chars().count() > 60) {
        return Err(crm_app::error::bad_param("category", "must be at most 60 characters").into());
    }
    let sort = q.sort.as_deref().or(Some("-updated_at"));
    let (keyset, sort_key) = keyset(sort, q.cursor.as_deref(), q.limit, &SORTS)?;
    let filter = ArticleFilter {
        status: q.status.map(|s| s.as_str().to_owned()),
        locale: q.locale.map(|l| l.as_str().to_owned()),
        category: q.category,
    };
    let field = keyset.field;
    let limit = keyset.limit;
    let rows = state
        .db(move |conn| Ok(crm_app::articles::list(conn, &caller, &filter, &keyset)?))
        .await?;
    let (items, next_cursor) = page(
        rows,
        limit,
        &sort_key,
        |r| {
            let v = match field {
                ArticleSort::CreatedAt => r.created_at,
                ArticleSort::UpdatedAt => r.updated_at,
            };
            (SortValue::Time(v), r.id.0)
        },
        crm_app::articles::view,
    );
    Ok(web::Json(Page { items, next_cursor }))
}

/// Search the articles the caller sees, best first, each with the part of
/// its body where the words were found (marked). Chinese is cut into
/// words the way the articles are, so `退款` finds `如何申请退款流程`.
#[utoipa::path(
    tag = "articles",
    params(ArticleSearch),
    responses((status = 200, body = Vec<ArticleHit>), (status = 400, body = Problem, content_type = "application/problem+json"))
)]
#[get("/articles/search")]
pub async fn search(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<ArticleSearch>,
) -> Result<web::Json<Vec<ArticleHit>>, ApiError> {
    let q = checked_search(query.0)?;
    let hits = state
        .db(move |conn| Ok(crm_app::articles::search(conn, &caller, &q)?))
        .await?;
    Ok(web::Json(hits))
}

fn checked_search(q: ArticleSearch) -> Result<ArticleSearch, ApiError> {
    let length = q.q.chars().count();
    if !(1..=200).contains(&length) {
        return Err(crm_app::error::bad_param("q", "must be 1 to 200 characters").into());
    }
    if q.limit.is_some_and(|l| !(1..=50).contains(&l)) {
        return Err(crm_app::error::bad_param("limit", "must be between 1 and 50").into());
    }
    Ok(q)
}

/// The categories of the articles the caller sees, with their counts.
#[utoipa::path(tag = "articles", responses((status = 200, body = Vec<ArticleCategory>)))]
#[get("/articles/categories")]
pub async fn categories(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<Vec<ArticleCategory>>, ApiError> {
    let found = state
        .db(move |conn| Ok(crm_app::articles::categories(conn, &caller)?))
        .await?;
    Ok(web::Json(found))
}

#[utoipa::path(
    tag = "articles",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Article), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[get("/articles/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let article = state
        .db(move |conn| Ok(crm_app::articles::get(conn, &caller, id)?))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(article.version))
        .json(article))
}

/// Merge-patch an article: its texts, category, language, status
/// (`public` puts it on the FAQ page when that is on) or translation.
#[utoipa::path(
    tag = "articles",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    request_body = ArticlePatch,
    responses(
        (status = 200, body = Article),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/articles/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<ArticlePatch>,
) -> Result<HttpResponse, ApiError> {
    let (id, patch) = (id.into_inner(), body.0);
    let article = state
        .db(move |conn| {
            Ok(crm_app::articles::update(
                conn,
                &caller,
                id,
                if_match.expected(),
                patch,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(article.version))
        .json(article))
}

#[utoipa::path(
    tag = "articles",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/articles/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state
        .db(move |conn| {
            Ok(crm_app::articles::delete(
                conn,
                &caller,
                id,
                if_match.expected(),
            )?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Count that someone read the article.
#[utoipa::path(
    tag = "articles",
    params(("id" = Uuid, Path)),
    responses((status = 204, description = "Counted"), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[post("/articles/{id}/views")]
pub async fn view(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state
        .db(move |conn| Ok(crm_app::articles::count(conn, &caller, id, None)?))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Say whether the article helped.
#[utoipa::path(
    tag = "articles",
    params(("id" = Uuid, Path)),
    request_body = ArticleVote,
    responses(
        (status = 204, description = "Counted"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/articles/{id}/votes")]
pub async fn vote(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ApiJson<ArticleVote>,
) -> Result<HttpResponse, ApiError> {
    let (id, helpful) = (id.into_inner(), body.0.helpful);
    state
        .db(move |conn| Ok(crm_app::articles::count(conn, &caller, id, Some(helpful))?))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The articles that answered a ticket, in the order they were linked.
#[utoipa::path(
    tag = "tickets",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<Article>), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[get("/tickets/{id}/articles")]
pub async fn linked_articles(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<Vec<Article>>, ApiError> {
    let id = id.into_inner();
    let found = state
        .db(move |conn| Ok(crm_app::articles::linked(conn, &caller, id)?))
        .await?;
    Ok(web::Json(found))
}

/// "This article answered it": link an article to a ticket the caller may
/// update (linking twice is one link). Answers the ticket's articles.
#[utoipa::path(
    tag = "tickets",
    params(("id" = Uuid, Path)),
    request_body = ArticleLink,
    responses(
        (status = 200, body = Vec<Article>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tickets/{id}/articles")]
pub async fn link_article(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: ApiJson<ArticleLink>,
) -> Result<web::Json<Vec<Article>>, ApiError> {
    let (id, article) = (id.into_inner(), body.0.article_id);
    let found = state
        .db(move |conn| Ok(crm_app::articles::link(conn, &caller, id, article, true)?))
        .await?;
    Ok(web::Json(found))
}

/// Remove an article's link to a ticket the caller may update.
#[utoipa::path(
    tag = "tickets",
    params(("id" = Uuid, Path), ("article_id" = Uuid, Path)),
    responses(
        (status = 200, body = Vec<Article>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/tickets/{id}/articles/{article_id}")]
pub async fn unlink_article(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<web::Json<Vec<Article>>, ApiError> {
    let (id, article) = path.into_inner();
    let found = state
        .db(move |conn| Ok(crm_app::articles::link(conn, &caller, id, article, false)?))
        .await?;
    Ok(web::Json(found))
}

/// The public FAQ: a workspace's `public` articles, most recently updated
/// first (at most 500), without signing in. 404 unless the workspace has
/// switched the FAQ on (`public_faq` in the service settings).
#[utoipa::path(
    tag = "articles",
    params(("workspace" = String, Path, description = "The workspace's slug"), FaqQuery),
    responses((status = 200, body = Vec<FaqArticle>), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(())
)]
#[get("/public/{workspace}/articles")]
pub async fn faq_list(
    state: web::Data<AppState>,
    workspace: web::Path<String>,
    query: ApiQuery<FaqQuery>,
) -> Result<web::Json<Vec<FaqArticle>>, ApiError> {
    let (slug, locale) = (workspace.into_inner(), query.0.locale);
    let found = state
        .db(move |conn| Ok(crm_app::articles::faq::list(conn, &slug, locale)?))
        .await?;
    Ok(web::Json(found))
}

/// Search the public FAQ without signing in.
#[utoipa::path(
    tag = "articles",
    params(("workspace" = String, Path, description = "The workspace's slug"), ArticleSearch),
    responses(
        (status = 200, body = Vec<ArticleHit>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
#[get("/public/{workspace}/articles/search")]
pub async fn faq_search(
    state: web::Data<AppState>,
    workspace: web::Path<String>,
    query: ApiQuery<ArticleSearch>,
) -> Result<web::Json<Vec<ArticleHit>>, ApiError> {
    let (slug, q) = (workspace.into_inner(), checked_search(query.0)?);
    let hits = state
        .db(move |conn| Ok(crm_app::articles::faq::search(conn, &slug, &q)?))
        .await?;
    Ok(web::Json(hits))
}

/// One public article, without signing in; counts a view.
#[utoipa::path(
    tag = "articles",
    params(("workspace" = String, Path, description = "The workspace's slug"), ("id" = Uuid, Path)),
    responses((status = 200, body = FaqArticle), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(())
)]
#[get("/public/{workspace}/articles/{id}")]
pub async fn faq_get(
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
) -> Result<web::Json<FaqArticle>, ApiError> {
    let (slug, id) = path.into_inner();
    let article = state
        .db(move |conn| Ok(crm_app::articles::faq::get(conn, &slug, id)?))
        .await?;
    Ok(web::Json(article))
}
