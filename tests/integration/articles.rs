//! The knowledge base (知识库): Chinese and English search ranked with
//! highlighted snippets on both databases, the index following edits and
//! deletes, who sees drafts and who writes, the articles linked from a
//! ticket, the public FAQ (off by default, public articles only, no
//! sign-in), helpfulness and views, and refusals naming the field.

use crm_tests::{CustomerBuilder, TestApp, World, both};
use serde_json::{Value, json};

both!(
    a_two_character_chinese_word_finds_the_article_that_holds_it,
    drafts_are_for_the_editors_and_only_they_write,
    tickets_link_the_articles_that_answered_them,
    the_public_faq_shows_public_articles_without_sign_in_once_switched_on,
    bad_article_input_is_refused_naming_the_field,
);

fn titles(hits: &Value) -> Vec<String> {
    hits.as_array()
        .map(|a| {
            a.iter()
                .map(|h| h["title"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn marked(hit: &Value) -> Vec<String> {
    hit["snippet"]
        .as_array()
        .map(|parts| {
            parts
                .iter()
                .filter(|p| p["highlight"] == true)
                .map(|p| p["text"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

async fn write(app: &TestApp, token: &str, body: Value) -> Value {
    app.post("/api/v1/articles")
        .token(token)
        .json(&body)
        .send()
        .await
        .expect(201)
        .body
}

async fn search(app: &TestApp, token: &str, q: &str) -> Value {
    app.get(&format!("/api/v1/articles/search?q={}", urlencode(q)))
        .token(token)
        .send()
        .await
        .expect(200)
        .body
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn a_two_character_chinese_word_finds_the_article_that_holds_it(app: TestApp) {
    let w = World::create(&app);
    let agent = w.add_person(&app, "agent@acme.test", "service", None);
    let t = &agent.token;
    let refund = write(&app, t, json!({"title": "如何申请退款流程", "category": "退换货", "status": "internal",
        "body": "在订单详情页点击申请退款，填写原因并上传凭证。\n审核通过后 3 个工作日内原路退回。"})).await;
    write(
        &app,
        t,
        json!({"title": "发票开具说明", "category": "财务", "status": "internal",
        "body": "增值税专用发票需提供税号、开户行。退款订单的发票会作废重开。"}),
    )
    .await;
    write(
        &app,
        t,
        json!({"title": "快递破损怎么办", "category": "物流", "status": "internal",
        "body": "签收时发现包装破损，请拍照后联系客服。"}),
    )
    .await;
    let english = write(&app, t, json!({"title": "How to request a refund", "category": "Returns",
        "status": "internal", "locale": "en", "translation_of": refund["id"],
        "body": "Open the order, choose Request refund, and give a reason. Refunds reach you in 3 working days."})).await;
    assert_eq!(english["translation_of"], refund["id"]);

    // 退款 sits inside 如何申请退款流程 and inside the invoice article's body:
    // the title match ranks first, both are found, the third is not.
    let hits = search(&app, t, "退款").await;
    assert_eq!(titles(&hits), vec!["如何申请退款流程", "发票开具说明"]);
    assert!(marked(&hits[0]).iter().all(|m| m == "退款") && !marked(&hits[0]).is_empty());
    assert_eq!(marked(&hits[1]), vec!["退款"]);
    // A question in a sentence, stop words and punctuation dropped.
    let hits = search(&app, t, "快递包装破损了怎么办？").await;
    assert_eq!(titles(&hits)[0], "快递破损怎么办");
    // English, any case; the locale narrows.
    let hits = search(&app, t, "REFUND").await;
    assert_eq!(titles(&hits), vec!["How to request a refund"]);
    assert_eq!(marked(&hits[0])[0], "refund");
    let zh_only = app
        .get(&format!(
            "/api/v1/articles/search?q={}&locale=zh-CN",
            urlencode("refund 退款")
        ))
        .token(t)
        .send()
        .await
        .expect(200);
    assert_eq!(titles(&zh_only.body).len(), 2);
    // Nothing to search for is no hit, not an error.
    assert_eq!(search(&app, t, "！？").await, json!([]));

    // The index follows an edit …
    let id = refund["id"].as_str().unwrap_or_default().to_owned();
    let edited = app
        .patch(&format!("/api/v1/articles/{id}"))
        .token(t)
        .header("If-Match", "\"1\"")
        .json(&json!({"body": "退货退款请先联系客服确认退货地址。"}))
        .send()
        .await
        .expect(200);
    assert_eq!(edited.header("etag"), Some("\"2\""));
    assert_eq!(
        titles(&search(&app, t, "退货地址").await),
        vec!["如何申请退款流程"]
    );
    assert_eq!(search(&app, t, "凭证").await, json!([]));
    // … and a delete.
    app.delete(&format!("/api/v1/articles/{id}"))
        .token(t)
        .header("If-Match", "\"2\"")
        .send()
        .await
        .expect(204);
    assert_eq!(titles(&search(&app, t, "退款").await), vec!["发票开具说明"]);
    app.get(&format!("/api/v1/articles/{id}"))
        .token(t)
        .send()
        .await
        .expect(404);
    // Another workspace finds nothing of acme's.
    assert_eq!(search(&app, &w.other_admin.token, "退款").await, json!([]));
    let changes = app
        .get("/api/v1/changes?entity=article")
        .token(&w.admin.token)
        .send()
        .await
        .expect(200);
    let ops: Vec<&str> = changes.body["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|i| i["op"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        ops,
        vec!["create", "create", "create", "create", "update", "delete"]
    );
}

async fn drafts_are_for_the_editors_and_only_they_write(app: TestApp) {
    let w = World::create(&app);
    let agent = w.add_person(&app, "agent@acme.test", "service", None);
    let draft = write(
        &app,
        &agent.token,
        json!({"title": "退款政策草稿", "category": "退换货",
        "body": "尚未定稿的退款政策。"}),
    )
    .await;
    assert_eq!(draft["status"], "draft");
    let internal = write(
        &app,
        &agent.token,
        json!({"title": "退款审核要点", "category": "退换货",
        "body": "退款审核看凭证。", "status": "internal"}),
    )
    .await;
    // A rep reads internal articles, not drafts: not in lists, search, or by id.
    let rep = &w.rep1.token;
    assert_eq!(
        titles(&search(&app, rep, "退款").await),
        vec!["退款审核要点"]
    );
    let listed = app
        .get("/api/v1/articles")
        .token(rep)
        .send()
        .await
        .expect(200);
    assert_eq!(titles(&listed.body["items"]), vec!["退款审核要点"]);
    let draft_id = draft["id"].as_str().unwrap_or_default();
    app.get(&format!("/api/v1/articles/{draft_id}"))
        .token(rep)
        .send()
        .await
        .expect(404);
    let categories = app
        .get("/api/v1/articles/categories")
        .token(rep)
        .send()
        .await
        .expect(200);
    assert_eq!(categories.body, json!([{"name": "退换货", "articles": 1}]));
    // The editor sees both, newest first, and filters by status.
    let listed = app
        .get("/api/v1/articles?status=draft")
        .token(&agent.token)
        .send()
        .await
        .expect(200);
    assert_eq!(titles(&listed.body["items"]), vec!["退款政策草稿"]);
    // A rep may not write, change or delete.
    app.post("/api/v1/articles")
        .token(rep)
        .json(&json!({"title": "x", "category": "x", "body": "x"}))
        .send()
        .await
        .expect(403);
    let internal_id = internal["id"].as_str().unwrap_or_default();
    app.patch(&format!("/api/v1/articles/{internal_id}"))
        .token(rep)
        .json(&json!({"title": "改"}))
        .send()
        .await
        .expect(403);
    app.delete(&format!("/api/v1/articles/{internal_id}"))
        .token(rep)
        .send()
        .await
        .expect(403);
    // Anyone who reads it may count a view and vote.
    app.post(&format!("/api/v1/articles/{internal_id}/views"))
        .token(rep)
        .send()
        .await
        .expect(204);
    app.post(&format!("/api/v1/articles/{internal_id}/votes"))
        .token(rep)
        .json(&json!({"helpful": true}))
        .send()
        .await
        .expect(204);
    app.post(&format!("/api/v1/articles/{internal_id}/votes"))
        .token(&w.viewer.token)
        .json(&json!({"helpful": false}))
        .send()
        .await
        .expect(204);
    app.post(&format!("/api/v1/articles/{draft_id}/votes"))
        .token(rep)
        .json(&json!({"helpful": true}))
        .send()
        .await
        .expect(404);
    let counted = app
        .get(&format!("/api/v1/articles/{internal_id}"))
        .token(rep)
        .send()
        .await
        .expect(200);
    assert_eq!(
        (
            counted.body["views"].as_i64(),
            counted.body["helpful"].as_i64(),
            counted.body["not_helpful"].as_i64()
        ),
        (Some(1), Some(1), Some(1))
    );
    // Another workspace's admin: 404.
    app.get(&format!("/api/v1/articles/{internal_id}"))
        .token(&w.other_admin.token)
        .send()
        .await
        .expect(404);
}

async fn tickets_link_the_articles_that_answered_them(app: TestApp) {
    let w = World::create(&app);
    let agent = w.add_person(&app, "agent@acme.test", "service", None);
    let article = write(
        &app,
        &agent.token,
        json!({"title": "如何申请退款", "category": "退换货",
        "body": "在订单页申请退款。", "status": "public"}),
    )
    .await;
    let article_id = article["id"].as_str().unwrap_or_default().to_owned();
    let mine = CustomerBuilder::new(w.ws, "苏州云帆贸易")
        .owner(&w.rep1)
        .build(&app);
    let theirs = CustomerBuilder::new(w.ws, "杭州远景")
        .owner(&w.rep3)
        .build(&app);
    let open =
        |customer| json!({"customer_id": customer, "subject": "要退款", "ticket_type": "return"});
    let ticket = app
        .post("/api/v1/tickets")
        .token(&agent.token)
        .json(&open(mine))
        .send()
        .await
        .expect(201)
        .id();
    let other = app
        .post("/api/v1/tickets")
        .token(&agent.token)
        .json(&open(theirs))
        .send()
        .await
        .expect(201)
        .id();
    let path = format!("/api/v1/tickets/{ticket}/articles");
    let linked = app
        .post(&path)
        .token(&agent.token)
        .json(&json!({"article_id": article_id}))
        .send()
        .await
        .expect(200);
    assert_eq!(titles(&linked.body), vec!["如何申请退款"]);
    // Twice is once; the customer's owner sees the link.
    app.post(&path)
        .token(&agent.token)
        .json(&json!({"article_id": article_id}))
        .send()
        .await
        .expect(200);
    let seen = app.get(&path).token(&w.rep1.token).send().await.expect(200);
    assert_eq!(titles(&seen.body), vec!["如何申请退款"]);
    // Another rep's customer's ticket is not there for rep1.
    app.get(&format!("/api/v1/tickets/{other}/articles"))
        .token(&w.rep1.token)
        .send()
        .await
        .expect(404);
    app.post(&format!("/api/v1/tickets/{other}/articles"))
        .token(&w.rep1.token)
        .json(&json!({"article_id": article_id}))
        .send()
        .await
        .expect(404);
    // The viewer reads but may not link.
    app.post(&path)
        .token(&w.viewer.token)
        .json(&json!({"article_id": article_id}))
        .send()
        .await
        .expect(403);
    // An article that does not exist is named.
    let bad = app
        .post(&path)
        .token(&agent.token)
        .json(&json!({"article_id": uuid::Uuid::nil()}))
        .send()
        .await
        .expect(422);
    assert_eq!(bad.errors(), vec!["article_id"]);
    let left = app
        .delete(&format!("{path}/{article_id}"))
        .token(&agent.token)
        .send()
        .await
        .expect(200);
    assert_eq!(left.body, json!([]));
    app.delete(&format!("{path}/{article_id}"))
        .token(&agent.token)
        .send()
        .await
        .expect(404);
}

async fn the_public_faq_shows_public_articles_without_sign_in_once_switched_on(app: TestApp) {
    let w = World::create(&app);
    let agent = w.add_person(&app, "agent@acme.test", "service", None);
    let public = write(
        &app,
        &agent.token,
        json!({"title": "如何申请退款", "category": "退换货",
        "body": "在订单页申请退款。", "status": "public"}),
    )
    .await;
    write(
        &app,
        &agent.token,
        json!({"title": "退款审核内部口径", "category": "退换货",
        "body": "内部：退款审核看凭证。", "status": "internal"}),
    )
    .await;
    let id = public["id"].as_str().unwrap_or_default().to_owned();
    // Off by default: nothing there, not even for a signed-in caller.
    app.get("/api/v1/public/acme/articles")
        .send()
        .await
        .expect(404);
    app.get(&format!("/api/v1/public/acme/articles/{id}"))
        .send()
        .await
        .expect(404);
    let current = app
        .get("/api/v1/service/settings")
        .token(&w.admin.token)
        .send()
        .await
        .expect(200);
    assert_eq!(current.body["public_faq"], false);
    let mut settings = current.body.clone();
    settings["public_faq"] = json!(true);
    // A rep may not switch it on.
    app.put("/api/v1/service/settings")
        .token(&w.rep1.token)
        .json(&settings)
        .send()
        .await
        .expect(403);
    app.put("/api/v1/service/settings")
        .token(&w.admin.token)
        .json(&settings)
        .send()
        .await
        .expect(200);

    let listed = app
        .get("/api/v1/public/acme/articles")
        .send()
        .await
        .expect(200);
    assert_eq!(titles(&listed.body), vec!["如何申请退款"]);
    assert!(
        listed.body[0].get("views").is_none(),
        "the FAQ shows no bookkeeping"
    );
    let found = app
        .get(&format!(
            "/api/v1/public/acme/articles/search?q={}",
            urlencode("退款")
        ))
        .send()
        .await
        .expect(200);
    assert_eq!(titles(&found.body), vec!["如何申请退款"]);
    app.get(&format!("/api/v1/public/acme/articles/{id}"))
        .send()
        .await
        .expect(200);
    let counted = app
        .get(&format!("/api/v1/articles/{id}"))
        .token(&agent.token)
        .send()
        .await
        .expect(200);
    assert_eq!(counted.body["views"], 1);
    // Other workspaces' FAQ stays off; unknown workspaces are 404.
    app.get("/api/v1/public/other/articles")
        .send()
        .await
        .expect(404);
    app.get("/api/v1/public/nobody/articles")
        .send()
        .await
        .expect(404);
    let en = app
        .get("/api/v1/public/acme/articles?locale=en")
        .send()
        .await
        .expect(200);
    assert_eq!(en.body, json!([]));
}

async fn bad_article_input_is_refused_naming_the_field(app: TestApp) {
    let w = World::create(&app);
    let t = &w.admin.token;
    let long = "长".repeat(20_001);
    for (body, field) in [
        (
            json!({"title": "  ", "category": "x", "body": "x"}),
            "title",
        ),
        (json!({"title": "x", "category": "x", "body": long}), "body"),
        (
            json!({"title": "x", "category": "x", "body": "x", "translation_of": uuid::Uuid::nil()}),
            "translation_of",
        ),
        (
            json!({"title": "x", "category": "x", "body": "x", "status": "secret"}),
            "status",
        ),
        (
            json!({"title": "x", "category": "x", "body": "x", "locale": "fr"}),
            "locale",
        ),
    ] {
        let refused = app
            .post("/api/v1/articles")
            .token(t)
            .json(&body)
            .send()
            .await
            .expect(422);
        assert_eq!(refused.errors(), vec![field], "{body}");
    }
    for (query, param) in [
        ("/api/v1/articles/search", "q"),
        ("/api/v1/articles/search?q=x&limit=0", "limit"),
        ("/api/v1/articles/search?q=x&locale=fr", "locale"),
        ("/api/v1/articles?sort=views", "sort"),
    ] {
        let refused = app.get(query).token(t).send().await.expect(400);
        assert!(
            refused.body.to_string().contains(param),
            "{query}: {}",
            refused.body
        );
    }
    // A title counts once trimmed: 200 characters with spaces around are fine.
    let padded = format!("   {}   ", "字".repeat(200));
    let kept = write(
        &app,
        t,
        json!({"title": padded, "category": "x", "body": "x"}),
    )
    .await;
    assert_eq!(kept["title"].as_str().map(|s| s.chars().count()), Some(200));
    let a = write(&app, t, json!({"title": "x", "category": "x", "body": "x"})).await;
    let id = a["id"].as_str().unwrap_or_default();
    let own = app
        .patch(&format!("/api/v1/articles/{id}"))
        .token(t)
        .json(&json!({"translation_of": id}))
        .send()
        .await
        .expect(422);
    assert_eq!(own.errors(), vec!["translation_of"]);
    app.patch(&format!("/api/v1/articles/{id}"))
        .token(t)
        .header("If-Match", "\"7\"")
        .json(&json!({"title": "y"}))
        .send()
        .await
        .expect(412);
}
