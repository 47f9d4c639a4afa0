//! Exports of the sales lists (deals, leads, activities), contacts and the
//! product catalogue as CSV and XLSX: the list's filters apply, the export
//! scope limits the rows (a manager exports their team's), and a role
//! without the export grant gets 403.

use crm_tests::{CustomerBuilder, TestApp, World, both};
use serde_json::json;

both!(
    sales_lists_export_with_their_filters_and_scope,
    contacts_and_products_export,
);

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    assert!(text.starts_with('\u{feff}'), "UTF-8 BOM for Excel");
    csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes())
        .records()
        .map(|r| r.expect("record").iter().map(str::to_owned).collect())
        .collect()
}

async fn rows(app: &TestApp, token: &str, path: &str) -> Vec<Vec<String>> {
    let r = app.get(path).token(token).send().await.expect(200);
    assert_eq!(r.header("content-type"), Some("text/csv; charset=utf-8"));
    csv_rows(r.body.as_str().expect("csv text"))
}

async fn sales_lists_export_with_their_filters_and_scope(app: TestApp) {
    let w = World::create(&app);
    let t = &w.admin.token;
    let mine = CustomerBuilder::new(w.ws, "一号")
        .owner(&w.rep1)
        .build(&app);
    let theirs = CustomerBuilder::new(w.ws, "二号")
        .owner(&w.rep3)
        .build(&app);
    for (customer, name) in [(mine, "甲单"), (mine, "乙单"), (theirs, "丙单")] {
        app.post("/api/v1/deals")
            .token(t)
            .json(&json!({"customer_id": customer, "name": name, "amount": {"amount_minor": 100_000, "currency": "CNY"}}))
            .send()
            .await
            .expect(201);
    }
    for (token, name) in [
        (&w.rep1.token, "线索一"),
        (&w.rep1.token, "线索二"),
        (&w.rep3.token, "线索三"),
    ] {
        app.post("/api/v1/leads")
            .token(token)
            .json(&json!({"person_name": name}))
            .send()
            .await
            .expect(201);
    }
    for (token, customer, subject) in [
        (&w.rep1.token, mine, "电话回访"),
        (&w.rep1.token, mine, "上门拜访"),
        (&w.rep3.token, theirs, "发报价"),
    ] {
        app.post("/api/v1/activities")
            .token(token)
            .json(&json!({"kind": "call", "subject": subject, "customer_id": customer}))
            .send()
            .await
            .expect(201);
    }

    let deals = rows(&app, t, "/api/v1/deals/export").await;
    assert_eq!(deals.len(), 3);
    let names: Vec<&str> = deals.iter().map(|r| r[2].as_str()).collect();
    assert_eq!(names, ["甲单", "乙单", "丙单"], "oldest first");
    assert!(deals.iter().all(|r| r[6] == "100000" && r[7] == "CNY"));
    let filtered = rows(
        &app,
        t,
        &format!("/api/v1/deals/export?customer_id={theirs}"),
    )
    .await;
    assert_eq!(filtered.len(), 1);
    assert_eq!(filtered[0][3], theirs.to_string());

    let leads = rows(&app, t, "/api/v1/leads/export?status=new").await;
    assert_eq!(leads.len(), 3);
    assert!(leads.iter().any(|r| r[5] == "线索三"));
    let activities = rows(&app, t, "/api/v1/activities/export").await;
    let subjects: Vec<&str> = activities.iter().map(|r| r[2].as_str()).collect();
    assert_eq!(subjects.len(), 3);
    assert!(subjects.contains(&"发报价"));

    // A manager's scope: their team's records only (rep1's), also as XLSX.
    let m = &w.manager1.token;
    assert_eq!(rows(&app, m, "/api/v1/leads/export").await.len(), 2);
    assert_eq!(rows(&app, m, "/api/v1/activities/export").await.len(), 2);
    let book = app
        .get("/api/v1/deals/export.xlsx")
        .token(m)
        .send()
        .await
        .expect(200);
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(book.bytes.to_vec()))
            .expect("a workbook");
    let sheet = calamine::Reader::worksheet_range(&mut book, "deals").expect("sheet");
    let cells: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(ToString::to_string).collect())
        .collect();
    assert_eq!(cells.len(), 1 + 2, "header and rep1's two deals");
    assert_eq!(cells[0][2], "name");
    assert!(cells[1..].iter().all(|r| r[3] == mine.to_string()));

    // Reps may not export; a bad filter is a 400 before any byte is sent.
    for path in [
        "/api/v1/deals/export",
        "/api/v1/leads/export",
        "/api/v1/activities/export",
    ] {
        app.get(path).token(&w.rep1.token).send().await.expect(403);
    }
    app.get("/api/v1/leads/export?status=maybe")
        .token(t)
        .send()
        .await
        .expect(400);
}

async fn contacts_and_products_export(app: TestApp) {
    let w = World::create(&app);
    let t = &w.admin.token;
    let mine = CustomerBuilder::new(w.ws, "一号")
        .owner(&w.rep1)
        .build(&app);
    let theirs = CustomerBuilder::new(w.ws, "三号")
        .owner(&w.rep3)
        .build(&app);
    for (customer, name) in [(mine, "张三"), (mine, "李四"), (theirs, "王五")] {
        app.post("/api/v1/contacts")
            .token(t)
            .json(&json!({"customer_id": customer, "name": name, "email": format!("{}@example.test", customer.simple())}))
            .send()
            .await
            .expect(201);
    }
    let contacts = rows(&app, t, "/api/v1/contacts/export").await;
    assert_eq!(
        contacts.iter().map(|r| r[3].as_str()).collect::<Vec<_>>(),
        ["张三", "李四", "王五"]
    );
    let filtered = rows(
        &app,
        t,
        &format!("/api/v1/contacts/export?customer_id={theirs}"),
    )
    .await;
    assert_eq!(filtered.len(), 1);
    assert_eq!(filtered[0][2], theirs.to_string());
    assert_eq!(
        rows(&app, &w.manager1.token, "/api/v1/contacts/export")
            .await
            .len(),
        2,
        "the team's customers"
    );
    app.get("/api/v1/contacts/export")
        .token(&w.rep1.token)
        .send()
        .await
        .expect(403);

    app.post("/api/v1/products/batch")
        .token(t)
        .json(&json!({"mode": "create", "records": [
            {"sku": "P-1", "name": "螺丝", "category": "五金", "price": {"amount_minor": 35, "currency": "CNY"}},
            {"sku": "P-2", "name": "扳手", "category": "工具", "active": false},
        ]}))
        .send()
        .await
        .expect(200);
    let products = rows(&app, t, "/api/v1/products/export").await;
    assert_eq!(products.len(), 2);
    assert_eq!(products[0][1..4], ["P-1", "螺丝", ""]);
    assert_eq!(
        (products[0][6].as_str(), products[0][7].as_str()),
        ("35", "CNY")
    );
    let inactive = rows(&app, t, "/api/v1/products/export?active=false").await;
    assert_eq!(inactive.len(), 1);
    assert_eq!(inactive[0][1], "P-2");
    let book = app
        .get("/api/v1/products/export.xlsx")
        .token(t)
        .send()
        .await
        .expect(200);
    assert!(book.bytes.starts_with(b"PK"), "an xlsx (zip) file");
    app.get("/api/v1/products/export")
        .token(&w.rep1.token)
        .send()
        .await
        .expect(403);
}
