//! Demo products and three years of orders with **planted truth**: every
//! customer is drawn into a behavioural cluster with its own order rhythm
//! and basket size, churners stop ordering long before today, won-back
//! customers return after a long silence. Order dates follow a weekly and a
//! yearly season (Spring Festival dip, 618 and 双11 peaks) and a rising
//! trend (acquisitions grow over the three years). Analytics tests check
//! their figures against [`Cluster`], which the generator returns.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use crm_db::orders::{LineRow, OrderFields, OrderRow};
use crm_db::products::{ProductFields, ProductRow};
use crm_db::types::Id;
use crm_domain::orders::{LineFigures, line_amount, totals};
use rand::prelude::*;
use rand::rngs::StdRng;
use uuid::Uuid;

/// Days of history the generator covers.
pub const HISTORY_DAYS: i64 = 3 * 365;

/// A behavioural cluster (the planted truth of one customer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cluster {
    /// Frequent, large orders, still active.
    Vip,
    /// Regular mid-size orders, still active.
    Regular,
    /// A few small orders a year.
    Occasional,
    /// One order only.
    OneTime,
    /// Ordered regularly, then stopped 200–600 days ago.
    Churned,
    /// Silent for longer than the churn period, then came back recently.
    WonBack,
    /// Never ordered.
    Prospect,
}

impl Cluster {
    /// (cluster, weight in %)
    const MIX: [(Cluster, u32); 7] = [
        (Cluster::Vip, 8),
        (Cluster::Regular, 22),
        (Cluster::Occasional, 20),
        (Cluster::OneTime, 15),
        (Cluster::Churned, 10),
        (Cluster::WonBack, 5),
        (Cluster::Prospect, 20),
    ];

    /// Mean days between orders and the basket range in yuan.
    fn rhythm(self) -> (f64, (f64, f64)) {
        match self {
            Cluster::Vip => (7.0, (8_000.0, 15_000.0)),
            Cluster::Regular => (30.0, (1_500.0, 2_500.0)),
            Cluster::Occasional => (90.0, (200.0, 400.0)),
            Cluster::OneTime => (f64::INFINITY, (2_000.0, 4_000.0)),
            Cluster::Churned => (14.0, (600.0, 1_000.0)),
            Cluster::WonBack => (21.0, (4_000.0, 6_000.0)),
            Cluster::Prospect => (f64::INFINITY, (0.0, 0.0)),
        }
    }
}

/// The cluster and acquisition day of one customer.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub cluster: Cluster,
    pub acquired: NaiveDate,
}

/// Draws a cluster and an acquisition date; acquisitions become more
/// frequent over time (density rising linearly), the planted trend.
pub fn plan(rng: &mut StdRng, today: NaiveDate) -> Plan {
    let mix = rand::distr::weighted::WeightedIndex::new(Cluster::MIX.iter().map(|m| m.1))
        .expect("constant weights are valid");
    let cluster = Cluster::MIX[mix.sample(rng)].0;
    let start = today - Duration::days(HISTORY_DAYS);
    // Churners and won-back customers need history before their silence.
    let latest = match cluster {
        Cluster::Churned => HISTORY_DAYS - 800,
        Cluster::WonBack => HISTORY_DAYS - 700,
        Cluster::Vip | Cluster::Regular | Cluster::Occasional => HISTORY_DAYS - 180,
        _ => HISTORY_DAYS - 5,
    };
    let offset = (rng.random::<f64>().sqrt() * latest as f64) as i64;
    Plan {
        cluster,
        acquired: start + Duration::days(offset),
    }
}

/// How likely an order lands on this day (≤ 1): weekends and the Spring
/// Festival month are quiet, June (618), November (双11) and December busy.
fn season(day: NaiveDate) -> f64 {
    const MONTH: [f64; 12] = [
        0.8, 0.5, 0.85, 0.85, 0.85, 0.95, 0.8, 0.8, 0.85, 0.85, 1.0, 0.95,
    ];
    let week = match day.weekday() {
        Weekday::Sat => 0.7,
        Weekday::Sun => 0.6,
        _ => 1.0,
    };
    MONTH[day.month0() as usize] * week
}

const PRODUCTS: [(&str, &str, &str, i64); 12] = [
    ("CLD-BASIC", "云服务基础版 Cloud Basic", "软件", 1_999),
    ("CLD-PRO", "云服务专业版 Cloud Pro", "软件", 6_800),
    ("CLD-ENT", "云服务企业版 Cloud Enterprise", "软件", 19_800),
    ("SUP-YEAR", "年度技术支持 Annual Support", "服务", 4_500),
    ("TRN-DAY", "培训服务（天）Training Day", "服务", 3_000),
    ("IMPL", "实施服务 Implementation", "服务", 12_000),
    ("HW-SCAN", "扫码枪 Barcode Scanner", "硬件", 399),
    ("HW-PRNT", "小票打印机 Receipt Printer", "硬件", 899),
    ("HW-POS", "收银一体机 POS Terminal", "硬件", 3_999),
    ("CON-PAPER", "热敏纸（箱）Thermal Paper", "耗材", 199),
    ("CON-LABEL", "标签纸（箱）Labels", "耗材", 259),
    ("SMS-10K", "短信包 1 万条 SMS Pack", "增值服务", 450),
];

pub fn products() -> Vec<ProductFields> {
    PRODUCTS
        .iter()
        .map(|(sku, name, category, yuan)| {
            ProductFields {
                sku: (*sku).to_owned(),
                name: (*name).to_owned(),
                external_id: Some(format!("ERP-{sku}")),
                category: Some((*category).to_owned()),
                unit: Some("件".to_owned()),
                price_minor: Some(yuan * 100),
                currency: Some("CNY".to_owned()),
                active: true,
                description: None,
                search_text: String::new(),
            }
            .with_search_text()
        })
        .collect()
}

/// The orders of one customer: `(customer id, owner, team)`.
pub struct Buyer {
    pub customer_id: Uuid,
    pub owner_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
}

/// Order days of a plan up to `today`.
fn order_days(rng: &mut StdRng, plan: &Plan, today: NaiveDate) -> Vec<NaiveDate> {
    let (interval, _) = plan.cluster.rhythm();
    let first = plan.acquired + Duration::days(rng.random_range(0..14));
    if first > today {
        return Vec::new();
    }
    match plan.cluster {
        Cluster::Prospect => return Vec::new(),
        Cluster::OneTime => return vec![first],
        _ => {}
    }
    // The active stretches: churners stop, won-back customers pause.
    let stretches: Vec<(NaiveDate, NaiveDate)> = match plan.cluster {
        Cluster::Churned => {
            let stop = today - Duration::days(rng.random_range(250..700));
            vec![(first, stop.max(first))]
        }
        Cluster::WonBack => {
            let back = today - Duration::days(rng.random_range(20..80));
            let pause = back - Duration::days(rng.random_range(300..500));
            vec![(first, pause.max(first)), (back, today)]
        }
        _ => vec![(first, today)],
    };
    let mut days = vec![first];
    for (from, to) in stretches {
        let mut day = from;
        loop {
            // A steady rhythm with ±40 % jitter; a quiet season skips a beat.
            let gap = interval * rng.random_range(0.6..1.4);
            day += Duration::days(gap.round().max(1.0) as i64);
            if day > to {
                break;
            }
            if rng.random::<f64>() < season(day) {
                days.push(day);
            }
        }
        if days.last() != Some(&from) && from != first {
            days.push(from);
        }
    }
    days.sort();
    days.dedup();
    days
}

/// Generates the orders (and lines) of one customer.
pub fn orders_of(
    rng: &mut StdRng,
    workspace_id: Uuid,
    buyer: &Buyer,
    plan: &Plan,
    products: &[ProductRow],
    today: NaiveDate,
    serial: &mut usize,
) -> (Vec<OrderRow>, Vec<LineRow>) {
    let (_, (low, high)) = plan.cluster.rhythm();
    let mut orders = Vec::new();
    let mut lines = Vec::new();
    for day in order_days(rng, plan, today) {
        *serial += 1;
        let festive = if matches!(day.month(), 11 | 12) {
            1.2
        } else {
            1.0
        };
        let target = rng.random_range(low..high) * festive * 100.0;
        let count = if target < 100_000.0 {
            1
        } else {
            rng.random_range(1..=3_usize)
        };
        let id = Id::new();
        let (mut figures, mut order_lines) = (Vec::new(), Vec::new());
        let per_line = target / count as f64;
        // Products the line's share of the basket can pay for (the cheapest otherwise).
        let affordable: Vec<&ProductRow> = products
            .iter()
            .filter(|p| {
                p.fields
                    .price_minor
                    .is_some_and(|price| price as f64 <= per_line)
            })
            .collect();
        for line_no in 0..count {
            let product = if affordable.is_empty() {
                let cheapest = products.iter().min_by_key(|p| p.fields.price_minor);
                cheapest.unwrap_or(&products[0])
            } else {
                affordable[rng.random_range(0..affordable.len())]
            };
            let price = product.fields.price_minor.unwrap_or(100);
            let quantity = (per_line / price as f64).round().max(1.0) as i64;
            let line = LineFigures {
                quantity_milli: quantity * 1000,
                unit_price_minor: price,
                discount_minor: 0,
            };
            // The API's arithmetic; a line it cannot price is not sold.
            let Some(amount) = line_amount(line.quantity_milli, price, line.discount_minor) else {
                continue;
            };
            figures.push(line);
            order_lines.push(LineRow {
                workspace_id: Id(workspace_id),
                order_id: id,
                line_no: line_no as i32 + 1,
                product_id: product.id,
                quantity_milli: line.quantity_milli,
                unit_price_minor: price,
                discount_minor: line.discount_minor,
                amount_minor: amount,
            });
        }
        let Ok(sums) = totals(&figures) else {
            continue;
        };
        if order_lines.is_empty() {
            continue;
        }
        lines.extend(order_lines);
        let roll = rng.random::<f64>();
        let status = if roll < 0.03 {
            "cancelled"
        } else if roll < 0.04 {
            "refunded"
        } else if (today - day).num_days() < 10 {
            "paid"
        } else {
            "completed"
        };
        let mut row = OrderRow::new(
            workspace_id,
            None,
            OrderFields {
                customer_id: Id(buyer.customer_id),
                external_id: Some(format!("SO-{:08}", *serial)),
                order_date: day,
                status: status.to_owned(),
                currency: "CNY".to_owned(),
                subtotal_minor: sums.subtotal_minor,
                discount_minor: sums.discount_minor,
                total_minor: sums.total_minor,
                owner_id: buyer.owner_id.map(Id),
                team_id: buyer.team_id.map(Id),
                note: None,
            },
        );
        row.id = id;
        let at = day.and_hms_opt(10, 0, 0).unwrap_or_default();
        row.created_at = at;
        row.updated_at = at;
        orders.push(row);
    }
    (orders, lines)
}
