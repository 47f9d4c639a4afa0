//! Who may do what: a role grants, per object type, actions each with a
//! scope `none < own < team < subtree < all` (DESIGN §3). This module holds
//! the vocabulary, the built-in roles and the pure decision for one record;
//! turning a scope into an SQL predicate is the persistence crate's job.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::string_enum;

string_enum! {
    /// The object types permissions are granted on.
    ObjectType {
        Customers = "customers",
        Contacts = "contacts",
        Users = "users",
        Teams = "teams",
        Roles = "roles",
        ApiKeys = "api_keys",
        Tags = "tags",
        CustomFields = "custom_fields",
        Products = "products",
        Orders = "orders",
        Pipelines = "pipelines",
        Deals = "deals",
        Leads = "leads",
        Activities = "activities",
        Segments = "segments",
        /// Service tickets (工单): `own` reaches the tickets assigned to
        /// the caller and those of customers the caller owns.
        Tickets = "tickets",
        /// The service desk's ticket types, business calendar and SLA targets.
        ServiceSettings = "service_settings",
        /// The knowledge base's articles (知识库): everyone reads the
        /// internal and public ones; drafts only those who may update.
        Articles = "articles",
        /// The history of changes: `read` decides over which records a
        /// role sees the values before and after (the entries themselves
        /// follow the record's own read scope).
        Audit = "audit",
    }
}

string_enum! {
    /// What a caller wants to do with records of an object type.
    Action { Read = "read", Create = "create", Update = "update", Delete = "delete", Export = "export" }
}

string_enum! {
    /// How far a grant reaches, from nothing to the whole workspace.
    Scope {
        /// Not at all.
        None = "none",
        /// Records the caller owns.
        Own = "own",
        /// Records the caller owns or that belong to the caller's team.
        Team = "team",
        /// Records of the caller's team and every team below it.
        Subtree = "subtree",
        /// Every record of the workspace.
        All = "all",
    }
}

/// Per object type, the scope of each action; an absent entry is `none`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Permissions(pub BTreeMap<ObjectType, BTreeMap<Action, Scope>>);

/// An object whose keys are the object types, each an object whose keys are
/// the actions, each a scope: what deserialising refuses, the schema refuses.
impl utoipa::PartialSchema for Permissions {
    #[expect(
        deprecated,
        reason = "`example`, as on every derived component (the contract test validates it)"
    )]
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, Type};
        let closed = || {
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .additional_properties(Some(AdditionalProperties::FreeForm(false)))
        };
        let actions = Action::ALL
            .iter()
            .fold(closed(), |o, action| {
                o.property(action.as_str(), Scope::schema())
            })
            .build();
        ObjectType::ALL
            .iter()
            .fold(closed(), |o, object| {
                o.property(object.as_str(), actions.clone())
            })
            .description(Some(
                "Per object type, the scope of each action; an absent entry is `none`.",
            ))
            .example(Some(serde_json::json!({"customers": {"read": "subtree", "create": "own", "update": "subtree", "delete": "own", "export": "none"}})))
            .into()
    }
}

impl utoipa::ToSchema for Permissions {}

impl Permissions {
    pub fn scope(&self, object: ObjectType, action: Action) -> Scope {
        self.0
            .get(&object)
            .and_then(|actions| actions.get(&action))
            .copied()
            .unwrap_or(Scope::None)
    }

    pub fn set(&mut self, object: ObjectType, action: Action, scope: Scope) {
        self.0.entry(object).or_default().insert(action, scope);
    }

    /// The same scope for every action on an object.
    fn grant_all(&mut self, object: ObjectType, scope: Scope) {
        for action in Action::ALL {
            self.set(object, *action, scope);
        }
    }

    /// Every object and action filled in, for display in a permission matrix.
    pub fn complete(&self) -> Self {
        let mut full = Self::default();
        for object in ObjectType::ALL {
            for action in Action::ALL {
                full.set(*object, *action, self.scope(*object, *action));
            }
        }
        full
    }
}

impl Permissions {
    /// Object types this permission set says nothing about (roles stored
    /// before the object type existed).
    pub fn missing_objects(&self) -> Vec<ObjectType> {
        ObjectType::ALL
            .iter()
            .copied()
            .filter(|o| !self.0.contains_key(o))
            .collect()
    }

    /// Copies `defaults`' grants for the object types this set lacks; the
    /// grants it has, including explicit `none`, stay as they are. Returns
    /// whether anything was added.
    pub fn fill_missing_from(&mut self, defaults: &Permissions) -> bool {
        let mut added = false;
        for object in self.missing_objects() {
            if let Some(grants) = defaults.0.get(&object).filter(|g| !g.is_empty()) {
                self.0.insert(object, grants.clone());
                added = true;
            }
        }
        added
    }
}

impl Permissions {
    /// The grants of this set that reach further than `held` does: the
    /// `(object, action)` pairs whose scope is wider than the holder's.
    /// Empty when a holder of `held` may hand these permissions on.
    pub fn exceeding(&self, held: &Permissions) -> Vec<(ObjectType, Action)> {
        let mut wider = Vec::new();
        for object in ObjectType::ALL {
            for action in Action::ALL {
                if self.scope(*object, *action) > held.scope(*object, *action) {
                    wider.push((*object, *action));
                }
            }
        }
        wider
    }

    /// The grants both sets hold: each action at the narrower of the two scopes
    /// (an API key acts with its role, but never beyond its creator's).
    pub fn intersect(&self, other: &Permissions) -> Permissions {
        let mut both = Permissions::default();
        for object in ObjectType::ALL {
            for action in Action::ALL {
                let scope = self
                    .scope(*object, *action)
                    .min(other.scope(*object, *action));
                if scope != Scope::None {
                    both.set(*object, *action, scope);
                }
            }
        }
        both
    }
}

/// The facts about a caller that a scope is evaluated against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: Uuid,
    pub team_id: Option<Uuid>,
    /// The caller's team and every team below it, plus the teams the caller manages and theirs.
    pub subtree_team_ids: Vec<Uuid>,
}

/// The owner and team of one record, as scopes see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ownership {
    pub owner_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
}

impl Scope {
    /// Whether a record with this ownership lies inside the scope for this principal.
    /// Must agree with the SQL predicate the persistence crate builds.
    pub fn covers(self, principal: &Principal, record: Ownership) -> bool {
        let owns = record.owner_id == Some(principal.user_id);
        match self {
            Scope::None => false,
            Scope::Own => owns,
            Scope::Team => {
                owns || (record.team_id.is_some() && record.team_id == principal.team_id)
            }
            Scope::Subtree => {
                owns || record
                    .team_id
                    .is_some_and(|team| principal.subtree_team_ids.contains(&team))
            }
            Scope::All => true,
        }
    }
}

impl Scope {
    /// Whether a caller with this scope may put a record into `team`: their
    /// own team (no team when they have none) for `own` and `team`, any team
    /// of their subtree for `subtree`, any team for `all`. Keeps a rep from
    /// moving a record out of their manager's sight.
    pub fn may_place(self, principal: &Principal, team: Option<Uuid>) -> bool {
        match self {
            Scope::None => false,
            Scope::Own | Scope::Team => team == principal.team_id,
            Scope::Subtree => {
                team == principal.team_id
                    || team.is_some_and(|t| principal.subtree_team_ids.contains(&t))
            }
            Scope::All => true,
        }
    }
}

string_enum! {
    /// The roles every workspace starts with; admins may define more.
    BuiltinRole {
        Admin = "admin",
        Manager = "manager",
        Sales = "sales",
        Service = "service",
        Marketing = "marketing",
        Viewer = "viewer",
    }
}

impl BuiltinRole {
    pub fn display_name(self) -> &'static str {
        match self {
            Self::Admin => "Administrator",
            Self::Manager => "Sales manager",
            Self::Sales => "Sales rep",
            Self::Service => "Service agent",
            Self::Marketing => "Marketing",
            Self::Viewer => "Viewer",
        }
    }

    pub fn permissions(self) -> Permissions {
        use Action::*;
        use ObjectType::*;
        let mut p = Permissions::default();
        // Everyone who signs in may see colleagues, teams, tags and field definitions:
        // owner pickers, tag chips and custom-field forms need them.
        // The product catalogue, too: order forms pick from it. Saved segments
        // are shared definitions; who is in one still follows customer visibility.
        for object in [
            Users,
            Teams,
            Tags,
            CustomFields,
            Products,
            Pipelines,
            Segments,
            ServiceSettings,
            Articles,
        ] {
            p.set(object, Read, Scope::All);
        }
        match self {
            Self::Admin => {
                for object in ObjectType::ALL {
                    p.grant_all(*object, Scope::All);
                }
            }
            Self::Manager => {
                for object in [
                    Customers, Contacts, Orders, Deals, Leads, Activities, Tickets,
                ] {
                    p.grant_all(object, Scope::Subtree);
                }
                p.set(Tags, Create, Scope::All);
                p.grant_all(Products, Scope::All);
                p.grant_all(Segments, Scope::All);
                p.set(Audit, Read, Scope::Subtree);
            }
            Self::Sales => {
                for object in [Customers, Contacts, Orders, Deals, Leads, Activities] {
                    p.grant_all(object, Scope::Own);
                    p.set(object, Export, Scope::None);
                }
                // A rep follows the tickets of their own customers.
                p.set(Tickets, Read, Scope::Own);
                p.set(Tickets, Create, Scope::Own);
                p.set(Tickets, Update, Scope::Own);
                // A rep sees who changed what on their own records.
                p.set(Audit, Read, Scope::Own);
            }
            Self::Service => {
                for object in [Customers, Contacts] {
                    p.set(object, Read, Scope::All);
                    p.set(object, Update, Scope::All);
                }
                p.set(Orders, Read, Scope::All);
                // Service logs calls and notes on the customers it serves.
                p.set(Activities, Read, Scope::All);
                p.set(Activities, Create, Scope::All);
                p.set(Activities, Update, Scope::Own);
                // The service desk works every ticket.
                for action in [Read, Create, Update, Export] {
                    p.set(Tickets, action, Scope::All);
                }
                // … and writes the knowledge base.
                p.grant_all(Articles, Scope::All);
            }
            Self::Marketing => {
                for object in [Customers, Contacts, Orders, Deals] {
                    p.set(object, Read, Scope::All);
                    p.set(object, Export, Scope::All);
                }
                // Marketing brings the leads in.
                p.grant_all(Leads, Scope::All);
                p.set(Tags, Create, Scope::All);
                p.set(Tags, Update, Scope::All);
                p.grant_all(Segments, Scope::All);
            }
            Self::Viewer => {
                for object in [
                    Customers, Contacts, Orders, Deals, Leads, Activities, Tickets,
                ] {
                    p.set(object, Read, Scope::All);
                }
            }
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal() -> Principal {
        Principal {
            user_id: Uuid::from_u128(1),
            team_id: Some(Uuid::from_u128(10)),
            subtree_team_ids: vec![Uuid::from_u128(10), Uuid::from_u128(11)],
        }
    }

    #[test]
    fn scopes_widen_from_own_to_all() {
        let me = principal();
        let mine = Ownership {
            owner_id: Some(me.user_id),
            team_id: None,
        };
        let my_team = Ownership {
            owner_id: Some(Uuid::from_u128(2)),
            team_id: Some(Uuid::from_u128(10)),
        };
        let sub_team = Ownership {
            owner_id: Some(Uuid::from_u128(3)),
            team_id: Some(Uuid::from_u128(11)),
        };
        let other = Ownership {
            owner_id: Some(Uuid::from_u128(4)),
            team_id: Some(Uuid::from_u128(99)),
        };
        let table = [
            (Scope::None, [false, false, false, false]),
            (Scope::Own, [true, false, false, false]),
            (Scope::Team, [true, true, false, false]),
            (Scope::Subtree, [true, true, true, false]),
            (Scope::All, [true, true, true, true]),
        ];
        for (scope, expected) in table {
            let got = [mine, my_team, sub_team, other].map(|r| scope.covers(&me, r));
            assert_eq!(got, expected, "{scope}");
        }
        assert!(Scope::Own < Scope::Team && Scope::Subtree < Scope::All);
    }

    #[test]
    fn sales_reps_own_their_customers_and_managers_see_their_subtree() {
        let sales = BuiltinRole::Sales.permissions();
        assert_eq!(sales.scope(ObjectType::Customers, Action::Read), Scope::Own);
        assert_eq!(sales.scope(ObjectType::Roles, Action::Update), Scope::None);
        let manager = BuiltinRole::Manager.permissions();
        assert_eq!(
            manager.scope(ObjectType::Customers, Action::Delete),
            Scope::Subtree
        );
        assert_eq!(
            BuiltinRole::Admin
                .permissions()
                .scope(ObjectType::ApiKeys, Action::Create),
            Scope::All
        );
    }

    #[test]
    fn history_values_follow_the_audit_grant() {
        let scope = |role: BuiltinRole| role.permissions().scope(ObjectType::Audit, Action::Read);
        assert_eq!(scope(BuiltinRole::Admin), Scope::All);
        assert_eq!(scope(BuiltinRole::Manager), Scope::Subtree);
        assert_eq!(scope(BuiltinRole::Sales), Scope::Own);
        for role in [
            BuiltinRole::Service,
            BuiltinRole::Marketing,
            BuiltinRole::Viewer,
        ] {
            assert_eq!(scope(role), Scope::None, "{role:?}");
        }
    }

    #[test]
    fn a_scope_places_records_only_in_teams_it_reaches() {
        let p = principal();
        let own_team = p.team_id;
        let below = p
            .subtree_team_ids
            .iter()
            .copied()
            .find(|t| Some(*t) != own_team);
        let elsewhere = Some(Uuid::from_u128(0xdead));
        for scope in [Scope::Own, Scope::Team] {
            assert!(scope.may_place(&p, own_team));
            assert!(
                !scope.may_place(&p, elsewhere),
                "{scope:?} into another team"
            );
            assert!(!scope.may_place(&p, None), "{scope:?} out of every team");
            assert!(!scope.may_place(&p, below));
        }
        assert!(Scope::Subtree.may_place(&p, own_team));
        assert!(Scope::Subtree.may_place(&p, below));
        assert!(!Scope::Subtree.may_place(&p, elsewhere));
        assert!(!Scope::Subtree.may_place(&p, None));
        assert!(Scope::All.may_place(&p, elsewhere) && Scope::All.may_place(&p, None));
        assert!(!Scope::None.may_place(&p, own_team));
        let loner = Principal {
            team_id: None,
            subtree_team_ids: Vec::new(),
            ..p
        };
        assert!(Scope::Own.may_place(&loner, None));
        assert!(!Scope::Own.may_place(&loner, elsewhere));
    }

    #[test]
    fn nobody_hands_on_a_grant_wider_than_their_own() {
        let admin = BuiltinRole::Admin.permissions();
        let manager = BuiltinRole::Manager.permissions();
        let sales = BuiltinRole::Sales.permissions();
        assert!(sales.exceeding(&manager).is_empty());
        assert!(manager.exceeding(&admin).is_empty());
        assert!(admin.exceeding(&admin).is_empty());
        assert!(!admin.exceeding(&manager).is_empty());
        let mut raised = sales.clone();
        raised.set(ObjectType::Roles, Action::Update, Scope::All);
        assert_eq!(
            raised.exceeding(&sales),
            vec![(ObjectType::Roles, Action::Update)]
        );
        // Intersection never widens either side and is what both hold.
        let both = admin.intersect(&sales);
        assert_eq!(both.complete(), sales.complete());
        assert!(both.exceeding(&sales).is_empty() && both.exceeding(&admin).is_empty());
    }

    #[test]
    fn roles_stored_before_an_object_existed_learn_its_default_grants_only() {
        let mut stored = BuiltinRole::Sales.permissions();
        stored.0.remove(&ObjectType::Orders);
        stored.set(ObjectType::Products, Action::Read, Scope::None);
        assert!(stored.fill_missing_from(&BuiltinRole::Sales.permissions()));
        assert_eq!(stored.scope(ObjectType::Orders, Action::Create), Scope::Own);
        assert_eq!(
            stored.scope(ObjectType::Products, Action::Read),
            Scope::None,
            "an explicit grant is kept"
        );
        assert!(!stored.fill_missing_from(&BuiltinRole::Sales.permissions()));
    }

    #[test]
    fn permissions_serialise_as_nested_objects() {
        let json = serde_json::to_value(BuiltinRole::Viewer.permissions()).expect("serialise");
        assert_eq!(json["customers"]["read"], "all");
        assert!(json["customers"].get("update").is_none());
    }
}
