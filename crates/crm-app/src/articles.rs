//! The knowledge base (知识库): articles in categories, draft / internal /
//! public, in zh-CN or en; ranked search over the words [`words`] cuts
//! (Chinese and English) with highlighted snippets; view and helpfulness
//! counts; the articles linked from a ticket ("this article answered
//! it"); and the public FAQ, read without signing in when the workspace
//! has switched it on. Writes are in the change log as entity `article`.
//! Who sees what: everyone who may read articles sees the internal and
//! public ones; drafts only those who may update articles.

pub mod faq;
pub mod words;

use crm_api_types::articles::{
    Article, ArticleCategory, ArticleHit, ArticleLocale, ArticlePatch, ArticleSearch,
    ArticleStatus, BODY_MAX, NewArticle,
};
use crm_db::AnyConnection;
use crm_db::articles::{ArticleFields, ArticleFilter, ArticleRow, ArticleSort, Shelf};
use crm_db::change_log::{Op, changed_fields, field_names, lock_workspace, transaction};
use crm_db::paging::Keyset;
use crm_db::types::Id;
use crm_domain::FieldErrors;
use crm_domain::access::{Action, ObjectType, Scope};
use crm_domain::service::articles::snippet;
use uuid::Uuid;

use crate::{Actor, AppError, Expected};

pub const ENTITY: &str = crm_db::change_log::ARTICLE;

pub fn view(row: ArticleRow) -> Article {
    let f = row.fields;
    Article {
        id: row.id.0,
        title: f.title,
        body: f.body,
        category: f.category,
        locale: ArticleLocale::parse(&f.locale).unwrap_or(ArticleLocale::ZhCn),
        status: ArticleStatus::parse(&f.status).unwrap_or(ArticleStatus::Draft),
        translation_of: f.translation_of.map(Uuid::from),
        views: row.views,
        helpful: row.helpful,
        not_helpful: row.not_helpful,
        version: row.version,
        created_by: row.created_by.map(Uuid::from),
        updated_by: row.updated_by.map(Uuid::from),
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    }
}

/// The articles the actor sees.
pub fn shelf(actor: &Actor) -> Result<Shelf, AppError> {
    actor.require(ObjectType::Articles, Action::Read)?;
    let mut statuses = vec!["internal".to_owned(), "public".to_owned()];
    if actor.scope(ObjectType::Articles, Action::Update) != Scope::None {
        statuses.push("draft".to_owned());
    }
    Ok(Shelf {
        workspace_id: actor.workspace_id,
        statuses,
    })
}

/// The texts of an article, checked; errors name the field. A title or
/// category counts its characters once trimmed, the body with the white
/// space around it (as `NewArticle`'s schema says).
fn checked(
    errors: &mut FieldErrors,
    field: &str,
    value: &str,
    max: usize,
    multiline: bool,
) -> String {
    if multiline && value.chars().count() > max {
        errors.add(field, format!("must be at most {max} characters"));
        return String::new();
    }
    let checked = if multiline {
        crm_domain::validation::multiline_text(value, 1, max)
    } else {
        crm_domain::validation::bounded_text(value, 1, max)
    };
    checked.unwrap_or_else(|m| {
        errors.add(field, m);
        String::new()
    })
}

/// `translation_of` must be another article of the workspace.
fn check_translation(
    conn: &mut AnyConnection,
    actor: &Actor,
    of: Option<Uuid>,
    this: Option<Uuid>,
    errors: &mut FieldErrors,
) -> Result<(), AppError> {
    let Some(of) = of else { return Ok(()) };
    let everything = Shelf {
        workspace_id: actor.workspace_id,
        statuses: ArticleStatus::ALL
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect(),
    };
    if Some(of) == this {
        errors.add("translation_of", "cannot be the article itself");
        return Ok(());
    }
    match crm_db::articles::find(conn, &everything, of) {
        Ok(_) => Ok(()),
        Err(crm_db::DbError::NotFound) => {
            errors.add("translation_of", "is not an article of this workspace");
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

fn fields_of(title: String, body: String, category: String, rest: ArticleFields) -> ArticleFields {
    let search_terms = words::index_terms(&title, &body);
    ArticleFields {
        title,
        body,
        category,
        search_terms,
        ..rest
    }
}

/// Creates an article inside the caller's transaction (workspace locked).
pub fn create_in(
    conn: &mut AnyConnection,
    actor: &Actor,
    b: NewArticle,
) -> Result<Article, AppError> {
    actor.require(ObjectType::Articles, Action::Create)?;
    let mut errors = FieldErrors::new();
    let title = checked(&mut errors, "title", &b.title, 200, false);
    let body = checked(&mut errors, "body", &b.body, BODY_MAX, true);
    let category = checked(&mut errors, "category", &b.category, 60, false);
    check_translation(conn, actor, b.translation_of, None, &mut errors)?;
    errors.into_result().map_err(AppError::Validation)?;
    let rest = ArticleFields {
        title: String::new(),
        body: String::new(),
        category: String::new(),
        locale: b.locale.unwrap_or(ArticleLocale::ZhCn).as_str().into(),
        status: b.status.unwrap_or(ArticleStatus::Draft).as_str().into(),
        translation_of: b.translation_of.map(Id),
        search_terms: String::new(),
    };
    let fields = fields_of(title, body, category, rest);
    let now = crm_db::time::now();
    let row = ArticleRow {
        workspace_id: Id(actor.workspace_id),
        id: Id::new(),
        fields,
        views: 0,
        helpful: 0,
        not_helpful: 0,
        version: 1,
        created_by: Some(Id(actor.user_id())),
        updated_by: Some(Id(actor.user_id())),
        created_at: now,
        updated_at: now,
    };
    crm_db::articles::insert(conn, &row)?;
    let changed = field_names(&row.fields);
    let values = crm_db::change_log::values(&changed, None, Some(&row.fields));
    actor.record_change(conn, ENTITY, row.id.0, Op::Create, changed, values)?;
    Ok(view(row))
}

/// Creates an article (see [`create_in`]).
pub fn create(conn: &mut AnyConnection, actor: &Actor, b: NewArticle) -> Result<Article, AppError> {
    transaction(conn, |conn| {
        lock_workspace(conn, actor.workspace_id)?;
        create_in(conn, actor, b)
    })
}

/// One page (plus one row) of the articles the actor sees.
pub fn list(
    conn: &mut AnyConnection,
    actor: &Actor,
    filter: &ArticleFilter,
    keyset: &Keyset<ArticleSort>,
) -> Result<Vec<ArticleRow>, AppError> {
    Ok(crm_db::articles::list(
        conn,
        &shelf(actor)?,
        filter,
        keyset,
    )?)
}

/// An article the actor sees.
pub fn get(conn: &mut AnyConnection, actor: &Actor, id: Uuid) -> Result<Article, AppError> {
    let shelf = shelf(actor)?;
    Ok(view(crm_db::articles::find(conn, &shelf, id)?))
}

/// A visible article the actor may also change (`Forbidden` otherwise).
fn find_for(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    action: Action,
) -> Result<ArticleRow, AppError> {
    let row = crm_db::articles::find(conn, &shelf(actor)?, id)?;
    if actor.scope(ObjectType::Articles, action) == Scope::None {
        return Err(AppError::Forbidden(format!(
            "your role may not {} articles",
            action.as_str()
        )));
    }
    Ok(row)
}

/// Merge-patches an article.
pub fn update(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    expected: Expected,
    patch: ArticlePatch,
) -> Result<Article, AppError> {
    transaction(conn, |conn| {
        lock_workspace(conn, actor.workspace_id)?;
        let current = find_for(conn, actor, id, Action::Update)?;
        let version = expected.check(current.version)?;
        let f = current.fields.clone();
        let mut errors = FieldErrors::new();
        let title = match &patch.title {
            Some(v) => checked(&mut errors, "title", v, 200, false),
            None => f.title.clone(),
        };
        let body = match &patch.body {
            Some(v) => checked(&mut errors, "body", v, BODY_MAX, true),
            None => f.body.clone(),
        };
        let category = match &patch.category {
            Some(v) => checked(&mut errors, "category", v, 60, false),
            None => f.category.clone(),
        };
        let translation_of = match patch.translation_of {
            Some(v) => {
                check_translation(conn, actor, v, Some(id), &mut errors)?;
                v.map(Id)
            }
            None => f.translation_of,
        };
        errors.into_result().map_err(AppError::Validation)?;
        let rest = ArticleFields {
            locale: patch.locale.map_or(f.locale.clone(), |l| l.as_str().into()),
            status: patch.status.map_or(f.status.clone(), |s| s.as_str().into()),
            translation_of,
            ..f
        };
        let fields = fields_of(title, body, category, rest);
        let changed = changed_fields(&current.fields, &fields);
        if changed.is_empty() {
            return Ok(view(current));
        }
        let row = crm_db::articles::update(conn, &current, version, Some(actor.user_id()), fields)?;
        let values = crm_db::change_log::values(&changed, Some(&current.fields), Some(&row.fields));
        actor.record_change(conn, ENTITY, id, Op::Update, changed, values)?;
        Ok(view(row))
    })
}

/// Deletes an article (its links to tickets go with it from every list).
pub fn delete(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    expected: Expected,
) -> Result<(), AppError> {
    transaction(conn, |conn| {
        lock_workspace(conn, actor.workspace_id)?;
        let current = find_for(conn, actor, id, Action::Delete)?;
        expected.check(current.version)?;
        crm_db::articles::delete(conn, actor.workspace_id, id)?;
        actor.record_change(conn, ENTITY, id, Op::Delete, vec![], None)?;
        Ok(())
    })
}

/// Counts a view, or a reader's vote, on an article the actor sees.
pub fn count(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    vote: Option<bool>,
) -> Result<(), AppError> {
    let row = crm_db::articles::find(conn, &shelf(actor)?, id)?;
    match vote {
        None => crm_db::articles::add_view(conn, actor.workspace_id, row.id.0)?,
        Some(helpful) => crm_db::articles::add_vote(conn, actor.workspace_id, row.id.0, helpful)?,
    }
    Ok(())
}

/// The categories of the articles the actor sees, with their counts.
pub fn categories(
    conn: &mut AnyConnection,
    actor: &Actor,
) -> Result<Vec<ArticleCategory>, AppError> {
    let rows = crm_db::articles::categories(conn, &shelf(actor)?)?;
    Ok(rows
        .into_iter()
        .map(|(name, articles)| ArticleCategory { name, articles })
        .collect())
}

/// Ranked hits of a search on a shelf.
pub fn search_shelf(
    conn: &mut AnyConnection,
    shelf: &Shelf,
    q: &ArticleSearch,
) -> Result<Vec<ArticleHit>, AppError> {
    let terms = words::query_terms(&q.q);
    let limit = q.limit.unwrap_or(10).clamp(1, 50);
    let hits = crm_db::articles::search(
        conn,
        shelf,
        &terms,
        q.locale.map(ArticleLocale::as_str),
        limit,
    )?;
    Ok(hits
        .into_iter()
        .map(|(row, score)| {
            let snippet = snippet(&row.fields.body, &terms, 120);
            let a = view(row);
            ArticleHit {
                id: a.id,
                title: a.title,
                category: a.category,
                locale: a.locale,
                status: a.status,
                score,
                snippet,
            }
        })
        .collect())
}

/// Searches the articles the actor sees.
pub fn search(
    conn: &mut AnyConnection,
    actor: &Actor,
    q: &ArticleSearch,
) -> Result<Vec<ArticleHit>, AppError> {
    search_shelf(conn, &shelf(actor)?, q)
}

/// The articles linked to a ticket the actor sees.
pub fn linked(
    conn: &mut AnyConnection,
    actor: &Actor,
    ticket_id: Uuid,
) -> Result<Vec<Article>, AppError> {
    crate::tickets::get(conn, actor, ticket_id)?;
    let rows = crm_db::articles::linked(conn, &shelf(actor)?, ticket_id)?;
    Ok(rows.into_iter().map(view).collect())
}

/// Links (or, `link` false, unlinks) an article and a ticket the actor
/// may update.
pub fn link(
    conn: &mut AnyConnection,
    actor: &Actor,
    ticket_id: Uuid,
    article_id: Uuid,
    link: bool,
) -> Result<Vec<Article>, AppError> {
    transaction(conn, |conn| {
        // First, as in every write: on SQLite a transaction that read first
        // could not become the writer once another had committed (503).
        lock_workspace(conn, actor.workspace_id)?;
        crate::tickets::require_update(conn, actor, ticket_id)?;
        let shelf = shelf(actor)?;
        if link {
            match crm_db::articles::find(conn, &shelf, article_id) {
                Ok(_) => {}
                Err(crm_db::DbError::NotFound) => {
                    return Err(AppError::validation(
                        "article_id",
                        "is not an article you can see",
                    ));
                }
                Err(e) => return Err(e.into()),
            }
            crm_db::articles::link(
                conn,
                actor.workspace_id,
                ticket_id,
                article_id,
                Some(actor.user_id()),
            )?;
        } else {
            crm_db::articles::unlink(conn, actor.workspace_id, ticket_id, article_id)?;
        }
        let rows = crm_db::articles::linked(conn, &shelf, ticket_id)?;
        Ok(rows.into_iter().map(view).collect())
    })
}
