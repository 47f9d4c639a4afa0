//! Export downloads over HTTP: the CSV streamed page by page and the XLSX
//! built on one connection, from a `crm_app::exports::Table`.

use actix_web::HttpResponse;
use actix_web::web::Bytes;
use crm_db::paging::SortValue;
use futures_util::stream;
use uuid::Uuid;

pub use crm_app::exports::{PAGE, Table, id_text, time_text};
use crm_app::exports::{csv_bytes, next_after};

use crate::error::ApiError;
use crate::state::AppState;

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn page<T: Table>(
    state: &AppState,
    table: &T,
    after: Option<(SortValue, Uuid)>,
) -> Result<Vec<T::Row>, ApiError> {
    let table = table.clone();
    state.db(move |conn| Ok(table.page(conn, after)?)).await
}

/// What the CSV stream does next.
enum Next<R> {
    /// Write these rows (with the header first).
    Rows(Vec<R>, bool),
    Failed(ApiError),
    Done,
}

/// Every row as a streamed CSV download. The first page is read before
/// answering, so its errors are still problem+json; a later failed read
/// ends the stream with an error (a broken transfer, not a short file).
pub async fn csv<T: Table>(state: AppState, table: T) -> Result<HttpResponse, ApiError> {
    let first = page(&state, &table, None).await?;
    let header = table.header();
    let body = stream::unfold(Next::Rows(first, true), move |next| {
        let (state, table) = (state.clone(), table.clone());
        async move {
            let (rows, with_header) = match next {
                Next::Rows(rows, with_header) => (rows, with_header),
                Next::Failed(e) => return Some((Err(e), Next::Done)),
                Next::Done => return None,
            };
            let chunk = match csv_bytes::<T>(&rows, with_header.then_some(header)) {
                Ok(chunk) => Bytes::from(chunk),
                Err(e) => return Some((Err(ApiError::from(e)), Next::Done)),
            };
            let next = match next_after::<T>(&rows) {
                None => Next::Done,
                Some(after) => match page(&state, &table, Some(after)).await {
                    Ok(rows) if rows.is_empty() => Next::Done,
                    Ok(rows) => Next::Rows(rows, false),
                    Err(e) => Next::Failed(e),
                },
            };
            Some((Ok::<Bytes, ApiError>(chunk), next))
        }
    });
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{}.csv\"", T::NAME),
        ))
        .streaming(body))
}

/// Every row as one worksheet, built page by page on one connection. More
/// rows than a worksheet holds is a 422 naming the CSV export instead.
pub async fn xlsx<T: Table>(state: AppState, table: T) -> Result<HttpResponse, ApiError> {
    let bytes = state
        .db(move |conn| Ok(crm_app::exports::xlsx(conn, &table)?))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type(XLSX)
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{}.xlsx\"", T::NAME),
        ))
        .body(bytes))
}
