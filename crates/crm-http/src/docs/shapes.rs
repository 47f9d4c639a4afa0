//! Schema shapes utoipa cannot derive from our generic wire types: a page
//! names its item type by `$ref` (utoipa inlines a generic's argument), and
//! each entity's batch endpoint gets a request whose `records` are typed as
//! that entity's merge patch plus the `id` that update mode accepts
//! (`crate::batch::parse_one` reads exactly that), instead of bare objects;
//! files in bodies (the CSV upload, exports, backups) are binary strings.

use serde_json::{Value, json};

/// Batch endpoints and the patch type their records are read as.
const BATCHES: [(&str, &str); 6] = [
    ("customers", "Customer"),
    ("contacts", "Contact"),
    ("deals", "Deal"),
    ("orders", "Order"),
    ("products", "Product"),
    ("tickets", "Ticket"),
];

/// Entities whose patch cannot create: a new record of their batch is
/// the create body (`NewTicket`), an existing one the patch.
const CREATED_BY: [(&str, &str); 1] = [("Ticket", "NewTicket")];

pub fn reshape(doc: &mut Value) {
    page_items_by_ref(doc);
    typed_batches(doc);
    files_are_bytes(doc);
}

/// Media types that carry a file, not a document: a CSV upload, CSV and
/// spreadsheet exports, backup archives, ticket attachments.
const FILE_TYPES: [&str; 11] = [
    "text/csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/gzip",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
    "text/plain",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/octet-stream",
];

/// A file in a request or response body is `{type: string, format: binary}`
/// (utoipa writes the upload as a plain string and the downloads with no
/// schema), which is what client generators read as bytes.
fn files_are_bytes(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for op in item.values_mut() {
            let mut contents: Vec<&mut Value> = Vec::new();
            if let Some(content) = op.pointer_mut("/requestBody/content") {
                contents.push(content);
            }
            // Two passes: the borrow of the request body ends before the responses'.
            for content in contents {
                bytes(content);
            }
            if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
                for response in responses.values_mut() {
                    if let Some(content) = response.get_mut("content") {
                        bytes(content);
                    }
                }
            }
        }
    }
}

fn bytes(content: &mut Value) {
    for media in FILE_TYPES {
        if let Some(entry) = content.get_mut(media).and_then(Value::as_object_mut) {
            entry.insert(
                "schema".into(),
                json!({ "type": "string", "format": "binary" }),
            );
        }
    }
}

/// `Page_Customer.items` → `{"$ref": "#/components/schemas/Customer"}`.
fn page_items_by_ref(doc: &mut Value) {
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let names: Vec<String> = schemas.keys().cloned().collect();
    for name in &names {
        let Some(item) = name.strip_prefix("Page_") else {
            continue;
        };
        if !schemas.contains_key(item) {
            continue;
        }
        if let Some(items) = schemas
            .get_mut(name)
            .and_then(|page| page.pointer_mut("/properties/items/items"))
        {
            *items = json!({ "$ref": format!("#/components/schemas/{item}") });
        }
    }
}

fn typed_batches(doc: &mut Value) {
    let Some(request) = doc.pointer("/components/schemas/BatchRequest").cloned() else {
        return;
    };
    for (collection, entity) in BATCHES {
        let Some(patch) = doc
            .pointer(&format!("/components/schemas/{entity}Patch"))
            .cloned()
        else {
            continue;
        };
        let mut record = patch;
        record["description"] = json!(format!(
            "One record of a {collection} batch: a `{entity}Patch` (the full body for a new record in `create` mode and for new keys in `upsert` mode), plus `id` in `update` mode."
        ));
        if let Some(properties) = record["properties"].as_object_mut() {
            properties.insert(
                "id".into(),
                json!({
                    "type": ["string", "null"],
                    "format": "uuid",
                    "description": "`update` mode only: the record to change (else it is matched by `external_id`)"
                }),
            );
        }
        if let Some((_, new)) = CREATED_BY.iter().find(|(e, _)| *e == entity) {
            let description = format!(
                "One record of a {collection} batch: a `{new}` for a new record (`create` mode, and new keys in `upsert` mode), else a `{entity}Patch` of the record it names, plus `id` in `update` mode."
            );
            record.as_object_mut().map(|r| r.remove("description"));
            record = json!({
                "description": description,
                "anyOf": [{ "$ref": format!("#/components/schemas/{new}") }, record],
            });
        }
        let mut typed = request.clone();
        typed["properties"]["records"]["items"] =
            json!({ "$ref": format!("#/components/schemas/{entity}BatchRecord") });
        typed.as_object_mut().map(|t| t.remove("example"));
        let schemas = &mut doc["components"]["schemas"];
        schemas[format!("{entity}BatchRecord")] = record;
        schemas[format!("{entity}BatchRequest")] = typed;
        let body = format!(
            "/paths/~1api~1v1~1{collection}~1batch/post/requestBody/content/application~1json/schema"
        );
        if let Some(schema) = doc.pointer_mut(&body) {
            *schema = json!({ "$ref": format!("#/components/schemas/{entity}BatchRequest") });
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn pages_refer_to_their_items_and_batches_to_their_records() {
        let doc = crate::openapi();
        assert_eq!(
            doc.pointer("/components/schemas/Page_Customer/properties/items/items/$ref"),
            Some(&serde_json::json!("#/components/schemas/Customer"))
        );
        let body = doc
            .pointer("/paths/~1api~1v1~1orders~1batch/post/requestBody/content/application~1json/schema/$ref")
            .and_then(|v| v.as_str());
        assert_eq!(body, Some("#/components/schemas/OrderBatchRequest"));
        let record = &doc["components"]["schemas"]["OrderBatchRecord"];
        assert!(record.pointer("/properties/lines").is_some());
        assert!(record.pointer("/properties/id").is_some());
    }
}
