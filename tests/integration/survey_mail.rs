//! A satisfaction survey mailed from a resolved ticket, on both databases
//! against an SMTP sink the test starts: the link goes to the ticket's
//! contact (else the customer) through the `survey.mail` job, points at
//! `CRM_PUBLIC_URL` and answers the survey without signing in; a ticket
//! whose people have no address is refused naming `by_email`, with no
//! survey written; a link to copy into a chat is not mailed.

use std::time::Duration;

use crm_tests::smtp::SmtpSink;
use crm_tests::{CustomerBuilder, TestApp, World, both};
use mail_parser::MessageParser;
use serde_json::{Value, json};
use uuid::Uuid;

both!(a_survey_link_is_mailed_to_the_tickets_contact_and_answers_it);

async fn resolved_ticket(app: &TestApp, token: &str, body: Value) -> Uuid {
    let id = app
        .post("/api/v1/tickets")
        .token(token)
        .json(&body)
        .send()
        .await
        .expect(201)
        .id();
    app.patch(&format!("/api/v1/tickets/{id}"))
        .token(token)
        .json(&json!({"status": "resolved"}))
        .send()
        .await
        .expect(200);
    id
}

async fn a_survey_link_is_mailed_to_the_tickets_contact_and_answers_it(mut app: TestApp) {
    let sink = SmtpSink::start();
    app.mailer = crm_app::mail::Mailer::smtp(&sink.url(), Some("客服中心 <desk@acme.test>"))
        .and_then(|m| m.with_public_url("https://crm.acme.test/"))
        .expect("mailer");
    app.start_workers(2);
    let w = World::create(&app);
    let agent = w.add_person(&app, "agent@acme.test", "service", None);
    let customer = CustomerBuilder::new(w.ws, "苏州云帆贸易")
        .owner(&w.rep1)
        .build(&app);
    let contact = app
        .post("/api/v1/contacts")
        .token(&w.admin.token)
        .json(&json!({"customer_id": customer, "name": "王芳", "email": "wangfang@yunfan.test"}))
        .send()
        .await
        .expect(201)
        .id();

    // Nobody to mail: refused naming the field, and nothing sent or kept.
    let silent = CustomerBuilder::new(w.ws, "无邮箱客户")
        .owner(&w.rep1)
        .build(&app);
    let lonely = resolved_ticket(
        &app,
        &agent.token,
        json!({"customer_id": silent, "subject": "没有邮箱", "ticket_type": "inquiry", "assignee_id": agent.id}),
    )
    .await;
    let refused = app
        .post(&format!("/api/v1/tickets/{lonely}/surveys"))
        .token(&agent.token)
        .json(&json!({"kind": "csat", "by_email": true}))
        .send()
        .await
        .expect(422);
    assert_eq!(refused.errors(), vec!["by_email".to_owned()]);
    let kept = app
        .get(&format!("/api/v1/tickets/{lonely}/surveys"))
        .token(&agent.token)
        .send()
        .await
        .expect(200);
    assert_eq!(kept.body, json!([]));

    let ticket = resolved_ticket(
        &app,
        &agent.token,
        json!({"customer_id": customer, "contact_id": contact, "subject": "货物破损",
            "ticket_type": "return", "assignee_id": agent.id}),
    )
    .await;
    let sent = app
        .post(&format!("/api/v1/tickets/{ticket}/surveys"))
        .token(&agent.token)
        .json(&json!({"kind": "csat", "by_email": true}))
        .send()
        .await
        .expect(201)
        .body;
    assert_eq!(sent["mailed_to"], "wangfang@yunfan.test");
    let token = sent["token"].as_str().expect("token").to_owned();

    let mails = sink.wait_for(1, Duration::from_secs(30));
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, vec!["wangfang@yunfan.test".to_owned()]);
    let message = MessageParser::default()
        .parse(&mails[0].data)
        .expect("a MIME message");
    assert!(
        message.subject().unwrap_or_default().contains("#"),
        "{:?}",
        message.subject()
    );
    let text = message.body_text(0).unwrap_or_default().into_owned();
    let link = format!("https://crm.acme.test/survey/{token}");
    assert!(text.contains(&link), "{text}");
    assert!(text.contains("货物破损"), "{text}");

    // The mailed link's token answers the survey, without signing in.
    let path = format!("/api/v1/public/surveys/{token}");
    let question = app.get(&path).send().await.expect(200);
    assert_eq!(question.body["ticket_subject"], "货物破损");
    app.post(&path)
        .json(&json!({"score": 5, "comment": "处理很快"}))
        .send()
        .await
        .expect(204);
    let answered = app
        .get(&format!("/api/v1/tickets/{ticket}/surveys"))
        .token(&agent.token)
        .send()
        .await
        .expect(200);
    assert_eq!(answered.body[0]["score"], 5);

    // A link copied into a chat instead is not mailed.
    let nps = app
        .post(&format!("/api/v1/tickets/{ticket}/surveys"))
        .token(&agent.token)
        .json(&json!({"kind": "nps"}))
        .send()
        .await
        .expect(201)
        .body;
    assert_eq!(nps["mailed_to"], Value::Null);
    actix_rt::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(sink.received().len(), 1);
}
