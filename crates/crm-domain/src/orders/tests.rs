use proptest::prelude::*;

use super::*;

fn line(quantity_milli: i64, unit_price_minor: i64, discount_minor: i64) -> LineFigures {
    LineFigures {
        quantity_milli,
        unit_price_minor,
        discount_minor,
    }
}

#[test]
fn quantities_keep_three_decimals_exactly() {
    assert_eq!(quantity_milli(2.0), Ok(2000));
    assert_eq!(quantity_milli(0.125), Ok(125));
    assert_eq!(quantity_milli(12.3), Ok(12300));
    assert_eq!(quantity_milli(0.001), Ok(1));
    assert_eq!(quantity_milli(1e9), Ok(MAX_QUANTITY_MILLI));
    assert!(quantity_milli(0.0001).is_err());
    assert!(quantity_milli(0.0).is_err());
    assert!(quantity_milli(-1.0).is_err());
    assert!(quantity_milli(f64::NAN).is_err());
    assert!(quantity_milli(f64::INFINITY).is_err());
    assert_eq!(
        quantity_milli(1e9 + 0.001),
        Err("must be at most 1000000000")
    );
    assert_eq!(
        quantity_milli(2.0005),
        Err("must have at most three decimals")
    );
    assert_eq!(quantity_of(12300), 12.3);
}

#[test]
fn line_amounts_round_half_up_and_subtract_the_discount() {
    // 1.5 × ¥9.99 = ¥14.985 → ¥14.99 (1499 fen), less ¥1.00.
    assert_eq!(line_amount(1500, 999, 100), Some(1399));
    // 0.001 × 499 fen = 0.499 fen → 0; × 500 fen = 0.5 fen → 1.
    assert_eq!(line_gross(1, 499), Some(0));
    assert_eq!(line_gross(1, 500), Some(1));
    assert_eq!(line_gross(3000, 2500), Some(7500));
    assert_eq!(line_gross(1000, 0), Some(0), "a free line");
    assert_eq!(
        line_amount(1000, 100, 100),
        Some(0),
        "discount equal to gross"
    );
    assert_eq!(line_amount(1000, 100, 101), None, "discount above gross");
    assert_eq!(line_gross(MAX_QUANTITY_MILLI, i64::MAX), None);
}

#[test]
fn totals_add_the_lines_and_their_discounts() {
    let lines = [line(1500, 999, 100), line(2000, 12_500, 0), line(1, 500, 1)];
    assert_eq!(
        totals(&lines),
        Ok(Totals {
            subtotal_minor: 1499 + 25_000 + 1,
            discount_minor: 101,
            total_minor: 1399 + 25_000,
        })
    );
    assert_eq!(totals(&[]), Ok(Totals::default()));
}

#[test]
fn totals_that_overflow_are_refused_not_wrapped() {
    let big = line(MAX_QUANTITY_MILLI, i64::MAX / 1_000_000_000, 0);
    assert!(line_gross(big.quantity_milli, big.unit_price_minor).is_some());
    assert_eq!(totals(&[big, big]), Err("the order total is too large"));
    assert_eq!(
        totals(&[line(MAX_QUANTITY_MILLI, i64::MAX, 0)]),
        Err("the order total is too large")
    );
}

/// A line within the API's limits: up to a million units, up to
/// ¥100,000,000.00 a unit, a discount no larger than the gross.
fn any_line() -> impl Strategy<Value = LineFigures> {
    (1..=1_000_000_000_i64, 0..=10_000_000_000_i64, 0..=1_000_u32).prop_map(|(q, p, share)| {
        let gross = line_gross(q, p).unwrap_or(0);
        let discount = i64::try_from(i128::from(gross) * i128::from(share) / 1000).unwrap_or(0);
        line(q, p, discount)
    })
}

proptest! {
    /// The order's total is exactly the sum of its lines' amounts, and its
    /// subtotal the sum of their gross: no cent appears or goes missing.
    #[test]
    fn the_total_is_the_sum_of_the_line_amounts(lines in prop::collection::vec(any_line(), 1..60)) {
        let t = totals(&lines).expect("within limits");
        let amounts: i64 = lines
            .iter()
            .map(|l| line_amount(l.quantity_milli, l.unit_price_minor, l.discount_minor).expect("fits"))
            .sum();
        let gross: i64 = lines
            .iter()
            .map(|l| line_gross(l.quantity_milli, l.unit_price_minor).expect("fits"))
            .sum();
        prop_assert_eq!(t.total_minor, amounts);
        prop_assert_eq!(t.subtotal_minor, gross);
        prop_assert_eq!(t.subtotal_minor - t.discount_minor, t.total_minor);
        prop_assert!(t.total_minor >= 0);
    }

    /// Whole quantities are exact; fractional ones are off by at most half
    /// a minor unit from the exact product.
    #[test]
    fn a_line_is_within_half_a_cent_of_the_exact_product(
        q in 1..=MAX_QUANTITY_MILLI,
        p in 0..=1_000_000_000_i64,
    ) {
        let gross = line_gross(q, p).expect("fits");
        let exact = i128::from(q) * i128::from(p);
        prop_assert!((i128::from(gross) * 1000 - exact).abs() <= 500);
        if q % 1000 == 0 {
            prop_assert_eq!(i128::from(gross), exact / 1000);
        }
    }

    /// A quantity read back from thousandths is the same thousandths.
    #[test]
    fn quantities_round_trip(milli in 1..=MAX_QUANTITY_MILLI) {
        prop_assert_eq!(quantity_milli(quantity_of(milli)), Ok(milli));
    }
}
