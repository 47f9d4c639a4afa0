//! The committed OpenAPI document matches what the handlers generate.

use crm_tests::{TestApp, World, both};

#[test]
fn the_committed_openapi_document_matches_the_handlers() {
    let generated = serde_json::to_string_pretty(&crm_http::openapi()).expect("serialise");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi/openapi.json");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed.trim_end() == generated.trim_end(),
        "openapi/openapi.json is out of date: run `make openapi` and commit the result"
    );
}

#[test]
fn the_document_declares_bearer_auth_and_problem_responses() {
    let spec: serde_json::Value = crm_http::openapi();
    assert_eq!(spec["openapi"], "3.1.0");
    assert_eq!(
        spec["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let create = &spec["paths"]["/api/v1/customers"]["post"];
    assert!(create["responses"]["422"]["content"]["application/problem+json"].is_object());
    assert_eq!(
        spec["paths"]["/api/v1/auth/login"]["post"]["security"],
        serde_json::json!([])
    );
    assert!(spec["components"]["schemas"]["Problem"]["example"].is_object());
}

#[test]
fn every_reference_in_the_document_resolves() {
    fn refs(value: &serde_json::Value, found: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::String(target)) = map.get("$ref") {
                    found.push(target.clone());
                }
                map.values().for_each(|v| refs(v, found));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
            _ => {}
        }
    }
    let spec: serde_json::Value = crm_http::openapi();
    let mut found = Vec::new();
    refs(&spec, &mut found);
    let dangling: Vec<_> = found
        .iter()
        .filter(|target| {
            target
                .strip_prefix('#')
                .is_none_or(|pointer| spec.pointer(pointer).is_none())
        })
        .collect();
    assert!(
        found.len() > 100 && dangling.is_empty(),
        "references that point nowhere (a type used only in query parameters needs \
         `#[param(inline)]`): {dangling:?}"
    );
}

both!(the_served_document_is_the_generated_one);

async fn the_served_document_is_the_generated_one(app: TestApp) {
    World::create(&app);
    let served = app.get("/api/openapi.json").send().await;
    assert_eq!(served.status.as_u16(), 200);
    let generated: serde_json::Value = crm_http::openapi();
    assert_eq!(served.body, generated);
    let docs = app.get("/api/docs/").send().await;
    assert_eq!(docs.status.as_u16(), 200);
    assert!(
        docs.body
            .as_str()
            .is_some_and(|html| html.contains("swagger"))
    );
}
