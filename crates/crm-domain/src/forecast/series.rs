//! The statistical forecast of monthly revenue: Holt-Winters exponential
//! smoothing (ETS with a damped additive trend and a yearly season, additive
//! or multiplicative, whichever fits the history better), and its
//! rolling-origin backtest scored by MASE against seasonal-naive.
//!
//! Written here rather than taken from `augurs-ets`, whose fitting does not
//! implement seasonal models yet; the smoothing parameters are chosen by a
//! grid search on the one-step-ahead squared error, which is deterministic
//! and, at a few dozen monthly points, takes well under a millisecond.

/// Months in the season (a year).
pub const SEASON: usize = 12;

/// How the yearly season combines with the level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Season {
    Additive,
    Multiplicative,
}

/// Smoothing parameters: level α, trend β, season γ, damping φ.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    pub alpha: f64,
    pub beta: f64,
    pub gamma: f64,
    pub phi: f64,
    pub season: Season,
}

/// A model fitted to a series: its parameters and final state.
#[derive(Debug, Clone, PartialEq)]
pub struct Fitted {
    pub params: Params,
    level: f64,
    trend: f64,
    /// The season factors of the next `SEASON` months, in order.
    seasonal: Vec<f64>,
    /// Sum of squared one-step-ahead errors over the history.
    pub sse: f64,
}

impl Fitted {
    /// The forecasts of the next `horizon` months.
    pub fn forecast(&self, horizon: usize) -> Vec<f64> {
        let p = self.params;
        let mut damp = 0.0;
        let mut step = 1.0;
        (0..horizon)
            .map(|h| {
                step *= p.phi;
                damp += step;
                let base = self.level + damp * self.trend;
                let s = self.seasonal[h % SEASON];
                let y = match p.season {
                    Season::Additive => base + s,
                    Season::Multiplicative => base * s,
                };
                y.max(0.0)
            })
            .collect()
    }
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// Runs the recursions over `y` from the classical two-season start;
/// `None` if the history is shorter than two seasons.
fn run(y: &[f64], p: Params) -> Option<Fitted> {
    if y.len() < 2 * SEASON {
        return None;
    }
    let (first, second) = (mean(&y[..SEASON]), mean(&y[SEASON..2 * SEASON]));
    if p.season == Season::Multiplicative && (first <= 0.0 || second <= 0.0) {
        return None;
    }
    let mut level = first;
    let mut trend = (second - first) / SEASON as f64;
    let mut seasonal: Vec<f64> = (0..SEASON)
        .map(|i| match p.season {
            Season::Additive => ((y[i] - first) + (y[i + SEASON] - second)) / 2.0,
            Season::Multiplicative => (y[i] / first + y[i + SEASON] / second) / 2.0,
        })
        .collect();
    // The state before the first month: step the level back one season.
    level -= trend * (SEASON as f64 + 1.0) / 2.0;
    let mut sse = 0.0;
    for (t, &obs) in y.iter().enumerate() {
        let s = seasonal[t % SEASON];
        let base = level + p.phi * trend;
        let (predicted, deseasoned, season_obs) = match p.season {
            Season::Additive => (base + s, obs - s, obs - base),
            Season::Multiplicative => (base * s, obs / s, obs / base.max(f64::EPSILON)),
        };
        sse += (obs - predicted).powi(2);
        let new_level = p.alpha * deseasoned + (1.0 - p.alpha) * base;
        trend = p.beta * (new_level - level) + (1.0 - p.beta) * p.phi * trend;
        level = new_level;
        let updated = p.gamma * season_obs + (1.0 - p.gamma) * s;
        seasonal[t % SEASON] = match p.season {
            Season::Additive => updated,
            Season::Multiplicative => updated.max(0.01),
        };
    }
    // The next month's factor first.
    let next = y.len() % SEASON;
    seasonal.rotate_left(next);
    Some(Fitted {
        params: p,
        level,
        trend,
        seasonal,
        sse,
    })
}

const ALPHAS: [f64; 9] = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 0.95];
const BETAS: [f64; 5] = [0.0, 0.02, 0.05, 0.1, 0.2];
const GAMMAS: [f64; 5] = [0.0, 0.05, 0.1, 0.2, 0.4];
const PHIS: [f64; 4] = [0.85, 0.92, 0.98, 1.0];

/// Fits Holt-Winters to `y` (monthly, oldest first): the parameters and
/// season form with the least one-step-ahead squared error. `None` when the
/// history is shorter than two years.
pub fn fit(y: &[f64]) -> Option<Fitted> {
    let mut best: Option<Fitted> = None;
    for season in [Season::Additive, Season::Multiplicative] {
        for alpha in ALPHAS {
            for beta in BETAS.iter().copied().filter(|b| *b <= alpha) {
                for gamma in GAMMAS.iter().copied().filter(|g| *g <= 1.0 - alpha) {
                    for phi in PHIS {
                        let p = Params {
                            alpha,
                            beta,
                            gamma,
                            phi,
                            season,
                        };
                        if let Some(f) = run(y, p)
                            && f.sse.is_finite()
                            && best.as_ref().is_none_or(|b| f.sse < b.sse)
                        {
                            best = Some(f);
                        }
                    }
                }
            }
        }
    }
    best
}

/// The seasonal-naive forecasts: each month as it was a year before.
pub fn seasonal_naive(y: &[f64], horizon: usize) -> Option<Vec<f64>> {
    (y.len() >= SEASON).then(|| {
        (0..horizon)
            .map(|h| y[y.len() - SEASON + h % SEASON])
            .collect()
    })
}

/// A method's and seasonal-naive's accuracy over the same forecasts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backtest {
    /// Forecast origins tried.
    pub origins: usize,
    /// Months ahead forecast from each origin.
    pub horizon: usize,
    /// Mean absolute scaled error of Holt-Winters.
    pub mase: f64,
    /// The same for seasonal-naive.
    pub mase_seasonal_naive: f64,
}

impl Backtest {
    /// How much lower Holt-Winters' error is than seasonal-naive's (0.2 = 20 % lower).
    pub fn improvement(&self) -> f64 {
        if self.mase_seasonal_naive > 0.0 {
            1.0 - self.mase / self.mase_seasonal_naive
        } else {
            0.0
        }
    }
}

/// Rolling-origin evaluation: for every origin from two years of history
/// on, fit on the months before it and forecast up to `horizon` months
/// (as far as the history goes); each absolute error is scaled by the
/// in-sample mean absolute error of seasonal-naive at that origin (MASE).
/// `None` when there is no origin with two years behind it and one month
/// after it, or the history has no year-on-year change to scale by.
pub fn backtest(y: &[f64], horizon: usize) -> Option<Backtest> {
    let (mut model, mut naive, mut count, mut origins) = (0.0, 0.0, 0usize, 0usize);
    for origin in 2 * SEASON..y.len() {
        let train = &y[..origin];
        let scale = mean(
            &(SEASON..origin)
                .map(|t| (train[t] - train[t - SEASON]).abs())
                .collect::<Vec<_>>(),
        );
        if scale <= 0.0 {
            continue;
        }
        let h = horizon.min(y.len() - origin);
        let (Some(fitted), Some(snaive)) = (fit(train), seasonal_naive(train, h)) else {
            continue;
        };
        let forecast = fitted.forecast(h);
        for i in 0..h {
            model += (y[origin + i] - forecast[i]).abs() / scale;
            naive += (y[origin + i] - snaive[i]).abs() / scale;
            count += 1;
        }
        origins += 1;
    }
    (count > 0).then(|| Backtest {
        origins,
        horizon,
        mase: model / count as f64,
        mase_seasonal_naive: naive / count as f64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A planted series: a rising trend, a yearly season peaking in
    /// November and dipping in February, and deterministic noise (±8 %).
    fn planted(months: usize) -> Vec<f64> {
        const MONTH: [f64; 12] = [
            0.85, 0.55, 0.9, 0.95, 0.95, 1.15, 0.9, 0.9, 0.95, 1.0, 1.45, 1.3,
        ];
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        (0..months)
            .map(|t| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let noise = (state % 1_000) as f64 / 1_000.0 * 0.16 - 0.08;
                let level = 100_000.0 + 4_000.0 * t as f64;
                level * MONTH[t % 12] * (1.0 + noise)
            })
            .collect()
    }

    #[test]
    fn recovers_a_clean_trend_and_season() {
        let truth = |t: usize| 1_000.0 + 10.0 * t as f64 + if t % 12 == 3 { 50.0 } else { 0.0 };
        let y: Vec<f64> = (0..48).map(truth).collect();
        let f = fit(&y).expect("four years fit");
        let next = f.forecast(12);
        for (h, value) in next.iter().enumerate() {
            let t = 48 + h;
            let truth = truth(t);
            assert!(
                (value - truth).abs() < 25.0,
                "month {t}: {value} vs {truth}"
            );
        }
    }

    #[test]
    fn needs_two_years() {
        assert!(fit(&planted(23)).is_none());
        assert!(fit(&planted(24)).is_some());
        assert!(backtest(&planted(24), 3).is_none());
    }

    #[test]
    fn beats_seasonal_naive_by_a_fifth_on_a_planted_trend_and_season() {
        let y = planted(36);
        let b = backtest(&y, 3).expect("twelve origins");
        assert_eq!(b.origins, 12);
        assert!(
            b.improvement() >= 0.2,
            "MASE {:.3} vs seasonal-naive {:.3}",
            b.mase,
            b.mase_seasonal_naive
        );
    }

    #[test]
    fn seasonal_naive_repeats_last_year() {
        let y: Vec<f64> = (0..24).map(f64::from).collect();
        assert_eq!(seasonal_naive(&y, 3), Some(vec![12.0, 13.0, 14.0]));
        assert_eq!(seasonal_naive(&y[..5], 1), None);
    }

    #[test]
    fn forecasts_are_never_negative() {
        let y: Vec<f64> = (0..30)
            .map(|t| (300.0 - 12.0 * t as f64).max(0.0))
            .collect();
        let f = fit(&y).expect("fit");
        assert!(f.forecast(12).iter().all(|v| *v >= 0.0));
    }

    #[test]
    fn a_flat_history_has_nothing_to_scale_by() {
        assert!(backtest(&[5.0; 30], 3).is_none());
    }
}
