//! The sales use cases called directly through `crm_app` (no HTTP): a deal
//! moved to a won stage, a lead converted, an order with lines, and the
//! refusals a role's scope makes.

use crm_app::{Actor, AppError, Expected, Via};
use crm_db::AnyConnection;
use crm_db::change_log::ChangeRow;
use crm_tests::{CustomerBuilder, TestApp, World, both};
use serde_json::{Value, json};
use uuid::Uuid;

both!(
    a_deal_moved_to_a_won_stage_is_closed_and_logged_with_its_values,
    a_lead_converts_through_the_use_case_with_every_record_logged,
    an_order_with_lines_gets_its_totals_and_its_values_logged,
    roles_and_scopes_refuse_through_the_use_cases,
);

fn actor(conn: &mut AnyConnection, ws: Uuid, user: Uuid) -> Actor {
    Actor::load(conn, ws, user, None, Via::Web).expect("actor")
}

/// The change-log entries of one record, oldest first.
fn log_of(conn: &mut AnyConnection, ws: Uuid, id: Uuid) -> Vec<ChangeRow> {
    crm_db::change_log::since(conn, ws, 0, 10_000)
        .expect("log")
        .into_iter()
        .filter(|r| r.entity_id.0 == id)
        .collect()
}

fn values(row: &ChangeRow) -> Value {
    row.change_values
        .as_ref()
        .map(|v| v.0.clone())
        .unwrap_or_default()
}

fn parse<T: serde::de::DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).expect("body")
}

async fn a_deal_moved_to_a_won_stage_is_closed_and_logged_with_its_values(app: TestApp) {
    let w = World::create(&app);
    let customer = CustomerBuilder::new(w.ws, "杭州茶社")
        .owner(&w.rep1)
        .build(&app);
    let mut conn = app.conn();
    let conn = &mut *conn;
    let rep = actor(conn, w.ws, w.rep1.id);
    let stages = crm_db::pipelines::stages(conn, w.ws, None).expect("stages");
    let won = stages.iter().find(|s| s.kind == "won").expect("won stage");

    let deal = crm_app::deals::create(
        conn,
        &rep,
        parse(json!({"customer_id": customer, "name": "年度采购",
            "amount": {"amount_minor": 1_000_000, "currency": "CNY"}})),
    )
    .expect("created");
    assert_eq!(deal.owner_id, Some(w.rep1.id), "owner from the customer");
    assert_eq!(deal.closed_at, None);

    let moved = crm_app::deals::update(
        conn,
        &rep,
        deal.id,
        Expected(Some(deal.version)),
        parse(json!({"stage_id": won.id.0})),
    )
    .expect("moved");
    assert_eq!(moved.stage_id, won.id.0);
    assert_eq!(
        moved.probability, won.probability,
        "the won stage's probability"
    );
    assert!(moved.closed_at.is_some(), "winning closes the deal");

    let log = log_of(conn, w.ws, deal.id);
    assert_eq!(log.len(), 2, "create and update: {log:?}");
    let update = &log[1];
    assert_eq!(
        (update.op.as_str(), update.channel.as_deref()),
        ("update", Some("web"))
    );
    let v = values(update);
    assert_eq!(v["stage_id"]["from"], json!(deal.stage_id));
    assert_eq!(v["stage_id"]["to"], json!(won.id.0));
    assert_eq!(v["probability"]["from"], json!(deal.probability));
    assert_eq!(v["probability"]["to"], json!(won.probability));
    assert_eq!(v["closed_at"]["from"], Value::Null);
    assert!(v["closed_at"]["to"].is_string(), "{v}");
    assert_eq!(values(&log[0])["name"]["to"], json!("年度采购"));

    // A stale version is refused; a delete keeps what the deal held.
    let stale = crm_app::deals::delete(conn, &rep, deal.id, Expected(Some(deal.version)));
    assert!(matches!(stale, Err(AppError::Stale)), "{stale:?}");
    crm_app::deals::delete(conn, &rep, deal.id, Expected(Some(moved.version))).expect("deleted");
    let log = log_of(conn, w.ws, deal.id);
    let delete = log.last().expect("entry");
    assert_eq!(delete.op, "delete");
    assert_eq!(delete.changed_fields.0, json!([]), "the feed's contract");
    assert_eq!(values(delete)["name"]["from"], json!("年度采购"));
    assert_eq!(values(delete)["name"]["to"], Value::Null);
}

async fn a_lead_converts_through_the_use_case_with_every_record_logged(app: TestApp) {
    let w = World::create(&app);
    let mut conn = app.conn();
    let conn = &mut *conn;
    let caller = crm_app::auth::load(conn, w.ws, w.rep1.id, None).expect("caller");
    let lead = crm_app::leads::create(
        conn,
        &caller,
        parse(
            json!({"person_name": "王芳", "company_name": "苏州云帆贸易",
            "title": "采购经理", "phone": "13800138000", "province_code": "320000"}),
        ),
    )
    .expect("lead");
    assert_eq!(lead.owner_id, Some(w.rep1.id));

    let conversion = crm_app::leads::conversion::convert(
        conn,
        &caller,
        lead.id,
        parse(json!({"deal": {"amount": {"amount_minor": 5_000_000, "currency": "CNY"}}})),
    )
    .expect("converted");
    assert!(conversion.customer_created);
    assert_eq!(conversion.lead.status.as_str(), "converted");
    let contact = conversion
        .contact_id
        .expect("a contact for an organisation");
    let deal = conversion.deal_id.expect("a deal");

    let customer_log = log_of(conn, w.ws, conversion.customer_id);
    assert_eq!(customer_log.len(), 1);
    assert_eq!(
        values(&customer_log[0])["name"]["to"],
        json!("苏州云帆贸易")
    );
    let contact_log = log_of(conn, w.ws, contact);
    assert_eq!(values(&contact_log[0])["name"]["to"], json!("王芳"));
    let deal_log = log_of(conn, w.ws, deal);
    assert_eq!(
        values(&deal_log[0])["name"]["to"],
        json!("苏州云帆贸易 商机")
    );
    let lead_log = log_of(conn, w.ws, lead.id);
    let converted = lead_log.last().expect("entry");
    assert_eq!(converted.channel.as_deref(), Some("web"));
    assert_eq!(values(converted)["status"]["from"], json!("new"));
    assert_eq!(values(converted)["status"]["to"], json!("converted"));

    // Converting again is a conflict, and nothing more is written.
    let again = crm_app::leads::conversion::convert(conn, &caller, lead.id, parse(json!({})));
    assert!(matches!(again, Err(AppError::Conflict { .. })), "{again:?}");
}

async fn an_order_with_lines_gets_its_totals_and_its_values_logged(app: TestApp) {
    let w = World::create(&app);
    let customer = CustomerBuilder::new(w.ws, "成都火锅")
        .owner(&w.rep1)
        .build(&app);
    let mut conn = app.conn();
    let conn = &mut *conn;
    let admin = actor(conn, w.ws, w.admin.id);
    let rep = actor(conn, w.ws, w.rep1.id).through(Via::Import);
    let tea = crm_app::products::create(
        conn,
        &admin,
        parse(json!({"sku": "TEA-1", "name": "龙井",
            "price": {"amount_minor": 12_000, "currency": "CNY"}})),
    )
    .expect("product");
    let order = crm_app::orders::create(
        conn,
        &rep,
        parse(
            json!({"customer_id": customer, "order_date": "2026-03-01", "currency": "CNY",
            "external_id": "SO-1",
            "lines": [
                {"product_id": tea.id, "quantity": 2.5},
                {"sku": "TEA-1", "quantity": 1, "unit_price_minor": 10_000, "discount_minor": 1_000}
            ]}),
        ),
    )
    .expect("order");
    assert_eq!(order.lines.len(), 2);
    assert_eq!(order.lines[0].amount_minor, 30_000);
    assert_eq!(order.lines[1].amount_minor, 9_000);
    assert_eq!(
        (
            order.subtotal.amount_minor,
            order.discount.amount_minor,
            order.total.amount_minor
        ),
        (40_000, 1_000, 39_000)
    );
    assert_eq!(order.owner_id, Some(w.rep1.id), "owner from the customer");

    let created = &log_of(conn, w.ws, order.id)[0];
    assert_eq!(created.channel.as_deref(), Some("import"));
    let v = values(created);
    assert_eq!(v["total_minor"]["to"], json!(39_000));
    assert_eq!(v["lines"]["to"][1]["amount_minor"], json!(9_000));

    // Replacing the lines logs the lines before and after.
    let (updated, was_created) = crm_app::orders::upsert(
        conn,
        &rep,
        "SO-1".into(),
        Expected(None),
        parse(json!({"lines": [{"product_id": tea.id, "quantity": 1}]})),
    )
    .expect("updated");
    assert!(!was_created);
    assert_eq!(updated.total.amount_minor, 12_000);
    let log = log_of(conn, w.ws, order.id);
    let v = values(log.last().expect("entry"));
    assert_eq!(v["lines"]["from"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["lines"]["to"].as_array().map(Vec::len), Some(1));
    assert_eq!(v["total_minor"]["from"], json!(39_000));
    assert_eq!(v["total_minor"]["to"], json!(12_000));
}

async fn roles_and_scopes_refuse_through_the_use_cases(app: TestApp) {
    let w = World::create(&app);
    let customer = CustomerBuilder::new(w.ws, "西湖书店")
        .owner(&w.rep1)
        .build(&app);
    let mut conn = app.conn();
    let conn = &mut *conn;
    let rep1 = actor(conn, w.ws, w.rep1.id);
    let rep3 = actor(conn, w.ws, w.rep3.id);
    let viewer = actor(conn, w.ws, w.viewer.id);
    let deal = crm_app::deals::create(
        conn,
        &rep1,
        parse(json!({"customer_id": customer, "name": "教材",
            "amount": {"amount_minor": 500, "currency": "CNY"}})),
    )
    .expect("deal");

    // A role without the grant is forbidden.
    let refused = crm_app::deals::create(
        conn,
        &viewer,
        parse(json!({"customer_id": customer, "name": "x",
            "amount": {"amount_minor": 1, "currency": "CNY"}})),
    );
    assert!(
        matches!(refused, Err(AppError::Forbidden(_))),
        "{refused:?}"
    );
    let refused = crm_app::products::create(conn, &rep1, parse(json!({"sku": "S", "name": "n"})));
    assert!(
        matches!(refused, Err(AppError::Forbidden(_))),
        "{refused:?}"
    );
    // Outside the scope a record does not exist.
    let hidden = crm_app::deals::get(conn, &rep3, deal.id);
    assert!(matches!(hidden, Err(AppError::NotFound)), "{hidden:?}");
    let hidden = crm_app::deals::update(
        conn,
        &rep3,
        deal.id,
        Expected(None),
        parse(json!({"name": "y"})),
    );
    assert!(matches!(hidden, Err(AppError::NotFound)), "{hidden:?}");
    let hidden = crm_app::deals::delete(conn, &rep3, deal.id, Expected(None));
    assert!(matches!(hidden, Err(AppError::NotFound)), "{hidden:?}");
    // A customer out of sight cannot be named either.
    let unseen = crm_app::orders::create(
        conn,
        &rep3,
        parse(
            json!({"customer_id": customer, "order_date": "2026-03-01", "currency": "CNY",
            "lines": [{"sku": "NONE", "quantity": 1, "unit_price_minor": 1}]}),
        ),
    );
    match unseen {
        Err(AppError::Validation(errors)) => {
            assert!(errors.0.contains_key("customer_id"), "{errors:?}")
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
    assert!(
        crm_app::deals::list(
            conn,
            &rep3,
            &crm_db::deals::DealFilter::default(),
            &crm_db::paging::Keyset {
                field: crm_db::deals::DealSort::CreatedAt,
                direction: crm_db::paging::Direction::Desc,
                after: None,
                limit: 10,
            },
        )
        .expect("list")
        .0
        .is_empty(),
        "rep3 sees none of rep1's deals"
    );
}
