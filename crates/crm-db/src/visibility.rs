//! Record visibility as one SQL predicate (DESIGN §3). Every query of a
//! business object goes through these filters, so a record outside the
//! caller's workspace or scope simply does not exist for them.

use crm_domain::access::{Principal, Scope};
use diesel::dsl::{InnerJoinQuerySource, LeftJoinQuerySource, sql};
use diesel::prelude::*;
use diesel::sql_types::Bool;
use uuid::Uuid;

use crate::connection::MultiBackend;
use crate::schema::{activities, contacts, customer_metrics, customers, deals, leads, orders};
use crate::types::Id;

/// The caller's workspace, the scope their role grants for the action at
/// hand, and the facts the scope is evaluated against.
#[derive(Debug, Clone)]
pub struct Visibility {
    pub workspace_id: Uuid,
    pub scope: Scope,
    pub principal: Principal,
}

pub type Predicate<QS> = Box<dyn BoxableExpression<QS, MultiBackend, SqlType = Bool>>;

/// Contacts joined with their customers.
pub type ContactsWithCustomers = InnerJoinQuerySource<contacts::table, customers::table>;

/// Customers with their metrics row, when they have one (joined on the
/// metrics' whole primary key).
pub type CustomersWithMetrics = LeftJoinQuerySource<
    customers::table,
    customer_metrics::table,
    diesel::dsl::And<
        diesel::dsl::Eq<customer_metrics::workspace_id, customers::workspace_id>,
        diesel::dsl::Eq<customer_metrics::customer_id, customers::id>,
    >,
>;

/// The customer predicate for a query source containing `customers`
/// (diesel needs the concrete source, hence a macro rather than a generic).
macro_rules! customer_predicate {
    ($vis:expr, $qs:ty) => {
        owned_predicate!($vis, $qs, customers, true)
    };
    ($vis:expr, $qs:ty, $live_only:expr) => {
        owned_predicate!($vis, $qs, customers, $live_only)
    };
}

/// The scope predicate over a table with `workspace_id`, `owner_id`,
/// `team_id` and `deleted_at`, for a query source containing it.
macro_rules! owned_predicate {
    ($vis:expr, $qs:ty, $t:ident, $live_only:expr) => {{
        let vis: &Visibility = $vis;
        // `deleted_at IS NULL`, or a tautology when deleted rows count too.
        let live: Box<dyn BoxableExpression<$qs, MultiBackend, SqlType = Bool>> = if $live_only {
            Box::new($t::deleted_at.is_null())
        } else {
            Box::new(sql::<Bool>("1 = 1"))
        };
        let base = $t::workspace_id.eq(Id(vis.workspace_id)).and(live);
        // NULL = x is never true, so a record without owner or team is outside `own`/`team`.
        let owner = $t::owner_id.assume_not_null();
        let team = $t::team_id.assume_not_null();
        let predicate: Predicate<$qs> = match vis.admits() {
            Admits::Nothing => Box::new(base.and(sql::<Bool>("1 = 0"))),
            Admits::All => Box::new(base),
            Admits::Own(me) => Box::new(base.and(owner.eq(me))),
            Admits::OwnOrTeam(me, t) => Box::new(base.and(owner.eq(me).or(team.eq(t)))),
            Admits::OwnOrTeams(me, teams) => {
                Box::new(base.and(owner.eq(me).or(team.eq_any(teams))))
            }
        };
        predicate
    }};
}

/// Which records of the workspace a scope admits, by their owner and team:
/// the one reading of a scope that the boxed predicates below and the
/// statically typed reads (`crate::customers::find_with_metrics`) share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admits {
    /// None (scope `none`).
    Nothing,
    /// All of them.
    All,
    /// Those the user owns.
    Own(Id),
    /// Those the user owns or of the user's team.
    OwnOrTeam(Id, Id),
    /// Those the user owns or of one of these teams (never empty).
    OwnOrTeams(Id, Vec<Id>),
}

impl Visibility {
    /// What the scope admits (a user without a team, or whose team has no
    /// subtree, sees their own records under `team` and `subtree`).
    pub fn admits(&self) -> Admits {
        let me = Id(self.principal.user_id);
        match self.scope {
            Scope::None => Admits::Nothing,
            Scope::All => Admits::All,
            Scope::Own => Admits::Own(me),
            Scope::Team => match self.principal.team_id {
                Some(t) => Admits::OwnOrTeam(me, Id(t)),
                None => Admits::Own(me),
            },
            Scope::Subtree if self.principal.subtree_team_ids.is_empty() => Admits::Own(me),
            Scope::Subtree => Admits::OwnOrTeams(
                me,
                self.principal
                    .subtree_team_ids
                    .iter()
                    .map(|t| Id(*t))
                    .collect(),
            ),
        }
    }

    /// Live customers of the workspace inside the scope.
    pub fn customers(&self) -> Predicate<customers::table> {
        customer_predicate!(self, customers::table)
    }

    /// [`Self::customers`] over customers joined with their metrics.
    pub fn customers_with_metrics(&self) -> Predicate<CustomersWithMetrics> {
        customer_predicate!(self, CustomersWithMetrics)
    }

    /// Live contacts whose customer is visible: a contact's visibility is
    /// controlled by its customer's owner and team.
    pub fn contacts(&self) -> Predicate<ContactsWithCustomers> {
        let customers_visible = customer_predicate!(self, ContactsWithCustomers);
        Box::new(
            contacts::workspace_id
                .eq(Id(self.workspace_id))
                .and(contacts::deleted_at.is_null())
                .and(customers_visible),
        )
    }

    /// Live orders of the workspace inside the scope: an order has its own
    /// owner and team (by default its customer's when it was created).
    pub fn orders(&self) -> Predicate<orders::table> {
        owned_predicate!(self, orders::table, orders, true)
    }

    /// Orders inside the scope, deleted ones included (for the changes feed).
    pub fn orders_with_deleted(&self) -> Predicate<orders::table> {
        owned_predicate!(self, orders::table, orders, false)
    }

    /// Live deals inside the scope, by the deal's own owner and team.
    pub fn deals(&self) -> Predicate<deals::table> {
        owned_predicate!(self, deals::table, deals, true)
    }

    /// Deals inside the scope, deleted ones included (for the changes feed).
    pub fn deals_with_deleted(&self) -> Predicate<deals::table> {
        owned_predicate!(self, deals::table, deals, false)
    }

    /// Live leads inside the scope, by the lead's owner and team.
    pub fn leads(&self) -> Predicate<leads::table> {
        owned_predicate!(self, leads::table, leads, true)
    }

    /// Leads inside the scope, deleted ones included (for the changes feed).
    pub fn leads_with_deleted(&self) -> Predicate<leads::table> {
        owned_predicate!(self, leads::table, leads, false)
    }

    /// Live activities inside the scope, by their owner (assignee) and team.
    pub fn activities(&self) -> Predicate<activities::table> {
        owned_predicate!(self, activities::table, activities, true)
    }

    /// Activities inside the scope, deleted ones included (for the changes feed).
    pub fn activities_with_deleted(&self) -> Predicate<activities::table> {
        owned_predicate!(self, activities::table, activities, false)
    }

    /// Customers inside the scope, deleted ones included: the changes feed
    /// reports deletions of records the caller could see.
    pub fn customers_with_deleted(&self) -> Predicate<customers::table> {
        customer_predicate!(self, customers::table, false)
    }

    /// Contacts (deleted ones included) whose customer is inside the scope.
    pub fn contacts_with_deleted(&self) -> Predicate<ContactsWithCustomers> {
        let customers_visible = customer_predicate!(self, ContactsWithCustomers, false);
        Box::new(
            contacts::workspace_id
                .eq(Id(self.workspace_id))
                .and(customers_visible),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vis(scope: Scope, team_id: Option<Uuid>, subtree: &[Uuid]) -> Visibility {
        Visibility {
            workspace_id: Uuid::nil(),
            scope,
            principal: Principal {
                user_id: Uuid::from_u128(1),
                team_id,
                subtree_team_ids: subtree.to_vec(),
            },
        }
    }

    #[test]
    fn each_scope_admits_owner_and_teams_as_its_name_says() {
        let me = Id(Uuid::from_u128(1));
        let (a, b) = (Uuid::from_u128(10), Uuid::from_u128(11));
        assert_eq!(vis(Scope::None, Some(a), &[a]).admits(), Admits::Nothing);
        assert_eq!(vis(Scope::All, None, &[]).admits(), Admits::All);
        assert_eq!(vis(Scope::Own, Some(a), &[a]).admits(), Admits::Own(me));
        assert_eq!(
            vis(Scope::Team, Some(a), &[a, b]).admits(),
            Admits::OwnOrTeam(me, Id(a))
        );
        // Without a team, `team` and `subtree` fall back to one's own.
        assert_eq!(vis(Scope::Team, None, &[]).admits(), Admits::Own(me));
        assert_eq!(vis(Scope::Subtree, None, &[]).admits(), Admits::Own(me));
        assert_eq!(
            vis(Scope::Subtree, Some(a), &[a, b]).admits(),
            Admits::OwnOrTeams(me, vec![Id(a), Id(b)])
        );
    }
}
