//! Downloads are safe to open in Excel or WPS: a value a spreadsheet would
//! run as a formula comes back in CSV with a leading `'` (exports and the
//! import error file alike) and in XLSX as a string cell, never a formula.
//! Names refuse control characters and bidirectional overrides (422 naming
//! the field) on create, update and in a batch.

use crm_tests::{CustomerBuilder, TestApp, World, both};
use serde_json::{Value, json};

both!(
    formula_values_export_as_text_in_csv_and_xlsx,
    refused_import_rows_come_back_neutralised,
    names_with_controls_or_bidi_overrides_are_refused,
);

const HYPERLINK: &str = "=HYPERLINK(\"http://x\",\"y\")";
const DDE: &str = "=cmd|' /C calc'!A0";
const AT_SUM: &str = "@SUM(1+1)";
const MINUS: &str = "-2+3+cmd|' /C calc'!A0";

/// The CSV export at `path` as rows of cells, header first.
async fn csv(app: &TestApp, token: &str, path: &str) -> Vec<Vec<String>> {
    let r = app.get(path).token(token).send().await.expect(200);
    let text = r.body.as_str().expect("csv text").to_owned();
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes())
        .records()
        .map(|r| r.expect("record").iter().map(str::to_owned).collect())
        .collect()
}

/// The cells of the column called `name`, below the header.
fn column(rows: &[Vec<String>], name: &str) -> Vec<String> {
    let at = rows[0].iter().position(|h| h == name).expect("column");
    rows[1..].iter().map(|r| r[at].clone()).collect()
}

/// The XLSX export at `path`: the named column's cells, each required to be
/// a string cell, and the sheet required to hold no formula at all.
async fn xlsx_column(
    app: &TestApp,
    token: &str,
    path: &str,
    sheet: &str,
    name: &str,
) -> Vec<String> {
    let r = app.get(path).token(token).send().await.expect(200);
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(r.bytes.to_vec())).expect("workbook");
    let formulas = calamine::Reader::worksheet_formula(&mut book, sheet).expect("formulas");
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "no cell of {path} is a formula"
    );
    let range = calamine::Reader::worksheet_range(&mut book, sheet).expect("sheet");
    let rows: Vec<&[calamine::Data]> = range.rows().collect();
    let at = rows[0]
        .iter()
        .position(|h| matches!(h, calamine::Data::String(s) if s == name))
        .expect("column");
    rows[1..]
        .iter()
        .map(|r| match &r[at] {
            calamine::Data::String(s) => s.clone(),
            other => panic!("{name} is a string cell, not {other:?}"),
        })
        .collect()
}

async fn formula_values_export_as_text_in_csv_and_xlsx(app: TestApp) {
    let w = World::create(&app);
    let t = &w.admin.token;
    let customer = CustomerBuilder::new(w.ws, HYPERLINK).build(&app);
    CustomerBuilder::new(w.ws, "华为技术").build(&app);
    app.post("/api/v1/contacts")
        .token(t)
        .json(&json!({"customer_id": customer, "name": MINUS, "title": "\u{FF1D}1+1"}))
        .send()
        .await
        .expect(201);
    app.post("/api/v1/deals")
        .token(t)
        .json(&json!({"customer_id": customer, "name": DDE, "amount": {"amount_minor": 1_250, "currency": "CNY"}}))
        .send()
        .await
        .expect(201);
    app.post("/api/v1/leads")
        .token(t)
        .json(&json!({"person_name": AT_SUM}))
        .send()
        .await
        .expect(201);

    let customers = csv(&app, t, "/api/v1/customers/export").await;
    assert_eq!(
        column(&customers, "name"),
        [format!("'{HYPERLINK}"), "华为技术".to_owned()],
        "the formula gets a leading apostrophe; other text is unchanged"
    );
    let contacts = csv(&app, t, "/api/v1/contacts/export").await;
    assert_eq!(column(&contacts, "name"), [format!("'{MINUS}")]);
    assert_eq!(
        column(&contacts, "title"),
        ["\u{FF1D}1+1"],
        "a full-width ＝ is not a formula to any spreadsheet"
    );
    let deals = csv(&app, t, "/api/v1/deals/export").await;
    assert_eq!(column(&deals, "name"), [format!("'{DDE}")]);
    let leads = csv(&app, t, "/api/v1/leads/export").await;
    assert_eq!(column(&leads, "person_name"), [format!("'{AT_SUM}")]);

    // XLSX: the value itself, as a string cell (no apostrophe, no formula).
    let names = xlsx_column(
        &app,
        t,
        "/api/v1/customers/export.xlsx",
        "customers",
        "name",
    )
    .await;
    assert_eq!(names, [HYPERLINK, "华为技术"]);
    let deals = xlsx_column(&app, t, "/api/v1/deals/export.xlsx", "deals", "name").await;
    assert_eq!(deals, [DDE]);
}

async fn refused_import_rows_come_back_neutralised(app: TestApp) {
    let w = World::create(&app);
    let t = &w.admin.token;
    let text = "客户编号,客户名称,行业\r\nC1,=1+1,火星业\r\nC2,好客户,零售\r\n";
    let up = crate::imports::upload(&app, t, "entity=customers", text.as_bytes().to_vec())
        .await
        .expect(201);
    let id = up.id();
    let mapping = up.body["mapping"].clone();
    crate::imports::start(&app, t, id, json!({"mapping": mapping, "dry_run": true}))
        .await
        .expect(202);
    let checked = crate::imports::settled(&app, t, id).await;
    assert_eq!(checked["failed"], 1, "{checked}");
    let rows = csv(&app, t, &format!("/api/v1/imports/{id}/errors")).await;
    assert_eq!(rows[0], ["row", "errors", "客户编号", "客户名称", "行业"]);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[1][0], "2");
    assert_eq!(rows[1][2..], ["C1", "'=1+1", "火星业"]);
}

/// Names a spreadsheet or a terminal would show as something else.
const BAD_NAMES: [&str; 3] = ["invoice\u{202E}fdp.exe", "Acme\u{0}", "a\u{2066}b"];

async fn names_with_controls_or_bidi_overrides_are_refused(app: TestApp) {
    let w = World::create(&app);
    let t = &w.admin.token;
    for bad in BAD_NAMES {
        let r = app
            .post("/api/v1/customers")
            .token(t)
            .json(&json!({"kind": "organization", "name": bad}))
            .send()
            .await
            .expect(422);
        assert_eq!(r.errors(), ["name"], "{bad:?}");
    }
    let id = CustomerBuilder::new(w.ws, "Acme").build(&app);
    let r = app
        .patch(&format!("/api/v1/customers/{id}"))
        .token(t)
        .json(&json!({"name": "Acme\u{202E}"}))
        .send()
        .await
        .expect(422);
    assert_eq!(r.errors(), ["name"]);

    let r = app
        .post("/api/v1/customers/batch")
        .token(t)
        .json(&json!({"mode": "upsert", "records": [
            {"external_id": "B1", "kind": "organization", "name": "Fine"},
            {"external_id": "B2", "kind": "organization", "name": "Bad\u{0}"},
            {"external_id": "B3", "kind": "organization", "name": "Bad\u{202D}"}
        ]}))
        .send()
        .await
        .expect(200);
    let result = |i: usize| -> (Value, Vec<String>) {
        let r = &r.body["results"][i];
        let fields = r["errors"]
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        (r["status"].clone(), fields)
    };
    assert_eq!(result(0), (json!("created"), vec![]));
    assert_eq!(result(1), (json!("failed"), vec!["name".to_owned()]));
    assert_eq!(result(2), (json!("failed"), vec!["name".to_owned()]));

    // Other entities' names go through the same rule.
    for (path, body, field) in [
        (
            "/api/v1/contacts",
            json!({"customer_id": id, "name": "王\u{202E}芳"}),
            "name",
        ),
        (
            "/api/v1/leads",
            json!({"person_name": "李\u{0}四"}),
            "person_name",
        ),
        (
            "/api/v1/deals",
            json!({"customer_id": id, "name": "单\u{2067}", "amount": {"amount_minor": 100, "currency": "CNY"}}),
            "name",
        ),
        ("/api/v1/tags", json!({"name": "VIP\u{202B}"}), "name"),
        (
            "/api/v1/roles",
            json!({"key": "spoof", "name": "Admin\u{202E}", "permissions": {}}),
            "name",
        ),
    ] {
        let r = app.post(path).token(t).json(&body).send().await.expect(422);
        assert!(
            r.errors().contains(&field.to_owned()),
            "{path}: {:?}",
            r.errors()
        );
    }

    // A note may still span lines; only names are single-line.
    app.post("/api/v1/activities")
        .token(t)
        .json(&json!({"kind": "note", "subject": "纪要", "customer_id": id, "body": "第一行\n\t第二行"}))
        .send()
        .await
        .expect(201);
    let r = app
        .post("/api/v1/activities")
        .token(t)
        .json(&json!({"kind": "note", "subject": "纪要\n二", "customer_id": id}))
        .send()
        .await
        .expect(422);
    assert_eq!(r.errors(), ["subject"]);
}
