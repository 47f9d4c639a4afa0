//! Orders from a CSV file of order lines, the way ERPs export them: one
//! row per line, the lines of an order on consecutive rows sharing its
//! number (`external_id`). The order's own fields are read from its first
//! row; every row gives one line. An order is written or refused whole:
//! an error in one line refuses all its rows, each told why.

use std::collections::BTreeMap;

use crm_domain::FieldErrors;
use serde_json::{Map, Value, json};

/// Field errors by column.
pub type Errors = BTreeMap<String, Vec<String>>;

/// What `group` gives: order bodies, the batch rows each came from, and refused rows.
pub type Grouped = (Vec<Value>, Vec<Vec<usize>>, Vec<(usize, Errors)>);

/// Groups converted rows (flat bodies whose line fields are `line.*`) into
/// orders with `lines`; `keys` are the rows' order numbers as typed.
pub fn group(
    converted: Vec<Result<Value, Errors>>,
    keys: &[Option<String>],
    base_currency: &str,
    currency_mapped: bool,
) -> Grouped {
    let (mut bodies, mut origins, mut refused) = (Vec::new(), Vec::new(), Vec::new());
    let mut at = 0;
    while at < converted.len() {
        // The rows of one order: consecutive, same non-blank number (a blank one stands alone).
        let key = keys.get(at).cloned().flatten();
        let mut end = at + 1;
        while key.is_some() && end < converted.len() && keys.get(end).cloned().flatten() == key {
            end += 1;
        }
        let rows: Vec<usize> = (at..end).collect();
        let failed: Vec<usize> = rows
            .iter()
            .copied()
            .filter(|r| converted[*r].is_err())
            .collect();
        if !failed.is_empty() {
            for r in &rows {
                let errors = match &converted[*r] {
                    Err(errors) => errors.clone(),
                    Ok(_) => BTreeMap::from([(
                        "order".to_owned(),
                        vec!["refused with another row of the same order".to_owned()],
                    )]),
                };
                refused.push((*r, errors));
            }
        } else {
            bodies.push(order_of(
                &converted[at..end],
                base_currency,
                currency_mapped,
            ));
            origins.push(rows);
        }
        at = end;
    }
    (bodies, origins, refused)
}

/// One order body from its rows.
fn order_of(rows: &[Result<Value, Errors>], base_currency: &str, currency_mapped: bool) -> Value {
    let mut order = Map::new();
    let mut lines = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let Ok(Value::Object(fields)) = row else {
            continue;
        };
        let mut line = Map::new();
        for (key, value) in fields {
            match key.strip_prefix("line.") {
                Some(name) => {
                    line.insert(name.to_owned(), value.clone());
                }
                None if i == 0 => {
                    order.insert(key.clone(), value.clone());
                }
                None => {}
            }
        }
        if !line.is_empty() {
            lines.push(Value::Object(line));
        }
    }
    if !lines.is_empty() {
        order.insert("lines".to_owned(), Value::Array(lines));
    }
    if !currency_mapped {
        order.insert("currency".to_owned(), json!(base_currency));
    }
    Value::Object(order)
}

/// A refused record's field errors spread over its rows: `lines[i].field`
/// to the row of line `i`, the rest to every row; a row left without an
/// error is told which row refused its order. `column` names a field's column.
pub fn spread<T>(
    errors: FieldErrors,
    rows: &[usize],
    batch: &[(i64, T)],
    column: impl Fn(&str) -> String,
) -> Vec<(usize, Errors)> {
    let mut by_row: BTreeMap<usize, Errors> = BTreeMap::new();
    for (field, messages) in errors.0 {
        let line = field
            .strip_prefix("lines[")
            .and_then(|rest| rest.split_once(']'))
            .and_then(|(i, _)| i.parse::<usize>().ok())
            .and_then(|i| rows.get(i));
        let targets: Vec<usize> = match line {
            Some(r) => vec![*r],
            None => rows.to_vec(),
        };
        for r in targets {
            by_row
                .entry(r)
                .or_default()
                .entry(column(&field))
                .or_default()
                .extend(messages.iter().cloned());
        }
    }
    let first = by_row.keys().next().copied();
    rows.iter()
        .map(|r| {
            let errors = by_row.remove(r).unwrap_or_else(|| {
                let number = first.and_then(|f| batch.get(f)).map_or(0, |(n, _)| *n);
                BTreeMap::from([(
                    "order".to_owned(),
                    vec![format!("refused with row {number} of the same order")],
                )])
            });
            (*r, errors)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(key: &str, sku: &str) -> Result<Value, Errors> {
        Ok(
            json!({"external_id": key, "order_date": "2026-03-01", "line.sku": sku, "line.quantity": 1.0}),
        )
    }

    #[test]
    fn consecutive_rows_of_one_number_are_one_order() {
        let bad: Result<Value, Errors> =
            Err(BTreeMap::from([("数量".to_owned(), vec!["x".to_owned()])]));
        let keys: Vec<Option<String>> = ["A", "A", "B", "B", "B", "C"]
            .iter()
            .map(|k| Some(k.to_string()))
            .collect();
        let (bodies, origins, refused) = group(
            vec![
                row("A", "P1"),
                row("A", "P2"),
                row("B", "P1"),
                bad,
                row("B", "P3"),
                row("C", "P1"),
            ],
            &keys,
            "CNY",
            false,
        );
        assert_eq!(origins, vec![vec![0, 1], vec![5]]);
        assert_eq!(bodies[0]["lines"].as_array().map(Vec::len), Some(2));
        assert_eq!(bodies[0]["currency"], "CNY");
        assert_eq!(bodies[0]["external_id"], "A");
        assert!(bodies[0].get("line.sku").is_none());
        let refused_rows: Vec<usize> = refused.iter().map(|(r, _)| *r).collect();
        assert_eq!(refused_rows, vec![2, 3, 4], "order B is refused whole");
    }

    #[test]
    fn line_errors_go_to_their_row() {
        let errors = FieldErrors::single("lines[1].sku", "no such product");
        let batch = vec![(10_i64, ()), (11, ()), (12, ())];
        let spread = spread(errors, &[1, 2], &batch, |f| f.to_owned());
        assert_eq!(spread[1].1["lines[1].sku"], vec!["no such product"]);
        assert!(spread[0].1["order"][0].contains("row 12"));
    }
}
