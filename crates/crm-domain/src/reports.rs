//! Report definitions (报表): what a report counts or sums (its object and
//! measure), how the rows are grouped (up to two fields, dates by a grain),
//! which records take part (conditions and a period) and how it is drawn.
//! This module owns the catalogue of the fields each object offers and the
//! rules a definition must follow; turning one into SQL is the database
//! crate's, running it as its viewer the use case's.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::FieldErrors;
use crate::string_enum;

pub mod catalog;
pub mod period;
pub mod standard;

pub use catalog::{ReportFieldDef, ReportFieldKind, field, fields};
pub use period::RelativePeriod;

string_enum! {
    /// The records a report is made of.
    ReportObject {
        Customers = "customers",
        Contacts = "contacts",
        Leads = "leads",
        Deals = "deals",
        Activities = "activities",
        Orders = "orders",
        /// Each product line of each order (revenue by product).
        OrderLines = "order_lines",
        Tickets = "tickets",
        /// The product catalogue (every product, whoever reads it).
        Products = "products",
    }
}

string_enum! {
    /// How the rows of a group become its figure.
    Aggregate {
        Count = "count",
        /// How many different values of a field (products sold, reps with a deal).
        CountDistinct = "count_distinct",
        Sum = "sum",
        Avg = "avg",
        Min = "min",
        Max = "max",
    }
}

string_enum! {
    /// The bucket a date is grouped by (weeks start on Monday, ISO 8601).
    DateGrain { Day = "day", Week = "week", Month = "month", Quarter = "quarter", Year = "year" }
}

string_enum! {
    /// How the report is drawn (the rows are the same for each).
    ChartKind {
        Bar = "bar",
        /// Bars of the first grouping stacked by the second.
        StackedBar = "stacked_bar",
        Line = "line",
        /// A line filled to the axis (stacked by the second grouping).
        Area = "area",
        Pie = "pie",
        /// Stages narrowing from the largest group down (a sales funnel).
        Funnel = "funnel",
        /// China's provinces shaded by the figure: grouped by `province`
        /// alone.
        Map = "map",
        Table = "table",
        /// One figure (no groupings), compared with the window before
        /// its period when it has one.
        Number = "number",
    }
}

string_enum! {
    /// How a condition compares a field with its value.
    ReportOperator {
        Eq = "eq",
        Ne = "ne",
        /// At least (numbers, dates).
        Gte = "gte",
        /// At most (numbers, dates).
        Lte = "lte",
        IsEmpty = "is_empty",
        NotEmpty = "not_empty",
    }
}

/// One grouping: a field, and for a date field its grain (default month).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportGrouping {
    /// A field of the object, or a custom field of the customer it
    /// reaches (`custom.vip_level`).
    #[schema(
        example = "closed_at",
        pattern = "^([a-z][a-z_]{0,63}|custom\\.[a-z][a-z0-9_]{0,62})$"
    )]
    pub field: String,
    pub grain: Option<DateGrain>,
}

/// The figure of each group: the number of records, or an aggregate of a
/// number or money field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportMeasure {
    pub aggregate: Aggregate,
    /// Required unless `aggregate` is `count`.
    #[schema(
        example = "amount_minor",
        pattern = "^([a-z][a-z_]{0,63}|custom\\.[a-z][a-z0-9_]{0,62})$"
    )]
    pub field: Option<String>,
}

/// A condition every counted record meets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportCondition {
    /// A field of the object, or `custom.<key>`.
    #[schema(
        example = "status",
        pattern = "^([a-z][a-z_]{0,63}|custom\\.[a-z][a-z0-9_]{0,62})$"
    )]
    pub field: String,
    pub op: ReportOperator,
    /// Compared as the field's kind: a number, a date (`YYYY-MM-DD`), an
    /// id or a text; absent for `is_empty` and `not_empty`.
    #[schema(example = "won", min_length = 1, max_length = 200)]
    pub value: Option<String>,
}

/// The days a report covers, on one of its object's date fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportPeriod {
    #[schema(example = "closed_at", pattern = "^[a-z][a-z_]{0,63}$")]
    pub field: String,
    /// First day (inclusive).
    #[schema(pattern = "^(?:19[0-9]{2}|2[01][0-9]{2}|2200)-")]
    pub from: Option<NaiveDate>,
    /// Last day (inclusive).
    #[schema(pattern = "^(?:19[0-9]{2}|2[01][0-9]{2}|2200)-")]
    pub to: Option<NaiveDate>,
    /// A period relative to the day the report runs (本月, 上季度, 近 30
    /// 天 …) instead of fixed days; not together with `from` / `to`.
    #[serde(default)]
    pub relative: Option<RelativePeriod>,
}

impl ReportPeriod {
    /// The fixed days the period covers on `today`.
    pub fn days(&self, today: NaiveDate) -> (Option<NaiveDate>, Option<NaiveDate>) {
        match self.relative {
            Some(r) => {
                let (from, to) = r.resolve(today);
                (Some(from), Some(to))
            }
            None => (self.from, self.to),
        }
    }
}

/// A whole report definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportSpec {
    pub object: ReportObject,
    /// Up to two groupings; none gives one figure.
    #[serde(default)]
    #[schema(max_items = 2)]
    pub group_by: Vec<ReportGrouping>,
    pub measure: ReportMeasure,
    #[serde(default)]
    #[schema(max_items = 10)]
    pub filters: Vec<ReportCondition>,
    pub period: Option<ReportPeriod>,
    pub chart: ChartKind,
}

pub const MAX_GROUPINGS: usize = 2;
pub const MAX_CONDITIONS: usize = 10;
/// The most groups a report answers with; the rest are summed as one.
pub const MAX_GROUPS: usize = 500;

impl ReportSpec {
    /// Every rule of a definition, each error naming its place
    /// (`group_by[1].field`, `filters[0].value`…).
    pub fn check(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        let object = self.object;
        if self.group_by.len() > MAX_GROUPINGS {
            errors.add("group_by", format!("at most {MAX_GROUPINGS} groupings"));
        }
        for (i, g) in self.group_by.iter().enumerate() {
            match field(object, &g.field) {
                None => errors.add(format!("group_by[{i}].field"), unknown(object)),
                Some(f) if !f.kind.groups() => errors.add(
                    format!("group_by[{i}].field"),
                    "a number cannot group; sum or average it instead",
                ),
                Some(f) if g.grain.is_some() && f.kind != ReportFieldKind::Date => {
                    errors.add(format!("group_by[{i}].grain"), "only a date has a grain")
                }
                Some(_) => {}
            }
        }
        if let [a, b] = &self.group_by[..]
            && a.field == b.field
        {
            errors.add("group_by[1].field", "group by two different fields");
        }
        match (&self.measure.aggregate, &self.measure.field) {
            (Aggregate::Count, None) => {}
            (Aggregate::Count, Some(_)) => errors.add("measure.field", "count takes no field"),
            (_, None) => errors.add("measure.field", "name the number to aggregate"),
            (Aggregate::CountDistinct, Some(name)) => {
                if field(object, name).is_none() {
                    errors.add("measure.field", unknown(object));
                }
            }
            (_, Some(name)) => match field(object, name) {
                Some(f) if f.kind.is_number() => {}
                Some(_) => errors.add("measure.field", "must be a number or money field"),
                None => errors.add("measure.field", unknown(object)),
            },
        }
        if self.filters.len() > MAX_CONDITIONS {
            errors.add("filters", format!("at most {MAX_CONDITIONS} conditions"));
        }
        for (i, c) in self.filters.iter().enumerate() {
            let Some(f) = field(object, &c.field) else {
                errors.add(format!("filters[{i}].field"), unknown(object));
                continue;
            };
            if let Some(v) = &c.value
                && !(1..=200).contains(&v.chars().count())
            {
                errors.add(format!("filters[{i}].value"), "must be 1 to 200 characters");
                continue;
            }
            if let Err(message) = f.kind.check_condition(&c.field, c.op, c.value.as_deref()) {
                errors.add(format!("filters[{i}].value"), message);
            }
        }
        if let Some(p) = &self.period {
            match field(object, &p.field) {
                Some(f) if f.kind == ReportFieldKind::Date => {}
                Some(_) => errors.add("period.field", "must be a date field"),
                None => errors.add("period.field", unknown(object)),
            }
            for (name, day) in [("period.from", p.from), ("period.to", p.to)] {
                if let Some(Err(m)) = day.map(crate::validation::sane_date) {
                    errors.add(name, m);
                }
            }
            if let (Some(from), Some(to)) = (p.from, p.to)
                && to < from
            {
                errors.add("period.to", "must not be before from");
            }
            if p.relative.is_some() && (p.from.is_some() || p.to.is_some()) {
                errors.add(
                    "period.relative",
                    "give either a relative period or from / to, not both",
                );
            }
        }
        if self.chart == ChartKind::StackedBar && self.group_by.len() != 2 {
            errors.add("chart", "a stacked bar needs two groupings");
        }
        if self.chart == ChartKind::Pie && self.group_by.len() != 1 {
            errors.add("chart", "a pie needs exactly one grouping");
        }
        if self.chart == ChartKind::Funnel && self.group_by.len() != 1 {
            errors.add("chart", "a funnel needs exactly one grouping");
        }
        if self.chart == ChartKind::Map
            && (self.group_by.len() != 1 || self.group_by[0].field != "province")
        {
            errors.add("chart", "a map shades provinces: group by province alone");
        }
        if self.chart == ChartKind::Number && !self.group_by.is_empty() {
            errors.add("chart", "a number is one figure: remove the groupings");
        }
        errors.into_result()
    }
}

fn unknown(object: ReportObject) -> String {
    let names: Vec<&str> = fields(object).iter().map(|f| f.key).collect();
    format!("{object} have no such field; one of: {}", names.join(", "))
}

/// The label of the bucket holding `day`: `2026-03-09` (day), `2026-W11`
/// (ISO week), `2026-03`, `2026-Q1`, `2026`. The database answers with the
/// bucket's first day; this names it the same way on both backends.
pub fn bucket_label(grain: DateGrain, day: NaiveDate) -> String {
    match grain {
        DateGrain::Day => day.format("%Y-%m-%d").to_string(),
        DateGrain::Week => {
            let w = day.iso_week();
            format!("{}-W{:02}", w.year(), w.week())
        }
        DateGrain::Month => day.format("%Y-%m").to_string(),
        DateGrain::Quarter => format!("{}-Q{}", day.year(), day.month0() / 3 + 1),
        DateGrain::Year => day.year().to_string(),
    }
}

/// The first day of the bucket holding `day` (what a grouping keys on).
pub fn bucket_start(grain: DateGrain, day: NaiveDate) -> NaiveDate {
    let first_of = |month: u32| NaiveDate::from_ymd_opt(day.year(), month, 1).unwrap_or(day);
    match grain {
        DateGrain::Day => day,
        DateGrain::Week => {
            day - chrono::Duration::days(i64::from(day.weekday().num_days_from_monday()))
        }
        DateGrain::Month => first_of(day.month()),
        DateGrain::Quarter => first_of(day.month0() / 3 * 3 + 1),
        DateGrain::Year => first_of(1),
    }
}

#[cfg(test)]
mod tests;
