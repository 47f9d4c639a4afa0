//! Searching contacts and leads (`q`): a fragment of a name, a phone or an
//! e-mail finds the row, LIKE's wildcards in the search are taken as
//! themselves, and a search finds only rows the caller may see. On
//! PostgreSQL each search is planned for its word with a trigram index
//! (issue 19, migration 000040); the results are the same on both backends.

use crm_db::AnyConnection;
use crm_tests::{CustomerBuilder, TestApp, World, both};
use diesel::RunQueryDsl;
use serde_json::{Value, json};

both!(
    contacts_and_leads_are_found_by_a_fragment_as_typed_and_only_where_visible,
    every_searched_list_has_a_trigram_index_on_postgres,
);

#[derive(diesel::QueryableByName)]
struct Plan {
    #[diesel(sql_type = diesel::sql_types::Text)]
    plan: String,
}

/// The search condition as `crm_db::paging::contains` writes it can be
/// served by each list's trigram index (PostgreSQL plans with sequential
/// scans made as costly as it can, so any index that serves the condition
/// is taken); SQLite has no such index and scans.
async fn every_searched_list_has_a_trigram_index_on_postgres(app: TestApp) {
    let w = World::create(&app);
    let found = app
        .get("/api/v1/customers?q=nothing-like-this")
        .token(&w.admin.token)
        .send()
        .await
        .expect(200);
    assert_eq!(found.body["items"], json!([]));
    let mut conn = app.conn();
    if !matches!(&*conn, AnyConnection::Postgresql(_)) {
        return;
    }
    diesel::sql_query(
        "CREATE FUNCTION pg_temp.plan_of(q text) RETURNS SETOF text LANGUAGE plpgsql AS \
         $$ DECLARE line text; BEGIN FOR line IN EXECUTE 'EXPLAIN ' || q LOOP \
         RETURN NEXT line; END LOOP; END $$",
    )
    .execute(&mut *conn)
    .expect("plan function");
    diesel::sql_query("SET enable_seqscan = off")
        .execute(&mut *conn)
        .expect("set");
    for table in ["customers", "contacts", "leads", "tickets"] {
        let query = format!(
            "SELECT id FROM {table} WHERE {table}.search_text LIKE ''%yunfan%'' ESCAPE ''\\''"
        );
        let plan: Plan = diesel::sql_query(format!(
            "SELECT string_agg(line, ' / ') AS plan FROM pg_temp.plan_of('{query}') line"
        ))
        .get_result(&mut *conn)
        .expect("plan");
        assert!(
            plan.plan.contains(&format!("{table}_search_trgm_idx")),
            "{table}: {}",
            plan.plan
        );
    }
    diesel::sql_query("RESET enable_seqscan")
        .execute(&mut *conn)
        .expect("reset");
}

/// The names listed by `path` for `token`.
async fn names(app: &TestApp, token: &str, path: &str, field: &str) -> Vec<String> {
    let page = app.get(path).token(token).send().await.expect(200);
    let mut names: Vec<String> = page.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| item[field].as_str().unwrap_or_default().to_owned())
        .collect();
    names.sort();
    names
}

async fn create(app: &TestApp, token: &str, path: &str, body: Value) {
    app.post(path)
        .token(token)
        .json(&body)
        .send()
        .await
        .expect(201);
}

async fn contacts_and_leads_are_found_by_a_fragment_as_typed_and_only_where_visible(app: TestApp) {
    let w = World::create(&app);
    let (rep1, rep3) = (&w.rep1.token, &w.rep3.token);
    let mine = CustomerBuilder::new(w.ws, "苏州云帆贸易")
        .owner(&w.rep1)
        .build(&app);
    let theirs = CustomerBuilder::new(w.ws, "杭州云帆科技")
        .owner(&w.rep3)
        .build(&app);
    for (token, customer, name, email, phone) in [
        (rep1, mine, "张伟", "zhang.wei@yunfan.cn", "13800138000"),
        (rep1, mine, "Li_Na", "lina@yunfan.cn", "13900000001"),
        (rep1, mine, "LiXNa", "lixna@yunfan.cn", "13900000002"),
        (rep3, theirs, "张伟强", "weiqiang@yunfan.cn", "13800138999"),
    ] {
        create(
            &app,
            token,
            "/api/v1/contacts",
            json!({"customer_id": customer, "name": name, "email": email, "phone": phone}),
        )
        .await;
    }
    let contacts = |q: &str| format!("/api/v1/contacts?q={q}");
    assert_eq!(
        names(&app, rep1, &contacts("0013800"), "name").await,
        ["张伟"]
    );
    assert_eq!(
        names(&app, rep1, &contacts("ZHANG.wei"), "name").await,
        ["张伟"]
    );
    assert_eq!(
        names(&app, rep1, &contacts("i_n"), "name").await,
        ["Li_Na"],
        "`_` is a character, not any character"
    );
    assert_eq!(
        names(&app, rep1, &contacts("%25"), "name").await,
        Vec::<String>::new(),
        "`%` is a character, not any text"
    );
    assert_eq!(
        names(&app, rep1, &contacts("yunfan"), "name").await,
        ["LiXNa", "Li_Na", "张伟"],
        "not the contact of rep3's customer"
    );
    assert_eq!(
        names(&app, rep3, &contacts("yunfan"), "name").await,
        ["张伟强"]
    );
    assert_eq!(
        names(&app, &w.admin.token, &contacts("yunfan"), "name")
            .await
            .len(),
        4
    );

    for (token, person, company, phone) in [
        (rep1, "王芳", "苏州云帆贸易", "13800138000"),
        (rep1, "陈静", "50% 折扣", "13700000000"),
        (rep1, "刘洋", "500 强", "13700000001"),
        (rep3, "赵磊", "云帆物流", "13600000000"),
    ] {
        create(
            &app,
            token,
            "/api/v1/leads",
            json!({"person_name": person, "company_name": company, "phone": phone}),
        )
        .await;
    }
    let leads = |q: &str| format!("/api/v1/leads?q={q}");
    assert_eq!(
        names(&app, rep1, &leads("0013800"), "person_name").await,
        ["王芳"]
    );
    assert_eq!(
        names(&app, rep1, &leads("50%25"), "person_name").await,
        ["陈静"],
        "`%` is a character, not any text"
    );
    assert_eq!(
        names(&app, rep1, &leads("%E4%BA%91%E5%B8%86"), "person_name").await,
        ["王芳"]
    );
    assert_eq!(
        names(&app, rep3, &leads("%E4%BA%91%E5%B8%86"), "person_name").await,
        ["赵磊"]
    );
    assert_eq!(
        names(
            &app,
            &w.admin.token,
            &leads("nothing-like-this"),
            "person_name"
        )
        .await,
        Vec::<String>::new()
    );
}
