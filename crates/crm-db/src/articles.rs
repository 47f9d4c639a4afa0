//! The knowledge base's articles (知识库): rows, reads limited to the
//! statuses the caller may see, writes, counters, categories, the tickets'
//! links to the articles that answered them, and the ranked search over
//! `search_terms` — PostgreSQL's `simple` text search (the stored,
//! GIN-indexed `search_vector`, a generated column diesel does not map) or
//! SQLite's FTS5 table `articles_fts` (bm25), the terms already cut into
//! words by the caller.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::Double;
use uuid::Uuid;

use crate::connection::AnyConnection;
use crate::error::{DbError, DbResult};
use crate::keyset_page;
use crate::paging::{Keyset, SortValue};
use crate::schema::{articles, ticket_articles};
use crate::sql::Sql;
use crate::time::now;
use crate::types::{DbUuid, Id};

/// Every column a write can change; serialised to find the changed fields.
#[derive(
    Debug, Clone, PartialEq, serde::Serialize, Queryable, Selectable, Insertable, AsChangeset,
)]
#[diesel(table_name = articles, treat_none_as_null = true)]
pub struct ArticleFields {
    pub title: String,
    pub body: String,
    pub category: String,
    pub locale: String,
    pub status: String,
    pub translation_of: Option<Id>,
    #[serde(skip)]
    pub search_terms: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = articles)]
pub struct ArticleRow {
    pub workspace_id: Id,
    pub id: Id,
    #[diesel(embed)]
    pub fields: ArticleFields,
    pub views: i64,
    pub helpful: i32,
    pub not_helpful: i32,
    pub version: i32,
    pub created_by: Option<Id>,
    pub updated_by: Option<Id>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Which live articles of a workspace a caller sees: those of `statuses`.
#[derive(Debug, Clone)]
pub struct Shelf {
    pub workspace_id: Uuid,
    pub statuses: Vec<String>,
}

pub fn insert(conn: &mut AnyConnection, row: &ArticleRow) -> DbResult<()> {
    diesel::insert_into(articles::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// A live article on the shelf, or `NotFound`.
pub fn find(conn: &mut AnyConnection, shelf: &Shelf, id: Uuid) -> DbResult<ArticleRow> {
    Ok(articles::table
        .filter(articles::workspace_id.eq(Id(shelf.workspace_id)))
        .filter(articles::id.eq(Id(id)))
        .filter(articles::deleted_at.is_null())
        .filter(articles::status.eq_any(shelf.statuses.clone()))
        .select(ArticleRow::as_select())
        .first(conn)?)
}

/// Writes `fields` if the row still has `expected_version`.
pub fn update(
    conn: &mut AnyConnection,
    current: &ArticleRow,
    expected_version: i32,
    actor: Option<Uuid>,
    fields: ArticleFields,
) -> DbResult<ArticleRow> {
    let row = ArticleRow {
        fields,
        version: current.version + 1,
        updated_by: actor.map(Id),
        updated_at: now(),
        ..current.clone()
    };
    let n = diesel::update(
        articles::table.filter(
            articles::workspace_id
                .eq(current.workspace_id)
                .and(articles::id.eq(current.id))
                .and(articles::version.eq(expected_version))
                .and(articles::deleted_at.is_null()),
        ),
    )
    .set((
        &row.fields,
        articles::version.eq(row.version),
        articles::updated_by.eq(row.updated_by),
        articles::updated_at.eq(row.updated_at),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(DbError::VersionConflict);
    }
    Ok(row)
}

/// Soft-deletes a live article (it leaves the search index).
pub fn delete(conn: &mut AnyConnection, workspace_id: Uuid, id: Uuid) -> DbResult<()> {
    let n = diesel::update(
        articles::table
            .filter(articles::workspace_id.eq(Id(workspace_id)))
            .filter(articles::id.eq(Id(id)))
            .filter(articles::deleted_at.is_null()),
    )
    .set(articles::deleted_at.eq(Some(now())))
    .execute(conn)?;
    if n == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}

/// Counts one view.
pub fn add_view(conn: &mut AnyConnection, workspace_id: Uuid, id: Uuid) -> DbResult<()> {
    diesel::update(
        articles::table
            .filter(articles::workspace_id.eq(Id(workspace_id)))
            .filter(articles::id.eq(Id(id))),
    )
    .set(articles::views.eq(articles::views + 1))
    .execute(conn)?;
    Ok(())
}

/// Counts one reader's vote.
pub fn add_vote(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    id: Uuid,
    helpful: bool,
) -> DbResult<()> {
    let target = articles::table
        .filter(articles::workspace_id.eq(Id(workspace_id)))
        .filter(articles::id.eq(Id(id)));
    if helpful {
        diesel::update(target)
            .set(articles::helpful.eq(articles::helpful + 1))
            .execute(conn)?;
    } else {
        diesel::update(target)
            .set(articles::not_helpful.eq(articles::not_helpful + 1))
            .execute(conn)?;
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArticleSort {
    CreatedAt,
    UpdatedAt,
}

#[derive(Debug, Clone, Default)]
pub struct ArticleFilter {
    pub status: Option<String>,
    pub locale: Option<String>,
    pub category: Option<String>,
}

/// One page (plus one row) of the shelf's articles.
pub fn list(
    conn: &mut AnyConnection,
    shelf: &Shelf,
    filter: &ArticleFilter,
    page: &Keyset<ArticleSort>,
) -> DbResult<Vec<ArticleRow>> {
    let mut query = articles::table
        .filter(articles::workspace_id.eq(Id(shelf.workspace_id)))
        .filter(articles::deleted_at.is_null())
        .filter(articles::status.eq_any(shelf.statuses.clone()))
        .into_boxed();
    if let Some(v) = &filter.status {
        query = query.filter(articles::status.eq(v.clone()));
    }
    if let Some(v) = &filter.locale {
        query = query.filter(articles::locale.eq(v.clone()));
    }
    if let Some(v) = &filter.category {
        query = query.filter(articles::category.eq(v.clone()));
    }
    let after = SortValue::into_time(page.after.clone());
    let query = match page.field {
        ArticleSort::CreatedAt => keyset_page!(
            query,
            articles::created_at,
            articles::id,
            page.direction,
            after
        ),
        ArticleSort::UpdatedAt => keyset_page!(
            query,
            articles::updated_at,
            articles::id,
            page.direction,
            after
        ),
    };
    Ok(query
        .limit(page.limit + 1)
        .select(ArticleRow::as_select())
        .load(conn)?)
}

/// The shelf's categories with their article counts, by name.
pub fn categories(conn: &mut AnyConnection, shelf: &Shelf) -> DbResult<Vec<(String, i64)>> {
    Ok(articles::table
        .filter(articles::workspace_id.eq(Id(shelf.workspace_id)))
        .filter(articles::deleted_at.is_null())
        .filter(articles::status.eq_any(shelf.statuses.clone()))
        .group_by(articles::category)
        .select((articles::category, diesel::dsl::count_star()))
        .order(articles::category)
        .load(conn)?)
}

#[derive(QueryableByName)]
struct Hit {
    #[diesel(sql_type = DbUuid)]
    id: Id,
    #[diesel(sql_type = Double)]
    score: f64,
}

/// The shelf's articles holding any of `terms` (words of letters and
/// digits only, lower-case), best first, with their scores: `ts_rank` on
/// PostgreSQL, `-bm25` on SQLite (both grow with the terms matched and how
/// often). At most `limit`.
pub fn search(
    conn: &mut AnyConnection,
    shelf: &Shelf,
    terms: &[String],
    locale: Option<&str>,
    limit: i64,
) -> DbResult<Vec<(ArticleRow, f64)>> {
    // Anything else could be an operator of the query syntax.
    let terms: Vec<&String> = terms
        .iter()
        .filter(|t| !t.is_empty() && t.chars().all(char::is_alphanumeric))
        .collect();
    if terms.is_empty() {
        return Ok(vec![]);
    }
    let mut sql = Sql::new(conn);
    let statuses: Vec<&str> = shelf.statuses.iter().map(String::as_str).collect();
    if sql.is_postgres() {
        let query = terms
            .iter()
            .map(|t| format!("'{t}'"))
            .collect::<Vec<_>>()
            .join(" | ");
        sql.push("SELECT a.id, ts_rank(a.search_vector, q)::float8 AS score ")
            .push("FROM articles a, to_tsquery('simple', ")
            .text(&query)
            .push(") q WHERE a.workspace_id = ")
            .id(shelf.workspace_id)
            .push(" AND a.deleted_at IS NULL AND a.search_vector @@ q");
    } else {
        let query = terms
            .iter()
            .map(|t| format!("\"{t}\""))
            .collect::<Vec<_>>()
            .join(" OR ");
        sql.push("SELECT a.id, -bm25(articles_fts) AS score FROM articles_fts ")
            .push("JOIN articles a ON a.workspace_id = articles_fts.workspace_id ")
            .push("AND a.id = articles_fts.article_id WHERE articles_fts MATCH ")
            .text(&query)
            .push(" AND articles_fts.workspace_id = ")
            .id(shelf.workspace_id)
            .push(" AND a.deleted_at IS NULL");
    }
    sql.push(" AND a.status IN ").text_list(&statuses);
    if let Some(locale) = locale {
        sql.push(" AND a.locale = ").text(locale);
    }
    sql.push(" ORDER BY score DESC, a.updated_at DESC, a.id LIMIT ")
        .bind(crate::sql::Bind::Int(limit));
    let hits: Vec<Hit> = sql.load(conn)?;
    let ids: Vec<Id> = hits.iter().map(|h| h.id).collect();
    let mut rows: Vec<ArticleRow> = articles::table
        .filter(articles::workspace_id.eq(Id(shelf.workspace_id)))
        .filter(articles::id.eq_any(ids))
        .select(ArticleRow::as_select())
        .load(conn)?;
    Ok(hits
        .into_iter()
        .filter_map(|h| {
            let at = rows.iter().position(|r| r.id == h.id)?;
            Some((rows.swap_remove(at), h.score))
        })
        .collect())
}

/// Links an article to a ticket ("this article answered it"); linking
/// twice is one link.
pub fn link(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    ticket_id: Uuid,
    article_id: Uuid,
    actor: Option<Uuid>,
) -> DbResult<()> {
    crate::each_backend!(&mut *conn, |c| diesel::insert_into(ticket_articles::table)
        .values((
            ticket_articles::workspace_id.eq(Id(workspace_id)),
            ticket_articles::ticket_id.eq(Id(ticket_id)),
            ticket_articles::article_id.eq(Id(article_id)),
            ticket_articles::linked_by.eq(actor.map(Id)),
            ticket_articles::created_at.eq(now()),
        ))
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(())
}

/// Removes a link; `NotFound` when there was none.
pub fn unlink(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    ticket_id: Uuid,
    article_id: Uuid,
) -> DbResult<()> {
    let n = diesel::delete(
        ticket_articles::table
            .filter(ticket_articles::workspace_id.eq(Id(workspace_id)))
            .filter(ticket_articles::ticket_id.eq(Id(ticket_id)))
            .filter(ticket_articles::article_id.eq(Id(article_id))),
    )
    .execute(conn)?;
    if n == 0 {
        return Err(DbError::NotFound);
    }
    Ok(())
}

/// The shelf's articles linked to a ticket, in the order they were linked.
pub fn linked(
    conn: &mut AnyConnection,
    shelf: &Shelf,
    ticket_id: Uuid,
) -> DbResult<Vec<ArticleRow>> {
    Ok(ticket_articles::table
        .inner_join(
            articles::table.on(articles::workspace_id
                .eq(ticket_articles::workspace_id)
                .and(articles::id.eq(ticket_articles::article_id))),
        )
        .filter(ticket_articles::workspace_id.eq(Id(shelf.workspace_id)))
        .filter(ticket_articles::ticket_id.eq(Id(ticket_id)))
        .filter(articles::deleted_at.is_null())
        .filter(articles::status.eq_any(shelf.statuses.clone()))
        .order((ticket_articles::created_at, articles::id))
        .select(ArticleRow::as_select())
        .load(conn)?)
}
