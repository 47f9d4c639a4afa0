//! The vocabulary and arithmetic of orders: statuses, quantities in
//! thousandths, and line and order totals in integer minor units. The
//! server computes every total; clients never send one.

use crate::string_enum;

string_enum! {
    /// Where an order stands. Cancelled and refunded orders are kept but
    /// count as no revenue.
    OrderStatus {
        Draft = "draft",
        Confirmed = "confirmed",
        Paid = "paid",
        Shipped = "shipped",
        Completed = "completed",
        Cancelled = "cancelled",
        Refunded = "refunded",
    }
}

impl OrderStatus {
    /// Whether the order's total counts as revenue.
    pub fn is_revenue(self) -> bool {
        !matches!(self, Self::Draft | Self::Cancelled | Self::Refunded)
    }
}

string_enum! {
    /// What kind of interaction an activity records.
    ActivityKind {
        Call = "call",
        Meeting = "meeting",
        Email = "email",
        Note = "note",
        /// Something to do, with a due date and an assignee.
        Task = "task",
    }
}

string_enum! {
    /// Where a lead stands. `converted` is set by conversion only.
    LeadStatus {
        New = "new",
        Working = "working",
        Qualified = "qualified",
        Disqualified = "disqualified",
        Converted = "converted",
    }
}

string_enum! {
    /// What reaching a pipeline stage means for a deal.
    StageKind {
        /// Still being worked.
        Open = "open",
        /// Closed as won.
        Won = "won",
        /// Closed as lost; a lost reason is required.
        Lost = "lost",
    }
}

/// The stages a new workspace's default pipeline starts with:
/// (name, default probability %, kind).
pub const DEFAULT_STAGES: [(&str, i32, StageKind); 6] = [
    ("初步接洽", 10, StageKind::Open),
    ("需求确认", 25, StageKind::Open),
    ("方案报价", 50, StageKind::Open),
    ("商务谈判", 75, StageKind::Open),
    ("赢单", 100, StageKind::Won),
    ("输单", 0, StageKind::Lost),
];

/// Largest quantity a line may carry (a billion units).
const MAX_QUANTITY_MILLI: i64 = 1_000_000_000_000;

/// A JSON quantity (`2`, `0.5`, `12.125`) as thousandths; at most three
/// decimals, positive, at most a billion.
pub fn quantity_milli(quantity: f64) -> Result<i64, &'static str> {
    if !quantity.is_finite() || quantity <= 0.0 {
        return Err("must be a positive number");
    }
    let scaled = quantity * 1000.0;
    let rounded = scaled.round();
    if (scaled - rounded).abs() > 1e-6 * scaled.max(1.0) {
        return Err("must have at most three decimals");
    }
    if rounded > MAX_QUANTITY_MILLI as f64 {
        return Err("must be at most 1000000000");
    }
    Ok(rounded as i64)
}

/// Thousandths back to the number clients sent.
pub fn quantity_of(milli: i64) -> f64 {
    milli as f64 / 1000.0
}

/// Quantity × unit price, rounded half away from zero to the minor unit,
/// less the line's discount. `None` when it overflows or the discount
/// exceeds the gross amount.
pub fn line_amount(quantity_milli: i64, unit_price_minor: i64, discount_minor: i64) -> Option<i64> {
    let gross = i128::from(quantity_milli) * i128::from(unit_price_minor);
    let gross = (gross + 500) / 1000;
    let net = gross - i128::from(discount_minor);
    if net < 0 {
        return None;
    }
    i64::try_from(net).ok()
}

/// The gross (before discounts) of a line, for the order's subtotal.
pub fn line_gross(quantity_milli: i64, unit_price_minor: i64) -> Option<i64> {
    line_amount(quantity_milli, unit_price_minor, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_keep_three_decimals_exactly() {
        assert_eq!(quantity_milli(2.0), Ok(2000));
        assert_eq!(quantity_milli(0.125), Ok(125));
        assert_eq!(quantity_milli(12.3), Ok(12300));
        assert!(quantity_milli(0.0001).is_err());
        assert!(quantity_milli(0.0).is_err());
        assert!(quantity_milli(-1.0).is_err());
        assert!(quantity_milli(f64::NAN).is_err());
        assert!(quantity_milli(2e12).is_err());
        assert_eq!(quantity_of(12300), 12.3);
    }

    #[test]
    fn line_amounts_round_half_up_and_subtract_the_discount() {
        // 1.5 × ¥9.99 = ¥14.985 → ¥14.99 (1499 fen), less ¥1.00.
        assert_eq!(line_amount(1500, 999, 100), Some(1399));
        assert_eq!(line_gross(3000, 2500), Some(7500));
        assert_eq!(line_amount(1000, 100, 101), None, "discount above gross");
        assert_eq!(line_gross(MAX_QUANTITY_MILLI, i64::MAX), None);
    }

    #[test]
    fn cancelled_and_refunded_orders_are_no_revenue() {
        assert!(OrderStatus::Paid.is_revenue());
        assert!(!OrderStatus::Refunded.is_revenue());
        assert!(!OrderStatus::Draft.is_revenue());
    }
}
