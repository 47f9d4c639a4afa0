//! `GET /analytics/rfm`: RFM segments and the R × F grid of the customers
//! the caller may read and the filters select.

use actix_web::{get, web};
use chrono::Utc;
use crm_api_types::Problem;
use crm_api_types::analytics::{RfmCell, RfmQuery, RfmSegmentSummary, RfmSummary};
use crm_domain::access::{Action, ObjectType};
use crm_domain::analytics::RfmSegment;

use crate::caller::Caller;
use crate::customers::filter_of;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::state::AppState;

/// RFM segment summary.
///
/// Scores are quintiles by rank over every buying customer of the
/// workspace (recomputed in one statement when an order changed since the
/// last time); segments follow the table in docs/ANALYTICS.md.
#[utoipa::path(
    tag = "analytics",
    params(RfmQuery),
    responses(
        (status = 200, body = RfmSummary),
        (status = 400, description = "Bad filter", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/analytics/rfm")]
pub async fn rfm(
    state: web::Data<AppState>,
    caller: Caller,
    query: ApiQuery<RfmQuery>,
) -> Result<web::Json<RfmSummary>, ApiError> {
    let filter = filter_of(&query.0.customer_filters())?;
    let today = Utc::now().date_naive();
    let freshness = state.rfm_freshness();
    let (as_of, currency, segments, grid) = state
        .db(move |conn| {
            let vis = caller.visibility(conn, ObjectType::Customers, Action::Read)?;
            let filter = super::prepare_filter(conn, vis.workspace_id, filter, &freshness)?;
            let as_of = crm_app::analytics::rfm::current(conn, vis.workspace_id, &freshness)?;
            let currency = crm_db::metrics::settings(conn, vis.workspace_id)?.base_currency;
            let segments = crm_db::rfm::segments(conn, &vis, &filter, today)?;
            let grid = crm_db::rfm::grid(conn, &vis, &filter)?;
            Ok((as_of, currency, segments, grid))
        })
        .await?;
    let buyers: i64 = segments.iter().map(|s| s.customers).sum();
    let mut segments: Vec<RfmSegmentSummary> = segments
        .into_iter()
        .filter_map(|row| {
            let segment = RfmSegment::parse(row.segment.as_deref()?).ok()?;
            let n = row.customers.max(1) as f64;
            Some(RfmSegmentSummary {
                segment,
                customers: row.customers,
                share: if buyers > 0 {
                    row.customers as f64 / buyers as f64
                } else {
                    0.0
                },
                orders: row.orders,
                revenue_minor: row.revenue,
                average_recency_days: row.recency_days as f64 / n,
                average_orders: row.orders as f64 / n,
                average_revenue_minor: row.revenue as f64 / n,
            })
        })
        .collect();
    segments.sort_by(|a, b| {
        b.customers
            .cmp(&a.customers)
            .then(a.segment.cmp(&b.segment))
    });
    let mut grid: Vec<RfmCell> = grid
        .into_iter()
        .map(|c| RfmCell {
            r: c.r,
            f: c.f,
            customers: c.customers,
            revenue_minor: c.revenue,
        })
        .collect();
    grid.sort_by_key(|c| (c.r, c.f));
    Ok(web::Json(RfmSummary {
        as_of: Some(as_of.and_utc()),
        currency,
        buyers,
        segments,
        grid,
    }))
}
