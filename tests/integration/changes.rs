//! The changes feed: every create, update and delete in commit order, paged
//! by sequence number without gaps, limited to what the caller may read.

use crm_tests::{TestApp, World, both};
use serde_json::{Value, json};

both!(
    the_feed_lists_creates_updates_and_deletes_in_order_and_pages_without_gaps,
    the_feed_shows_each_caller_only_records_they_may_read,
    bad_feed_parameters_are_400_naming_the_parameter,
);

async fn create(app: &TestApp, token: &str, name: &str) -> String {
    app.post("/api/v1/customers")
        .token(token)
        .json(&json!({"kind": "organization", "name": name}))
        .send()
        .await
        .expect(201)
        .id()
        .to_string()
}

async fn feed(app: &TestApp, token: &str, query: &str) -> Value {
    app.get(&format!("/api/v1/changes?{query}"))
        .token(token)
        .send()
        .await
        .expect(200)
        .body
}

fn items(page: &Value) -> Vec<Value> {
    page["items"].as_array().cloned().unwrap_or_default()
}

async fn the_feed_lists_creates_updates_and_deletes_in_order_and_pages_without_gaps(app: TestApp) {
    let w = World::create(&app);
    let admin = &w.admin.token;
    let a = create(&app, admin, "Alpha 阿尔法").await;
    let b = create(&app, &w.rep1.token, "Beta").await;
    app.patch(&format!("/api/v1/customers/{a}"))
        .token(admin)
        .header("if-match", "\"1\"")
        .json(&json!({"phone": "+8613800138000"}))
        .send()
        .await
        .expect(200);
    let contact = app
        .post("/api/v1/contacts")
        .token(admin)
        .json(&json!({"customer_id": a, "name": "王芳"}))
        .send()
        .await
        .expect(201)
        .id()
        .to_string();
    app.delete(&format!("/api/v1/customers/{a}"))
        .token(admin)
        .send()
        .await
        .expect(204);

    let all = feed(&app, admin, "since=0").await;
    let entries = items(&all);
    assert_eq!(all["has_more"], false);
    let seqs: Vec<i64> = entries.iter().filter_map(|e| e["seq"].as_i64()).collect();
    assert!(seqs.windows(2).all(|p| p[0] < p[1]), "increasing: {seqs:?}");
    assert_eq!(all["next_since"].as_i64(), seqs.last().copied());
    let of = |id: &str| -> Vec<(String, Vec<String>)> {
        entries
            .iter()
            .filter(|e| e["entity_id"] == id)
            .map(|e| {
                let fields = e["changed_fields"]
                    .as_array()
                    .map(|f| {
                        f.iter()
                            .filter_map(|v| v.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                (e["op"].as_str().unwrap_or_default().to_owned(), fields)
            })
            .collect()
    };
    let alpha = of(&a);
    let ops: Vec<&str> = alpha.iter().map(|(op, _)| op.as_str()).collect();
    assert_eq!(ops, ["create", "update", "delete"]);
    assert_eq!(alpha[1].1, ["phone"]);
    assert_eq!(of(&b).len(), 1);
    let contact_ops: Vec<String> = of(&contact).into_iter().map(|(op, _)| op).collect();
    assert_eq!(
        contact_ops,
        ["create", "delete"],
        "a customer's deletion deletes its contacts"
    );
    assert!(
        entries
            .iter()
            .all(|e| e["actor_id"].is_string() && e["at"].is_string())
    );

    // One entry a page, with writes going on between pages: every entry
    // once, none skipped or repeated.
    let mut since = 0;
    let mut paged = Vec::new();
    let mut written = 0;
    loop {
        let page = feed(&app, admin, &format!("since={since}&limit=1")).await;
        paged.extend(items(&page).iter().filter_map(|e| e["seq"].as_i64()));
        since = page["next_since"].as_i64().expect("next_since");
        if written < 3 {
            create(
                &app,
                &w.rep2.token,
                &format!("Written while paging {written}"),
            )
            .await;
            written += 1;
        }
        if page["has_more"] == false {
            break;
        }
        assert!(paged.len() <= seqs.len() + 3, "the loop ends");
    }
    let everything = feed(&app, admin, "since=0&limit=1000").await;
    let all_seqs: Vec<i64> = items(&everything)
        .iter()
        .filter_map(|e| e["seq"].as_i64())
        .collect();
    assert_eq!(all_seqs.len(), seqs.len() + 3);
    assert_eq!(paged, all_seqs);

    let contacts_only = feed(&app, admin, "since=0&entity=contact").await;
    assert!(
        items(&contacts_only)
            .iter()
            .all(|e| e["entity"] == "contact")
    );
    assert_eq!(items(&contacts_only).len(), 2);
    let caught_up = feed(&app, admin, &format!("since={since}")).await;
    assert!(items(&caught_up).is_empty());
    assert_eq!(caught_up["next_since"].as_i64(), Some(since));
}

async fn the_feed_shows_each_caller_only_records_they_may_read(app: TestApp) {
    let w = World::create(&app);
    let mine = create(&app, &w.rep1.token, "Rep1's").await;
    let theirs = create(&app, &w.rep3.token, "Rep3's").await;
    let elsewhere = create(&app, &w.other_admin.token, "Other workspace").await;

    let rep1 = feed(&app, &w.rep1.token, "since=0").await;
    let ids: Vec<Value> = items(&rep1)
        .iter()
        .map(|e| e["entity_id"].clone())
        .collect();
    assert_eq!(ids, [json!(mine)]);
    // Hidden entries are skipped, not gaps: the reader is told to move past them.
    let admin = feed(&app, &w.admin.token, "since=0").await;
    assert_eq!(rep1["next_since"], admin["next_since"]);
    let admin_ids: Vec<Value> = items(&admin)
        .iter()
        .map(|e| e["entity_id"].clone())
        .collect();
    assert!(admin_ids.contains(&json!(mine)) && admin_ids.contains(&json!(theirs)));
    assert!(!admin_ids.contains(&json!(elsewhere)));

    let manager2 = feed(&app, &w.manager2.token, "since=0").await;
    let ids: Vec<Value> = items(&manager2)
        .iter()
        .map(|e| e["entity_id"].clone())
        .collect();
    assert_eq!(ids, [json!(theirs)]);
    let other = feed(&app, &w.other_admin.token, "since=0").await;
    let ids: Vec<Value> = items(&other)
        .iter()
        .map(|e| e["entity_id"].clone())
        .collect();
    assert_eq!(ids, [json!(elsewhere)]);
}

async fn bad_feed_parameters_are_400_naming_the_parameter(app: TestApp) {
    let w = World::create(&app);
    for (query, field) in [
        ("since=-1", "since"),
        ("since=abc", "since"),
        ("entity=invoice", "entity"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
    ] {
        let resp = app
            .get(&format!("/api/v1/changes?{query}"))
            .token(&w.admin.token)
            .send()
            .await
            .expect(400);
        assert_eq!(resp.errors(), [field], "{query}");
    }
    app.get("/api/v1/changes").send().await.expect(401);
}
