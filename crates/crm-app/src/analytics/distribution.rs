//! The distribution map: parse the dimension, measure, window and list
//! filters, run the grouped queries of
//! `crm_db::analytics` for the window (and the previous one), derive
//! averages and rates, and name regions, owners, teams and tags.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, Utc};
use crm_api_types::analytics::{
    DateWindow, Distribution, DistributionGroup, DistributionQuery, Figure, Unit,
};
use crm_db::AnyConnection;
use crm_db::analytics::{Grouping, Groups};
use crm_db::customers::CustomerFilter;
use crm_db::visibility::Visibility;
use crm_domain::RegionCode;
use crm_domain::access::{Action, ObjectType};
use crm_domain::analytics::{Dimension, Measure, RegionLevel};
use uuid::Uuid;

use crate::customers::filter::{filter_of, prepare as prepare_filter};
use crate::error::bad_param as bad;
use crate::{Actor, AppError};

/// Longest window the map accepts (ten years).
const MAX_WINDOW_DAYS: i64 = 3660;

/// Customers by `dimension` (and optionally `by`, for a crosstab), each
/// group measured over `[from, to]` and, with `compare`, over the window
/// of the same length just before. Only customers the actor may read count.
pub fn distribution(
    conn: &mut AnyConnection,
    actor: &Actor,
    query: &DistributionQuery,
    freshness: &crate::analytics::rfm::Freshness,
) -> Result<Distribution, AppError> {
    let request = Request::parse(query)?;
    let vis = actor.visibility(conn, ObjectType::Customers, Action::Read)?;
    request.run(conn, &vis, freshness)
}

/// A parsed distribution request.
struct Request {
    groups: Groups,
    measure: Measure,
    filter: CustomerFilter,
    window: DateWindow,
    previous: Option<DateWindow>,
}

impl Request {
    fn parse(q: &DistributionQuery) -> Result<Self, AppError> {
        let dimension = q.dimension.ok_or_else(|| bad("dimension", "is required"))?;
        let parent = match &q.parent {
            Some(code) => {
                if dimension != Dimension::Region {
                    return Err(bad("parent", "only applies to dimension=region"));
                }
                Some(
                    RegionCode::parse(code)
                        .map_err(|m| bad("parent", m))?
                        .into_string(),
                )
            }
            None => None,
        };
        let level = q.level.unwrap_or(RegionLevel::Province);
        if level == RegionLevel::Country && parent.is_some() {
            return Err(bad("parent", "countries have no parent"));
        }
        if q.by == Some(dimension) {
            return Err(bad("by", "must differ from dimension"));
        }
        let filter = filter_of(&q.customer_filters())?;
        let today = Utc::now().date_naive();
        let to = q.to.unwrap_or(today);
        let from = q.from.unwrap_or(to - Duration::days(364));
        if from > to {
            return Err(bad("from", "must not be after to"));
        }
        let days = (to - from).num_days() + 1;
        if days > MAX_WINDOW_DAYS {
            return Err(bad("from", "the window may span at most ten years"));
        }
        let previous = q.compare.unwrap_or(false).then(|| {
            let prev_to = from - Duration::days(1);
            DateWindow {
                from: prev_to - Duration::days(days - 1),
                to: prev_to,
            }
        });
        Ok(Self {
            groups: Groups {
                first: Some(Grouping {
                    dimension,
                    level,
                    parent,
                }),
                second: q.by.map(|by| Grouping {
                    dimension: by,
                    level: q.by_level.unwrap_or(RegionLevel::Province),
                    parent: None,
                }),
                today: Some(today),
            },
            measure: q.measure.unwrap_or(Measure::Customers),
            filter,
            window: DateWindow { from, to },
            previous,
        })
    }

    /// Whether every customer falls in exactly one group (a customer has
    /// many tags, and one value of every other dimension).
    fn partitions(&self) -> bool {
        [&self.groups.first, &self.groups.second]
            .into_iter()
            .flatten()
            .all(|g| g.dimension != Dimension::Tag)
    }

    fn uses_rfm(&self) -> bool {
        [&self.groups.first, &self.groups.second]
            .into_iter()
            .flatten()
            .any(|g| matches!(g.dimension, Dimension::RfmSegment | Dimension::ValueTier))
    }

    fn run(
        self,
        conn: &mut AnyConnection,
        vis: &Visibility,
        freshness: &crate::analytics::rfm::Freshness,
    ) -> Result<Distribution, AppError> {
        let settings = crm_db::metrics::settings(conn, vis.workspace_id)?;
        let filter = prepare_filter(conn, vis.workspace_id, self.filter.clone(), freshness)?;
        if self.uses_rfm() {
            crate::analytics::rfm::current(conn, vis.workspace_id, freshness)?;
        }
        let measure = Measured {
            vis,
            filter: &filter,
            measure: self.measure,
            currency: &settings.base_currency,
            churn_days: settings.churn_after_days,
        };
        // Where each customer falls in one group, the groups' sums add up
        // to the total's (an average or a rate is then the ratio of the
        // summed parts); otherwise (tags) it is measured apart.
        let partitions = self.partitions();
        let measured = |conn: &mut AnyConnection, w: DateWindow| {
            let parts = measure.groups(conn, &self.groups, w)?;
            let total = if partitions {
                Part::sum(parts.values()).value(self.measure)
            } else {
                measure.total(conn, w)?
            };
            let values: HashMap<Key, f64> = parts
                .into_iter()
                .map(|(key, part)| (key, part.value(self.measure)))
                .collect();
            Ok::<_, AppError>((values, total))
        };
        let (current, total) = measured(conn, self.window)?;
        let (previous, previous_total) = match self.previous {
            Some(w) => {
                let (groups, total) = measured(conn, w)?;
                (Some(groups), Some(total))
            }
            None => (None, None),
        };
        let first = self.groups.first.as_ref().map(|g| g.dimension);
        let second = self.groups.second.as_ref().map(|g| g.dimension);
        let labels = Labels::load(conn, vis.workspace_id, &current, first, second)?;
        let additive = matches!(
            self.measure,
            Measure::Customers | Measure::NewCustomers | Measure::Revenue | Measure::Orders
        );
        let mut groups: Vec<DistributionGroup> = current
            .iter()
            .map(|((key, key2), value)| {
                let before = previous
                    .as_ref()
                    .map(|p| p.get(&(key.clone(), key2.clone())).copied().unwrap_or(0.0));
                DistributionGroup {
                    label: labels.name(first, key.as_deref()),
                    label2: labels.name(second, key2.as_deref()),
                    key: key.clone(),
                    key2: key2.clone(),
                    figure: figure(*value, before),
                    share: additive.then(|| if total > 0.0 { value / total } else { 0.0 }),
                }
            })
            .collect();
        groups.sort_by(|a, b| {
            b.figure
                .value
                .total_cmp(&a.figure.value)
                .then_with(|| a.key.cmp(&b.key))
                .then_with(|| a.key2.cmp(&b.key2))
        });
        let first_grouping = self.groups.first.as_ref();
        Ok(Distribution {
            dimension: first.unwrap_or(Dimension::Region),
            level: first_grouping
                .filter(|g| g.dimension == Dimension::Region)
                .map(|g| g.level),
            parent: first_grouping.and_then(|g| g.parent.clone()),
            by: second,
            measure: self.measure,
            unit: unit(self.measure),
            currency: settings.base_currency.clone(),
            window: self.window,
            previous_window: self.previous,
            total: figure(total, previous_total),
            groups,
        })
    }
}

fn unit(measure: Measure) -> Unit {
    match measure {
        Measure::Customers | Measure::NewCustomers | Measure::Orders => Unit::Count,
        Measure::Revenue | Measure::AverageOrderValue | Measure::Clv => Unit::MoneyMinor,
        Measure::ChurnRate => Unit::Ratio,
        Measure::Csat => Unit::Score,
    }
}

fn figure(value: f64, previous: Option<f64>) -> Figure {
    let change = previous.map(|p| value - p);
    Figure {
        value,
        previous,
        change,
        change_ratio: previous
            .zip(change)
            .and_then(|(p, c)| (p != 0.0).then(|| c / p)),
    }
}

pub type Key = (Option<String>, Option<String>);

/// One measure over one window, grouped or in total.
struct Measured<'a> {
    vis: &'a Visibility,
    filter: &'a CustomerFilter,
    measure: Measure,
    currency: &'a str,
    churn_days: i32,
}

impl Measured<'_> {
    fn total(&self, conn: &mut AnyConnection, window: DateWindow) -> Result<f64, AppError> {
        // Without groups the query answers one row: the measure over everyone.
        let parts = self.groups(conn, &Groups::default(), window)?;
        Ok(Part::sum(parts.values()).value(self.measure))
    }

    fn groups(
        &self,
        conn: &mut AnyConnection,
        groups: &Groups,
        window: DateWindow,
    ) -> Result<HashMap<Key, Part>, AppError> {
        use crm_db::analytics::{count_customers, sum_orders};
        use crm_db::rollups::sum_sales;
        let end = window.to + Duration::days(1);
        let start_of = |d: NaiveDate| d.and_hms_opt(0, 0, 0).unwrap_or_default();
        let (vis, filter, currency) = (self.vis, self.filter, self.currency);
        let mut out = HashMap::new();
        match self.measure {
            Measure::Customers | Measure::NewCustomers => {
                let from = (self.measure == Measure::NewCustomers).then(|| start_of(window.from));
                for row in count_customers(conn, vis, filter, groups, (from, start_of(end)))? {
                    out.insert((row.key, row.key2), Part::count(row.customers as f64));
                }
            }
            Measure::Revenue | Measure::Orders | Measure::AverageOrderValue => {
                let dates = (Some(window.from), end);
                let sums = match sum_sales(conn, vis, filter, groups, currency, dates)? {
                    Some(sums) => sums,
                    None => sum_orders(conn, vis, filter, groups, currency, dates)?
                        .into_iter()
                        .map(Into::into)
                        .collect(),
                };
                for row in sums {
                    let part = match self.measure {
                        Measure::Revenue => Part::count(row.revenue as f64),
                        Measure::Orders => Part::count(row.orders as f64),
                        _ => Part::ratio(row.revenue as f64, row.orders as f64),
                    };
                    out.insert((row.key, row.key2), part);
                }
            }
            Measure::Clv => {
                for (key, sums) in self.buyers(conn, groups, end, None)? {
                    out.insert(key, Part::ratio(sums.revenue as f64, sums.buyers as f64));
                }
            }
            Measure::Csat => {
                let dates = (start_of(window.from), start_of(end));
                for row in crm_db::analytics::csat_scores(conn, vis, filter, groups, dates)? {
                    out.insert(
                        (row.key, row.key2),
                        Part::ratio(row.score_sum as f64, row.answers as f64),
                    );
                }
            }
            Measure::ChurnRate => {
                // Buyers before the window's end, and those of them who
                // ordered within the churn period before it.
                let since = end - Duration::days(i64::from(self.churn_days));
                for (key, sums) in self.buyers(conn, groups, end, Some(since))? {
                    let churned = sums.buyers - sums.recent;
                    out.insert(key, Part::ratio(churned as f64, sums.buyers as f64));
                }
            }
        }
        Ok(out)
    }

    /// Per group, the revenue of every order before `end`, the buyers, and
    /// those of them who ordered on or after `since`: from the buyers'
    /// metrics rows when no order is dated on or after `end` (a window
    /// ending today), else from the orders.
    fn buyers(
        &self,
        conn: &mut AnyConnection,
        groups: &Groups,
        end: NaiveDate,
        since: Option<NaiveDate>,
    ) -> Result<Vec<(Key, Buyers)>, AppError> {
        use crm_db::analytics::{all_orders_before, sum_buyers, sum_orders};
        let (vis, filter, currency) = (self.vis, self.filter, self.currency);
        if all_orders_before(conn, vis.workspace_id, end)? {
            let rows = sum_buyers(conn, vis, filter, groups, since.unwrap_or(end))?;
            return Ok(rows
                .into_iter()
                .map(|r| {
                    let sums = Buyers {
                        revenue: r.revenue,
                        buyers: r.buyers,
                        recent: r.recent,
                    };
                    ((r.key, r.key2), sums)
                })
                .collect());
        }
        let recent: HashMap<Key, i64> = match since {
            Some(since) => sum_orders(conn, vis, filter, groups, currency, (Some(since), end))?
                .into_iter()
                .map(|r| ((r.key, r.key2), r.buyers))
                .collect(),
            None => HashMap::new(),
        };
        let ever = sum_orders(conn, vis, filter, groups, currency, (None, end))?;
        Ok(ever
            .into_iter()
            .map(|r| {
                let key = (r.key, r.key2);
                let sums = Buyers {
                    revenue: r.revenue,
                    buyers: r.buyers,
                    recent: recent.get(&key).copied().unwrap_or(0),
                };
                (key, sums)
            })
            .collect())
    }
}

/// A group's buyers before a window's end (see `Measured::buyers`).
struct Buyers {
    revenue: i64,
    buyers: i64,
    recent: i64,
}

fn ratio(a: f64, b: f64) -> f64 {
    if b == 0.0 { 0.0 } else { a / b }
}

/// A group's figure as the sums it is made of: a count or amount, or the
/// numerator and denominator of an average or a rate, so that groups
/// which split the customers add up to their total.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Part {
    num: f64,
    den: Option<f64>,
}

impl Part {
    fn count(value: f64) -> Self {
        Self {
            num: value,
            den: None,
        }
    }

    fn ratio(num: f64, den: f64) -> Self {
        Self {
            num,
            den: Some(den),
        }
    }

    fn sum<'a>(parts: impl IntoIterator<Item = &'a Part>) -> Part {
        parts.into_iter().fold(Part::count(0.0), |a, b| Part {
            num: a.num + b.num,
            den: match (a.den, b.den) {
                (None, None) => None,
                (x, y) => Some(x.unwrap_or(0.0) + y.unwrap_or(0.0)),
            },
        })
    }

    /// The figure shown: money averages in whole minor units, rates and
    /// scores as they are.
    fn value(self, measure: Measure) -> f64 {
        match self.den {
            None => self.num,
            Some(den) => {
                let value = ratio(self.num, den);
                match measure {
                    Measure::Clv | Measure::AverageOrderValue => value.round(),
                    _ => value,
                }
            }
        }
    }
}

/// Display names of the keys that are codes or ids.
#[derive(Default)]
pub struct Labels {
    names: HashMap<(Dimension, String), String>,
}

impl Labels {
    pub fn load(
        conn: &mut AnyConnection,
        workspace_id: Uuid,
        groups: &HashMap<Key, f64>,
        first: Option<Dimension>,
        second: Option<Dimension>,
    ) -> Result<Self, AppError> {
        let mut labels = Labels::default();
        for (dimension, keys) in [
            (
                first,
                groups
                    .keys()
                    .filter_map(|k| k.0.clone())
                    .collect::<Vec<_>>(),
            ),
            (second, groups.keys().filter_map(|k| k.1.clone()).collect()),
        ] {
            let Some(dimension) = dimension else { continue };
            let named: Vec<(String, String)> = match dimension {
                Dimension::Region => {
                    let codes: Vec<&str> = keys.iter().map(String::as_str).collect();
                    crm_db::regions::find_many(conn, &codes)?
                        .into_iter()
                        .map(|r| (r.code, r.name_zh))
                        .collect()
                }
                Dimension::Owner => crm_db::users::list(conn, workspace_id, 10_000)?
                    .into_iter()
                    .map(|u| (u.id.0.to_string(), u.display_name))
                    .collect(),
                Dimension::Team => crm_db::teams::list(conn, workspace_id)?
                    .into_iter()
                    .map(|t| (t.id.0.to_string(), t.name))
                    .collect(),
                Dimension::Tag => crm_db::tags::list(conn, workspace_id)?
                    .into_iter()
                    .map(|t| (t.id.0.to_string(), t.name))
                    .collect(),
                _ => Vec::new(),
            };
            for (key, name) in named {
                labels.names.insert((dimension, key), name);
            }
        }
        Ok(labels)
    }

    pub fn name(&self, dimension: Option<Dimension>, key: Option<&str>) -> Option<String> {
        self.names.get(&(dimension?, key?.to_owned())).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_that_split_the_customers_add_up_to_the_total_of_an_average() {
        // Lifetime value: 1,000 over one buyer and 2,000 over three.
        let clv = [Part::ratio(1_000.0, 1.0), Part::ratio(2_000.0, 3.0)];
        assert_eq!(clv[1].value(Measure::Clv), 667.0);
        assert_eq!(Part::sum(&clv).value(Measure::Clv), 750.0);
        // A rate is not rounded; amounts add up.
        let churn = [Part::ratio(1.0, 4.0), Part::ratio(0.0, 4.0)];
        assert_eq!(Part::sum(&churn).value(Measure::ChurnRate), 0.125);
        let revenue = [Part::count(10.0), Part::count(32.0)];
        assert_eq!(Part::sum(&revenue).value(Measure::Revenue), 42.0);
        assert_eq!(Part::sum(&[]).value(Measure::Clv), 0.0);
    }
}
