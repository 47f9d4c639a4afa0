//! Export tables: how a filtered list is read page by page and rendered
//! row by row ([`Table`]), and the two file formats built from it. Paging
//! reads every matching row 1,000 at a time on a keyset index, so an export
//! of a million rows holds one page in memory (plus, for XLSX, the finished
//! file: `rust_xlsxwriter`'s constant-memory mode writes rows to a
//! temporary file). CSV is UTF-8 with a BOM, which Excel needs to read
//! Chinese text. Streaming the CSV to a client is the transport's job.
//!
//! Both formats are safe to open in a spreadsheet: every CSV cell goes
//! through [`crm_domain::spreadsheet::neutralise`] (a value such as
//! `=HYPERLINK(…)` gets a leading `'`), and every XLSX cell is written as a
//! string, never a formula.

use crm_db::AnyConnection;
use crm_db::paging::SortValue;
use crm_domain::spreadsheet::neutralise;
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use uuid::Uuid;

use crate::AppError;

/// Rows per query.
pub const PAGE: i64 = 1000;
/// Rows a worksheet holds besides its header (Excel's limit).
const MAX_ROWS: u32 = 1_048_575;

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
    /// Up to `PAGE` rows after `after` (the actor's visibility applied).
    fn page(
        &self,
        conn: &mut AnyConnection,
        after: Option<(SortValue, Uuid)>,
    ) -> Result<Vec<Self::Row>, AppError>;
    /// The keyset position of a row.
    fn key(row: &Self::Row) -> (SortValue, Uuid);
    fn record(row: &Self::Row) -> Vec<String>;
}

/// The position after this page, if another may follow.
pub fn next_after<T: Table>(rows: &[T::Row]) -> Option<(SortValue, Uuid)> {
    rows.last()
        .filter(|_| rows.len() as i64 == PAGE)
        .map(T::key)
}

/// A page of rows as CSV, with the header (and a BOM) first when given.
pub fn csv_bytes<T: Table>(rows: &[T::Row], header: Option<&[&str]>) -> Result<Vec<u8>, AppError> {
    let header = header.map(|h| h.iter().map(|t| (*t).to_owned()).collect::<Vec<_>>());
    let bom = header.is_some();
    csv_records(header.into_iter().chain(rows.iter().map(T::record)), bom)
}

/// Records as CSV (a BOM first when `bom`), every cell through
/// [`neutralise`]: the one CSV writer of every download, so no table can
/// leave a formula for a spreadsheet to run. Records may differ in length.
pub fn csv_records<I>(records: I, bom: bool) -> Result<Vec<u8>, AppError>
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
            .map_err(AppError::internal)?;
    }
    writer.into_inner().map_err(AppError::internal)
}

fn internal(e: XlsxError) -> AppError {
    AppError::Internal(format!("xlsx: {e}"))
}

/// Every row as one worksheet, built page by page on one connection. More
/// rows than a worksheet holds is a validation error naming the CSV export.
pub fn xlsx<T: Table>(conn: &mut AnyConnection, table: &T) -> Result<Vec<u8>, AppError> {
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
                return Err(AppError::validation(
                    "limit",
                    "more rows than one worksheet holds (1,048,575): use the CSV export",
                ));
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
}
