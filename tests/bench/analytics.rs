//! Analytics latency at demo size: seeds `BENCH_ANALYTICS_CUSTOMERS`
//! customers (default 100,000, the `m` size, about a million orders) with
//! `crm demo`'s generator, then times each analytics endpoint warm (p50 of
//! `RUNS` in-process requests, JSON included) against the SQL it is built
//! on, run directly in the backend's own shell (`psql` with `\timing`,
//! `sqlite3` with `.timer on`), also p50 warm.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{Datelike, Duration as Days, Utc};
use crm_domain::forecast::{Period, PeriodKind};
use crm_tests::{TestApp, TestDb};

const RUNS: usize = 15;

pub(crate) fn p50(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// p50 of warm requests to one app instance (built once, as a server does).
pub(crate) async fn endpoint<S, B>(service: &S, token: &str, path: &str) -> Duration
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let mut samples = Vec::new();
    for i in 0..RUNS + 2 {
        let request = actix_web::test::TestRequest::get()
            .uri(path)
            .insert_header(("authorization", format!("Bearer {token}")))
            .to_request();
        let started = Instant::now();
        let response = actix_web::test::call_service(service, request).await;
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        let body = actix_web::test::read_body(response).await;
        if i >= 2 {
            samples.push(started.elapsed());
        }
        assert!(!body.is_empty());
    }
    p50(samples)
}

/// p50 of the statement run `RUNS` times in the backend's shell, after two
/// warm-up runs.
pub(crate) fn shell(db: &TestDb, sql: &str) -> Duration {
    let url = db.url().to_owned();
    let sqlite = url.strip_prefix("sqlite://").map(str::to_owned);
    let mut script = String::from(if sqlite.is_some() {
        ".timer on\n.output /dev/null\n"
    } else {
        "\\timing on\n\\o /dev/null\n"
    });
    for _ in 0..RUNS + 2 {
        script.push_str(sql);
        script.push_str(";\n");
    }
    let mut child = match &sqlite {
        Some(path) => Command::new("sqlite3")
            .arg(path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn(),
        None => Command::new("psql")
            .arg(&url)
            .arg("-q")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn(),
    }
    .expect("database shell");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(script.as_bytes())
        .expect("script");
    let out = child.wait_with_output().expect("shell output");
    let text = String::from_utf8_lossy(&out.stdout);
    let samples: Vec<Duration> = text
        .lines()
        .filter_map(|l| {
            if let Some(rest) = l.strip_prefix("Time: ") {
                rest.split(' ')
                    .next()?
                    .parse::<f64>()
                    .ok()
                    .map(|ms| Duration::from_secs_f64(ms / 1000.0))
            } else if let Some(rest) = l.strip_prefix("Run Time: real ") {
                rest.split(' ')
                    .next()?
                    .parse::<f64>()
                    .ok()
                    .map(Duration::from_secs_f64)
            } else {
                None
            }
        })
        .skip(2)
        .collect();
    assert!(!samples.is_empty(), "no timings from the shell: {text}");
    p50(samples)
}

pub(crate) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub async fn bench(db: TestDb, customers: usize) {
    let backend = if db.url().starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let app = TestApp::new(db);
    let today = Utc::now().date_naive();
    let started = Instant::now();
    let seeded = {
        let mut conn = app.conn();
        crm_server::demo::seed(&mut conn, customers, today).expect("demo data")
    };
    let seed_time = started.elapsed();
    let ws = seeded.workspace_id;
    let admin = {
        let mut conn = app.conn();
        crm_db::users::find_by_email(&mut conn, ws, "admin@demo.test")
            .expect("query")
            .expect("admin")
            .id
            .0
    };
    let token = app.token_for(admin, ws);
    println!(
        "\n{backend}: demo data of {} customers and {} orders generated in {:.1} s",
        seeded.planted.len(),
        seeded.orders,
        seed_time.as_secs_f64()
    );
    let postgres = backend == "PostgreSQL";
    let ws_lit = format!("'{ws}'");
    let end = today + Days::days(1);
    let from = today - Days::days(364);
    let churn_since = end - Days::days(180);
    let live = format!("c.workspace_id = {ws_lit} AND c.deleted_at IS NULL");
    let revenue = format!(
        "o.workspace_id = {ws_lit} AND o.deleted_at IS NULL AND o.currency = 'CNY' \
         AND o.status NOT IN ('draft', 'cancelled', 'refunded')"
    );
    let recency = if postgres {
        format!("DATE '{today}' - m.last_order_on")
    } else {
        format!("julianday('{today}') - julianday(m.last_order_on)")
    };
    let month = |c: &str| {
        if postgres {
            format!("to_char({c}, 'YYYY-MM')")
        } else {
            format!("strftime('%Y-%m', {c})")
        }
    };
    // The portrait's age bands from the birth dates the customer counts keep.
    let age_band = {
        let code = if postgres {
            "r.code COLLATE \"C\""
        } else {
            "r.code"
        };
        let mut case = String::from("CASE WHEN r.code = '' THEN NULL");
        for (name, age) in crm_domain::analytics::AGE_BANDS.iter().rev() {
            let born = crm_domain::analytics::born_on_or_before(today, *age);
            case.push_str(&format!(" WHEN {code} <= '={born}' THEN '{name}'"));
        }
        case + " ELSE 'under_25' END"
    };
    let portrait_sql = |segment: Option<&str>| {
        let (buyers, under) = match segment {
            Some(s) => (format!(" AND m.rfm_segment = '{s}'"), format!("@{s}")),
            None => (String::new(), String::new()),
        };
        let others = crm_db::rollups::counts::COLUMNS
            .iter()
            .map(|(name, _)| *name)
            .filter(|name| *name != "birth_date")
            .chain(["tag"])
            .map(|name| format!("'{name}{under}'"))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "SELECT 'buyers' AS part, CASE WHEN m.rfm_m IS NULL THEN 'none' WHEN m.rfm_m >= 5 THEN 'top' \
             WHEN m.rfm_m = 4 THEN 'high' WHEN m.rfm_m = 3 THEN 'mid' ELSE 'low' END AS code, \
             m.rfm_segment AS segment, COUNT(*) AS n, SUM(m.order_count) AS orders, \
             SUM(m.revenue_minor) AS revenue, \
             SUM(CASE WHEN m.last_order_on >= '{churn_since}' THEN 1 ELSE 0 END) AS recent \
             FROM customer_metrics m WHERE m.workspace_id = {ws_lit} AND m.live{buyers} GROUP BY 1, 2, 3 \
             UNION ALL SELECT 'age', {age_band}, NULL, SUM(r.customers), 0, 0, 0 \
             FROM customer_counts r WHERE r.workspace_id = {ws_lit} AND r.dimension = 'birth_date{under}' \
             GROUP BY 1, 2 \
             UNION ALL SELECT r.dimension, r.code, NULL, SUM(r.customers), 0, 0, 0 \
             FROM customer_counts r WHERE r.workspace_id = {ws_lit} AND r.dimension IN ({others}) \
             GROUP BY 1, 2"
        )
    };
    let this_month = today.with_day(1).unwrap_or(today);
    let cohort_from = this_month - chrono::Months::new(11);
    let history_from = this_month - chrono::Months::new(60);
    let next_month = this_month + chrono::Months::new(1);
    let period = Period::containing(PeriodKind::Quarter, today);
    let (quarter, quarter_end) = (period.start, period.end);
    // A saved report: revenue by month and owner over twelve months of orders.
    let report = app
        .post("/api/v1/reports")
        .token(&token)
        .json(
            &serde_json::json!({"name": "bench", "spec": {"object": "orders",
            "group_by": [{"field": "order_date", "grain": "month"}, {"field": "owner"}],
            "measure": {"aggregate": "sum", "field": "total_minor"},
            "filters": [{"field": "revenue", "op": "eq", "value": "true"}],
            "period": {"field": "order_date", "from": from, "to": today},
            "chart": "stacked_bar"}}),
        )
        .send()
        .await
        .expect(201)
        .id();
    // The built-in dashboard's revenue by product, over every line.
    let by_product = app
        .post("/api/v1/reports")
        .token(&token)
        .json(
            &serde_json::json!({"name": "bench by product", "spec": {"object": "order_lines",
            "group_by": [{"field": "product"}],
            "measure": {"aggregate": "sum", "field": "amount_minor"},
            "filters": [{"field": "revenue", "op": "eq", "value": "true"}],
            "chart": "bar"}}),
        )
        .send()
        .await
        .expect(201)
        .id();
    let report_month = if postgres {
        "to_char(date_trunc('month', r.order_date), 'YYYY-MM-DD')"
    } else {
        "strftime('%Y-%m-01', r.order_date)"
    };
    let report_owner = if postgres {
        "NULLIF(CAST(r.owner_id AS TEXT), '00000000-0000-0000-0000-000000000000')"
    } else {
        "NULLIF(r.owner_id, '00000000-0000-0000-0000-000000000000')"
    };
    let report_sum = if postgres {
        "CAST(SUM(r.revenue_minor) AS DOUBLE PRECISION)"
    } else {
        "CAST(SUM(r.revenue_minor) AS REAL)"
    };
    // The same SQL the API sends: a window ending after now has no
    // `created_at` bound, so counts can come from an index alone.
    let cases: Vec<(&str, String, String)> = vec![
        (
            "customers by province",
            format!("/api/v1/analytics/distribution?dimension=region&to={today}"),
            format!("SELECT c.province_code, COUNT(*) FROM customers c WHERE {live} GROUP BY 1"),
        ),
        (
            "customers by industry",
            format!("/api/v1/analytics/distribution?dimension=industry&to={today}"),
            format!("SELECT c.industry, COUNT(*) FROM customers c WHERE {live} GROUP BY 1"),
        ),
        (
            // Read from the sales rollups (a few hundred rows a day).
            "revenue by province, 12 months",
            format!(
                "/api/v1/analytics/distribution?dimension=region&measure=revenue&from={from}&to={today}"
            ),
            format!(
                "SELECT NULLIF(r.code, ''), SUM(r.revenue_minor), SUM(r.orders) FROM sales_rollups r \
                 WHERE r.workspace_id = {ws_lit} AND r.currency = 'CNY' AND r.dimension = 'province' \
                 AND r.order_date >= '{from}' AND r.order_date < '{end}' GROUP BY 1 HAVING SUM(r.orders) <> 0"
            ),
        ),
        (
            // A customer filter the rollups do not carry: every order of
            // the window is read.
            "revenue by province of organizations, 12 months",
            format!(
                "/api/v1/analytics/distribution?dimension=region&measure=revenue&from={from}&to={today}&kind=organization"
            ),
            format!(
                "SELECT c.province_code, SUM(o.total_minor), COUNT(*), COUNT(DISTINCT o.customer_id) FROM orders o \
                 JOIN customers c ON c.workspace_id = o.workspace_id AND c.id = o.customer_id \
                 WHERE {revenue} AND o.order_date >= '{from}' AND o.order_date < '{end}' AND {live} \
                 AND c.kind = 'organization' GROUP BY 1"
            ),
        ),
        (
            // One kept dimension's value as the filter: that dimension's
            // rollup rows, grouped by owner.
            "revenue by owner of one industry, 12 months",
            format!(
                "/api/v1/analytics/distribution?dimension=owner&measure=revenue&from={from}&to={today}&industry=retail"
            ),
            format!(
                "SELECT r.owner_id, SUM(r.revenue_minor), SUM(r.orders) FROM sales_rollups r \
                 WHERE r.workspace_id = {ws_lit} AND r.currency = 'CNY' AND r.dimension = 'industry' \
                 AND r.code = 'retail' AND r.order_date >= '{from}' AND r.order_date < '{end}' \
                 GROUP BY 1 HAVING SUM(r.orders) <> 0"
            ),
        ),
        (
            // Every order up to today: the buyers' metrics rows, one a buyer,
            // which carry their customer's province.
            "CLV by province",
            format!("/api/v1/analytics/distribution?dimension=region&measure=clv&to={today}"),
            format!(
                "SELECT m.province_code, SUM(m.revenue_minor), COUNT(*) FROM customer_metrics m \
                 WHERE m.workspace_id = {ws_lit} AND m.live GROUP BY 1"
            ),
        ),
        (
            // The same rows filtered and grouped by what they carry.
            "churn rate by industry of 广东",
            format!(
                "/api/v1/analytics/distribution?dimension=industry&measure=churn_rate&region=440000&to={today}"
            ),
            format!(
                "SELECT m.industry, COUNT(*), \
                 SUM(CASE WHEN m.last_order_on >= '{churn_since}' THEN 1 ELSE 0 END) \
                 FROM customer_metrics m WHERE m.workspace_id = {ws_lit} AND m.live \
                 AND m.province_code = '440000' GROUP BY 1"
            ),
        ),
        (
            "cities of 广东, customers",
            format!(
                "/api/v1/analytics/distribution?dimension=region&level=city&parent=440000&to={today}"
            ),
            format!(
                "SELECT c.city_code, COUNT(*) FROM customers c WHERE {live} AND c.province_code = '440000' GROUP BY 1"
            ),
        ),
        (
            // The list's first page (its tags and metrics are two more
            // statements), against the page of rows in index order.
            "customer list by revenue, top 50",
            "/api/v1/customers?sort=-revenue&limit=50".to_owned(),
            format!(
                "SELECT c.* FROM customer_metrics m \
                 JOIN customers c ON c.workspace_id = m.workspace_id AND c.id = m.customer_id \
                 WHERE m.workspace_id = {ws_lit} AND {live} \
                 ORDER BY m.revenue_minor DESC, m.customer_id DESC LIMIT 51"
            ),
        ),
        (
            "customer list by order count, top 50",
            "/api/v1/customers?sort=-order_count&limit=50".to_owned(),
            format!(
                "SELECT c.* FROM customer_metrics m \
                 JOIN customers c ON c.workspace_id = m.workspace_id AND c.id = m.customer_id \
                 WHERE m.workspace_id = {ws_lit} AND {live} \
                 ORDER BY m.order_count DESC, m.customer_id DESC LIMIT 51"
            ),
        ),
        (
            // A search few customers match (one external id): without an
            // index on the searched text it reads every customer.
            "customer list searched, one match",
            "/api/v1/customers?q=DEMO-01234&limit=50".to_owned(),
            format!(
                "SELECT c.* FROM customers c WHERE {live} AND c.search_text LIKE '%demo-01234%' \
                 ORDER BY c.created_at DESC, c.id DESC LIMIT 51"
            ),
        ),
        (
            // The buyers' metrics rows grouped by value tier and segment (the
            // headline), and the members per value of every other dimension
            // from the customer counts, age bands from their birth dates:
            // here one statement for what the API reads in eleven.
            "portrait",
            "/api/v1/analytics/portrait".to_owned(),
            portrait_sql(None),
        ),
        (
            // The same for one RFM segment's members: the buyers' rows of
            // the segment and the counts kept under it.
            "portrait of a segment",
            "/api/v1/analytics/portrait?rfm_segment=champions".to_owned(),
            portrait_sql(Some("champions")),
        ),
        (
            // Segments and the R × F grid are two folds of one grouping of
            // the metrics rows (which carry owner, team and liveness).
            "RFM segment summary",
            "/api/v1/analytics/rfm".to_owned(),
            format!(
                "SELECT m.rfm_r, m.rfm_f, m.rfm_segment, COUNT(*), SUM(m.order_count), \
                 SUM(m.revenue_minor), SUM({recency}) FROM customer_metrics m \
                 WHERE m.workspace_id = {ws_lit} AND m.live GROUP BY 1, 2, 3"
            ),
        ),
        (
            // Counted from the buyers' metrics rows (a window that ends
            // after every order); its revenue is one more read of the
            // sales rollups.
            "KPIs, last 12 months",
            "/api/v1/analytics/kpis".to_owned(),
            format!(
                "SELECT COUNT(*), SUM(CASE WHEN m.last_order_on >= '{from}' THEN 1 ELSE 0 END), \
                 SUM(CASE WHEN m.previous_order_on >= '{from}' THEN 1 ELSE 0 END), \
                 SUM(CASE WHEN m.last_order_on >= '{churn_since}' THEN 1 ELSE 0 END), \
                 SUM(CASE WHEN m.first_order_on < '{from}' THEN 1 ELSE 0 END), \
                 SUM(CASE WHEN m.first_order_on < '{from}' AND m.last_order_on >= '{from}' THEN 1 ELSE 0 END), \
                 SUM(CASE WHEN m.first_order_on >= '{from}' THEN 1 ELSE 0 END) FROM customer_metrics m \
                 WHERE m.workspace_id = {ws_lit} AND m.live AND m.first_order_on < '{end}'"
            ),
        ),
        (
            // From the cohort rollups.
            "cohort matrix, 12 months",
            "/api/v1/analytics/cohorts".to_owned(),
            format!(
                "SELECT {}, {}, SUM(r.buyers), SUM(r.revenue_minor) FROM cohort_rollups r \
                 WHERE r.workspace_id = {ws_lit} AND r.currency = 'CNY' AND r.cohort_month >= '{cohort_from}' \
                 AND r.cohort_month < '{next_month}' GROUP BY 1, 2 HAVING SUM(r.buyers) <> 0",
                month("r.cohort_month"),
                month("r.order_month")
            ),
        ),
        (
            // A filter the rollups do not carry: the cohorts' orders.
            "cohort matrix of organizations, 12 months",
            "/api/v1/analytics/cohorts?kind=organization".to_owned(),
            format!(
                "SELECT {}, {}, COUNT(DISTINCT o.customer_id), SUM(o.total_minor) FROM orders o \
                 JOIN customers c ON c.workspace_id = o.workspace_id AND c.id = o.customer_id \
                 JOIN customer_metrics m ON m.workspace_id = o.workspace_id AND m.customer_id = o.customer_id \
                 WHERE {revenue} AND o.order_date >= '{cohort_from}' AND m.first_order_on >= '{cohort_from}' AND {live} \
                 AND c.kind = 'organization' GROUP BY 1, 2",
                month("m.first_order_on"),
                month("o.order_date")
            ),
        ),
        (
            "sales forecast, quarter",
            "/api/v1/forecast?period=quarter".to_owned(),
            format!(
                "SELECT {}, SUM(r.revenue_minor) FROM order_rollups r WHERE r.workspace_id = {ws_lit} \
                 AND r.currency = 'CNY' AND r.order_date >= '{history_from}' \
                 AND r.order_date < '{next_month}' GROUP BY 1 HAVING SUM(r.orders) <> 0",
                month("r.order_date")
            ),
        ),
        (
            "report: revenue by month × owner, 12 months",
            format!("/api/v1/reports/{report}/data"),
            format!(
                "SELECT {report_month}, {report_owner}, {report_sum}, SUM(r.orders) FROM order_rollups r \
                 WHERE r.workspace_id = {ws_lit} AND r.currency = 'CNY' AND r.order_date >= '{from}' \
                 AND r.order_date < '{end}' GROUP BY 1, 2 HAVING SUM(r.orders) <> 0 \
                 ORDER BY 4 DESC, 1, 2 LIMIT 5000"
            ),
        ),
        (
            "report: revenue by product, all time",
            format!("/api/v1/reports/{by_product}/data"),
            format!(
                "SELECT {}, {}, SUM(r.lines) FROM product_rollups r \
                 WHERE r.workspace_id = {ws_lit} AND r.currency = 'CNY' \
                 GROUP BY 1 HAVING SUM(r.lines) <> 0 ORDER BY 3 DESC, 1 LIMIT 5000",
                report_owner.replace("owner_id", "product_id"),
                report_sum.replace("revenue_minor", "amount_minor"),
            ),
        ),
        (
            // Seven statements in the API; compared with the heaviest, the
            // stage flow over the deals' stage history.
            "rep performance, quarter",
            "/api/v1/performance?period=quarter".to_owned(),
            format!(
                "WITH c AS (SELECT x.to_stage_id AS stage_id, x.at AS at, \
                 LEAD(x.at) OVER (PARTITION BY x.deal_id ORDER BY x.at, x.id) AS left_at, \
                 LEAD(x.to_stage_id) OVER (PARTITION BY x.deal_id ORDER BY x.at, x.id) AS next_id \
                 FROM deal_stage_changes x JOIN deals d ON d.workspace_id = x.workspace_id AND d.id = x.deal_id \
                 WHERE d.workspace_id = {ws_lit} AND d.deleted_at IS NULL AND x.at >= '{quarter} 00:00:00') \
                 SELECT s.id, COUNT(*), SUM(CASE WHEN n.kind = 'won' OR n.position > s.position THEN 1 ELSE 0 END), \
                 COUNT(c.left_at) FROM c JOIN pipeline_stages s ON s.workspace_id = {ws_lit} AND s.id = c.stage_id \
                 LEFT JOIN pipeline_stages n ON n.workspace_id = s.workspace_id AND n.id = c.next_id \
                 WHERE c.at < '{quarter_end} 00:00:00' GROUP BY s.id"
            ),
        ),
    ];
    // The first RFM read after loading computes the scores: time it once.
    let started = Instant::now();
    app.get("/api/v1/analytics/rfm")
        .token(&token)
        .send()
        .await
        .expect(200);
    println!(
        "RFM scores computed for every buyer in {:.0} ms (once, after the load)",
        ms(started.elapsed())
    );
    let service = actix_web::test::init_service(crm_http::app(app.state().clone())).await;
    println!(
        "{:<34}{:>10}{:>10}{:>9}",
        "endpoint (p50, warm)", "API ms", "SQL ms", "ratio"
    );
    for (what, path, sql) in cases {
        let api = endpoint(&service, &token, &path).await;
        let direct = shell(&app.db, &sql);
        let ratio = api.as_secs_f64() / direct.as_secs_f64().max(1e-6);
        println!(
            "{what:<34}{:>10.2}{:>10.2}{ratio:>8.1}x",
            ms(api),
            ms(direct)
        );
        crate::results::record(
            "analytics",
            backend,
            what,
            "ms p50",
            ms(api),
            Some(ms(direct)),
            crate::results::Better::Lower,
        );
    }
    crate::dashboards::bench(&service, &token, backend).await;
    let forecast = app
        .get("/api/v1/forecast?period=quarter")
        .token(&token)
        .send()
        .await
        .expect(200)
        .body;
    let b = &forecast["revenue"]["backtest"];
    println!(
        "revenue forecast backtest ({} origins, {} months ahead): MASE Holt-Winters {:.3}, \
         seasonal-naive {:.3}: {:.0} % less error (goal: 20 %)",
        b["origins"],
        b["horizon"],
        b["mase"].as_f64().unwrap_or(f64::NAN),
        b["mase_seasonal_naive"].as_f64().unwrap_or(f64::NAN),
        b["improvement"].as_f64().unwrap_or(f64::NAN) * 100.0
    );
    let started = Instant::now();
    app.get("/api/v1/analytics/kmeans?k=6")
        .token(&token)
        .send()
        .await
        .expect(200);
    let took = ms(started.elapsed());
    println!(
        "{:<34}{took:>12.1}   (no SQL equivalent: model fitting)",
        "k-means, k = 6"
    );
    crate::results::record(
        "analytics",
        backend,
        "k-means, k = 6",
        "ms",
        took,
        None,
        crate::results::Better::Lower,
    );
}
