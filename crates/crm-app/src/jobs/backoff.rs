//! How long a failed job waits before its next attempt: exponential in the
//! attempts used (base, 2×base, 4×base, …), capped, and spread by jitter
//! so jobs that failed together do not all come back together.

use std::time::Duration;

/// The longest wait between two attempts.
pub const CAP: Duration = Duration::from_secs(60 * 60);

/// The wait after the `attempt`-th attempt (1-based) failed. `unit` is a
/// random number in `[0, 1)`; the result lies within ±25 % of
/// `base × 2^(attempt−1)`, and never above [`CAP`].
pub fn delay(base: Duration, attempt: i32, unit: f64) -> Duration {
    let exponent = attempt.saturating_sub(1).clamp(0, 30) as u32;
    let plain = base.saturating_mul(1_u32 << exponent).min(CAP);
    let factor = 0.75 + 0.5 * unit.clamp(0.0, 1.0);
    plain.mul_f64(factor).min(CAP)
}

/// [`delay`] with a fresh random `unit`.
pub fn jittered(base: Duration, attempt: i32) -> Duration {
    delay(base, attempt, rand::random::<f64>())
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: Duration = Duration::from_secs(5);

    #[test]
    fn without_jitter_the_wait_doubles_with_each_attempt() {
        let waits: Vec<u64> = (1..=5).map(|a| delay(BASE, a, 0.5).as_secs()).collect();
        assert_eq!(waits, vec![5, 10, 20, 40, 80]);
    }

    #[test]
    fn jitter_keeps_the_wait_within_a_quarter_of_the_plain_one() {
        for attempt in 1..=8 {
            let plain = delay(BASE, attempt, 0.5).as_secs_f64();
            let low = delay(BASE, attempt, 0.0).as_secs_f64();
            let high = delay(BASE, attempt, 0.999_999).as_secs_f64();
            assert!((low - plain * 0.75).abs() < 1e-6, "attempt {attempt}");
            assert!(
                high <= plain * 1.25 + 1e-6 && high > plain * 1.24,
                "attempt {attempt}"
            );
        }
    }

    #[test]
    fn jittered_waits_still_grow_from_one_attempt_to_the_next() {
        // The lowest wait of attempt n+1 (1.5 × plain n) beats the highest of n (1.25 × plain n).
        for attempt in 1..=8 {
            assert!(jittered(BASE, attempt + 1) > jittered(BASE, attempt));
        }
    }

    #[test]
    fn the_wait_never_exceeds_the_cap() {
        assert_eq!(delay(BASE, 40, 0.999), CAP);
        // At the cap, jitter still spreads the waits below it.
        assert_eq!(delay(BASE, i32::MAX, 0.0), CAP.mul_f64(0.75));
        assert!(delay(BASE, 11, 0.9) <= CAP);
    }

    #[test]
    fn a_zeroth_or_negative_attempt_waits_the_base() {
        assert_eq!(delay(BASE, 0, 0.5), BASE);
        assert_eq!(delay(BASE, -3, 0.5), BASE);
    }
}
