//! An order's lines: resolved against the products the records name,
//! checked (`lines[i].field`), priced (a product's list price in the
//! order's currency unless a price is sent), totalled, and shown to the
//! change log.

use crm_api_types::orders::NewOrderLine;
use crm_db::orders::{LineRow, OrderFields};
use crm_db::types::Id;
use crm_domain::FieldErrors;
use crm_domain::orders::{LineFigures, MAX_LINES, line_amount, quantity_milli};

use super::refs::Refs;
use crate::batch::RecordError;

/// A line as written, before it knows its order: line number, product,
/// quantity (thousandths), unit price, discount, amount.
pub type Line = (i32, Id, i64, i64, i64, i64);

/// An order as the change log records it: its fields and, when given, its lines.
pub fn audited(fields: &OrderFields, lines: Option<&[Line]>) -> serde_json::Value {
    let mut value = serde_json::to_value(fields).unwrap_or_default();
    if let (Some(lines), Some(map)) = (lines, value.as_object_mut()) {
        map.insert("lines".into(), logged_lines(lines));
    }
    value
}

/// Lines as the change log records them.
pub fn logged_lines(lines: &[Line]) -> serde_json::Value {
    lines
        .iter()
        .map(|l| {
            serde_json::json!({
                "line_no": l.0,
                "product_id": l.1,
                "quantity_milli": l.2,
                "unit_price_minor": l.3,
                "discount_minor": l.4,
                "amount_minor": l.5,
            })
        })
        .collect()
}

pub fn as_line(l: &LineRow) -> Line {
    (
        l.line_no,
        l.product_id,
        l.quantity_milli,
        l.unit_price_minor,
        l.discount_minor,
        l.amount_minor,
    )
}

/// Subtotal, discount and total of the lines, or 422 when they overflow.
pub fn totals(lines: &[Line]) -> Result<(i64, i64, i64), RecordError> {
    let figures: Vec<LineFigures> = lines
        .iter()
        .map(|l| LineFigures {
            quantity_milli: l.2,
            unit_price_minor: l.3,
            discount_minor: l.4,
        })
        .collect();
    let t = crm_domain::orders::totals(&figures).map_err(|m| RecordError::invalid("lines", m))?;
    Ok((t.subtotal_minor, t.discount_minor, t.total_minor))
}

/// Resolves and checks the lines; errors name `lines[i].field`.
pub fn build_lines(
    refs: &Refs,
    lines: &[NewOrderLine],
    currency: Option<&str>,
    errors: &mut FieldErrors,
) -> Vec<Line> {
    if lines.is_empty() || lines.len() > MAX_LINES {
        errors.add("lines", format!("must hold 1 to {MAX_LINES} lines"));
        return Vec::new();
    }
    let mut out = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        let at = |field: &str| format!("lines[{i}].{field}");
        let named = [
            line.product_id.is_some(),
            line.product_external_id.is_some(),
            line.sku.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        let product = if named != 1 {
            errors.add(
                at("product_id"),
                "name the product by exactly one of product_id, product_external_id or sku",
            );
            None
        } else if let Some(id) = line.product_id {
            refs.products_by_id.get(&id).or_else(|| {
                errors.add(at("product_id"), "is not a product of this workspace");
                None
            })
        } else if let Some(key) = &line.product_external_id {
            refs.products_by_key.get(key).or_else(|| {
                errors.add(
                    at("product_external_id"),
                    "is not a product of this workspace",
                );
                None
            })
        } else {
            let sku = line.sku.clone().unwrap_or_default();
            refs.products_by_sku.get(&sku).or_else(|| {
                errors.add(at("sku"), "is not a product of this workspace");
                None
            })
        };
        let quantity = errors.take(&at("quantity"), quantity_milli(line.quantity));
        let unit_price = match (line.unit_price_minor, product) {
            (Some(p), _) if p < 0 => {
                errors.add(at("unit_price_minor"), "must not be negative");
                None
            }
            (Some(p), _) => Some(p),
            (None, Some(product)) => match (product.fields.price_minor, &product.fields.currency) {
                (Some(price), Some(c)) if Some(c.as_str()) == currency => Some(price),
                _ => {
                    errors.add(
                        at("unit_price_minor"),
                        "is required: the product has no list price in the order's currency",
                    );
                    None
                }
            },
            (None, None) => None,
        };
        let discount = line.discount_minor.unwrap_or(0);
        if discount < 0 {
            errors.add(at("discount_minor"), "must not be negative");
        }
        if let (Some(product), Some(q), Some(price)) = (product, quantity, unit_price) {
            match line_amount(q, price, discount.max(0)) {
                Some(amount) => out.push((
                    i32::try_from(i + 1).unwrap_or(i32::MAX),
                    product.id,
                    q,
                    price,
                    discount.max(0),
                    amount,
                )),
                None => errors.add(
                    at("discount_minor"),
                    "exceeds the line amount, or the amount is too large",
                ),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crm_db::products::{ProductFields, ProductRow};
    use uuid::Uuid;

    use super::*;

    fn refs() -> Refs {
        let tea = ProductRow::new(
            Uuid::from_u128(1),
            None,
            ProductFields {
                sku: "TEA-1".into(),
                name: "龙井".into(),
                external_id: None,
                category: None,
                unit: None,
                price_minor: Some(12_000),
                currency: Some("CNY".into()),
                active: true,
                description: None,
                search_text: String::new(),
            },
        );
        let mut refs = Refs::default();
        refs.products_by_sku.insert("TEA-1".into(), tea);
        refs
    }

    fn line(quantity: f64, price: Option<i64>, discount: Option<i64>) -> NewOrderLine {
        NewOrderLine {
            product_id: None,
            product_external_id: None,
            sku: Some("TEA-1".into()),
            quantity,
            unit_price_minor: price,
            discount_minor: discount,
        }
    }

    #[test]
    fn lines_take_the_list_price_in_the_orders_currency_and_add_up() {
        let mut errors = FieldErrors::new();
        let lines = [line(2.5, None, None), line(1.0, Some(10_000), Some(1_000))];
        let built = build_lines(&refs(), &lines, Some("CNY"), &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            built.iter().map(|l| (l.0, l.5)).collect::<Vec<_>>(),
            vec![(1, 30_000), (2, 9_000)]
        );
        assert_eq!(totals(&built).ok(), Some((40_000, 1_000, 39_000)));
        // No list price in another currency: the price must be sent.
        build_lines(&refs(), &lines[..1], Some("USD"), &mut errors);
        assert!(errors.0.contains_key("lines[0].unit_price_minor"));
    }

    #[test]
    fn a_discount_beyond_the_amount_and_unknown_products_are_refused() {
        let mut errors = FieldErrors::new();
        let mut unknown = line(1.0, Some(100), None);
        unknown.sku = Some("NONE".into());
        let lines = [line(1.0, Some(100), Some(101)), unknown];
        assert!(build_lines(&refs(), &lines, Some("CNY"), &mut errors).is_empty());
        assert!(errors.0.contains_key("lines[0].discount_minor"));
        assert!(errors.0.contains_key("lines[1].sku"));
        build_lines(&refs(), &[], Some("CNY"), &mut errors);
        assert!(errors.0.contains_key("lines"));
    }
}
