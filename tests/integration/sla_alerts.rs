//! SLA warnings and escalations, by mail through an SMTP sink the test
//! starts, on both databases: a first response that ran out escalates to
//! the team's manager and the assignee and leaves an internal note; a
//! resolution clock at risk warns the assignee; a second sweep sends
//! nothing again; a ticket resolved since gets no mail. Without mail set
//! up, a breach is still recorded and noted, and no mail job is queued to
//! fail. The breach reports count what ran out.

use std::time::Duration;

use crm_db::schema::tickets;
use crm_db::types::Id;
use crm_tests::smtp::{Received, SmtpSink};
use crm_tests::{CustomerBuilder, TestApp, World, both};
use diesel::prelude::*;
use mail_parser::MessageParser;
use serde_json::json;
use uuid::Uuid;

both!(
    breaches_escalate_and_risks_warn_once,
    without_mail_breaches_are_still_noted,
    with_reassign_a_breach_hands_the_ticket_to_the_teams_manager,
);

/// (recipient, subject, text) of a mail.
fn read(mail: &Received) -> (String, String, String) {
    let message = MessageParser::default()
        .parse(&mail.data)
        .expect("a MIME message");
    (
        mail.to.join(","),
        message.subject().unwrap_or_default().to_owned(),
        message.body_text(0).unwrap_or_default().into_owned(),
    )
}

/// Waits until no sweep that is due is queued or running; answers how
/// many sweeps have run.
async fn settle(app: &TestApp, w: &World) -> usize {
    for _ in 0..300 {
        let jobs = app
            .get("/api/v1/admin/jobs?kind=ticket.sla_sweep&limit=200")
            .token(&w.admin.token)
            .send()
            .await
            .expect(200)
            .body;
        let items = jobs["items"].as_array().cloned().unwrap_or_default();
        let now = chrono::Utc::now();
        let pending = items.iter().any(|j| {
            let due = j["run_at"]
                .as_str()
                .and_then(|t| t.parse::<chrono::DateTime<chrono::Utc>>().ok())
                .is_some_and(|t| t <= now);
            (j["status"] == "queued" && due) || j["status"] == "running"
        });
        if !pending {
            return items.iter().filter(|j| j["status"] == "done").count();
        }
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the sweeps did not run");
}

/// Arms a sweep and waits until it ran.
async fn sweep(app: &TestApp, w: &World) {
    let before = settle(app, w).await;
    crm_app::tickets::sla_alerts::arm(&mut app.conn(), w.ws).expect("arm");
    for _ in 0..300 {
        if settle(app, w).await > before {
            return;
        }
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the sweep did not run");
}

async fn ticket(app: &TestApp, w: &World, subject: &str) -> Uuid {
    let customer = CustomerBuilder::new(w.ws, "华东客户")
        .owner(&w.rep1)
        .build(app);
    app.post("/api/v1/tickets")
        .token(&w.admin.token)
        .json(&json!({"customer_id": customer, "subject": subject,
                      "ticket_type": "inquiry", "priority": "urgent"}))
        .send()
        .await
        .expect(201)
        .id()
}

async fn breaches_escalate_and_risks_warn_once(app: TestApp) {
    let mut app = app;
    let sink = SmtpSink::start();
    app.mailer = crm_app::mail::Mailer::smtp(&sink.url(), Some("客服中心 <desk@acme.test>"))
        .expect("mailer");
    app.start_workers(2);
    let w = World::create(&app);
    let late = ticket(&app, &w, "打印机坏了").await;
    let done = ticket(&app, &w, "已经解决").await;
    // rep1 of team A (managed by manager1) has both; the first response of
    // each ran out ten minutes ago, the resolution falls due in ten minutes
    // of a four-hour span (its last fifth: at risk). The second was
    // answered and resolved in time.
    let now = crm_db::time::now();
    // One transaction: the running workers' sweep must never see the
    // second ticket overdue and not yet resolved.
    app.conn()
        .transaction::<_, diesel::result::Error, _>(|conn| {
            for id in [late, done] {
                diesel::update(tickets::table.filter(tickets::id.eq(Id(id))))
                    .set((
                        tickets::assignee_id.eq(Some(Id(w.rep1.id))),
                        tickets::team_id.eq(Some(Id(w.team_a))),
                        tickets::created_at.eq(now - chrono::Duration::hours(4)),
                        tickets::first_response_due_at
                            .eq(Some(now - chrono::Duration::minutes(10))),
                        tickets::resolution_due_at.eq(Some(now + chrono::Duration::minutes(10))),
                    ))
                    .execute(conn)?;
            }
            diesel::update(tickets::table.filter(tickets::id.eq(Id(done))))
                .set((
                    tickets::first_responded_at.eq(Some(now - chrono::Duration::minutes(30))),
                    tickets::resolved_at.eq(Some(now - chrono::Duration::minutes(20))),
                    tickets::status.eq("resolved"),
                ))
                .execute(conn)?;
            Ok(())
        })
        .expect("clocks");
    sweep(&app, &w).await;
    let mails: Vec<(String, String, String)> = sink
        .wait_for(3, Duration::from_secs(30))
        .iter()
        .map(read)
        .collect();
    let to = |who: &str, tag: &str| {
        mails
            .iter()
            .filter(|(r, s, _)| r.contains(who) && s.contains(tag))
            .count()
    };
    assert_eq!(to("manager1@acme.test", "[SLA 超时]"), 1, "{mails:?}");
    assert_eq!(to("rep1@acme.test", "[SLA 超时]"), 1, "{mails:?}");
    assert_eq!(to("rep1@acme.test", "[SLA 预警]"), 1, "{mails:?}");
    assert!(
        mails.iter().all(|(_, s, _)| s.contains("打印机坏了")),
        "{mails:?}"
    );
    let breach = mails
        .iter()
        .find(|(r, s, _)| r.contains("manager1") && s.contains("超时"))
        .map(|m| m.2.clone())
        .unwrap_or_default();
    assert!(breach.contains("首次响应已于"), "{breach}");
    // The escalation is on the ticket's timeline, as an internal note.
    let notes = app
        .get(&format!("/api/v1/tickets/{late}/replies"))
        .token(&w.admin.token)
        .send()
        .await
        .expect(200)
        .body;
    let note = notes
        .as_array()
        .and_then(|n| n.iter().find(|r| r["internal"] == true))
        .cloned()
        .unwrap_or_default();
    assert!(
        note["body"]
            .as_str()
            .is_some_and(|b| b.contains("SLA 超时") && b.contains("首次响应")),
        "{notes}"
    );
    // Another sweep sends nothing again.
    sweep(&app, &w).await;
    actix_rt::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sink.received().len(), 3);
    // The breach report: one of rep1's two first responses ran out (50 %);
    // of the resolutions, one in time, the other still running.
    let standard = app
        .get("/api/v1/reports/standard")
        .token(&w.admin.token)
        .send()
        .await
        .expect(200)
        .body;
    let spec_of = |key: &str| {
        standard
            .as_array()
            .and_then(|s| s.iter().find(|s| s["key"] == key))
            .map(|s| s["spec"].clone())
            .unwrap_or_default()
    };
    let by_agent = app
        .post("/api/v1/reports/run")
        .token(&w.admin.token)
        .json(&spec_of("sla_breaches_by_agent"))
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(
        by_agent["rows"][0]["keys"][0],
        json!(w.rep1.id),
        "{by_agent}"
    );
    assert_eq!(by_agent["rows"][0]["value"], 50.0, "{by_agent}");
    assert_eq!(by_agent["rows"][0]["records"], 2, "{by_agent}");
    let resolutions = app
        .post("/api/v1/reports/run")
        .token(&w.admin.token)
        .json(&spec_of("sla_breaches_by_month"))
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(resolutions["total"], 0.0, "{resolutions}");
    assert_eq!(resolutions["records"], 1, "{resolutions}");
    let mut conn = app.conn();
    for (id, kind, n) in [
        (late, "breach", 1),
        (late, "warning", 1),
        (done, "breach", 0),
    ] {
        assert_eq!(
            crm_db::tickets::alerts::count(&mut conn, w.ws, id, kind).expect("alerts"),
            n,
            "{kind}"
        );
    }
}

async fn without_mail_breaches_are_still_noted(app: TestApp) {
    let w = World::create(&app);
    let late = ticket(&app, &w, "没有邮件").await;
    let now = crm_db::time::now();
    diesel::update(tickets::table.filter(tickets::id.eq(Id(late))))
        .set(tickets::first_response_due_at.eq(Some(now - chrono::Duration::minutes(5))))
        .execute(&mut app.conn())
        .expect("clock");
    sweep(&app, &w).await;
    let mut conn = app.conn();
    assert_eq!(
        crm_db::tickets::alerts::count(&mut conn, w.ws, late, "breach").expect("alerts"),
        1
    );
    let mails = app
        .get("/api/v1/admin/jobs?kind=ticket.sla_mail&limit=10")
        .token(&w.admin.token)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(mails["items"], json!([]), "{mails}");
}

async fn with_reassign_a_breach_hands_the_ticket_to_the_teams_manager(app: TestApp) {
    let w = World::create(&app);
    let admin = &w.admin.token;
    let mut settings = app
        .get("/api/v1/service/settings")
        .token(admin)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(settings["escalation"], "notify");
    settings["escalation"] = json!("reassign");
    app.put("/api/v1/service/settings")
        .token(admin)
        .json(&settings)
        .send()
        .await
        .expect(200);
    let late = ticket(&app, &w, "无人响应").await;
    let on_time = ticket(&app, &w, "尚未到期").await;
    let now = crm_db::time::now();
    for (id, due) in [(late, -5), (on_time, 600)] {
        diesel::update(tickets::table.filter(tickets::id.eq(Id(id))))
            .set((
                tickets::assignee_id.eq(Some(Id(w.rep1.id))),
                tickets::team_id.eq(Some(Id(w.team_a))),
                tickets::first_response_due_at.eq(Some(now + chrono::Duration::minutes(due))),
            ))
            .execute(&mut app.conn())
            .expect("clock");
    }
    sweep(&app, &w).await;
    let get = |id: Uuid| {
        app.get(&format!("/api/v1/tickets/{id}"))
            .token(admin)
            .send()
    };
    let handed = get(late).await.expect(200).body;
    assert_eq!(handed["assignee_id"], json!(w.manager1.id), "{handed}");
    assert_eq!(
        get(on_time).await.expect(200).body["assignee_id"],
        json!(w.rep1.id)
    );
    let notes = app
        .get(&format!("/api/v1/tickets/{late}/replies"))
        .token(admin)
        .send()
        .await
        .expect(200)
        .body;
    assert!(notes.to_string().contains("已按升级规则转交给"), "{notes}");
    // The hand-over is in the changes feed as the ticket's update.
    let feed = app
        .get("/api/v1/changes?entity=ticket&limit=200")
        .token(admin)
        .send()
        .await
        .expect(200)
        .body;
    let last = feed["items"]
        .as_array()
        .and_then(|items| {
            items
                .iter()
                .rev()
                .find(|c| c["entity_id"] == json!(late))
                .cloned()
        })
        .unwrap_or_default();
    assert_eq!(last["op"], "update", "{feed}");
    // A second sweep does not hand it on again (the breach is recorded once).
    sweep(&app, &w).await;
    assert_eq!(
        get(late).await.expect(200).body["version"],
        handed["version"]
    );
}
