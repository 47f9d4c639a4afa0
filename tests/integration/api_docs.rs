//! docs/API-DESIGN.md stays current with the OpenAPI document: it names
//! every operation that takes `Idempotency-Key`, every entity of the changes
//! feed and every by-external-id route.

use serde_json::Value;

fn section<'a>(doc: &'a str, heading: &str) -> &'a str {
    let start = doc
        .find(&format!("## {heading}\n"))
        .unwrap_or_else(|| panic!("docs/API-DESIGN.md has no section {heading}"));
    let rest = &doc[start + heading.len() + 4..];
    &rest[..rest.find("\n## ").unwrap_or(rest.len())]
}

fn design() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/API-DESIGN.md");
    std::fs::read_to_string(path).expect("docs/API-DESIGN.md")
}

fn operations(spec: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            out.push((method.clone(), path.clone(), op.clone()));
        }
    }
    out
}

#[test]
fn every_idempotent_operation_is_listed() {
    let doc = design();
    let listed = section(&doc, "Idempotency-Key");
    let spec = crm_http::openapi();
    let mut missing = Vec::new();
    for (method, path, op) in operations(&spec) {
        let takes_key = op["parameters"]
            .as_array()
            .is_some_and(|ps| ps.iter().any(|p| p["name"] == "Idempotency-Key"));
        if !takes_key {
            continue;
        }
        let short = path.trim_start_matches("/api/v1");
        // The table names a create by its collection (`/tags`) and a batch or action by its path.
        let last = short.rsplit('/').next().unwrap_or_default();
        let collection = format!("/{last}`");
        if !(listed.contains(&format!("{short}`"))
            || (method == "post" && listed.contains(&collection)))
        {
            missing.push(format!("{} {short}", method.to_uppercase()));
        }
    }
    assert!(
        missing.is_empty(),
        "API-DESIGN.md § Idempotency-Key misses {missing:?}"
    );
}

#[test]
fn every_changes_feed_entity_and_external_id_route_is_listed() {
    let doc = design();
    let spec = crm_http::openapi();
    let feed = section(&doc, "Changes feed");
    let entities = spec["components"]["schemas"]["ChangeEntity"]["enum"]
        .as_array()
        .expect("ChangeEntity enum");
    for entity in entities {
        let entity = entity.as_str().expect("entity");
        assert!(
            feed.contains(&format!("`{entity}`")),
            "changes feed entity {entity} not in API-DESIGN.md"
        );
    }
    let by_key = section(&doc, "Upsert and read by external id");
    for (_, path, _) in operations(&spec) {
        if let Some(entity) = path
            .strip_prefix("/api/v1/")
            .and_then(|p| p.strip_suffix("/by-external-id/{external_id}"))
        {
            assert!(
                by_key.contains(entity),
                "by-external-id route of {entity} not in API-DESIGN.md"
            );
        }
    }
}
