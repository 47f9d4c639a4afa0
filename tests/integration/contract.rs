//! The spec agrees with the wire, independently of the drift test (which
//! only compares the spec with itself): every example validates against its
//! own schema, operation ids are unique and stable, every enum value the spec
//! lists is accepted where that enum is an input, every response the server
//! gives validates against the documented schema (so every enum value it
//! emits is listed), and fixed paths next to `/{id}` answer a wrong method
//! with 405 and their own `Allow`.

use crm_tests::{Resp, TestApp, World, both};
use serde_json::{Value, json};

fn spec() -> Value {
    crm_http::openapi()
}

/// Validates `instance` against `schema`, resolving `#/components/…`
/// against the spec; the error messages, empty when valid.
fn violations(spec: &Value, schema: &Value, instance: &Value) -> Vec<String> {
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "allOf": [schema],
        "components": spec["components"],
    });
    let validator = jsonschema::draft202012::new(&root).expect("the schema compiles");
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// Every `example` inside a schema object (properties, items, compositions).
fn schema_examples(schema: &Value, at: &str, out: &mut Vec<(String, Value, Value)>) {
    let Some(object) = schema.as_object() else {
        return;
    };
    if let Some(example) = object.get("example") {
        out.push((at.to_owned(), schema.clone(), example.clone()));
    }
    if let Some(properties) = object.get("properties").and_then(Value::as_object) {
        for (name, property) in properties {
            schema_examples(property, &format!("{at}.{name}"), out);
        }
    }
    for key in ["items", "additionalProperties"] {
        if let Some(inner) = object.get(key) {
            schema_examples(inner, &format!("{at}[{key}]"), out);
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        for (i, inner) in object
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            schema_examples(inner, &format!("{at}.{key}[{i}]"), out);
        }
    }
}

fn operations(spec: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                out.push((path.clone(), method.clone(), operation.clone()));
            }
        }
    }
    out
}

#[test]
fn every_example_validates_against_its_schema() {
    let spec = spec();
    let mut examples = Vec::new();
    for (name, schema) in spec["components"]["schemas"].as_object().expect("schemas") {
        schema_examples(schema, name, &mut examples);
    }
    for (path, method, operation) in operations(&spec) {
        let at = format!("{method} {path}");
        for parameter in operation["parameters"].as_array().into_iter().flatten() {
            if let Some(example) = parameter.get("example") {
                let name = &parameter["name"];
                examples.push((
                    format!("{at} {name}"),
                    parameter["schema"].clone(),
                    example.clone(),
                ));
            }
        }
        let bodies = std::iter::once(("request".to_owned(), &operation["requestBody"])).chain(
            operation["responses"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(status, r)| (status.clone(), r)),
        );
        for (which, body) in bodies {
            for (media, content) in body["content"].as_object().into_iter().flatten() {
                if let Some(example) = content.get("example") {
                    examples.push((
                        format!("{at} {which} {media}"),
                        content["schema"].clone(),
                        example.clone(),
                    ));
                }
            }
        }
    }
    assert!(examples.len() > 30, "found {} examples", examples.len());
    let failures: Vec<String> = examples
        .iter()
        .filter_map(|(at, schema, example)| {
            let errors = violations(&spec, schema, example);
            (!errors.is_empty()).then(|| format!("{at}: {}", errors.join("; ")))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} examples do not validate:\n{}",
        failures.len(),
        examples.len(),
        failures.join("\n")
    );
}

#[test]
fn operation_ids_are_unique_and_snake_case() {
    let spec = spec();
    let mut seen = std::collections::BTreeMap::<String, usize>::new();
    for (path, method, operation) in operations(&spec) {
        let id = operation["operationId"].as_str().unwrap_or_default();
        assert!(
            !id.is_empty() && id.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
            "{method} {path}: operationId {id:?} must match ^[a-z_]+$"
        );
        *seen.entry(id.to_owned()).or_default() += 1;
    }
    let duplicates: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        duplicates.is_empty(),
        "duplicate operationIds: {duplicates:?}"
    );
    assert_eq!(seen.get("customers_list"), Some(&1));
    assert_eq!(seen.get("customers_upsert_by_external_id"), Some(&1));
    assert_eq!(seen.get("customers_export_csv"), Some(&1));
}

/// The values the spec lists for an enum component.
fn listed(spec: &Value, name: &str) -> Vec<String> {
    let values: Vec<String> = spec["components"]["schemas"][name]["enum"]
        .as_array()
        .unwrap_or_else(|| panic!("{name} is an enum schema"))
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    assert!(!values.is_empty(), "{name} lists values");
    values
}

#[test]
fn every_enum_schema_lists_snake_case_wire_values() {
    let spec = spec();
    let mut enums = 0;
    for (name, schema) in spec["components"]["schemas"].as_object().expect("schemas") {
        let Some(values) = schema["enum"].as_array() else {
            continue;
        };
        enums += 1;
        for value in values {
            let text = value.as_str().unwrap_or_default();
            assert!(
                !text.is_empty()
                    && text
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                    // Languages are BCP 47 tags on the wire (`zh-CN`).
                    || (name == "ArticleLocale" && ["zh-CN", "en"].contains(&text)),
                "{name} lists {value}, not a wire value"
            );
        }
    }
    assert!(enums >= 25, "{enums} enum schemas");
    assert_eq!(
        listed(&spec, "CustomerKind"),
        crm_domain::customer::CustomerKind::ALL
            .iter()
            .map(|k| k.as_str())
            .collect::<Vec<_>>()
    );
}

/// True when the server refused the request because `field` is not a value
/// of its enum (as opposed to a rule about the value).
fn refused_as_unknown(resp: &Resp, field: &str) -> bool {
    resp.status.as_u16() == 422
        && resp.errors().iter().any(|f| f == field)
        && resp.body["errors"][field]
            .to_string()
            .contains("unknown variant")
}

/// Checks a response against the schema the spec documents for it.
fn conforms(spec: &Value, method: &str, template: &str, resp: &Resp) {
    let status = resp.status.as_u16().to_string();
    let documented = &spec["paths"][template][method]["responses"][&status];
    assert!(
        documented.is_object(),
        "{method} {template} answered undocumented {status}"
    );
    let schema = &documented["content"]["application/json"]["schema"];
    if schema.is_null() {
        return;
    }
    let errors = violations(spec, schema, &resp.body);
    assert!(
        errors.is_empty(),
        "{method} {template} {status} does not match its schema: {}",
        errors.join("; ")
    );
}

both!(
    every_listed_enum_value_is_accepted_and_every_emitted_one_listed,
    fixed_paths_beside_an_id_answer_a_wrong_method_with_405,
    the_docs_path_without_a_slash_redirects,
);

async fn every_listed_enum_value_is_accepted_and_every_emitted_one_listed(app: TestApp) {
    let spec = spec();
    let w = World::create(&app);
    let t = &w.admin.token;
    let mut n = 0;
    let mut create = async |body: Value| {
        n += 1;
        let mut body = body;
        body["name"] = json!(format!("Contract {n}"));
        let resp = app
            .post("/api/v1/customers")
            .token(t)
            .json(&body)
            .send()
            .await;
        conforms(&spec, "post", "/api/v1/customers", &resp);
        resp.expect(201)
    };
    for kind in listed(&spec, "CustomerKind") {
        create(json!({"kind": kind})).await;
    }
    for (field, schema) in [
        ("industry", "Industry"),
        ("size_band", "SizeBand"),
        ("source", "Source"),
        ("lifecycle_stage", "LifecycleStage"),
    ] {
        for value in listed(&spec, schema) {
            let made = create(json!({"kind": "organization", field: value})).await;
            assert_eq!(made.body[field], value.as_str());
        }
    }
    for gender in listed(&spec, "Gender") {
        create(json!({"kind": "person", "gender": gender})).await;
    }
    let customer = create(json!({"kind": "organization"})).await.id();

    for mode in listed(&spec, "BatchMode") {
        let record = match mode.as_str() {
            "update" => json!({"id": customer, "phone": "13800138000"}),
            _ => {
                json!({"kind": "organization", "name": "Batch", "external_id": format!("B-{mode}")})
            }
        };
        let resp = app
            .post("/api/v1/customers/batch")
            .token(t)
            .json(&json!({"mode": mode, "records": [record]}))
            .send()
            .await;
        conforms(&spec, "post", "/api/v1/customers/batch", &resp);
        let resp = resp.expect(200);
        assert_ne!(
            resp.body["results"][0]["status"], "failed",
            "{mode}: {}",
            resp.body
        );
    }

    // Inputs checked by refusal kind: a rule may refuse a value (a task needs
    // a due date), but no listed value may be refused as unknown.
    let bogus = app
        .post("/api/v1/activities")
        .token(t)
        .json(&json!({"kind": "bogus", "subject": "x", "customer_id": customer}))
        .send()
        .await;
    assert!(refused_as_unknown(&bogus, "kind"), "{}", bogus.body);
    for kind in listed(&spec, "ActivityKind") {
        let resp = app
            .post("/api/v1/activities")
            .token(t)
            .json(
                &json!({"kind": kind, "subject": "x", "customer_id": customer,
                "due_at": "2026-12-30T10:00:00Z"}),
            )
            .send()
            .await;
        assert!(!refused_as_unknown(&resp, "kind"), "{kind}: {}", resp.body);
        conforms(&spec, "post", "/api/v1/activities", &resp);
    }
    app.post("/api/v1/products")
        .token(t)
        .json(&json!({"sku": "S", "name": "Tea"}))
        .send()
        .await
        .expect(201);
    for status in listed(&spec, "OrderStatus") {
        let resp = app
            .post("/api/v1/orders")
            .token(t)
            .json(
                &json!({"customer_id": customer, "order_date": "2026-11-05", "currency": "CNY",
                "status": status, "lines": [{"sku": "S", "quantity": 1, "unit_price_minor": 100}]}),
            )
            .send()
            .await;
        assert!(
            !refused_as_unknown(&resp, "status"),
            "{status}: {}",
            resp.body
        );
        conforms(&spec, "post", "/api/v1/orders", &resp);
    }
    for status in listed(&spec, "LeadStatus") {
        let lead = app
            .post("/api/v1/leads")
            .token(t)
            .json(&json!({"person_name": format!("Lead {status}")}))
            .send()
            .await
            .expect(201)
            .id();
        let resp = app
            .patch(&format!("/api/v1/leads/{lead}"))
            .token(t)
            .json(&json!({"status": status}))
            .send()
            .await;
        assert!(
            !refused_as_unknown(&resp, "status"),
            "{status}: {}",
            resp.body
        );
        conforms(&spec, "patch", "/api/v1/leads/{id}", &resp);
    }
    let deal = app
        .post("/api/v1/deals")
        .token(t)
        .json(&json!({"customer_id": customer, "name": "Deal", "amount": {"amount_minor": 1, "currency": "CNY"}}))
        .send()
        .await;
    conforms(&spec, "post", "/api/v1/deals", &deal);

    // What the server emits: every list and feed the data above fills.
    for (path, query) in [
        ("/api/v1/customers", "?limit=200"),
        ("/api/v1/contacts", "?limit=200"),
        ("/api/v1/activities", "?limit=200"),
        ("/api/v1/orders", "?limit=200"),
        ("/api/v1/leads", "?limit=200"),
        ("/api/v1/deals", "?limit=200"),
        ("/api/v1/products", "?limit=200"),
        ("/api/v1/changes", "?limit=200"),
        ("/api/v1/pipelines", ""),
        ("/api/v1/tags", ""),
        ("/api/v1/custom-fields", "?entity=customer"),
        ("/api/v1/regions", ""),
        ("/api/v1/me", ""),
    ] {
        let resp = app.get(&format!("{path}{query}")).token(t).send().await;
        conforms(&spec, "get", path, &resp);
        resp.expect(200);
    }
    let one = app
        .get(&format!("/api/v1/customers/{customer}"))
        .token(t)
        .send()
        .await;
    conforms(&spec, "get", "/api/v1/customers/{id}", &one);
}

async fn fixed_paths_beside_an_id_answer_a_wrong_method_with_405(app: TestApp) {
    let spec = spec();
    let w = World::create(&app);
    let paths = spec["paths"].as_object().expect("paths");
    let methods = |path: &str| -> Vec<String> {
        let mut m: Vec<String> = paths[path]
            .as_object()
            .expect("item")
            .keys()
            .filter(|k| ["get", "post", "put", "patch", "delete"].contains(&k.as_str()))
            .map(|k| k.to_uppercase())
            .collect();
        m.sort();
        m
    };
    let mut checked = 0;
    for fixed in paths
        .keys()
        .filter(|p| p.starts_with("/api/v1/") && !p.contains('{'))
    {
        let (parent, _) = fixed.rsplit_once('/').expect("a slash");
        let beside_an_id = paths.contains_key(&format!("{parent}/{{id}}"));
        if !beside_an_id {
            continue;
        }
        let allowed = methods(fixed);
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] {
            if allowed.iter().any(|m| m == method) {
                continue;
            }
            let m = actix_web::http::Method::from_bytes(method.as_bytes()).expect("method");
            let resp = app.request(m, fixed).token(&w.admin.token).send().await;
            assert_eq!(resp.status.as_u16(), 405, "{method} {fixed}: {}", resp.body);
            let mut allow: Vec<String> = resp
                .header("allow")
                .unwrap_or_default()
                .split(',')
                .map(|s| s.trim().to_owned())
                .collect();
            allow.sort();
            assert_eq!(allow, allowed, "Allow of {method} {fixed}");
            checked += 1;
        }
    }
    assert!(checked >= 40, "checked {checked} wrong methods");
    // The path itself still answers its own method.
    let batch = app
        .post("/api/v1/customers/batch")
        .token(&w.admin.token)
        .json(&json!({"mode": "create", "records": [{"kind": "person", "name": "X"}]}))
        .send()
        .await;
    assert_eq!(batch.status.as_u16(), 200, "{}", batch.body);
}

async fn the_docs_path_without_a_slash_redirects(app: TestApp) {
    let resp = app.get("/api/docs").send().await;
    assert!(
        [301, 308].contains(&resp.status.as_u16()),
        "{}",
        resp.status
    );
    assert_eq!(resp.header("location"), Some("/api/docs/"));
}
