//! Predicted customer lifetime value: the BG/NBD model of how many orders a
//! customer will still place (Fader, Hardie & Lee 2005) and the Gamma-Gamma
//! model of how much each will be worth (Fader, Hardie & Berger 2004), fitted
//! by maximum likelihood (Nelder-Mead from `argmin`, parameters in log space).
//!
//! Time is measured in weeks. A buyer is summarised as `x` repeat orders,
//! `t_x` the time from the first to the last order and `t` the time from the
//! first order to now; identical summaries are fitted once with a weight.

use argmin::core::{CostFunction, Error, Executor};
use argmin::solver::neldermead::NelderMead;
use libm::lgamma;

/// One buyer (or `weight` identical buyers) for the BG/NBD fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frequency {
    /// Repeat orders (orders after the first).
    pub x: f64,
    /// Weeks from the first order to the last.
    pub t_x: f64,
    /// Weeks from the first order to now.
    pub t: f64,
    pub weight: f64,
}

/// BG/NBD parameters: purchase rates ~ Gamma(r, α), dropout ~ Beta(a, b).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BgNbd {
    pub r: f64,
    pub alpha: f64,
    pub a: f64,
    pub b: f64,
}

/// Iterations of Nelder-Mead before giving up on a better optimum.
const MAX_ITERS: u64 = 3_000;

/// Minimises `cost` over log-parameters from `start`; `None` when the
/// optimiser fails or ends on a non-finite value.
fn minimise<C>(cost: C, start: &[f64]) -> Option<Vec<f64>>
where
    C: CostFunction<Param = Vec<f64>, Output = f64>,
{
    let mut simplex = vec![start.to_vec()];
    for i in 0..start.len() {
        let mut vertex = start.to_vec();
        vertex[i] += 0.5;
        simplex.push(vertex);
    }
    let solver = NelderMead::new(simplex).with_sd_tolerance(1e-10).ok()?;
    let result = Executor::new(cost, solver)
        .configure(|state| state.max_iters(MAX_ITERS))
        .run()
        .ok()?;
    let state = result.state();
    let best = state.best_param.clone()?;
    (state.best_cost.is_finite() && best.iter().all(|v| v.is_finite())).then_some(best)
}

fn log_add_exp(a: f64, b: f64) -> f64 {
    let high = a.max(b);
    high + ((a - high).exp() + (b - high).exp()).ln()
}

impl BgNbd {
    /// Log-likelihood of one buyer's summary.
    pub fn log_likelihood(&self, f: &Frequency) -> f64 {
        let Self { r, alpha, a, b } = *self;
        let x = f.x;
        let a1 = lgamma(r + x) - lgamma(r) + r * alpha.ln();
        let a2 = lgamma(a + b) + lgamma(b + x) - lgamma(b) - lgamma(a + b + x);
        let a3 = -(r + x) * (alpha + f.t).ln();
        let tail = if x > 0.0 {
            log_add_exp(
                a3,
                a.ln() - (b + x - 1.0).ln() - (r + x) * (alpha + f.t_x).ln(),
            )
        } else {
            a3
        };
        a1 + a2 + tail
    }

    /// Maximum-likelihood parameters; `None` without enough data or when
    /// the fit does not converge to finite values.
    pub fn fit(data: &[Frequency]) -> Option<Self> {
        let total: f64 = data.iter().map(|f| f.weight).sum();
        if total < 2.0 || data.iter().all(|f| f.x == 0.0) {
            return None;
        }
        let mean_t = data.iter().map(|f| f.t * f.weight).sum::<f64>() / total;
        let start = [0.0, mean_t.max(1.0).ln(), 0.0, 0.0];
        let best = minimise(BgNbdCost { data, total }, &start)?;
        Some(Self::from_logs(&best))
    }

    fn from_logs(p: &[f64]) -> Self {
        Self {
            r: p[0].exp(),
            alpha: p[1].exp(),
            a: p[2].exp(),
            b: p[3].exp(),
        }
    }

    /// Probability that the buyer is still active.
    pub fn p_alive(&self, f: &Frequency) -> f64 {
        if f.x == 0.0 {
            return 1.0;
        }
        let Self { r, alpha, a, b } = *self;
        let odds = a / (b + f.x - 1.0) * ((alpha + f.t) / (alpha + f.t_x)).powf(r + f.x);
        1.0 / (1.0 + odds)
    }

    /// Expected orders in the next `weeks`, given the buyer's history.
    pub fn expected_orders(&self, f: &Frequency, weeks: f64) -> f64 {
        let Self { r, alpha, a, b } = *self;
        let x = f.x;
        let z = weeks / (alpha + f.t + weeks);
        let ratio = ((alpha + f.t) / (alpha + f.t + weeks)).powf(r + x);
        let head = (a + b + x - 1.0) / (a - 1.0);
        let body = 1.0 - ratio * hyp2f1(r + x, b + x, a + b + x - 1.0, z);
        let expected = head * body * self.p_alive(f);
        if expected.is_finite() {
            expected.max(0.0)
        } else {
            0.0
        }
    }
}

struct BgNbdCost<'a> {
    data: &'a [Frequency],
    total: f64,
}

impl CostFunction for BgNbdCost<'_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, p: &Vec<f64>) -> Result<f64, Error> {
        if p.iter().any(|v| v.abs() > 15.0) {
            return Ok(f64::INFINITY);
        }
        let model = BgNbd::from_logs(p);
        let ll: f64 = self
            .data
            .iter()
            .map(|f| f.weight * model.log_likelihood(f))
            .sum();
        let cost = -ll / self.total;
        Ok(if cost.is_finite() {
            cost
        } else {
            f64::INFINITY
        })
    }
}

/// Gauss's hypergeometric function ₂F₁(a, b; c; z) for 0 ≤ z < 1, by its
/// power series (terms shrink geometrically with ratio → z).
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> f64 {
    let (mut term, mut sum) = (1.0, 1.0);
    for k in 0..200_000 {
        let k = f64::from(k);
        term *= (a + k) * (b + k) / ((c + k) * (k + 1.0)) * z;
        sum += term;
        if term.abs() < 1e-14 * sum.abs() {
            break;
        }
    }
    sum
}

/// One repeat buyer (or `weight` identical ones) for the Gamma-Gamma fit:
/// `orders` orders averaging `mean_value`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spend {
    pub orders: f64,
    pub mean_value: f64,
    pub weight: f64,
}

/// Gamma-Gamma parameters: order values ~ Gamma(p, ν), ν ~ Gamma(q, γ).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GammaGamma {
    pub p: f64,
    pub q: f64,
    pub gamma: f64,
}

impl GammaGamma {
    pub fn log_likelihood(&self, s: &Spend) -> f64 {
        let Self { p, q, gamma } = *self;
        let (x, m) = (s.orders, s.mean_value);
        lgamma(p * x + q) - lgamma(p * x) - lgamma(q)
            + q * gamma.ln()
            + (p * x - 1.0) * m.ln()
            + (p * x) * x.ln()
            - (p * x + q) * (x * m + gamma).ln()
    }

    /// Maximum-likelihood parameters from buyers with positive spend;
    /// `None` when there are too few or the fit fails. `q` must exceed 1
    /// for an expected value to exist.
    pub fn fit(data: &[Spend]) -> Option<Self> {
        let data: Vec<Spend> = data
            .iter()
            .copied()
            .filter(|s| s.orders > 0.0 && s.mean_value > 0.0)
            .collect();
        let total: f64 = data.iter().map(|s| s.weight).sum();
        if total < 2.0 {
            return None;
        }
        let mean = data.iter().map(|s| s.mean_value * s.weight).sum::<f64>() / total;
        let start = [0.0, 1.0, mean.ln()];
        let best = minimise(GammaGammaCost { data: &data, total }, &start)?;
        let model = Self {
            p: best[0].exp(),
            q: best[1].exp(),
            gamma: best[2].exp(),
        };
        (model.q > 1.0).then_some(model)
    }

    /// Expected value of the buyer's future orders.
    pub fn expected_value(&self, s: &Spend) -> f64 {
        let Self { p, q, gamma } = *self;
        p * (gamma + s.orders * s.mean_value) / (p * s.orders + q - 1.0)
    }
}

struct GammaGammaCost<'a> {
    data: &'a [Spend],
    total: f64,
}

impl CostFunction for GammaGammaCost<'_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, p: &Vec<f64>) -> Result<f64, Error> {
        if p.iter().any(|v| v.abs() > 30.0) {
            return Ok(f64::INFINITY);
        }
        let model = GammaGamma {
            p: p[0].exp(),
            q: p[1].exp(),
            gamma: p[2].exp(),
        };
        let ll: f64 = self
            .data
            .iter()
            .map(|s| s.weight * model.log_likelihood(s))
            .sum();
        let cost = -ll / self.total;
        Ok(if cost.is_finite() {
            cost
        } else {
            f64::INFINITY
        })
    }
}

#[cfg(test)]
mod tests;
