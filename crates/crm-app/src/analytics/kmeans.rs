//! Behavioural segments of the buying customers the actor may read — K-means (crm-models, seeded, reproducible) over
//! standardised log features, with k chosen by silhouette when not given.
//! The model is fitted on at most [`FIT_ROWS`] buyers spread over all of
//! them, and every buyer then takes its nearest centroid.

use chrono::{NaiveDate, Utc};
use crm_api_types::analytics::{KCandidate, KCluster, KPoint, KmeansQuery, KmeansResult};
use crm_db::AnyConnection;
use crm_db::rfm::BuyerRow;
use crm_domain::access::{Action, ObjectType};
use crm_models::features::{Buyer, Feature};
use crm_models::{Standardised, kmeans, kmeans_on_sample, silhouette, spread, standardise};

use crate::analytics::rfm::Freshness;
use crate::customers::filter::{filter_of, prepare};
use crate::error::bad_param as bad;
use crate::{Actor, AppError};

const SEED: u64 = 20_261_129;
/// Rows the k search and the silhouette look at.
const SAMPLE: usize = 2_000;
const POINTS: usize = 1_000;
/// Buyers the final model is fitted on: at a million customers a fit on
/// every buyer took ten seconds, one on this many a fraction of one, with
/// the same segments where segments are distinct.
pub const FIT_ROWS: usize = 20_000;

fn features_of(text: Option<&str>) -> Result<Vec<Feature>, AppError> {
    let Some(text) = text else {
        return Ok(Feature::DEFAULT.to_vec());
    };
    let mut out = Vec::new();
    for name in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let f = Feature::parse(name).ok_or_else(|| {
            bad(
                "features",
                "must list recency, frequency, monetary, aov, tenure or longest_gap",
            )
        })?;
        if !out.contains(&f) {
            out.push(f);
        }
    }
    if out.is_empty() {
        return Err(bad("features", "must name at least one feature"));
    }
    Ok(out)
}

/// A checked K-means request and the buyers it clusters: read in one go,
/// so that the connection goes back to the pool before the fit.
pub struct Request {
    rows: Vec<BuyerRow>,
    features: Vec<Feature>,
    k: Option<u32>,
    include_members: bool,
    today: NaiveDate,
}

/// Checks the query (k of 2 to 10, known features, the list filters) and
/// reads the buying customers it selects among those the actor may read.
pub fn buyers(
    conn: &mut AnyConnection,
    actor: &Actor,
    query: &KmeansQuery,
    freshness: &Freshness,
) -> Result<Request, AppError> {
    let filter = filter_of(&query.customer_filters())?;
    if let Some(k) = query.k
        && !(2..=10).contains(&k)
    {
        return Err(bad("k", "must be between 2 and 10"));
    }
    let features = features_of(query.features.as_deref())?;
    let vis = actor.visibility(conn, ObjectType::Customers, Action::Read)?;
    let filter = prepare(conn, vis.workspace_id, filter, freshness)?;
    let rows = crm_db::rfm::buyers(conn, &vis, &filter)?;
    Ok(Request {
        rows,
        features,
        k: query.k,
        include_members: query.include_members.unwrap_or(false),
        today: Utc::now().date_naive(),
    })
}

/// Behavioural segments by K-means: features are `ln(1 + value)`
/// standardised to mean 0 and deviation 1; clusters are numbered largest
/// first and described by their members' mean feature values in natural
/// units. CPU-bound: run it off the request's threads, without a connection.
pub fn segments(request: &Request) -> Result<KmeansResult, AppError> {
    fit(
        &request.rows,
        &request.features,
        request.k,
        request.include_members,
        request.today,
    )
}

fn buyer(row: &BuyerRow) -> Buyer {
    Buyer {
        order_count: row.order_count,
        revenue_minor: row.revenue_minor,
        first_order_on: row.first_order_on,
        last_order_on: row.last_order_on,
        longest_gap_days: row.longest_gap_days,
    }
}

fn fit(
    rows: &[BuyerRow],
    features: &[Feature],
    k: Option<u32>,
    include_members: bool,
    today: NaiveDate,
) -> Result<KmeansResult, AppError> {
    let buyers: Vec<Buyer> = rows.iter().map(buyer).collect();
    let scaled: Vec<Vec<f64>> = buyers.iter().map(|b| b.scaled(features, today)).collect();
    let Standardised { data, .. } = standardise(&scaled);
    let sample = spread(rows.len(), SAMPLE);
    let sample_data = data.select(ndarray::Axis(0), &sample);
    let too_few = |k: u32| {
        AppError::validation(
            "k",
            format!("needs at least {k} buying customers; found {}", rows.len()),
        )
    };
    let mut candidates = Vec::new();
    let chosen = match k {
        Some(k) => k,
        None => {
            for k in 2..=8_u32 {
                let Ok(trial) = kmeans(&sample_data, k as usize, SEED) else {
                    break;
                };
                candidates.push(KCandidate {
                    k,
                    inertia: trial.inertia,
                    silhouette: silhouette(&sample_data, &trial.labels, SAMPLE),
                });
            }
            candidates
                .iter()
                .max_by(|a, b| a.silhouette.total_cmp(&b.silhouette))
                .map(|c| c.k)
                .ok_or_else(|| too_few(2))?
        }
    };
    let model =
        kmeans_on_sample(&data, chosen as usize, SEED, FIT_ROWS).map_err(|_| too_few(chosen))?;
    // Number clusters largest first.
    let mut sizes = vec![0_i64; model.k];
    for l in &model.labels {
        sizes[*l] += 1;
    }
    let mut order: Vec<usize> = (0..model.k).collect();
    order.sort_by(|a, b| sizes[*b].cmp(&sizes[*a]).then(a.cmp(b)));
    let mut rank = vec![0_u32; model.k];
    for (new, old) in order.iter().enumerate() {
        rank[*old] = new as u32;
    }
    let natural = |b: &Buyer| -> Vec<f64> { features.iter().map(|f| b.value(*f, today)).collect() };
    let mut sums = vec![vec![0.0; features.len()]; model.k];
    for (b, l) in buyers.iter().zip(&model.labels) {
        for (s, v) in sums[*l].iter_mut().zip(natural(b)) {
            *s += v;
        }
    }
    let total = rows.len().max(1) as f64;
    let clusters = order
        .iter()
        .map(|old| KCluster {
            cluster: rank[*old],
            size: sizes[*old],
            share: sizes[*old] as f64 / total,
            centroid: sums[*old]
                .iter()
                .map(|s| s / sizes[*old].max(1) as f64)
                .collect(),
        })
        .collect();
    let point = |i: usize| KPoint {
        customer_id: rows[i].customer_id.0,
        cluster: rank[model.labels[i]],
        values: natural(&buyers[i]),
    };
    let sample_labels: Vec<usize> = sample.iter().map(|i| model.labels[*i]).collect();
    Ok(KmeansResult {
        k: chosen,
        features: features.iter().map(|f| f.as_str().to_owned()).collect(),
        customers: rows.len() as i64,
        silhouette: silhouette(&sample_data, &sample_labels, SAMPLE),
        candidates,
        clusters,
        points: spread(rows.len(), POINTS).into_iter().map(point).collect(),
        members: include_members.then(|| (0..rows.len()).map(point).collect()),
    })
}
