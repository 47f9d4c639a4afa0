//! Keyset pagination: stable under concurrent inserts, bounded, opaque.

use std::collections::BTreeSet;

use crm_tests::{CustomerBuilder, TestApp, World, both};

both!(
    paging_neither_skips_nor_repeats_rows_while_rows_are_inserted_between_pages,
    paging_by_name_ascending_visits_every_row_once_in_order,
    limits_and_cursors_are_validated,
);

async fn collect(
    app: &TestApp,
    world: &World,
    sort: &str,
    limit: usize,
    insert_between: bool,
) -> Vec<(String, String)> {
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut extra = 0;
    loop {
        let mut path = format!("/api/v1/customers?limit={limit}&sort={sort}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page = app
            .get(&path)
            .token(&world.admin.token)
            .send()
            .await
            .expect(200);
        let items = page.body["items"].as_array().expect("items").clone();
        assert!(items.len() <= limit);
        seen.extend(items.iter().map(|c| {
            (
                c["id"].as_str().unwrap_or_default().to_owned(),
                c["name"].as_str().unwrap_or_default().to_owned(),
            )
        }));
        if insert_between {
            for _ in 0..3 {
                extra += 1;
                CustomerBuilder::new(world.ws, &format!("inserted {extra:03}")).build(app);
            }
        }
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    seen
}

async fn paging_neither_skips_nor_repeats_rows_while_rows_are_inserted_between_pages(app: TestApp) {
    let world = World::create(&app);
    let original: BTreeSet<String> = (0..30)
        .map(|i| {
            CustomerBuilder::new(world.ws, &format!("c{i:02}"))
                .build(&app)
                .to_string()
        })
        .collect();
    let seen = collect(&app, &world, "-created_at", 7, true).await;
    let ids: Vec<&String> = seen.iter().map(|(id, _)| id).collect();
    let unique: BTreeSet<String> = ids.iter().map(|s| (*s).clone()).collect();
    assert_eq!(unique.len(), ids.len(), "no row is repeated");
    assert_eq!(
        unique, original,
        "every original row once, none of the newer ones (they sort before the cursor)"
    );
}

async fn paging_by_name_ascending_visits_every_row_once_in_order(app: TestApp) {
    let world = World::create(&app);
    for i in 0..23 {
        // Duplicate names force the id tie-break.
        CustomerBuilder::new(world.ws, &format!("name {:02}", i / 2)).build(&app);
    }
    let seen = collect(&app, &world, "name", 5, false).await;
    assert_eq!(seen.len(), 23);
    let names: Vec<&String> = seen.iter().map(|(_, n)| n).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    let unique: BTreeSet<&String> = seen.iter().map(|(id, _)| id).collect();
    assert_eq!(unique.len(), 23);
}

async fn limits_and_cursors_are_validated(app: TestApp) {
    let world = World::create(&app);
    for i in 0..3 {
        CustomerBuilder::new(world.ws, &format!("c{i}")).build(&app);
    }
    let token = &world.admin.token;
    let default = app
        .get("/api/v1/customers")
        .token(token)
        .send()
        .await
        .expect(200);
    assert_eq!(default.body["next_cursor"], serde_json::Value::Null);
    for bad in [
        "limit=0",
        "limit=201",
        "limit=ten",
        "sort=email",
        "cursor=not-a-cursor",
    ] {
        let resp = app
            .get(&format!("/api/v1/customers?{bad}"))
            .token(token)
            .send()
            .await
            .expect(400);
        assert_eq!(resp.errors().len(), 1, "{bad}: {}", resp.body);
    }
    let first = app
        .get("/api/v1/customers?limit=1")
        .token(token)
        .send()
        .await
        .expect(200);
    let cursor = first.body["next_cursor"]
        .as_str()
        .expect("more pages")
        .to_owned();
    let resp = app
        .get(&format!(
            "/api/v1/customers?limit=1&sort=name&cursor={cursor}"
        ))
        .token(token)
        .send()
        .await
        .expect(400);
    assert_eq!(resp.errors(), ["cursor"]);
    app.get("/api/v1/customers?limit=200")
        .token(token)
        .send()
        .await
        .expect(200);
}
