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
    app.get("/api/v1/customers/export?industry=nope")
        .token(&w.admin.token)
        .send()
        .await
        .expect(400);
}
