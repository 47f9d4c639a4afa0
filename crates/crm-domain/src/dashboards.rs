//! Dashboards (仪表盘): a grid of widgets, each a saved or standard report
//! drawn at a width and height, and the filters (period, owner, team,
//! region) a viewer sets once for every widget. This module owns the
//! layout's rules and how the filters narrow a widget's definition; the
//! dashboards' storage and runs as their viewer are the other layers'.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::FieldErrors;
use crate::reports::{
    RelativePeriod, ReportCondition, ReportFieldKind, ReportObject, ReportOperator, ReportPeriod,
    ReportSpec, fields,
};

pub mod standard;

/// Columns of the grid.
pub const COLUMNS: u8 = 12;
/// Rows a widget may span (a row is about 160 px).
pub const MAX_HEIGHT: u8 = 4;
pub const MAX_WIDGETS: usize = 24;

/// One cell of the grid: a saved report (`report_id`) or a standard one
/// (`standard`), exactly one of the two.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DashboardWidget {
    /// Names the widget within its dashboard (`w1`, `won`…).
    #[schema(example = "w1", pattern = "^[a-z0-9_-]{1,40}$")]
    pub key: String,
    #[serde(default)]
    pub report_id: Option<Uuid>,
    #[serde(default)]
    #[schema(example = "won_this_month", pattern = "^[a-z][a-z0-9_]{0,63}$")]
    pub standard: Option<String>,
    /// Columns of the twelve it spans.
    #[schema(minimum = 1, maximum = 12)]
    pub width: u8,
    /// Rows it spans (1 to 4).
    #[schema(minimum = 1, maximum = 4)]
    pub height: u8,
}

/// What every widget of a dashboard is narrowed to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DashboardFilters {
    /// A period relative to today; not together with `from` / `to`.
    #[serde(default)]
    pub relative: Option<RelativePeriod>,
    #[serde(default)]
    #[schema(pattern = "^(?:19[0-9]{2}|2[01][0-9]{2}|2200)-")]
    pub from: Option<NaiveDate>,
    #[serde(default)]
    #[schema(pattern = "^(?:19[0-9]{2}|2[01][0-9]{2}|2200)-")]
    pub to: Option<NaiveDate>,
    /// Records of this user (their owner, a ticket's assignee).
    #[serde(default)]
    pub owner: Option<Uuid>,
    #[serde(default)]
    pub team: Option<Uuid>,
    /// A province (`440000`) or a city (`440300`) code.
    #[serde(default)]
    #[schema(example = "440000", pattern = "^[0-9]{6}$")]
    pub region: Option<String>,
}

/// The widgets and the filters they start with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DashboardLayout {
    #[serde(default, deserialize_with = "crate::json::objects")]
    #[schema(max_items = 24)]
    pub widgets: Vec<DashboardWidget>,
    #[serde(default, deserialize_with = "crate::json::object")]
    pub filters: DashboardFilters,
}

fn key_ok(key: &str) -> bool {
    (1..=40).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

impl DashboardFilters {
    /// The rules of the filters, errors named under `prefix`
    /// (`filters.region`, `layout.filters.to`…).
    pub fn check(&self, prefix: &str, errors: &mut FieldErrors) {
        if self.relative.is_some() && (self.from.is_some() || self.to.is_some()) {
            errors.add(
                format!("{prefix}relative"),
                "give either a relative period or from / to, not both",
            );
        }
        for (name, day) in [("from", self.from), ("to", self.to)] {
            if let Some(Err(m)) = day.map(crate::validation::sane_date) {
                errors.add(format!("{prefix}{name}"), m);
            }
        }
        if let (Some(from), Some(to)) = (self.from, self.to)
            && to < from
        {
            errors.add(format!("{prefix}to"), "must not be before from");
        }
        if let Some(code) = &self.region
            && region_field(code).is_none()
        {
            errors.add(
                format!("{prefix}region"),
                "must be a province (440000) or a city (440300) code",
            );
        }
    }

    /// Whether any filter is set.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// `spec` narrowed to these filters: a condition per person, team and
    /// region filter on the object's field of that kind, and the period on
    /// the report's own period field, else its date grouping, else the
    /// object's main date. Filters the object has no field for (a product
    /// list has no owner) leave it as it is.
    pub fn narrow(&self, spec: &ReportSpec) -> ReportSpec {
        let mut spec = spec.clone();
        let object_fields = fields(spec.object);
        let first_of = |kind: ReportFieldKind| {
            object_fields
                .iter()
                .find(|f| f.kind == kind)
                .map(|f| f.key.to_owned())
        };
        let mut add = |field: Option<String>, value: String| {
            if let Some(field) = field {
                spec.filters.push(ReportCondition {
                    field,
                    op: ReportOperator::Eq,
                    value: Some(value),
                });
            }
        };
        if let Some(owner) = self.owner {
            add(first_of(ReportFieldKind::User), owner.to_string());
        }
        if let Some(team) = self.team {
            add(first_of(ReportFieldKind::Team), team.to_string());
        }
        if let Some(code) = &self.region
            && let Some(field) = region_field(code)
            && object_fields.iter().any(|f| f.key == field)
        {
            add(Some(field.to_owned()), code.clone());
        }
        if self.relative.is_some() || self.from.is_some() || self.to.is_some() {
            let field = spec
                .period
                .as_ref()
                .map(|p| p.field.clone())
                .or_else(|| {
                    spec.group_by
                        .iter()
                        .find(|g| {
                            object_fields
                                .iter()
                                .any(|f| f.key == g.field && f.kind == ReportFieldKind::Date)
                        })
                        .map(|g| g.field.clone())
                })
                .unwrap_or_else(|| main_date(&spec).to_owned());
            spec.period = Some(ReportPeriod {
                field,
                from: self.from,
                to: self.to,
                relative: self.relative,
            });
        }
        spec
    }
}

/// The report field a region code filters: `province` for a province
/// code (`440000`), `city` for a city (`440300`); `None` for a district or
/// anything that is not a code.
fn region_field(code: &str) -> Option<&'static str> {
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) || code.starts_with("00") {
        return None;
    }
    if code.ends_with("0000") {
        Some("province")
    } else if code.ends_with("00") {
        Some("city")
    } else {
        None
    }
}

/// The date a dashboard's period applies to when a report names none: a
/// deal's close for won or lost deals, its creation otherwise (an open
/// pipeline has no close date yet).
pub fn main_date(spec: &ReportSpec) -> &'static str {
    let closed = spec.filters.iter().any(|c| {
        c.field == "status"
            && c.op == ReportOperator::Eq
            && matches!(c.value.as_deref(), Some("won" | "lost"))
    });
    match spec.object {
        ReportObject::Deals if closed => "closed_at",
        ReportObject::Deals => "created_at",
        ReportObject::Activities => "occurred_at",
        ReportObject::Orders | ReportObject::OrderLines => "order_date",
        ReportObject::Customers
        | ReportObject::Contacts
        | ReportObject::Leads
        | ReportObject::Tickets
        | ReportObject::Products => "created_at",
    }
}

impl DashboardLayout {
    /// The rules of a layout, errors named under `prefix` (`layout.`):
    /// widget keys unique, one report each, sizes on the grid, filters.
    pub fn check(&self, prefix: &str) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        if self.widgets.len() > MAX_WIDGETS {
            errors.add(
                format!("{prefix}widgets"),
                format!("at most {MAX_WIDGETS} widgets"),
            );
        }
        let mut seen = std::collections::HashSet::new();
        for (i, w) in self.widgets.iter().enumerate() {
            let at = format!("{prefix}widgets[{i}].");
            if !key_ok(&w.key) {
                errors.add(format!("{at}key"), "1 to 40 of a-z, 0-9, _ and -");
            } else if !seen.insert(w.key.as_str()) {
                errors.add(format!("{at}key"), "another widget has this key");
            }
            match (&w.report_id, &w.standard) {
                (Some(_), None) => {}
                (None, Some(key)) => {
                    if !crate::reports::standard::all().iter().any(|s| s.key == key) {
                        errors.add(format!("{at}standard"), "no standard report has this key");
                    }
                }
                _ => errors.add(
                    format!("{at}report_id"),
                    "give either report_id or standard, one of them",
                ),
            }
            if !(1..=COLUMNS).contains(&w.width) {
                errors.add(format!("{at}width"), "must be 1 to 12 columns");
            }
            if !(1..=MAX_HEIGHT).contains(&w.height) {
                errors.add(format!("{at}height"), "must be 1 to 4 rows");
            }
        }
        self.filters
            .check(&format!("{prefix}filters."), &mut errors);
        errors.into_result()
    }
}

#[cfg(test)]
mod tests;
