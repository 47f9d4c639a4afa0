//! Both models recover known parameters from data simulated by their own
//! generative story, and predict the simulated future.

use rand_distr::{Beta, Distribution, Exp, Gamma};
use rand_xoshiro::Xoshiro256Plus;
use rand_xoshiro::rand_core::SeedableRng;

use super::*;

const TRUE_BG: BgNbd = BgNbd {
    r: 0.25,
    alpha: 4.0,
    a: 0.8,
    b: 2.5,
};
const HOLDOUT_WEEKS: f64 = 52.0;

/// Simulated buyers: their summary after `t` weeks and their orders in the
/// `HOLDOUT_WEEKS` after that.
fn simulate_bg_nbd(n: usize, seed: u64) -> Vec<(Frequency, f64)> {
    let mut rng = Xoshiro256Plus::seed_from_u64(seed);
    let rates = Gamma::new(TRUE_BG.r, 1.0 / TRUE_BG.alpha).expect("gamma");
    let dropouts = Beta::new(TRUE_BG.a, TRUE_BG.b).expect("beta");
    (0..n)
        .map(|i| {
            let t = 10.0 + (i % 140) as f64;
            let rate: f64 = rates.sample(&mut rng);
            let dropout: f64 = dropouts.sample(&mut rng);
            let gaps = Exp::new(rate.max(1e-9)).expect("exp");
            let (mut now, mut x, mut t_x, mut future) = (0.0, 0.0, 0.0, 0.0);
            loop {
                now += gaps.sample(&mut rng);
                if now > t + HOLDOUT_WEEKS {
                    break;
                }
                if now <= t {
                    x += 1.0;
                    t_x = now;
                } else {
                    future += 1.0;
                }
                if rand_distr::Bernoulli::new(dropout)
                    .expect("p")
                    .sample(&mut rng)
                {
                    break;
                }
            }
            let summary = Frequency {
                x,
                t_x,
                t,
                weight: 1.0,
            };
            (summary, future)
        })
        .collect()
}

#[test]
fn bg_nbd_recovers_simulated_parameters_and_predicts_the_holdout() {
    let buyers = simulate_bg_nbd(20_000, 7);
    let data: Vec<Frequency> = buyers.iter().map(|b| b.0).collect();
    let fitted = BgNbd::fit(&data).expect("fit");
    assert!((fitted.r / TRUE_BG.r - 1.0).abs() < 0.15, "{fitted:?}");
    assert!(
        (fitted.alpha / TRUE_BG.alpha - 1.0).abs() < 0.25,
        "{fitted:?}"
    );
    // Predicted against simulated holdout orders, overall and by history.
    let groups = [
        ("all", 0.0, f64::INFINITY),
        ("no repeat", 0.0, 0.0),
        ("1-2 repeats", 1.0, 2.0),
        ("3+ repeats", 3.0, f64::INFINITY),
    ];
    for (name, low, high) in groups {
        let keep = |x: f64| (low..=high).contains(&x);
        let (mut predicted, mut actual) = (0.0, 0.0);
        for (f, future) in buyers.iter().filter(|b| keep(b.0.x)) {
            predicted += fitted.expected_orders(f, HOLDOUT_WEEKS);
            actual += future;
        }
        let error = (predicted / actual - 1.0).abs();
        assert!(
            error < 0.1,
            "{name}: predicted {predicted:.0}, actual {actual:.0}"
        );
    }
}

#[test]
fn bg_nbd_needs_repeat_buyers() {
    let once = Frequency {
        x: 0.0,
        t_x: 0.0,
        t: 20.0,
        weight: 50.0,
    };
    assert_eq!(BgNbd::fit(&[once]), None);
    assert_eq!(BgNbd::fit(&[]), None);
}

#[test]
fn p_alive_falls_with_silence() {
    let recent = Frequency {
        x: 5.0,
        t_x: 50.0,
        t: 52.0,
        weight: 1.0,
    };
    let silent = Frequency {
        t_x: 10.0,
        ..recent
    };
    assert!(TRUE_BG.p_alive(&recent) > 0.8);
    assert!(TRUE_BG.p_alive(&silent) < TRUE_BG.p_alive(&recent) / 2.0);
    assert!(TRUE_BG.expected_orders(&silent, 52.0) < TRUE_BG.expected_orders(&recent, 52.0));
}

#[test]
fn hyp2f1_matches_closed_forms() {
    // ₂F₁(1, 1; 2; z) = −ln(1 − z) / z; ₂F₁(a, b; b; z) = (1 − z)^−a.
    for z in [0.1_f64, 0.5, 0.9] {
        assert!((hyp2f1(1.0, 1.0, 2.0, z) + (1.0 - z).ln() / z).abs() < 1e-9);
        assert!((hyp2f1(0.7, 2.0, 2.0, z) - (1.0 - z).powf(-0.7)).abs() < 1e-9);
    }
}

#[test]
fn gamma_gamma_recovers_spend() {
    let (p, q, gamma) = (6.0, 4.0, 15.0);
    let mut rng = Xoshiro256Plus::seed_from_u64(11);
    let scales = Gamma::new(q, 1.0 / gamma).expect("gamma");
    let mut data = Vec::new();
    let mut truth = Vec::new();
    for i in 0..5_000 {
        let nu: f64 = scales.sample(&mut rng);
        let values = Gamma::new(p, 1.0 / nu).expect("gamma");
        let orders = 1 + i % 8;
        let total: f64 = (0..orders).map(|_| values.sample(&mut rng)).sum();
        data.push(Spend {
            orders: orders as f64,
            mean_value: total / orders as f64,
            weight: 1.0,
        });
        truth.push(p / nu);
    }
    let fitted = GammaGamma::fit(&data).expect("fit");
    assert!((fitted.p / p - 1.0).abs() < 0.2, "{fitted:?}");
    let predicted: f64 = data.iter().map(|s| fitted.expected_value(s)).sum();
    let actual: f64 = truth.iter().sum();
    assert!(
        (predicted / actual - 1.0).abs() < 0.05,
        "{predicted} vs {actual}"
    );
}
