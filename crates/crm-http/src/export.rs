//! Exports of filtered lists as CSV (streamed) and XLSX. A list says how to
//! read one keyset page and how to render a row ([`Table`]); this module
//! pages through every matching row, 1,000 at a time, so an export of a
//! million rows holds one page in memory (plus, for XLSX, the finished file:
//! `rust_xlsxwriter`'s constant-memory mode writes rows to a temporary file).
//! CSV is UTF-8 with a BOM, which Excel needs to read Chinese text.
//!
//! Both formats are safe to open in a spreadsheet: every CSV cell goes
//! through [`crm_domain::spreadsheet::neutralise`] (a value such as
//! `=HYPERLINK(…)` gets a leading `'`), and every XLSX cell is written as a
//! string, never a formula.

use actix_web::HttpResponse;
use actix_web::web::Bytes;
use crm_db::AnyConnection;
use crm_db::paging::SortValue;
use crm_domain::spreadsheet::neutralise;
use futures_util::stream;
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use uuid::Uuid;

use crate::error::ApiError;
use crate::state::AppState;

/// Rows per query.
pub const PAGE: i64 = 1000;
/// Rows a worksheet holds besides its header (Excel's limit).
const MAX_ROWS: u32 = 1_048_575;
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// An optional id as a cell (blank when absent).
pub fn id_text(id: Option<crm_db::types::Id>) -> String {
    id.map(|i| i.to_string()).unwrap_or_default()
}

/// A timestamp as a cell (RFC 3339, UTC).
pub fn time_text(at: chrono::NaiveDateTime) -> String {
    at.and_utc().to_rfc3339()
}

/// A filtered list, oldest first on a keyset index.
pub trait Table: Clone + Send + 'static {
    type Row: Send + 'static;
    /// File and sheet name, e.g. `customers`.
    const NAME: &'static str;
    fn header(&self) -> &'static [&'static str];
    /// Up to `PAGE` rows after `after` (the caller's visibility applied).
    fn page(
        &self,
        conn: &mut AnyConnection,
        after: Option<(SortValue, Uuid)>,
    ) -> Result<Vec<Self::Row>, ApiError>;
    /// The keyset position of a row.
    fn key(row: &Self::Row) -> (SortValue, Uuid);
    fn record(row: &Self::Row) -> Vec<String>;
}

/// The position after this page, if another may follow.
fn next_after<T: Table>(rows: &[T::Row]) -> Option<(SortValue, Uuid)> {
    rows.last()
        .filter(|_| rows.len() as i64 == PAGE)
        .map(T::key)
}

fn csv_bytes<T: Table>(rows: &[T::Row], header: Option<&[&str]>) -> Result<Bytes, ApiError> {
    let header = header.map(|h| h.iter().map(|t| (*t).to_owned()).collect::<Vec<_>>());
    let bom = header.is_some();
    csv_records(header.into_iter().chain(rows.iter().map(T::record)), bom)
}

/// Records as CSV (a BOM first when `bom`), every cell through
/// [`neutralise`]: the one CSV writer of every download, so no table can
/// leave a formula for a spreadsheet to run. Records may differ in length.
pub fn csv_records<I>(records: I, bom: bool) -> Result<Bytes, ApiError>
where
    I: IntoIterator<Item = Vec<String>>,
{
    let mut out = Vec::new();
    if bom {
        out.extend_from_slice("\u{feff}".as_bytes());
    }
    let mut writer = csv::WriterBuilder::new().flexible(true).from_writer(out);
    for record in records {
        let cells: Vec<_> = record.iter().map(|cell| neutralise(cell)).collect();
        writer
            .write_record(cells.iter().map(|cell| cell.as_bytes()))
            .map_err(ApiError::internal)?;
    }
    let out = writer.into_inner().map_err(ApiError::internal)?;
    Ok(Bytes::from(out))
}

async fn page<T: Table>(
    state: &AppState,
    table: &T,
    after: Option<(SortValue, Uuid)>,
) -> Result<Vec<T::Row>, ApiError> {
    let table = table.clone();
    state.db(move |conn| table.page(conn, after)).await
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
                Ok(chunk) => chunk,
                Err(e) => return Some((Err(e), Next::Done)),
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

fn internal(e: XlsxError) -> ApiError {
    ApiError::Internal(format!("xlsx: {e}"))
}

/// Every row as one worksheet, built page by page on one connection. More
/// rows than a worksheet holds is a 422 naming the CSV export instead.
pub async fn xlsx<T: Table>(state: AppState, table: T) -> Result<HttpResponse, ApiError> {
    let bytes = state
        .db(move |conn| {
            let mut workbook = Workbook::new();
            let sheet = workbook
                .add_worksheet_with_constant_memory()
                .map_err(internal)?;
            sheet.set_name(T::NAME).map_err(internal)?;
            let bold = Format::new().set_bold();
            for (col, title) in (0_u16..).zip(table.header()) {
                sheet
                    .write_with_format(0, col, *title, &bold)
                    .map_err(internal)?;
            }
            let (mut row, mut after) = (0_u32, None);
            loop {
                let rows = table.page(conn, after.take())?;
                for r in &rows {
                    row += 1;
                    if row > MAX_ROWS {
                        return Err(ApiError::Validation(crm_domain::FieldErrors::single(
                            "limit",
                            "more rows than one worksheet holds (1,048,575): use the CSV export",
                        )));
                    }
                    for (col, value) in (0_u16..).zip(T::record(r)) {
                        // A string cell: `=…` is shown as text, never run.
                        sheet.write_string(row, col, value).map_err(internal)?;
                    }
                }
                match next_after::<T>(&rows) {
                    Some(next) => after = Some(next),
                    None => break,
                }
            }
            workbook.save_to_buffer().map_err(internal)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type(XLSX)
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{}.xlsx\"", T::NAME),
        ))
        .body(bytes))
}
