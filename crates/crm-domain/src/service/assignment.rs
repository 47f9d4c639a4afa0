//! Automatic assignment (自动分配): ordered rules on a ticket's type,
//! priority and channel and on its customer's region, value tier and tags
//! route it to a team; within the team an agent is
//! picked round-robin (the one given a ticket longest ago), by fewest
//! open tickets, or by skill (fewest open among those whose skills
//! include the ticket's type), among agents on duty below their capacity.
//! When nobody (with the skill) is free the ticket waits for the team.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Channel, TicketPriority};
use crate::analytics::ValueTier;
use crate::string_enum;

string_enum! {
    /// How a team's agent is picked.
    AssignMethod {
        /// In turn: the agent given a ticket longest ago (never first).
        RoundRobin = "round_robin",
        /// The agent with the fewest open tickets (then in turn).
        LeastOpen = "least_open",
        /// Among agents with the ticket's type as a skill, the one with the
        /// fewest open tickets (then in turn); nobody with it free: it waits.
        SkillBased = "skill_based",
    }
}

/// One rule: when a ticket matches every non-empty list, it goes to `team_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignmentRule {
    /// Recorded on the tickets it routes.
    #[schema(min_length = 1, max_length = 60, pattern = "\\S")]
    pub name: String,
    /// Ticket type keys; empty: any type.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub ticket_types: Vec<String>,
    /// Empty: any priority.
    #[serde(default)]
    #[schema(max_items = 4)]
    pub priorities: Vec<TicketPriority>,
    /// Empty: any channel.
    #[serde(default)]
    #[schema(max_items = 6)]
    pub channels: Vec<Channel>,
    /// The customer's region: a country, province, city or district code
    /// (see `/regions`), matching customers in it or anywhere below it.
    /// Empty: any region.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub region_codes: Vec<String>,
    /// The customer's value tier (their monetary RFM score). Empty: any tier.
    #[serde(default)]
    #[schema(max_items = 5)]
    pub value_tiers: Vec<ValueTier>,
    /// Tags of the workspace: the customer carries at least one. Empty: any customer.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub tag_ids: Vec<Uuid>,
    pub team_id: Uuid,
    pub method: AssignMethod,
}

/// What the rules read of a new ticket.
#[derive(Debug, Clone, Copy)]
pub struct Routed<'a> {
    pub ticket_type: &'a str,
    pub priority: &'a str,
    pub channel: &'a str,
    pub customer: &'a CustomerFacts,
}

/// What the rules read of the ticket's customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerFacts {
    /// Country, province, city and district codes the customer has.
    pub region_codes: Vec<String>,
    pub value_tier: ValueTier,
    pub tag_ids: Vec<Uuid>,
}

impl Default for CustomerFacts {
    fn default() -> Self {
        Self {
            region_codes: Vec::new(),
            value_tier: ValueTier::None,
            tag_ids: Vec::new(),
        }
    }
}

impl AssignmentRule {
    pub fn matches(&self, t: &Routed) -> bool {
        let c = t.customer;
        (self.ticket_types.is_empty() || self.ticket_types.iter().any(|x| x == t.ticket_type))
            && (self.priorities.is_empty()
                || self.priorities.iter().any(|p| p.as_str() == t.priority))
            && (self.channels.is_empty() || self.channels.iter().any(|x| x.as_str() == t.channel))
            && (self.region_codes.is_empty()
                || self.region_codes.iter().any(|r| c.region_codes.contains(r)))
            && (self.value_tiers.is_empty() || self.value_tiers.contains(&c.value_tier))
            && (self.tag_ids.is_empty() || self.tag_ids.iter().any(|x| c.tag_ids.contains(x)))
    }

    /// Whether the rule reads the customer (so its facts must be loaded).
    pub fn reads_customer(&self) -> bool {
        !(self.region_codes.is_empty() && self.value_tiers.is_empty() && self.tag_ids.is_empty())
    }
}

/// The first rule a ticket matches.
pub fn first_match<'a>(rules: &'a [AssignmentRule], t: &Routed) -> Option<&'a AssignmentRule> {
    rules.iter().find(|r| r.matches(t))
}

/// An agent of the team who is on duty, with their load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub user_id: Uuid,
    pub open: i64,
    pub capacity: i32,
    pub last_assigned_at: Option<NaiveDateTime>,
    /// Ticket type keys the agent handles (read by `skill_based` only).
    pub skills: Vec<String>,
}

impl Candidate {
    pub fn is_free(&self) -> bool {
        self.open < i64::from(self.capacity)
    }
}

/// The agent to give the next ticket (of `ticket_type`), if any is free.
pub fn pick(method: AssignMethod, candidates: &[Candidate], ticket_type: &str) -> Option<Uuid> {
    let free = candidates.iter().filter(|c| c.is_free());
    // `None` (never assigned) sorts first; ties go by id, so the order is stable.
    let turn = |c: &&Candidate| (c.last_assigned_at, c.user_id);
    match method {
        AssignMethod::RoundRobin => free.min_by_key(turn),
        AssignMethod::LeastOpen => free.min_by_key(|c| (c.open, turn(c))),
        AssignMethod::SkillBased => free
            .filter(|c| c.skills.iter().any(|s| s == ticket_type))
            .min_by_key(|c| (c.open, turn(c))),
    }
    .map(|c| c.user_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn agents(n: u128, capacity: i32) -> Vec<Candidate> {
        (1..=n)
            .map(|i| Candidate {
                user_id: Uuid::from_u128(i),
                open: 0,
                capacity,
                last_assigned_at: None,
                skills: vec![],
            })
            .collect()
    }

    /// Gives `tickets` tickets one at a time, as the desk would.
    fn deal(method: AssignMethod, team: &mut [Candidate], tickets: usize) -> usize {
        let start = NaiveDateTime::default();
        let mut given = 0;
        for i in 0..tickets {
            let Some(id) = pick(method, team, "inquiry") else {
                break;
            };
            let agent = team
                .iter_mut()
                .find(|c| c.user_id == id)
                .expect("a candidate");
            agent.open += 1;
            agent.last_assigned_at = Some(start + Duration::seconds(i as i64));
            given += 1;
        }
        given
    }

    #[test]
    fn round_robin_is_fair_within_one_over_a_hundred_tickets() {
        let mut team = agents(3, 1_000);
        assert_eq!(deal(AssignMethod::RoundRobin, &mut team, 100), 100);
        let (min, max) = (
            team.iter().map(|c| c.open).min(),
            team.iter().map(|c| c.open).max(),
        );
        assert!(
            max.zip(min).is_some_and(|(max, min)| max - min <= 1),
            "{team:?}"
        );
    }

    #[test]
    fn capacity_is_never_exceeded_and_the_rest_waits() {
        let mut team = agents(2, 3);
        team[0].open = 2;
        assert_eq!(deal(AssignMethod::LeastOpen, &mut team, 10), 4);
        assert!(team.iter().all(|c| c.open == 3));
        assert_eq!(pick(AssignMethod::RoundRobin, &team, "inquiry"), None);
    }

    #[test]
    fn least_open_prefers_the_emptiest_queue() {
        let mut team = agents(3, 10);
        team[0].open = 4;
        team[1].open = 1;
        team[2].open = 2;
        assert_eq!(
            pick(AssignMethod::LeastOpen, &team, "inquiry"),
            Some(team[1].user_id)
        );
        // Round robin ignores the load: nobody was given a ticket yet, so the first id.
        assert_eq!(
            pick(AssignMethod::RoundRobin, &team, "inquiry"),
            Some(team[0].user_id)
        );
    }

    #[test]
    fn skill_based_gives_a_ticket_only_to_an_agent_with_its_type() {
        let mut team = agents(3, 2);
        team[0].skills = vec!["return".into()];
        team[1].skills = vec!["return".into(), "incident".into()];
        team[1].open = 1;
        let skill = |team: &[Candidate], t: &str| pick(AssignMethod::SkillBased, team, t);
        // Both handle returns: the emptier one first, then the other.
        assert_eq!(skill(&team, "return"), Some(team[0].user_id));
        team[0].open = 2;
        assert_eq!(skill(&team, "return"), Some(team[1].user_id));
        // Only the second handles incidents; nobody inquiries, though the third is free.
        assert_eq!(skill(&team, "incident"), Some(team[1].user_id));
        assert_eq!(skill(&team, "inquiry"), None);
        team[1].open = 2;
        assert_eq!(skill(&team, "return"), None, "skilled agents are full");
        assert!(team[2].is_free());
    }

    #[test]
    fn the_first_matching_rule_routes() {
        let team = Uuid::from_u128(9);
        let rule = |name: &str, types: &[&str], priorities: Vec<TicketPriority>| AssignmentRule {
            name: name.into(),
            ticket_types: types.iter().map(|t| (*t).to_owned()).collect(),
            priorities,
            channels: vec![],
            region_codes: vec![],
            value_tiers: vec![],
            tag_ids: vec![],
            team_id: team,
            method: AssignMethod::RoundRobin,
        };
        let rules = [
            rule(
                "urgent complaints",
                &["complaint"],
                vec![TicketPriority::Urgent],
            ),
            rule("returns", &["return"], vec![]),
            rule("everything else", &[], vec![]),
        ];
        let customer = CustomerFacts::default();
        let name = |t: &str, p: &str| {
            let routed = Routed {
                ticket_type: t,
                priority: p,
                channel: "phone",
                customer: &customer,
            };
            first_match(&rules, &routed).map(|r| r.name.as_str())
        };
        assert_eq!(name("complaint", "urgent"), Some("urgent complaints"));
        assert_eq!(name("complaint", "high"), Some("everything else"));
        assert_eq!(name("return", "low"), Some("returns"));
    }

    #[test]
    fn customer_conditions_route_by_region_value_and_tags() {
        let vip = Uuid::from_u128(7);
        let base = AssignmentRule {
            name: String::new(),
            ticket_types: vec![],
            priorities: vec![],
            channels: vec![],
            region_codes: vec![],
            value_tiers: vec![],
            tag_ids: vec![],
            team_id: Uuid::from_u128(9),
            method: AssignMethod::LeastOpen,
        };
        let rules = [
            AssignmentRule {
                name: "vip".into(),
                tag_ids: vec![vip],
                ..base.clone()
            },
            AssignmentRule {
                name: "valuable in Guangdong".into(),
                region_codes: vec!["440000".into()],
                value_tiers: vec![ValueTier::Top, ValueTier::High],
                ..base.clone()
            },
            AssignmentRule {
                name: "Beijing".into(),
                region_codes: vec!["110000".into()],
                ..base.clone()
            },
        ];
        assert!(rules[0].reads_customer() && !base.reads_customer());
        let fired = |customer: CustomerFacts| {
            let t = Routed {
                ticket_type: "inquiry",
                priority: "normal",
                channel: "phone",
                customer: &customer,
            };
            first_match(&rules, &t).map(|r| r.name.clone())
        };
        let shenzhen = |tier| CustomerFacts {
            region_codes: vec!["CN".into(), "440000".into(), "440300".into()],
            value_tier: tier,
            tag_ids: vec![],
        };
        assert_eq!(
            fired(shenzhen(ValueTier::High)).as_deref(),
            Some("valuable in Guangdong")
        );
        assert_eq!(fired(shenzhen(ValueTier::Mid)), None);
        let tagged = CustomerFacts {
            tag_ids: vec![Uuid::from_u128(1), vip],
            ..shenzhen(ValueTier::Mid)
        };
        assert_eq!(fired(tagged).as_deref(), Some("vip"));
        let beijing = CustomerFacts {
            region_codes: vec!["CN".into(), "110000".into()],
            ..CustomerFacts::default()
        };
        assert_eq!(fired(beijing).as_deref(), Some("Beijing"));
        assert_eq!(fired(CustomerFacts::default()), None);
    }
}
