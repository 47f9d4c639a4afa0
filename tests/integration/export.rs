//! Exports of filtered lists (customers, orders) as CSV streamed across
//! pages and as XLSX read back with calamine, with the export grant and scope.

use crm_tests::{CustomerBuilder, TestApp, World, both};

both!(
    customers_export_as_csv_with_the_list_filters_and_the_export_grant,
    orders_export_as_csv_and_xlsx_with_filters_and_scope,
    exports_check_the_list_paging_parameters_as_the_lists_do,
);

/// Every export documents its list's parameters, so it refuses what the
/// list refuses (a `limit` out of range, an unknown `sort`, a foreign
/// cursor) and accepts what the list accepts, then exports every row.
async fn exports_check_the_list_paging_parameters_as_the_lists_do(app: TestApp) {
    let w = World::create(&app);
    CustomerBuilder::new(w.ws, "甲").build(&app);
    CustomerBuilder::new(w.ws, "乙").build(&app);
    let t = &w.admin.token;
    for entity in [
        "customers",
        "contacts",
        "leads",
        "deals",
        "orders",
        "products",
        "activities",
    ] {
        for format in ["export", "export.xlsx"] {
            let sorted = entity != "activities";
            for bad in ["limit=0", "limit=201", "sort=null", "cursor=garbage"]
                .into_iter()
                .filter(|bad| sorted || !bad.starts_with("sort"))
            {
                let answer = app
                    .get(&format!("/api/v1/{entity}/{format}?{bad}"))
                    .token(t)
                    .send()
                    .await
                    .expect(400);
                let field = bad.split('=').next().unwrap_or_default();
                assert!(
                    answer.body["errors"][field].is_array(),
                    "{entity}/{format}?{bad}: {}",
                    answer.body
                );
            }
            app.get(&format!("/api/v1/{entity}/{format}?limit=200"))
                .token(t)
                .send()
                .await
                .expect(200);
        }
    }
    let csv = app
        .get("/api/v1/customers/export?limit=1&sort=-name")
        .token(t)
        .send()
        .await
        .expect(200);
    let rows = csv_rows(csv.body.as_str().expect("csv text"));
    assert_eq!(
        rows.len(),
        2,
        "an export holds every row whatever the limit"
    );
}

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

/// CSV text without its BOM, as records.
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    reader
        .records()
        .map(|r| r.expect("record").iter().map(str::to_owned).collect())
        .collect()
}

async fn orders_export_as_csv_and_xlsx_with_filters_and_scope(app: TestApp) {
    use crate::analytics::{order, setup_product};
    let w = World::create(&app);
    let t = &w.admin.token;
    setup_product(&app, t).await;
    let mine = CustomerBuilder::new(w.ws, "甲").owner(&w.rep1).build(&app);
    let theirs = CustomerBuilder::new(w.ws, "乙").owner(&w.rep3).build(&app);
    for (customer, days, total, status) in [
        (mine, 3, 500, "paid"),
        (mine, 2, 700, "cancelled"),
        (theirs, 1, 900, "paid"),
    ] {
        order(&app, t, customer, days, total, status).await;
    }
    let all = app
        .get("/api/v1/orders/export")
        .token(t)
        .send()
        .await
        .expect(200);
    let rows = csv_rows(all.body.as_str().expect("csv"));
    assert_eq!(rows.len(), 3, "every order, oldest first");
    let totals: Vec<&str> = rows.iter().map(|r| r[8].as_str()).collect();
    assert_eq!(totals, ["500", "700", "900"]);
    assert_eq!(rows[0][2], mine.to_string());
    let paid = app
        .get("/api/v1/orders/export?status=paid")
        .token(t)
        .send()
        .await
        .expect(200);
    assert_eq!(csv_rows(paid.body.as_str().expect("csv")).len(), 2);
    // A manager exports their team's orders only; a rep may not export.
    let team = app
        .get("/api/v1/orders/export.xlsx")
        .token(&w.manager1.token)
        .send()
        .await
        .expect(200);
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(team.bytes.to_vec()))
            .expect("a workbook");
    let sheet = calamine::Reader::worksheet_range(&mut book, "orders").expect("sheet");
    let cells: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(ToString::to_string).collect())
        .collect();
    assert_eq!(cells.len(), 1 + 2, "header and rep1's two orders");
    assert_eq!(cells[0][8], "total_minor");
    assert!(cells[1..].iter().all(|r| r[2] == mine.to_string()));
    app.get("/api/v1/orders/export")
        .token(&w.rep1.token)
        .send()
        .await
        .expect(403);
    app.get("/api/v1/orders/export?status=shipped-ish")
        .token(t)
        .send()
        .await
        .expect(400);
}
