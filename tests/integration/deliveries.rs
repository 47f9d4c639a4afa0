//! Scheduled delivery (定时发送): a manager schedules a shared report for
//! themselves and their reps; an SMTP sink started here receives one mail
//! per recipient with only the rows that recipient may read (in the
//! body's table and in the attached workbook), none for a recipient with
//! no rows; the schedule's run moves the delivery on to next week and
//! sends again; a private report goes only to who saved it; bad schedules
//! and recipients name their field; only who saved a delivery sees it.

use std::io::Cursor;
use std::time::Duration;

use calamine::{Data, Reader, Xlsx};
use chrono::{Datelike, Timelike};
use crm_db::schema::jobs;
use crm_db::types::Id;
use crm_tests::smtp::{Received, SmtpSink};
use crm_tests::{TestApp, World, both};
use diesel::prelude::*;
use mail_parser::{MessageParser, MimeHeaders};
use serde_json::json;

use crate::reports::{plant, won_by_month_and_owner};

both!(
    each_recipient_gets_their_own_rows_by_mail,
    deliveries_follow_the_rules,
);

/// (recipient, subject, HTML body, the workbook's rows below its header).
fn read(mail: &Received) -> (String, String, String, Vec<Vec<String>>) {
    let message = MessageParser::default()
        .parse(&mail.data)
        .expect("a MIME message");
    let html = message.body_html(0).expect("an HTML part").into_owned();
    let subject = message.subject().unwrap_or_default().to_owned();
    let attachment = message.attachments().next().expect("an attachment");
    assert!(
        attachment
            .attachment_name()
            .is_some_and(|n| n.ends_with(".xlsx")),
        "{:?}",
        attachment.attachment_name()
    );
    let mut book = Xlsx::new(Cursor::new(attachment.contents().to_vec())).expect("a workbook");
    let sheet = book.worksheet_range_at(0).expect("a sheet").expect("rows");
    let rows = sheet
        .rows()
        .skip(1)
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::Float(f) => format!("{f}"),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect();
    (mail.to.join(","), subject, html, rows)
}

async fn sends_done(app: &TestApp, w: &World) -> Vec<String> {
    for _ in 0..200 {
        let jobs = app
            .get("/api/v1/admin/jobs?kind=delivery.send&limit=200")
            .token(&w.admin.token)
            .send()
            .await
            .expect(200)
            .body;
        let statuses: Vec<String> = jobs["items"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|j| j["status"].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default();
        if !statuses.is_empty() && statuses.iter().all(|s| s != "queued" && s != "running") {
            return statuses;
        }
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the delivery.send jobs did not finish");
}

async fn each_recipient_gets_their_own_rows_by_mail(app: TestApp) {
    let mut app = app;
    let sink = SmtpSink::start();
    app.mailer =
        crm_app::mail::Mailer::smtp(&sink.url(), Some("销售报表 <crm@acme.test>")).expect("mailer");
    app.start_workers(2);
    let w = World::create(&app);
    plant(&app, &w).await;
    let report = app
        .post("/api/v1/reports")
        .token(&w.manager1.token)
        .json(&json!({"name": "季度赢单", "spec": won_by_month_and_owner(), "shared": true}))
        .send()
        .await
        .expect(201)
        .id();
    let created = app
        .post("/api/v1/deliveries")
        .token(&w.manager1.token)
        .json(&json!({"name": "每周一赢单", "report_id": report,
            "schedule": {"frequency": "weekly", "hour": 8, "weekday": 1},
            "recipients": [w.manager1.id, w.rep1.id, w.rep5.id, w.rep1.id]}))
        .send()
        .await
        .expect(201);
    let delivery = created.id();
    let body = &created.body;
    assert_eq!(body["format"], "xlsx");
    assert_eq!(
        body["recipients"],
        json!([w.manager1.id, w.rep1.id, w.rep5.id])
    );
    // Monday 08:00 in Shanghai is Monday 00:00 UTC.
    let next: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(body["next_run_at"].clone()).expect("next_run_at");
    assert_eq!(next.weekday(), chrono::Weekday::Mon, "{next}");
    assert_eq!((next.hour(), next.minute()), (0, 0));
    assert!(next > chrono::Utc::now() && next < chrono::Utc::now() + chrono::Duration::days(7));

    // Send now: manager1 gets team A's rows, rep1 their own, rep5 (no
    // deals) nothing.
    let sent = app
        .post(&format!("/api/v1/deliveries/{delivery}/send"))
        .token(&w.manager1.token)
        .send()
        .await
        .expect(202);
    assert_eq!(sent.body["queued"], 3);
    let statuses = sends_done(&app, &w).await;
    assert_eq!(statuses, ["done", "done", "done"]);
    let mut mails: Vec<_> = sink.received().iter().map(read).collect();
    mails.sort();
    assert_eq!(mails.len(), 2, "rep5's empty mail is not sent");
    let (to, subject, html, rows) = &mails[0];
    assert_eq!(to, &w.manager1.email);
    assert!(subject.starts_with("每周一赢单 · "), "{subject}");
    assert!(
        html.contains("30,000.00") && html.contains("5,000.00"),
        "{html}"
    );
    assert!(!html.contains("7,000.00"), "rep3 is manager2's: {html}");
    let figures: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r[0].as_str(), r[2].as_str()))
        .collect();
    assert_eq!(figures, [("2026-01", "500000"), ("2026-02", "3000000")]);
    let (to, _, html, rows) = &mails[1];
    assert_eq!(to, &w.rep1.email);
    assert!(
        html.contains("30,000.00") && !html.contains("5,000.00"),
        "{html}"
    );
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0][0].as_str(), rows[0][2].as_str()),
        ("2026-02", "3000000")
    );
    assert!(sink.received().iter().all(|m| m.from == "crm@acme.test"));

    // The schedule's run (made due now) sends again and moves the
    // delivery on to the Monday after.
    {
        let mut conn = app.conn();
        let n = diesel::update(
            jobs::table
                .filter(jobs::workspace_id.eq(Id(w.ws)))
                .filter(jobs::kind.eq("delivery.run"))
                .filter(jobs::status.eq("queued")),
        )
        .set(jobs::run_at.eq(crm_db::time::now() - chrono::Duration::seconds(1)))
        .execute(&mut conn)
        .expect("make the run due");
        assert_eq!(n, 1, "one run is queued");
    }
    app.state().jobs.wake();
    sink.wait_for(4, Duration::from_secs(20));
    let after = app
        .get(&format!("/api/v1/deliveries/{delivery}"))
        .token(&w.manager1.token)
        .send()
        .await
        .expect(200)
        .body;
    let moved: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(after["next_run_at"].clone()).expect("next_run_at");
    assert_eq!(moved - next, chrono::Duration::days(7));
    assert!(!after["last_run_at"].is_null());
    sends_done(&app, &w).await;
    assert_eq!(
        sink.received().len(),
        4,
        "again one each for manager1 and rep1"
    );
}

async fn deliveries_follow_the_rules(app: TestApp) {
    let w = World::create(&app);
    let private = app
        .post("/api/v1/reports")
        .token(&w.rep1.token)
        .json(&json!({"name": "我的", "spec": won_by_month_and_owner()}))
        .send()
        .await
        .expect(201)
        .id();
    let schedule = json!({"frequency": "daily", "hour": 7});
    // A private report goes to its saver only.
    let refused = app
        .post("/api/v1/deliveries")
        .token(&w.rep1.token)
        .json(
            &json!({"name": "日报", "report_id": private, "schedule": schedule,
            "recipients": [w.rep1.id, w.rep2.id]}),
        )
        .send()
        .await
        .expect(422);
    assert!(
        refused.body["errors"]["recipients[1]"].is_array(),
        "{}",
        refused.body
    );
    let own = app
        .post("/api/v1/deliveries")
        .token(&w.rep1.token)
        .json(
            &json!({"name": "日报", "report_id": private, "schedule": schedule,
            "format": "csv", "recipients": [w.rep1.id]}),
        )
        .send()
        .await
        .expect(201);
    let id = own.id();
    // Someone else's report, another workspace's user, bad ranges, both
    // sources: each named.
    let bad = app
        .post("/api/v1/deliveries")
        .token(&w.rep2.token)
        .json(&json!({"name": "", "report_id": private,
            "schedule": {"frequency": "monthly", "hour": 24, "day": 31},
            "recipients": [w.other_admin.id]}))
        .send()
        .await
        .expect(422)
        .body;
    let fields: Vec<&str> = bad["errors"]
        .as_object()
        .map(|e| e.keys().map(String::as_str).collect())
        .unwrap_or_default();
    assert_eq!(
        fields,
        [
            "name",
            "recipients[0]",
            "report_id",
            "schedule.day",
            "schedule.hour"
        ],
        "{bad}"
    );
    let both_sources = app
        .post("/api/v1/deliveries")
        .token(&w.rep1.token)
        .json(
            &json!({"name": "x", "report_id": private, "dashboard_id": private,
            "schedule": schedule, "recipients": [w.rep1.id]}),
        )
        .send()
        .await
        .expect(422)
        .body;
    assert!(both_sources["errors"]["report_id"].is_array());
    // Only who saved it (or an administrator) sees and changes it.
    app.get(&format!("/api/v1/deliveries/{id}"))
        .token(&w.rep2.token)
        .send()
        .await
        .expect(404);
    app.get(&format!("/api/v1/deliveries/{id}"))
        .token(&w.other_admin.token)
        .send()
        .await
        .expect(404);
    let listed = app
        .get(&format!("/api/v1/deliveries?of={private}"))
        .token(&w.admin.token)
        .send()
        .await
        .expect(200)
        .body;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(1));
    // Paused: no next run; on again: one.
    let paused = app
        .patch(&format!("/api/v1/deliveries/{id}"))
        .token(&w.rep1.token)
        .json(&json!({"active": false}))
        .send()
        .await
        .expect(200)
        .body;
    assert!(paused["next_run_at"].is_null());
    let weekly = app
        .patch(&format!("/api/v1/deliveries/{id}"))
        .token(&w.rep1.token)
        .json(
            &json!({"active": true, "schedule": {"frequency": "weekly", "hour": 9, "weekday": 5}}),
        )
        .send()
        .await
        .expect(200)
        .body;
    let next: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(weekly["next_run_at"].clone()).expect("next_run_at");
    assert_eq!(next.weekday(), chrono::Weekday::Fri);
    assert_eq!(next.hour(), 1, "09:00 in Shanghai");
    assert_eq!(
        weekly["schedule"],
        json!({"frequency": "weekly", "hour": 9, "weekday": 5, "day": null})
    );
    app.delete(&format!("/api/v1/deliveries/{id}"))
        .token(&w.rep2.token)
        .send()
        .await
        .expect(404);
    app.delete(&format!("/api/v1/deliveries/{id}"))
        .token(&w.rep1.token)
        .send()
        .await
        .expect(204);
}
