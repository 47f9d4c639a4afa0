//! Files on tickets (`/tickets/{id}/attachments`), on both databases: an
//! agent attaches a photo, the customer's owner lists and downloads the
//! very bytes under its name, people outside the ticket's scope get 404,
//! a viewer may not attach, only the uploader or a service desk lead
//! removes a file (and its bytes go); files that are not what they say, of
//! a type a browser would run, too large, empty or badly named are
//! refused and nothing is kept; uploads are bytes whose type the server
//! reads from them. A reply carries files uploaded to the ticket and not
//! yet sent; another ticket's file, or one already sent, is refused.

use crm_tests::{CustomerBuilder, TestApp, World, both};
use serde_json::json;
use uuid::Uuid;

both!(
    agents_attach_files_that_people_who_see_the_ticket_download,
    files_that_are_not_what_they_say_are_refused,
    a_reply_carries_the_files_uploaded_for_it,
);

/// Uploads are bytes; the server reads their type from them.
const OCTETS: &str = "application/octet-stream";

/// A 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, b'I', b'H', b'D', b'R', 0, 0, 0,
    1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1F, 0x15, 0xC4, 0x89, 0, 0, 0, 0x0A, b'I', b'D', b'A', b'T',
    0x78, 0x9C, 0x63, 0, 1, 0, 0, 5, 0, 1, 0x0D, 0x0A, 0x2D, 0xB4, 0, 0, 0, 0, b'I', b'E', b'N',
    b'D', 0xAE, 0x42, 0x60, 0x82,
];

async fn ticket(app: &TestApp, w: &World) -> String {
    let customer = CustomerBuilder::new(w.ws, "深圳电子")
        .owner(&w.rep1)
        .build(app);
    app.post("/api/v1/tickets")
        .token(&w.admin.token)
        .json(&json!({"customer_id": customer, "subject": "到货破损", "ticket_type": "return"}))
        .send()
        .await
        .expect(201)
        .body["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

fn upload_path(ticket: &str, name: &str) -> String {
    let name: String = name
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("/api/v1/tickets/{ticket}/attachments?file_name={name}")
}

async fn agents_attach_files_that_people_who_see_the_ticket_download(app: TestApp) {
    let w = World::create(&app);
    let agent = w.add_person(&app, "agent@acme.test", "service", None);
    let t = ticket(&app, &w).await;
    let photo = app
        .post(&upload_path(&t, "破损照片 1.png"))
        .token(&agent.token)
        .raw(OCTETS, PNG)
        .send()
        .await
        .expect(201);
    let id = photo.body["id"].as_str().expect("id").to_owned();
    assert_eq!(
        photo.header("location"),
        Some(format!("/api/v1/tickets/{t}/attachments/{id}").as_str())
    );
    assert_eq!(
        (
            photo.body["file_name"].clone(),
            photo.body["content_type"].clone(),
            photo.body["size_bytes"].clone()
        ),
        (
            json!("破损照片 1.png"),
            json!("image/png"),
            json!(PNG.len())
        )
    );
    assert_eq!(photo.body["sha256"].as_str().map(str::len), Some(64));
    assert_eq!(photo.body["uploaded_by"], json!(agent.id));

    // The customer's owner sees the ticket: lists and downloads the very bytes.
    let list = app
        .get(&format!("/api/v1/tickets/{t}/attachments"))
        .token(&w.rep1.token)
        .send()
        .await
        .expect(200);
    assert_eq!(list.body.as_array().map(Vec::len), Some(1));
    let file = app
        .get(&format!("/api/v1/tickets/{t}/attachments/{id}"))
        .token(&w.rep1.token)
        .send()
        .await
        .expect(200);
    assert_eq!(&file.bytes[..], PNG);
    assert_eq!(file.header("content-type"), Some("image/png"));
    assert_eq!(file.header("x-content-type-options"), Some("nosniff"));
    let disposition = file.header("content-disposition").unwrap_or_default();
    assert!(
        disposition.starts_with("attachment")
            && disposition
                .contains("filename*=UTF-8''%E7%A0%B4%E6%8D%9F%E7%85%A7%E7%89%87%201.png"),
        "{disposition}"
    );
    // Outside the ticket's scope there is no such ticket.
    for token in [&w.rep3.token, &w.other_admin.token] {
        app.get(&format!("/api/v1/tickets/{t}/attachments"))
            .token(token)
            .send()
            .await
            .expect(404);
        app.get(&format!("/api/v1/tickets/{t}/attachments/{id}"))
            .token(token)
            .send()
            .await
            .expect(404);
        app.post(&upload_path(&t, "x.png"))
            .token(token)
            .raw(OCTETS, PNG)
            .send()
            .await
            .expect(404);
    }
    // A viewer reads but does not attach.
    app.post(&upload_path(&t, "x.png"))
        .token(&w.viewer.token)
        .raw(OCTETS, PNG)
        .send()
        .await
        .expect(403);

    // The owner attaches a note as UTF-8 text.
    let note = app
        .post(&upload_path(&t, "说明.txt"))
        .token(&w.rep1.token)
        .raw(OCTETS, "客户称外箱完好，内件碎裂。".as_bytes().to_vec())
        .send()
        .await
        .expect(201);
    assert_eq!(note.body["content_type"], "text/plain");
    let note_id = note.body["id"].as_str().expect("id").to_owned();

    // Only the uploader or a lead removes a file; its bytes go with it.
    app.delete(&format!("/api/v1/tickets/{t}/attachments/{id}"))
        .token(&w.rep1.token)
        .send()
        .await
        .expect(403);
    app.delete(&format!("/api/v1/tickets/{t}/attachments/{note_id}"))
        .token(&w.rep1.token)
        .send()
        .await
        .expect(204);
    app.delete(&format!("/api/v1/tickets/{t}/attachments/{id}"))
        .token(&w.admin.token)
        .send()
        .await
        .expect(204);
    app.get(&format!("/api/v1/tickets/{t}/attachments/{id}"))
        .token(&w.admin.token)
        .send()
        .await
        .expect(404);
    let stored = app.state().attachments.dir.join(w.ws.to_string()).join(&id);
    assert!(!stored.exists(), "{} is still there", stored.display());
    let list = app
        .get(&format!("/api/v1/tickets/{t}/attachments"))
        .token(&w.admin.token)
        .send()
        .await
        .expect(200);
    assert_eq!(list.body, json!([]));
}

async fn files_that_are_not_what_they_say_are_refused(app: TestApp) {
    let w = World::create(&app);
    let t = ticket(&app, &w).await;
    let admin = &w.admin.token;
    let send = |name: &str, content_type: &str, bytes: Vec<u8>| {
        app.post(&upload_path(&t, name))
            .token(admin)
            .raw(content_type, bytes)
            .send()
    };
    // The type is what the bytes are, whatever the name says.
    let jpeg = vec![
        0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0, 1,
    ];
    let taken = send("a.png", OCTETS, jpeg).await.expect(201);
    assert_eq!(taken.body["content_type"], "image/jpeg");
    let csv = send("账单.csv", OCTETS, "单号,金额\nA1,100\n".into())
        .await
        .expect(201);
    assert_eq!(csv.body["content_type"], "text/csv");
    // What a browser would run is not accepted, under any name.
    for (name, bytes) in [("a.html", "<script>alert(1)</script>"), ("a.svg", "<svg/>")] {
        let refused = send(name, OCTETS, bytes.into()).await.expect(422);
        assert_eq!(refused.errors(), ["body"]);
    }
    // The client's word for the type is not taken: only bytes are.
    let refused = send("a.png", "image/png", PNG.to_vec()).await.expect(415);
    assert!(
        refused.body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("application/octet-stream")),
        "{}",
        refused.body
    );
    send("a.html", "text/html", b"<p>".to_vec())
        .await
        .expect(415);
    // Text must be UTF-8.
    let refused = send("a.txt", OCTETS, vec![0xB2, 0xE2, 0xCA, 0xD4])
        .await
        .expect(422);
    assert_eq!(refused.errors(), ["body"]);
    let refused = send("..", OCTETS, PNG.to_vec()).await.expect(422);
    assert_eq!(refused.errors(), ["file_name"]);
    let refused = send("a.png", OCTETS, Vec::new()).await.expect(422);
    assert_eq!(refused.errors(), ["body"]);
    // Larger than the limit (1 MiB in the tests).
    let mut big = PNG.to_vec();
    big.resize(1024 * 1024 + 1, 0);
    send("big.png", OCTETS, big).await.expect(413);
    app.post(&upload_path(&Uuid::nil().to_string(), "a.png"))
        .token(admin)
        .raw(OCTETS, PNG)
        .send()
        .await
        .expect(404);
    let list = app
        .get(&format!("/api/v1/tickets/{t}/attachments"))
        .token(admin)
        .send()
        .await
        .expect(200);
    let names: Vec<&str> = list
        .body
        .as_array()
        .map(|l| l.iter().filter_map(|a| a["file_name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        names,
        ["a.png", "账单.csv"],
        "only what was accepted is kept"
    );
    // The schema's pattern for file names is the rule's.
    let spec = crm_http::openapi();
    let param = spec["paths"]["/api/v1/tickets/{id}/attachments"]["post"]["parameters"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "file_name").cloned())
        .unwrap_or_default();
    assert_eq!(
        param["schema"]["pattern"].as_str(),
        Some(crm_domain::service::attachments::FILE_NAME_PATTERN)
    );
}

async fn a_reply_carries_the_files_uploaded_for_it(app: TestApp) {
    let w = World::create(&app);
    let agent = w.add_person(&app, "agent@acme.test", "service", None);
    let t = ticket(&app, &w).await;
    let other = ticket(&app, &w).await;
    let upload = |ticket: String, name: &'static str| {
        let app = &app;
        let token = agent.token.clone();
        async move {
            app.post(&upload_path(&ticket, name))
                .token(&token)
                .raw(OCTETS, PNG.to_vec())
                .send()
                .await
                .expect(201)
                .id()
        }
    };
    let photo = upload(t.clone(), "破损照片.png").await;
    let label = upload(t.clone(), "快递面单.png").await;
    let elsewhere = upload(other.clone(), "别的工单.png").await;
    let replies = format!("/api/v1/tickets/{t}/replies");

    // Another ticket's file, or a file twice, is refused naming it; nothing is written.
    let refused = app
        .post(&replies)
        .token(&agent.token)
        .json(&json!({"body": "照片见附件", "attachment_ids": [photo, elsewhere, photo]}))
        .send()
        .await
        .expect(422);
    assert_eq!(refused.errors(), ["attachment_ids[1]", "attachment_ids[2]"]);
    let none = app
        .get(&replies)
        .token(&agent.token)
        .send()
        .await
        .expect(200);
    assert_eq!(none.body, json!([]));

    let sent = app
        .post(&replies)
        .token(&agent.token)
        .json(
            &json!({"body": "您好，破损照片和快递面单见附件。", "attachment_ids": [photo, label]}),
        )
        .send()
        .await
        .expect(201);
    let reply_id = sent.body["id"].clone();
    let names = |v: &serde_json::Value| -> Vec<String> {
        v.as_array().map_or(vec![], |a| {
            a.iter()
                .filter_map(|f| f["file_name"].as_str().map(str::to_owned))
                .collect()
        })
    };
    assert_eq!(
        names(&sent.body["attachments"]),
        ["破损照片.png", "快递面单.png"]
    );
    // The customer's owner sees the reply with its files; the ticket's list marks them.
    let listed = app
        .get(&replies)
        .token(&w.rep1.token)
        .send()
        .await
        .expect(200);
    assert_eq!(
        names(&listed.body[0]["attachments"]),
        ["破损照片.png", "快递面单.png"]
    );
    let files = app
        .get(&format!("/api/v1/tickets/{t}/attachments"))
        .token(&w.rep1.token)
        .send()
        .await
        .expect(200);
    let linked: Vec<serde_json::Value> = files.body.as_array().map_or(vec![], |a| {
        a.iter().map(|f| f["reply_id"].clone()).collect()
    });
    assert_eq!(linked, [reply_id.clone(), reply_id]);
    // A file already sent is not sent again.
    let again = app
        .post(&replies)
        .token(&agent.token)
        .json(&json!({"body": "再发一次", "attachment_ids": [photo]}))
        .send()
        .await
        .expect(422);
    assert_eq!(again.errors(), ["attachment_ids[0]"]);
}
