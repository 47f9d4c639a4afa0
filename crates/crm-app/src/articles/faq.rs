//! The public FAQ (常见问题): a workspace's `public` articles, read and
//! searched without signing in, by the workspace's slug — only while its
//! service settings have `public_faq` on (otherwise, and for a slug that
//! names no workspace, everything here is `NotFound`).

use crm_api_types::articles::{ArticleHit, ArticleLocale, ArticleSearch, FaqArticle};
use crm_db::AnyConnection;
use crm_db::articles::{ArticleFilter, ArticleRow, ArticleSort, Shelf};
use crm_db::paging::{Direction, Keyset};
use uuid::Uuid;

use crate::AppError;

/// The most articles the FAQ lists.
pub const MAX_ARTICLES: i64 = 500;

/// The public shelf of the workspace `slug`, if its FAQ is on.
fn shelf(conn: &mut AnyConnection, slug: &str) -> Result<Shelf, AppError> {
    let workspace = crm_db::workspaces::find_by_slug(conn, slug)?.ok_or(AppError::NotFound)?;
    let (settings, _) = crate::tickets::settings::load(conn, workspace.id.0)?;
    if !settings.public_faq {
        return Err(AppError::NotFound);
    }
    Ok(Shelf {
        workspace_id: workspace.id.0,
        statuses: vec!["public".to_owned()],
    })
}

fn faq(row: ArticleRow) -> FaqArticle {
    let a = super::view(row);
    FaqArticle {
        id: a.id,
        title: a.title,
        body: a.body,
        category: a.category,
        locale: a.locale,
        updated_at: a.updated_at,
    }
}

/// The public articles, most recently updated first.
pub fn list(
    conn: &mut AnyConnection,
    slug: &str,
    locale: Option<ArticleLocale>,
) -> Result<Vec<FaqArticle>, AppError> {
    let shelf = shelf(conn, slug)?;
    let filter = ArticleFilter {
        locale: locale.map(|l| l.as_str().to_owned()),
        ..ArticleFilter::default()
    };
    let page = Keyset {
        field: ArticleSort::UpdatedAt,
        direction: Direction::Desc,
        after: None,
        limit: MAX_ARTICLES - 1,
    };
    let rows = crm_db::articles::list(conn, &shelf, &filter, &page)?;
    Ok(rows.into_iter().map(faq).collect())
}

/// One public article; counts a view.
pub fn get(conn: &mut AnyConnection, slug: &str, id: Uuid) -> Result<FaqArticle, AppError> {
    let shelf = shelf(conn, slug)?;
    let row = crm_db::articles::find(conn, &shelf, id)?;
    crm_db::articles::add_view(conn, shelf.workspace_id, id)?;
    Ok(faq(row))
}

/// Searches the public articles.
pub fn search(
    conn: &mut AnyConnection,
    slug: &str,
    q: &ArticleSearch,
) -> Result<Vec<ArticleHit>, AppError> {
    let shelf = shelf(conn, slug)?;
    super::search_shelf(conn, &shelf, q)
}
