//! The fields each report object offers, with their kind: what may group
//! (text, people, teams, stages, regions, dates), what may be summed
//! (numbers, money in minor units) and what a condition on each compares.
//! Keys are the API's field names; the database crate maps each to its
//! column, so a report never carries SQL.

use uuid::Uuid;

use super::{ReportObject, ReportOperator};

crate::string_enum! {
    /// What a field holds, and so how it groups, aggregates and compares.
    ReportFieldKind {
        /// A closed vocabulary or free text, grouped by its value.
        Text = "text",
        /// A user (owner, assignee), labelled with their name.
        User = "user",
        Team = "team",
        Pipeline = "pipeline",
        Stage = "stage",
        Product = "product",
        /// A region code (province, city), labelled with its name.
        Region = "region",
        /// A tag of the customer, labelled with its name: a customer with
        /// several tags counts under each when grouped by it.
        Tag = "tag",
        Bool = "bool",
        Date = "date",
        /// A whole number (probability, employees, quantity in thousandths).
        Number = "number",
        /// An amount in minor units (分) of the workspace's base currency;
        /// records in other currencies are left out of its aggregates.
        Money = "money",
    }
}

impl ReportFieldKind {
    pub fn groups(self) -> bool {
        !self.is_number()
    }

    pub fn is_number(self) -> bool {
        matches!(self, Self::Number | Self::Money)
    }

    fn is_id(self) -> bool {
        matches!(
            self,
            Self::User | Self::Team | Self::Pipeline | Self::Stage | Self::Product | Self::Tag
        )
    }

    /// Whether `op` applies to the kind and `value` reads as it (the
    /// messages name the field: the value's form depends on it).
    pub fn check_condition(
        self,
        key: &str,
        op: ReportOperator,
        value: Option<&str>,
    ) -> Result<(), String> {
        if matches!(op, ReportOperator::IsEmpty | ReportOperator::NotEmpty) {
            return match value {
                Some(_) => Err(format!("{op} takes no value")),
                None => Ok(()),
            };
        }
        if matches!(op, ReportOperator::Gte | ReportOperator::Lte) && !self.is_ordered() {
            return Err(format!(
                "{key} is not a number or a date: {op} cannot compare it"
            ));
        }
        let Some(value) = value else {
            return Err(format!("give the value {key} is compared with"));
        };
        let read = match self {
            Self::Date => chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
                .ok()
                .filter(|d| crate::validation::sane_date(*d).is_ok())
                .map(drop),
            Self::Number | Self::Money => value.parse::<i64>().ok().map(drop),
            Self::Bool => matches!(value, "true" | "false").then_some(()),
            Self::Region => {
                (value.len() <= 12 && value.chars().all(|c| c.is_ascii_digit())).then_some(())
            }
            k if k.is_id() => Uuid::parse_str(value).ok().map(drop),
            _ => Some(()),
        };
        read.ok_or_else(|| format!("{key} holds {}: {value:?} is not one", self.holds()))
    }

    fn is_ordered(self) -> bool {
        matches!(self, Self::Date | Self::Number | Self::Money)
    }

    /// What a value of the kind looks like, for messages.
    fn holds(self) -> &'static str {
        match self {
            Self::Date => "dates (YYYY-MM-DD)",
            Self::Number => "whole numbers",
            Self::Money => "amounts in minor units (whole numbers)",
            Self::Bool => "true or false",
            Self::Region => "region codes (digits)",
            Self::Text => "texts",
            _ => "ids (UUID)",
        }
    }
}

/// One field of one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct ReportFieldDef {
    pub key: &'static str,
    pub kind: ReportFieldKind,
}

const fn f(key: &'static str, kind: ReportFieldKind) -> ReportFieldDef {
    ReportFieldDef { key, kind }
}

use ReportFieldKind::*;

/// The customer's fields a record reached through its customer offers.
const CUSTOMER: [ReportFieldDef; 4] = [
    f("province", Region),
    f("city", Region),
    f("industry", Text),
    f("tag", Tag),
];

const CUSTOMERS: &[ReportFieldDef] = &[
    f("kind", Text),
    f("industry", Text),
    f("size_band", Text),
    f("source", Text),
    f("lifecycle_stage", Text),
    f("owner", User),
    f("team", Team),
    f("province", Region),
    f("city", Region),
    f("tag", Tag),
    f("created_at", Date),
    f("employee_count", Number),
];

const CONTACTS: &[ReportFieldDef] = &[
    f("owner", User),
    f("team", Team),
    CUSTOMER[0],
    CUSTOMER[1],
    CUSTOMER[2],
    CUSTOMER[3],
    f("is_primary", Bool),
    f("created_at", Date),
];

const LEADS: &[ReportFieldDef] = &[
    f("status", Text),
    f("source", Text),
    f("owner", User),
    f("team", Team),
    f("province", Region),
    f("city", Region),
    f("disqualified_reason", Text),
    f("created_at", Date),
    f("converted_at", Date),
    // 100 for a converted lead, else 0: its average is the conversion rate.
    f("converted_percent", Number),
];

const DEALS: &[ReportFieldDef] = &[
    f("pipeline", Pipeline),
    f("stage", Stage),
    // open, won or lost: the kind of the deal's stage.
    f("status", Text),
    f("owner", User),
    f("team", Team),
    f("lost_reason", Text),
    f("forecast_category", Text),
    CUSTOMER[0],
    CUSTOMER[1],
    CUSTOMER[2],
    CUSTOMER[3],
    f("created_at", Date),
    f("closed_at", Date),
    f("expected_close_date", Date),
    f("amount_minor", Money),
    f("probability", Number),
    // Days from creation to close: the sales cycle of won and lost deals.
    f("cycle_days", Number),
    // 100 for a won deal, 0 for a lost one, none while open: its average
    // is the win rate.
    f("won_percent", Number),
];

const ACTIVITIES: &[ReportFieldDef] = &[
    f("kind", Text),
    f("owner", User),
    f("team", Team),
    f("done", Bool),
    f("outcome", Text),
    f("priority", Text),
    f("occurred_at", Date),
    f("created_at", Date),
];

const ORDERS: &[ReportFieldDef] = &[
    f("status", Text),
    // Whether the order counts as revenue (not a draft, cancelled or refunded).
    f("revenue", Bool),
    f("owner", User),
    f("team", Team),
    CUSTOMER[0],
    CUSTOMER[1],
    CUSTOMER[2],
    CUSTOMER[3],
    f("order_date", Date),
    f("created_at", Date),
    f("total_minor", Money),
    f("discount_minor", Money),
];

const ORDER_LINES: &[ReportFieldDef] = &[
    f("product", Product),
    f("product_category", Text),
    f("order_status", Text),
    f("revenue", Bool),
    f("owner", User),
    f("team", Team),
    CUSTOMER[0],
    CUSTOMER[1],
    CUSTOMER[2],
    CUSTOMER[3],
    f("order_date", Date),
    f("quantity_milli", Number),
    f("amount_minor", Money),
];

const TICKETS: &[ReportFieldDef] = &[
    f("ticket_type", Text),
    f("priority", Text),
    f("channel", Text),
    f("status", Text),
    f("assignee", User),
    f("team", Team),
    CUSTOMER[0],
    CUSTOMER[1],
    CUSTOMER[2],
    CUSTOMER[3],
    f("created_at", Date),
    f("first_responded_at", Date),
    f("resolved_at", Date),
    // Calendar minutes from creation to the first reply, and to resolution.
    f("first_response_minutes", Number),
    f("resolution_minutes", Number),
    // The answered satisfaction survey's score, 1–5.
    f("csat", Number),
    // 100 when the clock ran out (met late, or still unmet past its due
    // time), 0 when met in time, none while running or without a target:
    // its average is the breach rate.
    f("first_response_breached", Number),
    f("resolution_breached", Number),
];

const PRODUCTS: &[ReportFieldDef] = &[
    f("category", Text),
    f("unit", Text),
    f("active", Bool),
    f("created_at", Date),
    f("price_minor", Money),
];

/// The fields of `object`, in the order a picker shows them.
pub fn fields(object: ReportObject) -> &'static [ReportFieldDef] {
    match object {
        ReportObject::Customers => CUSTOMERS,
        ReportObject::Contacts => CONTACTS,
        ReportObject::Leads => LEADS,
        ReportObject::Deals => DEALS,
        ReportObject::Activities => ACTIVITIES,
        ReportObject::Orders => ORDERS,
        ReportObject::OrderLines => ORDER_LINES,
        ReportObject::Tickets => TICKETS,
        ReportObject::Products => PRODUCTS,
    }
}

/// How a customer's custom field is named in a definition:
/// `custom.vip_level`.
pub const CUSTOM_PREFIX: &str = "custom.";

/// The custom field's key of a well-formed `custom.<key>`.
pub fn custom_key(key: &str) -> Option<&str> {
    key.strip_prefix(CUSTOM_PREFIX)
        .filter(|k| crate::custom_field::parse_key(k).is_ok())
}

/// Whether the object's records reach a customer (and so its tags and
/// custom fields).
pub fn reaches_customer(object: ReportObject) -> bool {
    !matches!(
        object,
        ReportObject::Leads | ReportObject::Activities | ReportObject::Products
    )
}

/// The field of `object` named `key`: one of its catalogue, or a custom
/// field of the customer (`custom.<key>`, grouped and compared as text,
/// answered with the key `custom`; whether the workspace defines it is
/// the application's to check).
pub fn field(object: ReportObject, key: &str) -> Option<ReportFieldDef> {
    fields(object)
        .iter()
        .find(|f| f.key == key)
        .copied()
        .or_else(|| {
            (reaches_customer(object) && custom_key(key).is_some()).then_some(ReportFieldDef {
                key: "custom",
                kind: Text,
            })
        })
}
