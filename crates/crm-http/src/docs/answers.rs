//! What every operation shares, added once the handlers' paths are
//! collected, so that no handler can forget it: the statuses the extractors,
//! the caller check and the infrastructure answer (400, 401, 403, 404, 412,
//! 413, 415, 429, 500, 503, all problem+json), the response headers the
//! middleware and the record handlers set (`X-Request-Id`, `ETag`,
//! `Location`, `Idempotent-Replayed`, `WWW-Authenticate`, `Retry-After`),
//! the formats of the `If-Match` and `Idempotency-Key` headers as
//! `extract::IfMatch` and `idempotency::IdempotencyKey` read them, the two
//! security schemes and `servers`.
//!
//! It works on the document as JSON (which is what is served and committed)
//! because these are rules over the whole document rather than one
//! operation's types, and utoipa's types do not read their own JSON back.

use serde_json::{Map, Value, json};

/// `If-Match` as `extract::IfMatch` reads it: `*`, or a version ETag,
/// quoted, weak or bare.
pub const IF_MATCH_PATTERN: &str = r#"^(\*|(W/)?"[0-9]{1,9}"|[0-9]{1,9})$"#;

/// `Idempotency-Key` as `idempotency::IdempotencyKey` reads it: 1 to 255
/// visible ASCII characters.
pub const IDEMPOTENCY_KEY_PATTERN: &str = r"^[!-~]{1,255}$";

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// The declared document completed (see the module doc).
pub fn complete(spec: &utoipa::openapi::OpenApi) -> Value {
    let mut doc = serde_json::to_value(spec).unwrap_or_default();
    super::shapes::reshape(&mut doc);
    complete_json(&mut doc);
    doc
}

fn complete_json(doc: &mut Value) {
    let versioned = schemas_with(doc, &["version"]);
    let unique = schemas_with(doc, &["external_id", "email", "key", "sku"]);
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            for method in METHODS {
                if let Some(op) = item.get_mut(method).and_then(Value::as_object_mut) {
                    complete_operation(op, &versioned, &unique);
                }
            }
        }
    }
    doc["servers"] = json!([{
        "url": "/",
        "description": "The server that serves this document (paths start with /api)"
    }]);
    doc["security"] = json!([{ "bearer": [] }, { "api_key": [] }]);
    let components = doc
        .as_object_mut()
        .map(|d| d.entry("components").or_insert_with(|| json!({})));
    if let Some(components) = components {
        components["securitySchemes"] = json!({
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT",
                "description": "An access token from `POST /api/v1/auth/login` (15 minutes; renew it with `POST /api/v1/auth/refresh`)."
            },
            "api_key": {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "crm_…",
                "description": "An API key (`crm_` followed by its secret), sent as `Authorization: Bearer crm_…`. An administrator creates it with `POST /api/v1/api-keys`; it acts with its role, never beyond its creator's. Failed keys are counted per client address: 30 in 15 minutes block the address (429)."
            }
        });
    }
}

/// References of the component schemas with any of these properties:
/// `version` marks a record (its answers carry an `ETag`), a unique key
/// (`external_id`, `email`, …) marks a body that can collide (409).
fn schemas_with(doc: &Value, properties: &[&str]) -> Vec<String> {
    doc.pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|schemas| {
            schemas
                .iter()
                .filter(|(_, s)| {
                    properties
                        .iter()
                        .any(|p| s.pointer(&format!("/properties/{p}")).is_some())
                })
                .map(|(name, _)| format!("#/components/schemas/{name}"))
                .collect()
        })
        .unwrap_or_default()
}

fn complete_operation(op: &mut Map<String, Value>, versioned: &[String], unique: &[String]) {
    // utoipa writes `security(())` as `[{}]` ("one requirement: none"); `[]` says the same
    // and is what generators read as "no credentials" (openapi-python-client types `[{}]`
    // operations as needing an authenticated client).
    let public = op.get("security") == Some(&json!([{}]));
    if public {
        op.insert("security".into(), json!([]));
    }
    let parameters = op
        .get_mut("parameters")
        .and_then(Value::as_array_mut)
        .map(std::mem::take)
        .unwrap_or_default();
    let has = |place: &str| parameters.iter().any(|p| p["in"] == place);
    let header = |name: &str| {
        parameters
            .iter()
            .any(|p| p["in"] == "header" && p["name"] == name)
    };
    let (path, query, headers) = (has("path"), has("query"), has("header"));
    let (if_match, idempotency) = (header("If-Match"), header("Idempotency-Key"));
    let body = op.contains_key("requestBody");
    let json_body = op
        .get("requestBody")
        .and_then(|b| b.pointer("/content/application~1json/schema/$ref"))
        .and_then(Value::as_str);
    let collides = json_body.is_some_and(|schema| unique.iter().any(|u| u == schema));
    let json_body = json_body.is_some()
        || op
            .get("requestBody")
            .and_then(|b| b.pointer("/content/application~1json"))
            .is_some();
    let parameters: Vec<Value> = parameters.into_iter().map(header_format).collect();
    if !parameters.is_empty() {
        op.insert("parameters".into(), Value::Array(parameters));
    }

    let responses = op
        .entry("responses")
        .or_insert_with(|| json!({}))
        .as_object_mut();
    let Some(responses) = responses else {
        return;
    };
    let mut add = |status: &str, description: &str| {
        responses
            .entry(status)
            .or_insert_with(|| problem(description));
    };
    if path || query || headers || body {
        add(
            "400",
            "The request cannot be read: malformed JSON, or a bad path, query or header value (`errors` names it)",
        );
    }
    if body {
        add("413", "The body is larger than this operation accepts");
        add(
            "415",
            "The body is not of the documented media type (`Content-Type`)",
        );
    }
    if json_body {
        add(
            "422",
            "The body was read but a value is invalid (`errors` names each field)",
        );
    }
    if collides {
        add(
            "409",
            "A unique value (`external_id`, e-mail, key or SKU) is already taken (`errors` names it)",
        );
    }
    if path {
        add(
            "404",
            "No such record, or not visible to you (other workspaces' records and records outside your scope look the same)",
        );
    }
    if if_match {
        add(
            "412",
            "`If-Match` names a version that is no longer current: read the record again",
        );
    }
    if idempotency {
        add(
            "422",
            "Invalid values (`errors` names the fields), or an `Idempotency-Key` already used for a different request",
        );
    }
    if !public {
        add("401", "Missing, invalid, expired or revoked credentials");
        add("403", "Your role does not allow this");
        add(
            "429",
            "Too many failed credentials from your address: retry after `Retry-After` seconds",
        );
    }
    add("500", "Unexpected error; the body names the request id");
    add("503", "The database is unreachable or busy; retry shortly");

    for (status, response) in responses.iter_mut() {
        let etag = status.starts_with('2')
            && response
                .pointer("/content/application~1json/schema/$ref")
                .and_then(Value::as_str)
                .is_some_and(|schema| versioned.iter().any(|v| v == schema));
        let Some(response) = response.as_object_mut() else {
            continue;
        };
        let headers = response
            .entry("headers")
            .or_insert_with(|| json!({}))
            .as_object_mut();
        let Some(headers) = headers else {
            continue;
        };
        headers.insert(
            "X-Request-Id".into(),
            header_doc(
                "The request's id (yours when you sent a sane `X-Request-Id`), also in the log and in problem bodies",
            ),
        );
        match status.as_str() {
            "401" => {
                headers.insert(
                    "WWW-Authenticate".into(),
                    header_doc("`Bearer`: how to authenticate"),
                );
            }
            "429" => {
                headers.insert(
                    "Retry-After".into(),
                    json!({
                        "description": "Seconds until the block ends",
                        "schema": { "type": "integer", "minimum": 1 }
                    }),
                );
            }
            "201" => {
                headers.insert(
                    "Location".into(),
                    header_doc("The path of the created resource"),
                );
            }
            _ => {}
        }
        if etag {
            headers.insert(
                "ETag".into(),
                header_doc(
                    "The record's version (`\"3\"`): send it back as `If-Match` to update only that version",
                ),
            );
        }
        if idempotency && status.starts_with('2') {
            headers.insert(
                "Idempotent-Replayed".into(),
                json!({
                    "description": "`true` when this is the stored answer to an earlier request with the same `Idempotency-Key`",
                    "schema": { "type": "string", "enum": ["true"] }
                }),
            );
        }
    }
}

/// The documented format of the headers whose values the server parses.
fn header_format(mut parameter: Value) -> Value {
    if parameter["in"] != "header" {
        return parameter;
    }
    match parameter["name"].as_str() {
        Some("If-Match") => {
            parameter["schema"] = json!({ "type": "string", "pattern": IF_MATCH_PATTERN });
            parameter["description"] = json!(
                "The `ETag` you read (`\"3\"`, `W/\"3\"` or `3`; `*` = any version): answered 412 when the record changed since"
            );
        }
        Some("Idempotency-Key") => {
            parameter["schema"] = json!({
                "type": "string",
                "minLength": 1,
                "maxLength": 255,
                "pattern": IDEMPOTENCY_KEY_PATTERN
            });
            parameter["description"] = json!(
                "A key you choose per logical request (1–255 visible ASCII characters, e.g. a UUID): a retry with the same key and body replays the first answer (`Idempotent-Replayed: true`) instead of writing twice; the same key with another body is a 422. Keys are kept 24 hours."
            );
        }
        _ => {}
    }
    parameter
}

fn header_doc(description: &str) -> Value {
    json!({ "description": description, "schema": { "type": "string" } })
}

fn problem(description: &str) -> Value {
    json!({
        "description": description,
        "content": {
            "application/problem+json": {
                "schema": { "$ref": "#/components/schemas/Problem" }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document() -> Value {
        json!({
            "paths": {
                "/api/v1/things/{id}": {
                    "patch": {
                        "parameters": [
                            { "name": "id", "in": "path", "required": true, "schema": { "type": "string" } },
                            { "name": "If-Match", "in": "header", "schema": { "type": ["string", "null"] } }
                        ],
                        "requestBody": { "content": { "application/json": { "schema": {} } } },
                        "responses": { "200": { "description": "", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Thing" } } } } }
                    }
                },
                "/api/v1/auth/login": {
                    "post": {
                        "security": [{}],
                        "requestBody": { "content": { "application/json": { "schema": {} } } },
                        "responses": { "200": { "description": "" } }
                    }
                }
            },
            "components": { "schemas": { "Thing": { "properties": { "version": {} } } } }
        })
    }

    #[test]
    fn an_authenticated_write_documents_every_answer_and_header() {
        let mut doc = document();
        complete_json(&mut doc);
        let op = &doc["paths"]["/api/v1/things/{id}"]["patch"];
        for status in [
            "200", "400", "401", "403", "404", "412", "413", "415", "429", "500", "503",
        ] {
            assert!(op["responses"].get(status).is_some(), "{status} missing");
        }
        assert!(op["responses"]["200"]["headers"].get("ETag").is_some());
        assert!(
            op["responses"]["401"]["headers"]
                .get("WWW-Authenticate")
                .is_some()
        );
        assert!(
            op["responses"]["429"]["headers"]
                .get("Retry-After")
                .is_some()
        );
        assert!(
            op["responses"]["404"]["headers"]
                .get("X-Request-Id")
                .is_some()
        );
        assert_eq!(op["parameters"][1]["schema"]["pattern"], IF_MATCH_PATTERN);
    }

    #[test]
    fn a_public_operation_has_no_401_or_403() {
        let mut doc = document();
        complete_json(&mut doc);
        let op = &doc["paths"]["/api/v1/auth/login"]["post"];
        assert!(op["responses"].get("401").is_none());
        assert!(op["responses"].get("403").is_none());
        assert!(op["responses"].get("415").is_some());
    }

    #[test]
    fn the_header_patterns_match_what_the_extractors_accept() {
        let if_match = regex_lite::Regex::new(IF_MATCH_PATTERN).expect("pattern");
        for value in [
            "*",
            "\"3\"",
            "W/\"3\"",
            "3",
            "\"999999999\"",
            "",
            "null",
            "\"3",
            "3\"",
            "W/3",
            "3,4",
            "\"1234567890\"",
            "W/*",
            " 3",
            "\"-1\"",
            "\"\"",
        ] {
            assert_eq!(
                if_match.is_match(value),
                crate::extract::parse_if_match(value).is_some(),
                "{value:?}"
            );
        }
        let key = regex_lite::Regex::new(IDEMPOTENCY_KEY_PATTERN).expect("pattern");
        assert!(key.is_match("0190a1b2-order-17"));
        assert!(!key.is_match("has space"));
        assert!(!key.is_match(&"k".repeat(256)));
    }
}
