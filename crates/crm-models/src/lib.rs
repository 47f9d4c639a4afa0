//! Statistical models over customer features, free of IO: standardisation,
//! K-means (linfa-clustering, seeded so a run is reproducible), the
//! silhouette score that suggests k, and the adjusted Rand index that
//! tests use to compare a clustering with planted truth.

pub mod clv;
pub mod features;

use linfa::DatasetBase;
use linfa::prelude::*;
use linfa_clustering::KMeans;
use ndarray::{Array2, Axis};
use rand_xoshiro::Xoshiro256Plus;
use rand_xoshiro::rand_core::SeedableRng;

/// Rows scaled to mean 0 and standard deviation 1 per column, with the
/// means and deviations to map centroids back.
#[derive(Debug, Clone)]
pub struct Standardised {
    pub data: Array2<f64>,
    pub means: Vec<f64>,
    pub deviations: Vec<f64>,
}

/// Scales each column; a constant column becomes all zeros.
pub fn standardise(rows: &[Vec<f64>]) -> Standardised {
    let columns = rows.first().map_or(0, Vec::len);
    let mut data = Array2::zeros((rows.len(), columns));
    for (i, row) in rows.iter().enumerate() {
        for (j, v) in row.iter().enumerate().take(columns) {
            data[[i, j]] = *v;
        }
    }
    let n = rows.len().max(1) as f64;
    let mut means = Vec::with_capacity(columns);
    let mut deviations = Vec::with_capacity(columns);
    for mut column in data.axis_iter_mut(Axis(1)) {
        let mean = column.sum() / n;
        let variance = column.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        let deviation = if variance > 0.0 { variance.sqrt() } else { 1.0 };
        column.mapv_inplace(|v| (v - mean) / deviation);
        means.push(mean);
        deviations.push(deviation);
    }
    Standardised {
        data,
        means,
        deviations,
    }
}

#[derive(Debug, Clone)]
pub struct Clustering {
    pub k: usize,
    /// Cluster of each row.
    pub labels: Vec<usize>,
    /// Centroids in standardised units.
    pub centroids: Array2<f64>,
    /// Sum of squared distances to the nearest centroid.
    pub inertia: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ModelError {
    /// Fewer rows than clusters, or k < 1.
    TooFewRows {
        rows: usize,
        k: usize,
    },
    Fit(String),
}

impl std::fmt::Display for ModelError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ModelError::TooFewRows { rows, k } => {
                write!(f, "{rows} customers cannot form {k} clusters")
            }
            ModelError::Fit(e) => write!(f, "k-means failed: {e}"),
        }
    }
}

impl std::error::Error for ModelError {}

/// K-means with k-means++ starts, the best of ten runs, seeded.
pub fn kmeans(data: &Array2<f64>, k: usize, seed: u64) -> Result<Clustering, ModelError> {
    fit(data, k, seed, data)
}

/// [`kmeans`] fitted on at most `fit_rows` rows spread evenly over `data`
/// (on all of them when there are no more), then every row labelled by its
/// nearest centroid: a large set of customers costs one pass after a fit of
/// fixed size. `inertia` is the fitted rows'. With well-separated groups
/// the labels agree with a fit on every row (tests: the adjusted Rand index
/// of planted clusters).
pub fn kmeans_on_sample(
    data: &Array2<f64>,
    k: usize,
    seed: u64,
    fit_rows: usize,
) -> Result<Clustering, ModelError> {
    if data.nrows() <= fit_rows.max(k) {
        return kmeans(data, k, seed);
    }
    let rows = spread(data.nrows(), fit_rows);
    fit(&data.select(Axis(0), &rows), k, seed, data)
}

/// Every `step`-th of `n` rows, about `size` of them: a spread-out,
/// reproducible sample.
pub fn spread(n: usize, size: usize) -> Vec<usize> {
    let step = n.div_ceil(size.max(1)).max(1);
    (0..n).step_by(step).collect()
}

/// Fits on `data` and labels the rows of `label`.
fn fit(
    data: &Array2<f64>,
    k: usize,
    seed: u64,
    label: &Array2<f64>,
) -> Result<Clustering, ModelError> {
    if k < 1 || data.nrows() < k {
        return Err(ModelError::TooFewRows {
            rows: data.nrows(),
            k,
        });
    }
    let dataset = DatasetBase::from(data.clone());
    let model = KMeans::params_with_rng(k, Xoshiro256Plus::seed_from_u64(seed))
        .n_runs(10)
        .max_n_iterations(300)
        .tolerance(1e-6)
        .fit(&dataset)
        .map_err(|e| ModelError::Fit(e.to_string()))?;
    Ok(Clustering {
        k,
        labels: model.predict(label).to_vec(),
        centroids: model.centroids().clone(),
        inertia: model.inertia(),
    })
}

fn distance(a: ndarray::ArrayView1<'_, f64>, b: ndarray::ArrayView1<'_, f64>) -> f64 {
    a.iter()
        .zip(b.iter())
        .map(|(x, y)| (x - y).powi(2))
        .sum::<f64>()
        .sqrt()
}

/// Mean silhouette over the first `sample` rows (O(sample × n)); −1…1,
/// higher is better separated. Pass rows in random order for a fair sample.
pub fn silhouette(data: &Array2<f64>, labels: &[usize], sample: usize) -> f64 {
    let k = labels.iter().copied().max().map_or(0, |m| m + 1);
    if k < 2 {
        return 0.0;
    }
    let n = data.nrows().min(labels.len());
    let mut total = 0.0;
    let mut counted = 0.0;
    for i in 0..n.min(sample) {
        let mut sums = vec![0.0; k];
        let mut counts = vec![0usize; k];
        for j in 0..n {
            if i == j {
                continue;
            }
            sums[labels[j]] += distance(data.row(i), data.row(j));
            counts[labels[j]] += 1;
        }
        let own = labels[i];
        if counts[own] == 0 {
            continue;
        }
        let a = sums[own] / counts[own] as f64;
        let b = (0..k)
            .filter(|c| *c != own && counts[*c] > 0)
            .map(|c| sums[c] / counts[c] as f64)
            .fold(f64::INFINITY, f64::min);
        if b.is_finite() {
            total += (b - a) / a.max(b);
            counted += 1.0;
        }
    }
    if counted > 0.0 { total / counted } else { 0.0 }
}

/// Adjusted Rand index of two labelings of the same rows: 1 = identical
/// partitions, about 0 = chance agreement.
pub fn adjusted_rand_index(a: &[usize], b: &[usize]) -> f64 {
    let n = a.len().min(b.len());
    let ka = a.iter().take(n).copied().max().map_or(0, |m| m + 1);
    let kb = b.iter().take(n).copied().max().map_or(0, |m| m + 1);
    let mut table = vec![vec![0_u64; kb]; ka];
    for i in 0..n {
        table[a[i]][b[i]] += 1;
    }
    let pairs = |x: u64| (x * x.saturating_sub(1)) as f64 / 2.0;
    let index: f64 = table.iter().flatten().map(|c| pairs(*c)).sum();
    let rows: f64 = table.iter().map(|r| pairs(r.iter().sum())).sum();
    let columns: f64 = (0..kb)
        .map(|j| pairs(table.iter().map(|r| r[j]).sum()))
        .sum();
    let all = pairs(n as u64);
    if all == 0.0 {
        return 1.0;
    }
    let expected = rows * columns / all;
    let max = (rows + columns) / 2.0;
    if max == expected {
        1.0
    } else {
        (index - expected) / (max - expected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kmeans_separates_obvious_blobs() {
        let mut rows = Vec::new();
        let mut truth = Vec::new();
        for i in 0..60 {
            let c = i % 3;
            let jitter = (i as f64 * 0.37).sin() * 0.3;
            rows.push(vec![c as f64 * 10.0 + jitter, (c as f64) * -5.0 + jitter]);
            truth.push(c);
        }
        let s = standardise(&rows);
        let fit = kmeans(&s.data, 3, 7).expect("fit");
        assert!((adjusted_rand_index(&fit.labels, &truth) - 1.0).abs() < 1e-9);
        assert!(silhouette(&s.data, &fit.labels, 60) > 0.8);
        assert!(matches!(
            kmeans(&s.data, 61, 7),
            Err(ModelError::TooFewRows { .. })
        ));
    }

    /// Three planted groups of 30,000 rows: fitted on 3,000 of them, every
    /// row is labelled as a fit on all would (ARI ≥ 0.99), and a set no
    /// larger than the sample is fitted whole.
    #[test]
    fn a_fit_on_a_sample_labels_every_row_of_planted_groups() {
        let mut rows = Vec::new();
        let mut truth = Vec::new();
        for i in 0..30_000 {
            let c = i % 3;
            let jitter = (i as f64 * 0.37).sin() * 1.5;
            let wobble = (i as f64 * 0.11).cos() * 1.5;
            rows.push(vec![c as f64 * 10.0 + jitter, (c as f64) * -6.0 + wobble]);
            truth.push(c);
        }
        let s = standardise(&rows);
        let sampled = kmeans_on_sample(&s.data, 3, 7, 3_000).expect("fit");
        assert_eq!(sampled.labels.len(), 30_000);
        let ari = adjusted_rand_index(&sampled.labels, &truth);
        assert!(ari > 0.99, "{ari}");
        let small = s.data.select(Axis(0), &(0..60).collect::<Vec<_>>());
        assert_eq!(
            kmeans_on_sample(&small, 3, 7, 3_000).expect("fit").labels,
            kmeans(&small, 3, 7).expect("fit").labels
        );
    }

    #[test]
    fn rand_index_of_known_partitions() {
        assert!((adjusted_rand_index(&[0, 0, 1, 1], &[1, 1, 0, 0]) - 1.0).abs() < 1e-9);
        // The classic example: ARI of these partitions is about 0.24.
        let a = [0, 0, 0, 1, 1, 1];
        let b = [0, 0, 1, 1, 2, 2];
        let ari = adjusted_rand_index(&a, &b);
        assert!((ari - 0.2424).abs() < 1e-3, "{ari}");
    }
}
