//! The region reference list.

use crm_tests::{TestApp, World, both};

both!(
    regions_list_countries_provinces_and_cities_by_parent,
    responses_are_gzipped_for_clients_that_accept_it,
);

async fn regions_list_countries_provinces_and_cities_by_parent(app: TestApp) {
    let w = World::create(&app);
    let t = &w.rep1.token;
    let provinces = app
        .get("/api/v1/regions?parent=CN")
        .token(t)
        .send()
        .await
        .expect(200);
    let items = provinces.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 34);
    let guangdong = items
        .iter()
        .find(|r| r["code"] == "440000")
        .expect("Guangdong");
    assert_eq!(guangdong["name_zh"], "广东省");
    assert_eq!(guangdong["name_en"], "Guangdong");
    assert_eq!(guangdong["level"], "province");
    let cities = app
        .get("/api/v1/regions?parent=440000")
        .token(t)
        .send()
        .await
        .expect(200);
    assert_eq!(cities.body["items"].as_array().map(Vec::len), Some(21));
    assert!(
        cities.body["items"]
            .as_array()
            .expect("cities")
            .iter()
            .any(|c| c["name_zh"] == "广州市" && c["name_en"] == "Guangzhou")
    );
    let countries = app
        .get("/api/v1/regions?level=country")
        .token(t)
        .send()
        .await
        .expect(200);
    assert!(
        countries.body["items"]
            .as_array()
            .is_some_and(|c| c.len() >= 240)
    );
    let page = app
        .get("/api/v1/regions?level=district&limit=1000")
        .token(t)
        .send()
        .await
        .expect(200);
    let next = page.body["next_cursor"]
        .as_str()
        .expect("more districts")
        .to_owned();
    let rest = app
        .get(&format!(
            "/api/v1/regions?level=district&limit=1000&cursor={next}"
        ))
        .token(t)
        .send()
        .await
        .expect(200);
    assert!(rest.body["items"][0]["code"].as_str() > Some(next.as_str()));
    app.get("/api/v1/regions?level=galaxy")
        .token(t)
        .send()
        .await
        .expect(400);
    app.get("/api/v1/regions?limit=1001")
        .token(t)
        .send()
        .await
        .expect(400);
    app.get("/api/v1/regions").send().await.expect(401);
}

async fn responses_are_gzipped_for_clients_that_accept_it(app: TestApp) {
    let w = World::create(&app);
    let plain = app
        .get("/api/v1/regions?level=city")
        .token(&w.rep1.token)
        .send()
        .await
        .expect(200);
    assert_eq!(plain.header("content-encoding"), None);
    let zipped = app
        .get("/api/v1/regions?level=city")
        .token(&w.rep1.token)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .expect(200);
    assert_eq!(zipped.header("content-encoding"), Some("gzip"));
}
