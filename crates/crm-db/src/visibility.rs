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
        let me = Id(vis.principal.user_id);
        // NULL = x is never true, so a record without owner or team is outside `own`/`team`.
        let own = $t::owner_id.assume_not_null().eq(me);
        let team = $t::team_id.assume_not_null();
        let predicate: Predicate<$qs> = match vis.scope {
            Scope::None => Box::new(base.and(sql::<Bool>("1 = 0"))),
            Scope::All => Box::new(base),
            Scope::Own => Box::new(base.and(own)),
            Scope::Team => match vis.principal.team_id {
                Some(t) => Box::new(base.and(own.or(team.eq(Id(t))))),
                None => Box::new(base.and(own)),
            },
            Scope::Subtree if vis.principal.subtree_team_ids.is_empty() => Box::new(base.and(own)),
            Scope::Subtree => {
                let teams: Vec<Id> = vis
                    .principal
                    .subtree_team_ids
                    .iter()
                    .map(|t| Id(*t))
                    .collect();
                Box::new(base.and(own.or(team.eq_any(teams))))
            }
        };
        predicate
    }};
}

impl Visibility {
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
