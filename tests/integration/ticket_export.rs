//! The ticket list exported as CSV and XLSX, on both databases: the list's
//! filters apply, a subject written as a formula is neutralised, the
//! service desk exports every ticket, and a rep or a viewer (no export
//! grant on tickets) gets 403; a bad filter is a 400 before any byte.

use crm_tests::{CustomerBuilder, TestApp, World, both};
use serde_json::json;

both!(the_service_desk_exports_its_tickets_with_the_lists_filters);

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    assert!(text.starts_with('\u{feff}'), "UTF-8 BOM for Excel");
    csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes())
        .records()
        .map(|r| r.expect("record").iter().map(str::to_owned).collect())
        .collect()
}

async fn the_service_desk_exports_its_tickets_with_the_lists_filters(app: TestApp) {
    let w = World::create(&app);
    let agent = w.add_person(&app, "agent@acme.test", "service", None);
    let customer = CustomerBuilder::new(w.ws, "苏州云帆贸易")
        .owner(&w.rep1)
        .build(&app);
    for (subject, priority) in [("=HYPERLINK(\"http://x\")", "high"), ("发票开错了", "low")] {
        app.post("/api/v1/tickets")
            .token(&agent.token)
            .json(
                &json!({"customer_id": customer, "subject": subject, "ticket_type": "inquiry",
                "priority": priority, "channel": "phone", "external_id": format!("CC-{priority}")}),
            )
            .send()
            .await
            .expect(201);
    }

    let all = app
        .get("/api/v1/tickets/export")
        .token(&agent.token)
        .send()
        .await
        .expect(200);
    assert_eq!(all.header("content-type"), Some("text/csv; charset=utf-8"));
    let rows = csv_rows(all.body.as_str().expect("csv text"));
    assert_eq!(rows.len(), 2, "{rows:?}");
    let subjects: Vec<&str> = rows.iter().map(|r| r[5].as_str()).collect();
    assert!(
        subjects.contains(&"'=HYPERLINK(\"http://x\")"),
        "a formula is neutralised: {subjects:?}"
    );
    assert!(rows.iter().all(|r| r[3] == customer.to_string()));

    let high = app
        .get("/api/v1/tickets/export?priority=high")
        .token(&agent.token)
        .send()
        .await
        .expect(200);
    let high = csv_rows(high.body.as_str().expect("csv text"));
    assert_eq!(high.len(), 1);
    assert_eq!(high[0][2], "CC-high");
    assert_eq!(high[0][8], "high");

    let book = app
        .get("/api/v1/tickets/export.xlsx?q=%E5%8F%91%E7%A5%A8")
        .token(&agent.token)
        .send()
        .await
        .expect(200);
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(book.bytes.to_vec()))
            .expect("a workbook");
    let sheet = calamine::Reader::worksheet_range(&mut book, "tickets").expect("sheet");
    let cells: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(ToString::to_string).collect())
        .collect();
    assert_eq!(cells.len(), 2, "header and the 发票 ticket: {cells:?}");
    assert_eq!(cells[0][1], "number");
    assert_eq!(cells[1][5], "发票开错了");

    for token in [&w.rep1.token, &w.viewer.token] {
        app.get("/api/v1/tickets/export")
            .token(token)
            .send()
            .await
            .expect(403);
    }
    app.get("/api/v1/tickets/export?priority=soon")
        .token(&agent.token)
        .send()
        .await
        .expect(400);
}
