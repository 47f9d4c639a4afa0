//! The time limit of a report run, on both databases: over 50,000
//! customers a run given a millisecond is stopped and refused naming the
//! period; the same connection then runs the report to the end with room
//! to finish (PostgreSQL's `statement_timeout` does not outlive the run);
//! every object's statement carries the limit and runs.

use std::time::Duration;

use crm_app::{Actor, AppError, Via};
use crm_db::AnyConnection;
use crm_domain::reports::ReportSpec;
use crm_tests::{CustomerBuilder, TestApp, World, both};
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

both!(a_report_past_its_time_limit_is_refused_naming_the_period);

const COPIES: i64 = 50_000;

/// `COPIES` copies of one customer, written in one statement.
fn plant_copies(conn: &mut AnyConnection, of: Uuid) {
    let (id, suffix) = match conn {
        AnyConnection::Postgresql(_) => (
            "('00000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid",
            "n::text",
        ),
        AnyConnection::Sqlite(_) => ("printf('00000000-0000-4000-8000-%012d', n)", "n"),
    };
    let sql = format!(
        "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {COPIES}) \
         INSERT INTO customers (id, workspace_id, kind, name, owner_id, team_id, industry, \
         custom_fields, search_text, created_at, updated_at) \
         SELECT {id}, workspace_id, kind, name || {suffix}, owner_id, team_id, industry, \
         custom_fields, search_text, created_at, updated_at FROM customers, seq \
         WHERE customers.id = '{of}'"
    );
    diesel::sql_query(sql).execute(conn).expect("plant copies");
}

async fn a_report_past_its_time_limit_is_refused_naming_the_period(app: TestApp) {
    let w = World::create(&app);
    let first = CustomerBuilder::new(w.ws, "限时客户")
        .owner(&w.rep1)
        .industry("制造业")
        .build(&app);
    let mut conn = app.conn();
    plant_copies(&mut conn, first);
    let actor = Actor::load(&mut conn, w.ws, w.admin.id, None, Via::Web).expect("actor");
    // A filter the customer counts lack, so the run counts the customers
    // (the copies were planted behind the writes that keep the counts).
    let spec: ReportSpec = serde_json::from_value(json!({
        "object": "customers",
        "group_by": [{"field": "industry"}, {"field": "owner"}],
        "measure": {"aggregate": "count"},
        "filters": [{"field": "created_at", "op": "gte", "value": "2000-01-01"}],
        "chart": "table"
    }))
    .expect("spec");

    let refused = crm_app::reports::run::run_within(
        &mut conn,
        &actor,
        spec.clone(),
        Duration::from_millis(1),
    )
    .expect_err("a millisecond is not enough for 50,000 customers");
    let AppError::Validation(errors) = refused else {
        panic!("expected a refusal naming the period, got {refused:?}");
    };
    let message = format!("{errors:?}");
    assert!(
        message.contains("period") && message.contains("time limit"),
        "{message}"
    );

    let data = crm_app::reports::run::run_within(&mut conn, &actor, spec, Duration::from_secs(120))
        .expect("with room, the same connection runs it to the end");
    assert_eq!(data.records, COPIES + 1);
    assert_eq!(data.rows.len(), 1, "one industry, one owner");
    assert_eq!(data.rows[0].value, Some((COPIES + 1) as f64));
    if let AnyConnection::Postgresql(_) = &mut *conn {
        #[derive(QueryableByName)]
        struct Setting {
            #[diesel(sql_type = diesel::sql_types::Text)]
            statement_timeout: String,
        }
        let now: Setting = diesel::sql_query("SHOW statement_timeout")
            .get_result(&mut *conn)
            .expect("show");
        assert_eq!(now.statement_timeout, "0", "the limit ended with its run");
    }

    // Every object's statement, with its per-row deadline on SQLite, runs.
    for object in crm_domain::reports::ReportObject::ALL {
        let spec: ReportSpec = serde_json::from_value(json!({
            "object": object,
            "group_by": [],
            "measure": {"aggregate": "count"},
            "chart": "number"
        }))
        .expect("spec");
        crm_app::reports::run::run_within(&mut conn, &actor, spec, Duration::from_secs(60))
            .unwrap_or_else(|e| panic!("{object}: {e:?}"));
    }
}
