//! The service desk's vocabulary (客户服务 / 工单): ticket statuses and the
//! moves between them, priorities, channels, the workspace's service
//! settings (ticket types, business calendar, SLA targets) and their
//! validation. The business clock is [`calendar`]; SLA targets, due times
//! and a ticket's SLA state are [`sla`]; assignment rules [`assignment`];
//! the knowledge base's statuses and snippets [`articles`]; survey scales
//! and their summaries [`satisfaction`].

pub mod articles;
pub mod assignment;
pub mod attachments;
pub mod calendar;
pub mod satisfaction;
pub mod sla;

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::string_enum;

pub use assignment::{AssignMethod, AssignmentRule};
pub use calendar::{BusinessCalendar, WeekHours, WorkPeriod};
pub use sla::{SlaPolicy, SlaState, SlaTarget};

string_enum! {
    /// Where a ticket stands: `new` until someone works it, `pending` while
    /// waiting for the customer (the resolution clock stops), `resolved`
    /// when answered, `closed` when done; resolved and closed tickets may be
    /// reopened (back to `open`).
    TicketStatus {
        New = "new",
        Open = "open",
        Pending = "pending",
        Resolved = "resolved",
        Closed = "closed",
    }
}

impl TicketStatus {
    /// Whether a ticket may move from `self` to `to` (staying is no move).
    pub fn can_move_to(self, to: TicketStatus) -> bool {
        use TicketStatus::*;
        match (self, to) {
            (a, b) if a == b => true,
            (_, New) => false,
            (New | Open | Pending, _) => true,
            // Reopening.
            (Resolved, Open | Closed) => true,
            (Closed, Open) => true,
            _ => false,
        }
    }

    /// Whether the ticket still needs work (its SLA clocks run).
    pub fn is_active(self) -> bool {
        matches!(self, Self::New | Self::Open | Self::Pending)
    }
}

string_enum! {
    /// How urgent a ticket is; each has its own SLA targets.
    TicketPriority {
        Urgent = "urgent",
        High = "high",
        Normal = "normal",
        Low = "low",
    }
}

string_enum! {
    /// Where a ticket came from.
    Channel {
        Phone = "phone",
        Email = "email",
        /// A web form.
        Web = "web",
        Wechat = "wechat",
        InPerson = "in_person",
        Api = "api",
    }
}

string_enum! {
    /// A ready-made ticket queue: `mine` (active, assigned to the caller),
    /// `unassigned` (active, nobody's), `active` (new, open or pending),
    /// `at_risk` (new or open, resolution due within two hours or overdue).
    TicketQueue { Mine = "mine", Unassigned = "unassigned", Active = "active", AtRisk = "at_risk" }
}

/// A kind of ticket the workspace uses (咨询, 投诉 …); tickets store the key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketType {
    /// Lower-case letters, digits and `_`, unique in the list.
    #[schema(pattern = "^[a-z][a-z0-9_]{0,39}$", min_length = 1, max_length = 40)]
    pub key: String,
    #[schema(min_length = 1, max_length = 40, pattern = "\\S")]
    pub name: String,
}

/// A workspace's service desk settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceSettings {
    /// The ticket types offered, in order (at least one).
    #[schema(min_items = 1, max_items = 50)]
    pub ticket_types: Vec<TicketType>,
    pub calendar: BusinessCalendar,
    pub sla: SlaPolicy,
    /// Tried in order on each new ticket nobody was named for; none: tickets wait unassigned.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub assignment_rules: Vec<AssignmentRule>,
    /// Whether the knowledge base's public articles are on a FAQ page
    /// anyone may read without signing in.
    #[serde(default)]
    pub public_faq: bool,
    /// What a breached clock does beyond notifying the team's manager and
    /// the assignee (default `notify`).
    #[serde(default)]
    pub escalation: Escalation,
}

string_enum! {
    /// How a breached SLA clock escalates.
    #[derive(Default)]
    Escalation {
        /// The team's manager and the assignee are told; the ticket stays where it is.
        #[default]
        Notify = "notify",
        /// They are told, and the ticket is handed to the team's manager.
        Reassign = "reassign",
    }
}

impl Default for ServiceSettings {
    /// 咨询, 投诉, 故障, 退换货, 建议; Beijing office hours with a lunch
    /// break; the default SLA targets.
    fn default() -> Self {
        let types = [
            ("inquiry", "咨询"),
            ("complaint", "投诉"),
            ("incident", "故障"),
            ("return", "退换货"),
            ("suggestion", "建议"),
        ];
        Self {
            ticket_types: types
                .into_iter()
                .map(|(key, name)| TicketType {
                    key: key.into(),
                    name: name.into(),
                })
                .collect(),
            calendar: BusinessCalendar::default(),
            sla: SlaPolicy::default(),
            assignment_rules: vec![],
            public_faq: false,
            escalation: Escalation::Notify,
        }
    }
}

impl ServiceSettings {
    /// The rules a schema cannot state: unique type keys and names, a
    /// known time zone, periods in order, a date not both a holiday and a
    /// working day. Errors as (field path, message).
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut errors = Vec::new();
        if !(1..=50).contains(&self.ticket_types.len()) {
            errors.push(("ticket_types".into(), "must list 1 to 50 types".into()));
        }
        let mut keys = BTreeSet::new();
        for (i, t) in self.ticket_types.iter().enumerate() {
            if !is_type_key(&t.key) {
                errors.push((
                    format!("ticket_types[{i}].key"),
                    "must be a lower-case letter then up to 39 letters, digits or _".into(),
                ));
            } else if !keys.insert(t.key.as_str()) {
                errors.push((format!("ticket_types[{i}].key"), "is listed twice".into()));
            }
            if t.name.chars().all(is_schema_space) || t.name.chars().count() > 40 {
                errors.push((
                    format!("ticket_types[{i}].name"),
                    "must be 1 to 40 characters, not blank".into(),
                ));
            }
        }
        errors.extend(self.calendar.validate());
        errors.extend(self.sla.validate());
        if self.assignment_rules.len() > 50 {
            errors.push((
                "assignment_rules".into(),
                "must list at most 50 rules".into(),
            ));
        }
        for (i, r) in self.assignment_rules.iter().enumerate() {
            if r.name.chars().all(is_schema_space) || r.name.chars().count() > 60 {
                errors.push((
                    format!("assignment_rules[{i}].name"),
                    "must be 1 to 60 characters, not blank".into(),
                ));
            }
            if r.ticket_types.len() > 50
                || r.priorities.len() > 4
                || r.channels.len() > 6
                || r.region_codes.len() > 50
                || r.value_tiers.len() > 5
                || r.tag_ids.len() > 50
            {
                errors.push((
                    format!("assignment_rules[{i}]"),
                    "lists too many values".into(),
                ));
            }
            for (j, t) in r.ticket_types.iter().enumerate() {
                if !self.has_type(t) {
                    errors.push((
                        format!("assignment_rules[{i}].ticket_types[{j}]"),
                        "is not a ticket type of this workspace".into(),
                    ));
                }
            }
        }
        errors
    }

    /// Whether `key` is one of the workspace's ticket types.
    pub fn has_type(&self, key: &str) -> bool {
        self.ticket_types.iter().any(|t| t.key == key)
    }
}

/// White space as the schema's `\S` counts it (ECMAScript's `\s`), so a
/// name the schema admits is never refused as blank.
pub(crate) fn is_schema_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

/// `^[a-z][a-z0-9_]{0,39}$`.
pub fn is_type_key(key: &str) -> bool {
    let mut chars = key.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && key.len() <= 40
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Dates listed twice in a list of dates, for error messages.
pub(crate) fn repeated(dates: &[NaiveDate]) -> Vec<usize> {
    let mut seen = BTreeSet::new();
    dates
        .iter()
        .enumerate()
        .filter(|(_, d)| !seen.insert(**d))
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticket_cannot_go_back_to_new_and_reopens_to_open() {
        use TicketStatus::*;
        assert!(New.can_move_to(Pending));
        assert!(Pending.can_move_to(Open));
        assert!(!Open.can_move_to(New));
        assert!(Resolved.can_move_to(Open));
        assert!(Closed.can_move_to(Open));
        assert!(!Closed.can_move_to(Resolved));
        assert!(!Closed.can_move_to(Pending));
        assert!(Closed.can_move_to(Closed));
    }

    #[test]
    fn the_default_settings_are_valid_and_repeated_keys_are_not() {
        let mut s = ServiceSettings::default();
        assert!(s.validate().is_empty());
        assert!(s.has_type("complaint"));
        s.ticket_types.push(s.ticket_types[0].clone());
        s.ticket_types[1].name = "\u{3000}\u{feff}".into();
        s.ticket_types[2].name = "\u{85}".into();
        let fields: Vec<_> = s.validate().into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["ticket_types[1].name", "ticket_types[5].key"]);
        assert!(!is_type_key("Return") && !is_type_key("_x") && is_type_key("return_2"));
    }
}
