//! The arithmetic of orders, in integer minor units so no cent is lost:
//! quantities in thousandths, a line's amount (quantity × unit price,
//! rounded half up to the minor unit, less the line's discount), and an
//! order's subtotal, discount and total from its lines. The server
//! computes every total; clients never send one.

/// Most lines one order may have.
pub const MAX_LINES: usize = 500;

/// Largest quantity a line may carry, in thousandths (a billion units).
pub const MAX_QUANTITY_MILLI: i64 = 1_000_000_000_000;

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

/// Quantity × unit price, rounded half up to the minor unit, less the
/// line's discount. `None` when it overflows or the discount exceeds the
/// gross amount. Quantities are positive and prices not negative (the
/// callers check both first).
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

/// The figures of one line that its amount and the order's totals need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineFigures {
    pub quantity_milli: i64,
    pub unit_price_minor: i64,
    pub discount_minor: i64,
}

/// An order's money: the lines' gross, their discounts and what is owed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub subtotal_minor: i64,
    pub discount_minor: i64,
    pub total_minor: i64,
}

/// The order's totals from its lines; `total = subtotal − discount`, which
/// is also the sum of the lines' amounts. An error when a sum overflows.
pub fn totals<'a>(
    lines: impl IntoIterator<Item = &'a LineFigures>,
) -> Result<Totals, &'static str> {
    const TOO_LARGE: &str = "the order total is too large";
    let mut subtotal: i64 = 0;
    let mut discount: i64 = 0;
    for l in lines {
        let gross = line_gross(l.quantity_milli, l.unit_price_minor).ok_or(TOO_LARGE)?;
        subtotal = subtotal.checked_add(gross).ok_or(TOO_LARGE)?;
        discount = discount.checked_add(l.discount_minor).ok_or(TOO_LARGE)?;
    }
    Ok(Totals {
        subtotal_minor: subtotal,
        discount_minor: discount,
        total_minor: subtotal - discount,
    })
}

#[cfg(test)]
mod tests;
