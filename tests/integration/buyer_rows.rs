//! The map's lifetime value and churn rate, and the KPIs' buyers, read
//! from the buyers' `customer_metrics` rows (`crm_db::analytics::sum_buyers`,
//! `crm_db::analytics::rows`): the same answers as from the orders and
//! through the join with the customers, and, once the rows are tampered
//! with behind the server's back, the rows' answers.

use crm_tests::{TestApp, both};
use diesel::RunQueryDsl;

use crate::analytics::today;
use crate::sales_rollups::world_with_orders;

both!(the_maps_lifetime_value_and_churn_read_the_buyers_rows);

/// The map's value per group, by key ("" for none), and its total.
async fn map(app: &TestApp, token: &str, query: &str) -> (Vec<(String, f64)>, f64) {
    let body = app
        .get(&format!("/api/v1/analytics/distribution?{query}"))
        .token(token)
        .send()
        .await
        .expect(200)
        .body;
    let mut groups: Vec<(String, f64)> = body["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|g| {
            let key = g["key"].as_str().unwrap_or_default().to_owned();
            (key, g["value"].as_f64().expect("value"))
        })
        .collect();
    groups.sort_by(|a, b| a.0.cmp(&b.0));
    (groups, body["total"]["value"].as_f64().expect("total"))
}

/// Lifetime value and churn over every order before the window's end come
/// from the buyers' metrics rows when no order is dated after it (a window
/// ending today), and from the orders otherwise: the answers are the sums
/// of the orders either way, and once the rows are tampered with behind the
/// server's back only the first kind of window follows them.
async fn the_maps_lifetime_value_and_churn_read_the_buyers_rows(app: TestApp) {
    let (w, _, _) = world_with_orders(&app).await;
    let admin = &w.admin.token;
    let by_province = |values: [f64; 2]| {
        vec![
            ("110000".to_owned(), values[0]),
            ("440000".to_owned(), values[1]),
        ]
    };
    // Every revenue order: 深圳一号 700 + 1,000, 广州二号 2,000, 北京三号 5,000.
    let clv = "dimension=region&measure=clv";
    assert_eq!(
        map(&app, admin, clv).await,
        (by_province([5_000.0, 1_850.0]), 2_900.0)
    );
    let (mine, total) = map(&app, &w.rep3.token, "dimension=owner&measure=clv").await;
    assert_eq!(mine, vec![(w.rep3.id.to_string(), 2_000.0)]);
    assert_eq!(total, 2_000.0);
    let (_, retail) = map(&app, admin, &format!("{clv}&industry=retail")).await;
    assert_eq!(retail, 1_700.0);
    // A drill-down's total is its parent's, made of its groups' sums:
    // 广东's two buyers, (1,700 + 2,000) / 2.
    let guangdong = "dimension=region&level=city&parent=440000&measure=clv";
    assert_eq!(
        map(&app, admin, guangdong).await,
        (
            vec![
                ("440100".to_owned(), 2_000.0),
                ("440300".to_owned(), 1_700.0)
            ],
            1_850.0
        )
    );
    let churn = "dimension=region&measure=churn_rate";
    assert_eq!(
        map(&app, admin, churn).await,
        (by_province([0.0, 0.0]), 0.0)
    );
    // By owner (北京三号 is its creator's): the rows carry their customers'
    // owners, read without a join.
    let by_owner = |value: f64| {
        let mut owners = vec![
            (w.admin.id.to_string(), value),
            (w.rep1.id.to_string(), value),
            (w.rep3.id.to_string(), value),
        ];
        owners.sort_by(|a, b| a.0.cmp(&b.0));
        owners
    };
    let owner_churn = "dimension=owner&measure=churn_rate";
    assert_eq!(map(&app, admin, owner_churn).await, (by_owner(0.0), 0.0));
    // The keys read from the rows alone equal those read through the join
    // with the customers (a filter that keeps everyone takes the join).
    for query in [
        "dimension=owner&measure=clv",
        "dimension=team&measure=churn_rate",
        "dimension=value_tier&measure=clv",
        "dimension=rfm_segment&measure=clv",
        "dimension=owner&by=value_tier&measure=churn_rate",
        "dimension=region&measure=clv",
        "dimension=region&level=city&parent=440000&measure=churn_rate",
        "dimension=region&level=district&measure=clv&region=440000",
        "dimension=industry&measure=clv&kind=organization",
        "dimension=kind&by=region&measure=clv",
        "dimension=age_band&measure=churn_rate&source=referral",
        "dimension=owner&measure=clv&region=440300&lifecycle_stage=customer",
    ] {
        for token in [admin, &w.manager1.token, &w.rep1.token] {
            let alone = map(&app, token, query).await;
            let joined = map(&app, token, &format!("{query}&max_orders=1000000")).await;
            assert_eq!(alone, joined, "{query}");
        }
    }
    // Five days ago, before the latest orders: from the orders (广州二号
    // had not bought yet, 深圳一号 only the 700).
    let before = (today() - chrono::Duration::days(5)).format("%Y-%m-%d");
    let past = format!("{clv}&from={before}&to={before}");
    assert_eq!(
        map(&app, admin, &past).await,
        (by_province([5_000.0, 700.0]), 2_850.0)
    );
    let tamper = |sql: &str| {
        diesel::sql_query(sql)
            .execute(&mut *app.conn())
            .expect("tampered")
    };
    tamper("UPDATE customer_metrics SET revenue_minor = revenue_minor * 2");
    assert_eq!(
        map(&app, admin, clv).await,
        (by_province([10_000.0, 3_700.0]), 5_800.0)
    );
    assert_eq!(
        map(&app, admin, &past).await,
        (by_province([5_000.0, 700.0]), 2_850.0)
    );
    // Every buyer's last order long ago: all churned.
    tamper("UPDATE customer_metrics SET last_order_on = '2000-01-01'");
    assert_eq!(
        map(&app, admin, churn).await,
        (by_province([1.0, 1.0]), 1.0)
    );
    assert_eq!(map(&app, admin, owner_churn).await, (by_owner(1.0), 1.0));
    // The owners the rows carry are what the map groups by.
    tamper("UPDATE customer_metrics SET owner_id = NULL");
    assert_eq!(
        map(&app, admin, owner_churn).await,
        (vec![(String::new(), 1.0)], 1.0)
    );
    // So are their provinces and industries, grouped by or filtered on:
    // 10,000 + 3,400 + 4,000 over three buyers. The KPIs count the buyers
    // the rows say are in retail: 深圳一号 first bought 400 days ago, the
    // other two within the year.
    let new_in_retail = || async {
        let body = app
            .get("/api/v1/analytics/kpis?industry=retail")
            .token(admin)
            .send()
            .await
            .expect(200)
            .body;
        body["new_buyers"].as_i64().expect("new buyers")
    };
    assert_eq!(new_in_retail().await, 0);
    tamper("UPDATE customer_metrics SET province_code = '110000', industry = 'retail'");
    assert_eq!(
        map(&app, admin, clv).await,
        (vec![("110000".to_owned(), 5_800.0)], 5_800.0)
    );
    let (_, retail) = map(&app, admin, &format!("{clv}&industry=retail")).await;
    assert_eq!(retail, 5_800.0);
    assert_eq!(new_in_retail().await, 2);
}
