//! The service desk at scale: knowledge-base search over `BENCH_ARTICLES`
//! articles (default 10,000) — p50 of warm `GET /articles/search`
//! requests, JSON included, against the same search statement run in the
//! backend's shell — and the assignment of `BENCH_QUEUED` waiting tickets
//! (default 10,000) at once when an agent comes on duty with room for them
//! all (`PUT /service/agents/{id}`: each ticket assigned, versioned and in
//! the change log), against one `UPDATE` of the same rows in the shell.

use std::time::Instant;

use crm_db::articles::{ArticleFields, ArticleRow};
use crm_db::types::Id;
use crm_tests::{TestApp, TestDb, World};
use serde_json::json;

use crate::analytics::{endpoint, ms, shell};

const WORDS: [&str; 24] = [
    "订单", "发货", "物流", "发票", "账户", "登录", "密码", "设备", "安装", "保修", "维修", "配件",
    "价格", "优惠", "会员", "积分", "合同", "对账", "付款", "银行", "客服", "投诉", "建议", "说明",
];

fn article(ws: uuid::Uuid, n: usize) -> ArticleRow {
    let word = |i: usize| WORDS[(n * 7 + i * 13) % WORDS.len()];
    let title = format!("{}{}常见问题 {n}", word(1), word(2));
    let mut body = String::new();
    for i in 0..40 {
        body.push_str(&format!(
            "关于{}和{}的处理流程，请按页面提示操作。",
            word(i),
            word(i + 5)
        ));
        // One article in fifty is about refunds.
        if n.is_multiple_of(50) && i == 20 {
            body.push_str("如何申请退款流程见订单详情页。");
        }
    }
    let now = crm_db::time::now();
    ArticleRow {
        workspace_id: Id(ws),
        id: Id::new(),
        fields: ArticleFields {
            search_terms: crm_app::articles::words::index_terms(&title, &body),
            title,
            body,
            category: word(3).to_owned(),
            locale: "zh-CN".into(),
            status: "internal".into(),
            translation_of: None,
        },
        views: 0,
        helpful: 0,
        not_helpful: 0,
        version: 1,
        created_by: None,
        updated_by: None,
        created_at: now,
        updated_at: now,
    }
}

pub async fn bench(db: TestDb, articles: usize, queued: usize) {
    let postgres = db.url().starts_with("postgres");
    let backend = if postgres { "PostgreSQL" } else { "SQLite" };
    let app = TestApp::new(db);
    let w = World::create(&app);
    // Ten agents of one team share the queue (an agent takes at most 1,000).
    let agents: Vec<_> = (0..10)
        .map(|i| {
            w.add_person(
                &app,
                &format!("agent{i}@acme.test"),
                "service",
                Some(w.team_a),
            )
        })
        .collect();
    let agent = &agents[9];
    let capacity = queued.div_ceil(agents.len());
    let ws = w.ws;
    let started = Instant::now();
    {
        let mut conn = app.conn();
        for chunk in (0..articles).collect::<Vec<_>>().chunks(1000) {
            crm_db::change_log::transaction(&mut conn, |conn| {
                for n in chunk {
                    crm_db::articles::insert(conn, &article(ws, *n))?;
                }
                Ok::<_, crm_db::DbError>(())
            })
            .expect("articles");
        }
        // Statistics, as autovacuum gathers them within a minute of such a
        // load: without them PostgreSQL's planner reads every row of the
        // workspace instead of the word index (36 ms instead of 2 for a rare
        // word, in psql as in the API). Both sides below run after it.
        diesel::RunQueryDsl::execute(diesel::sql_query("ANALYZE articles"), &mut *conn)
            .expect("analyze");
    }
    println!(
        "\n{backend}: {articles} articles cut into words and written in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let service = actix_web::test::init_service(crm_http::app(app.state().clone())).await;
    let api = endpoint(
        &service,
        &agent.token,
        "/api/v1/articles/search?q=%E9%80%80%E6%AC%BE&limit=10",
    )
    .await;
    let api_common = endpoint(
        &service,
        &agent.token,
        "/api/v1/articles/search?q=%E8%AE%A2%E5%8D%95%E5%8F%91%E7%A5%A8&limit=10",
    )
    .await;
    let statement = |terms: &[&str]| {
        if postgres {
            format!(
                "SELECT a.id, ts_rank(a.search_vector, q)::float8 AS score \
                 FROM articles a, to_tsquery('simple', '{}') q WHERE a.workspace_id = '{ws}' \
                 AND a.deleted_at IS NULL AND a.search_vector @@ q \
                 AND a.status IN ('internal', 'public', 'draft') \
                 ORDER BY score DESC, a.updated_at DESC, a.id LIMIT 10",
                terms
                    .iter()
                    .map(|t| format!("''{t}''"))
                    .collect::<Vec<_>>()
                    .join(" | ")
            )
        } else {
            format!(
                "SELECT a.id, -bm25(articles_fts) AS score FROM articles_fts JOIN articles a \
                 ON a.workspace_id = articles_fts.workspace_id AND a.id = articles_fts.article_id \
                 WHERE articles_fts MATCH '{}' AND articles_fts.workspace_id = '{ws}' \
                 AND a.deleted_at IS NULL AND a.status IN ('internal', 'public', 'draft') \
                 ORDER BY score DESC, a.updated_at DESC, a.id LIMIT 10",
                terms
                    .iter()
                    .map(|t| format!("\"{t}\""))
                    .collect::<Vec<_>>()
                    .join(" OR ")
            )
        }
    };
    let direct = shell(&app.db, &statement(&["退款"]));
    let direct_common = shell(&app.db, &statement(&["订单", "发票"]));
    println!("{:<44}{:>10}{:>10}{:>8}", "p50, ms", "API", "SQL", "ratio");
    for (what, a, d) in [
        ("search 退款 (one article in fifty)", api, direct),
        (
            "search 订单发票 (words in most articles)",
            api_common,
            direct_common,
        ),
    ] {
        println!(
            "{what:<44}{:>10.1}{:>10.1}{:>7.1}x",
            ms(a),
            ms(d),
            ms(a) / ms(d).max(1e-3)
        );
        crate::results::record(
            "service",
            backend,
            what,
            "ms p50",
            ms(a),
            Some(ms(d)),
            crate::results::Better::Lower,
        );
    }

    let duty = |person: &crm_tests::Person| {
        app.put(&format!("/api/v1/service/agents/{}", person.id))
            .token(&person.token)
            .json(&json!({"on_duty": false, "capacity": capacity}))
    };
    for person in &agents {
        duty(person).send().await.expect(200);
    }
    // Nine come on duty while the queue is empty …
    for person in &agents[..9] {
        app.put(&format!("/api/v1/service/agents/{}", person.id))
            .token(&person.token)
            .json(&json!({"on_duty": true, "capacity": capacity}))
            .send()
            .await
            .expect(200);
    }
    // A team's queue of waiting tickets, oldest first.
    let customer = crm_tests::CustomerBuilder::new(ws, "排队客户").build(&app);
    {
        let mut conn = app.conn();
        let now = crm_db::time::now();
        crm_db::change_log::transaction(&mut conn, |conn| {
            for n in 0..queued {
                let mut fields = crm_app::tickets::rules::blank(customer);
                fields.subject = format!("排队工单 {n}");
                fields.team_id = Some(Id(w.team_a));
                let fields = fields.with_search_text();
                let at = now - chrono::Duration::seconds((queued - n) as i64);
                crm_db::tickets::insert(conn, ws, None, at, fields)?;
            }
            Ok::<_, crm_db::DbError>(())
        })
        .expect("queued tickets");
    }
    // … the queue fills, and the tenth coming on duty hands it all out.
    let started = Instant::now();
    app.put(&format!("/api/v1/service/agents/{}", agent.id))
        .token(&agent.token)
        .json(&json!({"on_duty": true, "capacity": capacity}))
        .send()
        .await
        .expect(200);
    let assign = started.elapsed();
    let listed = app
        .get("/api/v1/service/agents")
        .token(&agent.token)
        .send()
        .await
        .expect(200);
    let open: i64 = listed.body.as_array().map_or(0, |a| {
        a.iter().filter_map(|x| x["open_tickets"].as_i64()).sum()
    });
    assert_eq!(open, queued as i64, "every queued ticket assigned");
    let update = format!(
        "UPDATE tickets SET assignee_id = '{}', version = version + 1, updated_at = CURRENT_TIMESTAMP \
         WHERE workspace_id = '{ws}' AND team_id = '{}' AND deleted_at IS NULL",
        agent.id, w.team_a
    );
    let direct = shell(&app.db, &update);
    println!(
        "{:<44}{:>10.1}{:>10.1}{:>7.1}x",
        format!("assign {queued} queued tickets"),
        ms(assign),
        ms(direct),
        ms(assign) / ms(direct).max(1e-3)
    );
    crate::results::record(
        "service",
        backend,
        &format!("assign {queued} queued tickets"),
        "ms",
        ms(assign),
        Some(ms(direct)),
        crate::results::Better::Lower,
    );
    println!(
        "(SQL = the same statement in the backend's shell, p50 warm; assign: once, vs one UPDATE of the same rows)"
    );
}
