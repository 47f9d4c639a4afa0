//! CSV export of a filtered customer list, streamed across pages.

use crm_tests::{CustomerBuilder, TestApp, World, both};

both!(customers_export_as_csv_with_the_list_filters_and_the_export_grant);

async fn customers_export_as_csv_with_the_list_filters_and_the_export_grant(app: TestApp) {
    let w = World::create(&app);
    for i in 0..1_005 {
        let b = CustomerBuilder::new(w.ws, &format!("客户, \"{i}\"")).owner(&w.rep1);
        let b = if i % 5 == 0 { b.industry("retail") } else { b };
        b.build(&app);
    }
    CustomerBuilder::new(w.other_ws, "Other workspace").build(&app);
    let all = app
        .get("/api/v1/customers/export")
        .token(&w.admin.token)
        .send()
        .await
        .expect(200);
    assert_eq!(all.header("content-type"), Some("text/csv; charset=utf-8"));
    let text = all.body.as_str().expect("csv text").to_owned();
    assert!(text.starts_with('\u{feff}'), "UTF-8 BOM for Excel");
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers = reader.headers().expect("header").clone();
    assert_eq!(&headers[3], "name");
    let names: Vec<String> = reader
        .records()
        .map(|r| r.expect("record")[3].to_owned())
        .collect();
    assert_eq!(names.len(), 1_005, "every row across two pages, once");
    assert_eq!(names[0], "客户, \"0\"", "quoted and oldest first");
    let unique: std::collections::HashSet<&String> = names.iter().collect();
    assert_eq!(unique.len(), 1_005);

    let retail = app
        .get("/api/v1/customers/export?industry=retail")
        .token(&w.manager1.token)
        .send()
        .await
        .expect(200);
    let rows = retail.body.as_str().expect("csv").lines().count();
    assert_eq!(
        rows,
        1 + 201,
        "header and the retail rows the manager's team owns"
    );
    app.get("/api/v1/customers/export")
        .token(&w.rep1.token)
        .send()
        .await
        .expect(403);

    // The same rows as an Excel workbook, read back with calamine.
    let xlsx = app
        .get("/api/v1/customers/export.xlsx?industry=retail")
        .token(&w.manager1.token)
        .send()
        .await
        .expect(200);
    assert_eq!(
        xlsx.header("content-type"),
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    );
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx.bytes.to_vec()))
            .expect("a workbook");
    let sheet = calamine::Reader::worksheet_range(&mut book, "customers").expect("sheet");
    let cells: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(ToString::to_string).collect())
        .collect();
    assert_eq!(
        cells.len(),
        1 + 201,
        "the header and the same rows as the CSV"
    );
    assert_eq!(
        (cells[0][3].as_str(), cells[0][6].as_str()),
        ("name", "industry")
    );
    assert!(
        cells[1..]
            .iter()
            .all(|r| r[6] == "retail" && r[3].starts_with("客户, \""))
    );
    app.get("/api/v1/customers/export.xlsx")
        .token(&w.rep1.token)
        .send()
        .await
        .expect(403);
    app.get("/api/v1/customers/export?industry=nope")
        .token(&w.admin.token)
        .send()
        .await
        .expect(400);
}
