//! One recipient's delivery mail: the report (or each widget of the
//! dashboard) run as the recipient, shown as tables in the body — plain
//! text and HTML, every label escaped — with the rows attached as CSV or
//! XLSX.

use chrono::NaiveDate;
use crm_api_types::reports::ReportData;
use crm_db::AnyConnection;
use crm_db::deliveries::DeliveryRow;
use crm_db::users::UserRow;
use crm_domain::deliveries::DeliveryFormat;
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use v_htmlescape::escape_fmt as escape;

use super::format_of;
use crate::reports::{header, labels};
use crate::{Actor, AppError};

const XLSX_MEDIA_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Rows shown in the mail's body per table; the attachment has them all.
const BODY_ROWS: usize = 50;

/// One table of the mail: its title and the run.
pub(crate) struct Table {
    pub title: String,
    pub data: ReportData,
}

/// The delivery's report, or every widget of its dashboard under the
/// dashboard's filters, run as `actor`. A report or widget the recipient
/// no longer sees is left out.
pub(crate) fn tables(
    conn: &mut AnyConnection,
    actor: &Actor,
    row: &DeliveryRow,
) -> Result<Vec<Table>, AppError> {
    if let Some(id) = row.report_id {
        return match crate::reports::data(conn, actor, id.0) {
            Ok(data) => Ok(vec![Table {
                title: row.name.clone(),
                data,
            }]),
            Err(AppError::NotFound) => Ok(Vec::new()),
            Err(e) => Err(e),
        };
    }
    let Some(id) = row.dashboard_id else {
        return Ok(Vec::new());
    };
    let dashboard = match crate::dashboards::find(conn, actor, id.0) {
        Ok(d) => d,
        Err(AppError::NotFound) => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let layout = crate::dashboards::layout_of(&dashboard)?;
    let standards = crm_domain::reports::standard::all();
    let mut tables = Vec::new();
    for widget in layout.widgets {
        let title = match (widget.report_id, widget.standard.as_deref()) {
            (Some(id), _) => match crate::reports::find(conn, actor, id) {
                Ok(report) => report.name,
                Err(AppError::NotFound) => continue,
                Err(e) => return Err(e),
            },
            (None, Some(key)) => match standards.iter().find(|s| s.key == key) {
                Some(s) => s.name_zh.to_owned(),
                None => continue,
            },
            (None, None) => continue,
        };
        let run = crm_api_types::dashboards::WidgetRun {
            report_id: widget.report_id,
            standard: widget.standard.clone(),
            filters: layout.filters.clone(),
        };
        match crate::dashboards::run_widget(conn, actor, run) {
            Ok(data) => tables.push(Table { title, data }),
            Err(AppError::NotFound) => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(tables)
}

/// A figure as the body shows it: money in major units with separators.
fn figure(data: &ReportData, value: Option<f64>) -> String {
    let Some(v) = value else {
        return String::new();
    };
    let v = if data.currency.is_some() {
        v / 100.0
    } else {
        v
    };
    let fixed = if data.currency.is_some() || v.fract() != 0.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.0}")
    };
    let (int, frac) = fixed.split_once('.').unwrap_or((&fixed, ""));
    let (sign, digits) = int.strip_prefix('-').map_or(("", int), |d| ("-", d));
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac}")
    }
}

/// The body's column titles: the groupings, the measure (with its
/// currency, in major units) and the records.
fn columns(data: &ReportData) -> Vec<String> {
    let mut columns = header(data);
    if let Some(currency) = &data.currency {
        let n = columns.len();
        if n >= 2 {
            let measure = &data.spec.measure;
            columns[n - 2] = match &measure.field {
                Some(f) => format!("{}({f}) [{currency}]", measure.aggregate),
                None => format!("count [{currency}]"),
            };
        }
    }
    columns
}

fn cells(data: &ReportData, row: &crm_api_types::reports::ReportRow) -> Vec<String> {
    let mut cells: Vec<String> = labels(row).collect();
    cells.push(figure(data, row.value));
    cells.push(row.records.to_string());
    cells
}

fn period(data: &ReportData) -> String {
    match (data.from, data.to) {
        (Some(from), Some(to)) => format!("{from} 至 {to}"),
        _ => "全部时间".to_owned(),
    }
}

fn text_table(out: &mut String, table: &Table) {
    let data = &table.data;
    out.push_str(&format!("\n{}（{}）\n", table.title, period(data)));
    out.push_str(&columns(data).join("\t"));
    out.push('\n');
    for row in data.rows.iter().take(BODY_ROWS) {
        out.push_str(&cells(data, row).join("\t"));
        out.push('\n');
    }
    if data.rows.len() > BODY_ROWS {
        out.push_str(&format!(
            "… 另有 {} 行，见附件\n",
            data.rows.len() - BODY_ROWS
        ));
    }
    if data.rows.is_empty() {
        out.push_str("（无数据）\n");
    }
    if let Some(total) = data.total {
        out.push_str(&format!("合计\t{}\n", figure(data, Some(total))));
    }
}

fn html_table(out: &mut String, table: &Table) {
    let data = &table.data;
    out.push_str(&format!(
        "<h3>{} <small style=\"color:#666\">{}</small></h3>\n<table border=\"1\" cellpadding=\"4\" cellspacing=\"0\" style=\"border-collapse:collapse\">\n<tr>",
        escape(&table.title),
        escape(&period(data))
    ));
    for column in columns(data) {
        out.push_str(&format!("<th>{}</th>", escape(&column)));
    }
    out.push_str("</tr>\n");
    for row in data.rows.iter().take(BODY_ROWS) {
        out.push_str("<tr>");
        for cell in cells(data, row) {
            out.push_str(&format!("<td>{}</td>", escape(&cell)));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
    if data.rows.len() > BODY_ROWS {
        out.push_str(&format!(
            "<p>… 另有 {} 行，见附件</p>\n",
            data.rows.len() - BODY_ROWS
        ));
    }
    if data.rows.is_empty() {
        out.push_str("<p>（无数据）</p>\n");
    }
    if let Some(total) = data.total {
        out.push_str(&format!(
            "<p>合计：{}</p>\n",
            escape(&figure(data, Some(total)))
        ));
    }
}

/// A file name without path or control characters.
fn file_name(name: &str, today: NaiveDate, extension: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':' | '"' | '*' | '?' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .take(80)
        .collect();
    format!("{clean}-{today}.{extension}")
}

fn attachments(
    row: &DeliveryRow,
    tables: &[Table],
    today: NaiveDate,
) -> Result<Vec<SinglePart>, AppError> {
    let xlsx = ContentType::parse(XLSX_MEDIA_TYPE).map_err(AppError::internal)?;
    let csv = ContentType::parse("text/csv; charset=utf-8").map_err(AppError::internal)?;
    Ok(match format_of(row) {
        DeliveryFormat::Xlsx => {
            let sheets: Vec<(&str, &ReportData)> =
                tables.iter().map(|t| (t.title.as_str(), &t.data)).collect();
            let bytes = crate::reports::xlsx_sheets(&sheets)?;
            vec![Attachment::new(file_name(&row.name, today, "xlsx")).body(bytes, xlsx)]
        }
        DeliveryFormat::Csv => tables
            .iter()
            .map(|t| {
                Ok(Attachment::new(file_name(&t.title, today, "csv"))
                    .body(crate::reports::csv(&t.data)?, csv.clone()))
            })
            .collect::<Result<_, AppError>>()?,
    })
}

/// The mail to `user`.
pub(crate) fn message(
    from: Mailbox,
    user: &UserRow,
    row: &DeliveryRow,
    tables: &[Table],
    today: NaiveDate,
) -> Result<Message, AppError> {
    let to = crate::mail::mailbox(user)?;
    let intro = format!(
        "{}，您好：以下是定时发送的「{}」（{today}），只含您有权查看的数据。",
        user.display_name, row.name
    );
    let mut text = format!("{intro}\n");
    let mut html = format!(
        "<!DOCTYPE html><html><body style=\"font-family:sans-serif\">\n<p>{}</p>\n",
        escape(&intro)
    );
    for table in tables {
        text_table(&mut text, table);
        html_table(&mut html, table);
    }
    html.push_str("</body></html>\n");
    let mut mixed = MultiPart::mixed().multipart(MultiPart::alternative_plain_html(text, html));
    for part in attachments(row, tables, today)? {
        mixed = mixed.singlepart(part);
    }
    Message::builder()
        .from(from)
        .to(to)
        .subject(format!("{} · {today}", row.name))
        .multipart(mixed)
        .map_err(|e| AppError::Internal(format!("mail: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_path_characters() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        assert_eq!(
            file_name("华东/周报: \"Q1\"", today, "csv"),
            "华东_周报_ _Q1_-2026-03-02.csv"
        );
    }
}
