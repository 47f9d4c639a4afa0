//! Who sees a saved report or dashboard besides the one who saved it: the
//! whole workspace, or chosen roles and teams. A team's share reaches its
//! members, the members of every team below it, and the managers of any of
//! those. Seeing a definition never widens what its figures show: each
//! reader runs it over the records their own role reads. This module owns
//! the rule; loading a reader's role and teams is the application's.

use std::collections::BTreeSet;

use uuid::Uuid;

use crate::FieldErrors;

/// The most roles and teams one definition is shared with.
pub const MAX_ROLES: usize = 20;
pub const MAX_TEAMS: usize = 50;

/// Who a saved definition is shared with (besides its owner).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Audience {
    /// Everyone in the workspace.
    pub everyone: bool,
    /// Users of these roles.
    pub roles: BTreeSet<Uuid>,
    /// Members of these teams and of the teams below them.
    pub teams: BTreeSet<Uuid>,
}

/// What sharing needs to know of a reader.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reader {
    pub user: Uuid,
    pub role: Uuid,
    /// The reader's team, the teams above it, the teams they manage and
    /// the teams above those: a share with any of them reaches the reader.
    pub teams: BTreeSet<Uuid>,
}

/// One team of the workspace's tree, as sharing sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TeamNode {
    pub id: Uuid,
    pub parent: Option<Uuid>,
    pub manager: Option<Uuid>,
}

/// A team and every team above it (a cycle, which the team rules forbid,
/// stops the walk).
pub fn above(tree: &[TeamNode], team: Uuid) -> BTreeSet<Uuid> {
    let mut out = BTreeSet::new();
    let mut at = Some(team);
    while let Some(t) = at {
        if !out.insert(t) {
            break;
        }
        at = tree.iter().find(|n| n.id == t).and_then(|n| n.parent);
    }
    out
}

impl Reader {
    /// A user of `role` in `team` as sharing sees them: their team and the
    /// teams they manage, each with the teams above it.
    pub fn new(user: Uuid, role: Uuid, team: Option<Uuid>, tree: &[TeamNode]) -> Self {
        let managed = tree
            .iter()
            .filter(|n| n.manager == Some(user))
            .map(|n| n.id);
        let teams = team
            .into_iter()
            .chain(managed)
            .flat_map(|t| above(tree, t))
            .collect();
        Self { user, role, teams }
    }
}

impl Audience {
    pub fn new(everyone: bool, roles: &[Uuid], teams: &[Uuid]) -> Self {
        Self {
            everyone,
            roles: roles.iter().copied().collect(),
            teams: teams.iter().copied().collect(),
        }
    }

    /// Only the owner.
    pub fn is_private(&self) -> bool {
        !self.everyone && self.roles.is_empty() && self.teams.is_empty()
    }

    /// Whether `reader` sees a definition `owner` saved with this audience.
    pub fn admits(&self, owner: Option<Uuid>, reader: &Reader) -> bool {
        owner == Some(reader.user)
            || self.everyone
            || self.roles.contains(&reader.role)
            || !self.teams.is_disjoint(&reader.teams)
    }

    /// Whether everyone this audience reaches also reaches `other`'s
    /// readers: the whole workspace covers anything; otherwise `other`
    /// must not be the whole workspace and its roles and teams must be
    /// among this one's (a team below a shared team is covered too, which
    /// `above` answers: the team and the teams above it).
    pub fn covers(&self, other: &Audience, above: impl Fn(Uuid) -> BTreeSet<Uuid>) -> bool {
        self.everyone
            || (!other.everyone
                && other.roles.is_subset(&self.roles)
                && other
                    .teams
                    .iter()
                    .all(|t| !above(*t).is_disjoint(&self.teams)))
    }
}

/// Checks the roles and teams a definition is shared with against those
/// of the workspace (`roles`, `teams`), naming `share_roles` /
/// `share_teams` for an unknown id or too many.
pub fn check(
    wanted_roles: &[Uuid],
    wanted_teams: &[Uuid],
    roles: &BTreeSet<Uuid>,
    teams: &BTreeSet<Uuid>,
    errors: &mut FieldErrors,
) {
    let mut field = |name: &str, what: &str, wanted: &[Uuid], known: &BTreeSet<Uuid>, max| {
        if wanted.len() > max {
            errors.add(name, format!("must list at most {max} ids"));
        }
        for (i, id) in wanted.iter().enumerate() {
            if !known.contains(id) {
                errors.add(
                    format!("{name}[{i}]"),
                    format!("no {what} of this workspace has this id"),
                );
            }
        }
    };
    field("share_roles", "role", wanted_roles, roles, MAX_ROLES);
    field("share_teams", "team", wanted_teams, teams, MAX_TEAMS);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn reader(user: u128, role: u128, teams: &[u128]) -> Reader {
        Reader {
            user: id(user),
            role: id(role),
            teams: teams.iter().map(|t| id(*t)).collect(),
        }
    }

    #[test]
    fn the_owner_always_sees_a_private_definition_and_nobody_else() {
        let private = Audience::default();
        assert!(private.is_private());
        assert!(private.admits(Some(id(1)), &reader(1, 10, &[])));
        assert!(!private.admits(Some(id(1)), &reader(2, 10, &[100])));
        assert!(!private.admits(None, &reader(2, 10, &[100])));
    }

    #[test]
    fn a_share_reaches_the_roles_and_the_teams_named() {
        let audience = Audience::new(false, &[id(10)], &[id(100)]);
        assert!(!audience.is_private());
        assert!(audience.admits(Some(id(1)), &reader(2, 10, &[])));
        assert!(audience.admits(Some(id(1)), &reader(3, 11, &[200, 100])));
        assert!(!audience.admits(Some(id(1)), &reader(4, 11, &[200])));
        assert!(Audience::new(true, &[], &[]).admits(None, &reader(5, 12, &[])));
    }

    #[test]
    fn the_whole_workspace_covers_everything_and_nothing_narrower_covers_it() {
        let above = |t: Uuid| BTreeSet::from([t]);
        let all = Audience::new(true, &[], &[]);
        let team = Audience::new(false, &[], &[id(100)]);
        assert!(all.covers(&team, above));
        assert!(all.covers(&all, above));
        assert!(!team.covers(&all, above));
        assert!(team.covers(&Audience::default(), above));
    }

    #[test]
    fn a_team_covers_the_teams_below_it_and_roles_must_be_among_its_own() {
        // 200 is below 100.
        let above = |t: Uuid| {
            if t == id(200) {
                BTreeSet::from([id(200), id(100)])
            } else {
                BTreeSet::from([t])
            }
        };
        let parent = Audience::new(false, &[id(10)], &[id(100)]);
        assert!(parent.covers(&Audience::new(false, &[], &[id(200)]), above));
        assert!(parent.covers(&Audience::new(false, &[id(10)], &[id(100)]), above));
        assert!(!parent.covers(&Audience::new(false, &[id(11)], &[]), above));
        let child = Audience::new(false, &[], &[id(200)]);
        assert!(!child.covers(&Audience::new(false, &[], &[id(100)]), above));
    }

    #[test]
    fn a_reader_is_reached_through_their_team_the_teams_above_and_the_teams_they_manage() {
        let tree = [
            TeamNode {
                id: id(100),
                parent: None,
                manager: Some(id(9)),
            },
            TeamNode {
                id: id(200),
                parent: Some(id(100)),
                manager: None,
            },
            TeamNode {
                id: id(300),
                parent: None,
                manager: Some(id(1)),
            },
        ];
        let rep = Reader::new(id(1), id(10), Some(id(200)), &tree);
        assert_eq!(rep.teams, BTreeSet::from([id(100), id(200), id(300)]));
        let manager = Reader::new(id(9), id(11), None, &tree);
        assert_eq!(manager.teams, BTreeSet::from([id(100)]));
        assert!(Audience::new(false, &[], &[id(100)]).admits(None, &rep));
        assert!(!Audience::new(false, &[], &[id(200)]).admits(None, &manager));
        assert_eq!(above(&tree, id(200)), BTreeSet::from([id(100), id(200)]));
    }

    #[test]
    fn unknown_or_too_many_ids_are_named() {
        let roles = BTreeSet::from([id(10)]);
        let teams = BTreeSet::from([id(100)]);
        let mut errors = FieldErrors::new();
        check(&[id(10), id(11)], &[id(100)], &roles, &teams, &mut errors);
        assert_eq!(
            errors.0.get("share_roles[1]").map(Vec::len),
            Some(1),
            "{errors:?}"
        );
        assert!(!errors.0.contains_key("share_teams[0]"));
        let mut errors = FieldErrors::new();
        let many: Vec<Uuid> = (0..51).map(|n| id(1000 + n)).collect();
        check(&[], &many, &roles, &teams, &mut errors);
        assert!(errors.0.contains_key("share_teams"));
        assert!(errors.0.contains_key("share_teams[50]"));
    }
}
