//! The customer and contact use cases of `crm-app` called directly (no
//! HTTP): each write's change-log entry carries the channel and the values
//! before and after (tag ids under `tags`; a delete the values it had); a
//! role without the grant is `Forbidden`, a record outside the scope
//! `NotFound`; a batch records values like a single write.

use crm_api_types::batch::{BatchRequest, RecordStatus};
use crm_api_types::contacts::{ContactPatch, NewContact};
use crm_api_types::customers::{CustomerPatch, NewCustomer};
use crm_api_types::tags::NewTag;
use crm_app::{Actor, AppError, Expected, Via};
use crm_db::AnyConnection;
use crm_db::change_log::ChangeRow;
use crm_tests::{TestApp, World, both};
use serde_json::{Value, json};
use uuid::Uuid;

both!(
    customer_writes_log_the_channel_and_the_values_before_and_after,
    contact_writes_log_the_channel_and_the_values_before_and_after,
    a_role_without_the_grant_is_forbidden_and_a_record_outside_the_scope_is_not_found,
    a_batch_through_crm_app_records_values_like_a_single_write,
);

fn actor(conn: &mut AnyConnection, w: &World, user: Uuid, via: Via) -> Actor {
    Actor::load(conn, w.ws, user, None, via).expect("actor")
}

fn new_customer(name: &str) -> NewCustomer {
    serde_json::from_value(json!({"kind": "organization", "name": name})).expect("new customer")
}

fn patch<T: serde::de::DeserializeOwned>(body: Value) -> T {
    serde_json::from_value(body).expect("patch")
}

/// The change-log entries of one record, oldest first.
fn changes_of(conn: &mut AnyConnection, ws: Uuid, id: Uuid) -> Vec<ChangeRow> {
    crm_db::change_log::since(conn, ws, 0, 10_000)
        .expect("change log")
        .into_iter()
        .filter(|c| c.entity_id.0 == id)
        .collect()
}

/// `values[field]` as `(from, to)`.
fn value(change: &ChangeRow, field: &str) -> (Value, Value) {
    let values = &change.change_values.as_ref().expect("values").0;
    let entry = &values[field];
    (entry["from"].clone(), entry["to"].clone())
}

async fn customer_writes_log_the_channel_and_the_values_before_and_after(app: TestApp) {
    let w = World::create(&app);
    let mut conn = app.conn();
    let conn = &mut *conn;
    let admin = actor(conn, &w, w.admin.id, Via::Cli);
    let tag = crm_app::tags::create(
        conn,
        &admin,
        NewTag {
            name: "VIP".into(),
            color: None,
        },
    )
    .expect("tag");
    let rep = actor(conn, &w, w.rep1.id, Via::Web);

    let created = crm_app::customers::create(conn, &rep, new_customer("Acme")).expect("create");
    assert_eq!(
        created.owner_id,
        Some(w.rep1.id),
        "the owner defaults to the actor"
    );
    let updated = crm_app::customers::update(
        conn,
        &rep,
        created.id,
        Expected(Some(created.version)),
        patch::<CustomerPatch>(json!({"name": "Acme Ltd", "tag_ids": [tag.id]})),
    )
    .expect("update");
    assert_eq!(updated.tags.len(), 1);
    let contact = crm_app::contacts::create(
        conn,
        &rep,
        patch::<NewContact>(json!({"customer_id": created.id, "name": "Li Lei"})),
    )
    .expect("contact");
    crm_app::customers::delete(conn, &rep, created.id, Expected(Some(updated.version)))
        .expect("delete");

    let log = changes_of(conn, w.ws, created.id);
    let ops: Vec<&str> = log.iter().map(|c| c.op.as_str()).collect();
    assert_eq!(ops, ["create", "update", "delete"]);
    assert!(log.iter().all(|c| c.channel.as_deref() == Some("web")));
    assert_eq!(value(&log[0], "name"), (Value::Null, json!("Acme")));
    assert_eq!(value(&log[0], "tags"), (Value::Null, json!([])));
    assert_eq!(value(&log[1], "name"), (json!("Acme"), json!("Acme Ltd")));
    assert_eq!(value(&log[1], "tags"), (json!([]), json!([tag.id])));
    assert_eq!(
        log[2].changed_fields.0,
        json!([]),
        "the feed's delete names no fields"
    );
    assert_eq!(value(&log[2], "name"), (json!("Acme Ltd"), Value::Null));

    let contact_log = changes_of(conn, w.ws, contact.id);
    let last = contact_log.last().expect("the contact's deletion");
    assert_eq!(last.op, "delete");
    assert_eq!(value(last, "name"), (json!("Li Lei"), Value::Null));
    assert!(matches!(
        crm_app::customers::get(conn, &rep, created.id),
        Err(AppError::NotFound)
    ));
}

async fn contact_writes_log_the_channel_and_the_values_before_and_after(app: TestApp) {
    let w = World::create(&app);
    let mut conn = app.conn();
    let conn = &mut *conn;
    let rep = actor(conn, &w, w.rep1.id, Via::ApiKey);
    let customer = crm_app::customers::create(
        conn,
        &rep,
        patch::<NewCustomer>(json!({"kind": "organization", "name": "Acme", "external_id": "C-1"})),
    )
    .expect("customer");

    let (contact, created) = crm_app::contacts::upsert(
        conn,
        &rep,
        "P-1".into(),
        Expected(None),
        patch::<ContactPatch>(json!({"customer_external_id": "C-1", "name": "Li Lei"})),
    )
    .expect("upsert creates");
    assert!(created);
    assert_eq!(contact.customer_id, customer.id);
    let updated = crm_app::contacts::update(
        conn,
        &rep,
        contact.id,
        Expected(Some(contact.version)),
        patch::<ContactPatch>(json!({"title": "CTO"})),
    )
    .expect("update");
    assert!(matches!(
        crm_app::contacts::delete(conn, &rep, contact.id, Expected(Some(contact.version))),
        Err(AppError::Stale)
    ));
    crm_app::contacts::delete(conn, &rep, contact.id, Expected(Some(updated.version)))
        .expect("delete");

    let log = changes_of(conn, w.ws, contact.id);
    let ops: Vec<&str> = log.iter().map(|c| c.op.as_str()).collect();
    assert_eq!(ops, ["create", "update", "delete"]);
    assert!(log.iter().all(|c| c.channel.as_deref() == Some("api_key")));
    assert_eq!(value(&log[0], "external_id"), (Value::Null, json!("P-1")));
    assert_eq!(log[1].changed_fields.0, json!(["title"]));
    assert_eq!(value(&log[1], "title"), (Value::Null, json!("CTO")));
    assert_eq!(value(&log[2], "title"), (json!("CTO"), Value::Null));
}

async fn a_role_without_the_grant_is_forbidden_and_a_record_outside_the_scope_is_not_found(
    app: TestApp,
) {
    let w = World::create(&app);
    let mut conn = app.conn();
    let conn = &mut *conn;
    let rep1 = actor(conn, &w, w.rep1.id, Via::Web);
    let rep3 = actor(conn, &w, w.rep3.id, Via::Web);
    let viewer = actor(conn, &w, w.viewer.id, Via::Web);
    let customer = crm_app::customers::create(
        conn,
        &rep1,
        patch::<NewCustomer>(json!({"kind": "organization", "name": "Acme", "external_id": "C-1"})),
    )
    .expect("create");
    let contact = crm_app::contacts::create(
        conn,
        &rep1,
        patch::<NewContact>(json!({"customer_id": customer.id, "name": "Li Lei"})),
    )
    .expect("contact");
    let rename = || patch::<CustomerPatch>(json!({"name": "Mine now"}));

    // The viewer reads everything and may change nothing.
    assert_eq!(
        crm_app::customers::get(conn, &viewer, customer.id)
            .expect("visible")
            .0
            .name,
        "Acme"
    );
    for refused in [
        crm_app::customers::create(conn, &viewer, new_customer("X")).map(|_| ()),
        crm_app::customers::update(conn, &viewer, customer.id, Expected(None), rename())
            .map(|_| ()),
        crm_app::customers::delete(conn, &viewer, customer.id, Expected(None)),
        crm_app::contacts::delete(conn, &viewer, contact.id, Expected(None)),
        crm_app::tags::create(
            conn,
            &rep1,
            NewTag {
                name: "VIP".into(),
                color: None,
            },
        )
        .map(|_| ()),
    ] {
        assert!(
            matches!(refused, Err(AppError::Forbidden(_))),
            "{refused:?}"
        );
    }

    // Another team's rep does not see the customer or its contact at all.
    for hidden in [
        crm_app::customers::get(conn, &rep3, customer.id).map(|_| ()),
        crm_app::customers::update(conn, &rep3, customer.id, Expected(None), rename()).map(|_| ()),
        crm_app::customers::delete(conn, &rep3, customer.id, Expected(None)),
        crm_app::contacts::get(conn, &rep3, contact.id).map(|_| ()),
        crm_app::contacts::delete(conn, &rep3, contact.id, Expected(None)),
    ] {
        assert!(matches!(hidden, Err(AppError::NotFound)), "{hidden:?}");
    }
    // An upsert onto a hidden key is `NotFound` too, never a second record.
    assert!(matches!(
        crm_app::customers::upsert(conn, &rep3, "C-1".into(), Expected(None), rename())
            .map(|(_, created)| created),
        Err(AppError::NotFound)
    ));
    assert_eq!(
        crm_app::customers::get(conn, &rep1, customer.id)
            .expect("unchanged")
            .0
            .name,
        "Acme"
    );
}

async fn a_batch_through_crm_app_records_values_like_a_single_write(app: TestApp) {
    let w = World::create(&app);
    let mut conn = app.conn();
    let conn = &mut *conn;
    let rep = actor(conn, &w, w.rep1.id, Via::Import);
    let batch = |mode: &str, records: Value| -> BatchRequest {
        serde_json::from_value(json!({"mode": mode, "records": records})).expect("batch")
    };

    let first = crm_app::customers::batch::run(
        conn,
        &rep,
        batch(
            "upsert",
            json!([
                {"external_id": "C-1", "kind": "organization", "name": "Acme"},
                {"external_id": "C-2", "name": "no kind"},
            ]),
        ),
    )
    .expect("batch");
    assert_eq!(first.results[0].status, RecordStatus::Created);
    assert_eq!(first.results[1].status, RecordStatus::Failed);
    let id = first.results[0].id.expect("id");
    let second = crm_app::customers::batch::run(
        conn,
        &rep,
        batch(
            "upsert",
            json!([{"external_id": "C-1", "name": "Acme Ltd"}]),
        ),
    )
    .expect("batch");
    assert_eq!(second.results[0].status, RecordStatus::Updated);

    let log = changes_of(conn, w.ws, id);
    let ops: Vec<&str> = log.iter().map(|c| c.op.as_str()).collect();
    assert_eq!(ops, ["create", "update"]);
    assert!(log.iter().all(|c| c.channel.as_deref() == Some("import")));
    assert_eq!(value(&log[0], "name"), (Value::Null, json!("Acme")));
    assert_eq!(value(&log[1], "name"), (json!("Acme"), json!("Acme Ltd")));

    let contacts = crm_app::contacts::batch::run(
        conn,
        &rep,
        batch(
            "create",
            json!([{"customer_external_id": "C-1", "name": "Li Lei"}]),
        ),
    )
    .expect("contact batch");
    assert_eq!(contacts.results[0].status, RecordStatus::Created);
    let contact = contacts.results[0].id.expect("contact id");
    let log = changes_of(conn, w.ws, contact);
    assert_eq!(log.len(), 1);
    assert_eq!(value(&log[0], "customer_id"), (Value::Null, json!(id)));

    // A reader that may not write gets every record refused, nothing written.
    let viewer = actor(conn, &w, w.viewer.id, Via::Web);
    let refused = crm_app::customers::batch::run(
        conn,
        &viewer,
        batch("create", json!([{"kind": "person", "name": "Han Meimei"}])),
    )
    .expect("answered per record");
    assert_eq!(refused.results[0].status, RecordStatus::Failed);
}
