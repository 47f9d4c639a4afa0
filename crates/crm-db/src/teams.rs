//! Teams: a tree per workspace (parent team, manager). A manager's
//! `subtree` scope is computed here from the whole tree, which is small.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use crate::types::Id;

use crate::connection::AnyConnection;
use crate::error::{DbError, DbResult};
use crate::schema::{customers, teams, users};
use crate::time::now;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = teams)]
pub struct TeamRow {
    pub id: Id,
    pub workspace_id: Id,
    pub name: String,
    pub parent_id: Option<Id>,
    pub manager_id: Option<Id>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TeamFields {
    pub name: String,
    pub parent_id: Option<Uuid>,
    pub manager_id: Option<Uuid>,
}

pub fn insert(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    fields: &TeamFields,
) -> DbResult<TeamRow> {
    let id = Uuid::now_v7();
    let at = now();
    diesel::insert_into(teams::table)
        .values((
            teams::id.eq(Id(id)),
            teams::workspace_id.eq(Id(workspace_id)),
            teams::name.eq(&fields.name),
            teams::parent_id.eq(fields.parent_id.map(Id)),
            teams::manager_id.eq(fields.manager_id.map(Id)),
            teams::version.eq(1),
            teams::created_at.eq(at),
            teams::updated_at.eq(at),
        ))
        .execute(conn)?;
    find(conn, workspace_id, id)
}

pub fn find(conn: &mut AnyConnection, workspace_id: Uuid, id: Uuid) -> DbResult<TeamRow> {
    Ok(teams::table
        .filter(
            teams::workspace_id
                .eq(Id(workspace_id))
                .and(teams::id.eq(Id(id))),
        )
        .select(TeamRow::as_select())
        .first(conn)?)
}

pub fn list(conn: &mut AnyConnection, workspace_id: Uuid) -> DbResult<Vec<TeamRow>> {
    Ok(teams::table
        .filter(teams::workspace_id.eq(Id(workspace_id)))
        .order((teams::name.asc(), teams::id.asc()))
        .select(TeamRow::as_select())
        .load(conn)?)
}

pub fn update(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    id: Uuid,
    expected_version: i32,
    fields: &TeamFields,
) -> DbResult<TeamRow> {
    let n = diesel::update(
        teams::table.filter(
            teams::workspace_id
                .eq(Id(workspace_id))
                .and(teams::id.eq(Id(id)))
                .and(teams::version.eq(expected_version)),
        ),
    )
    .set((
        teams::name.eq(&fields.name),
        teams::parent_id.eq(fields.parent_id.map(Id)),
        teams::manager_id.eq(fields.manager_id.map(Id)),
        teams::version.eq(teams::version + 1),
        teams::updated_at.eq(now()),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(DbError::VersionConflict);
    }
    find(conn, workspace_id, id)
}

/// Whether members, child teams or customers still point at the team.
pub fn in_use(conn: &mut AnyConnection, workspace_id: Uuid, id: Uuid) -> DbResult<bool> {
    let member: Option<Id> = users::table
        .filter(
            users::workspace_id
                .eq(Id(workspace_id))
                .and(users::team_id.eq(Id(id))),
        )
        .select(users::id)
        .first(conn)
        .optional()?;
    let child: Option<Id> = teams::table
        .filter(
            teams::workspace_id
                .eq(Id(workspace_id))
                .and(teams::parent_id.eq(Id(id))),
        )
        .select(teams::id)
        .first(conn)
        .optional()?;
    let customer: Option<Id> = customers::table
        .filter(
            customers::workspace_id
                .eq(Id(workspace_id))
                .and(customers::team_id.eq(Id(id))),
        )
        .select(customers::id)
        .first(conn)
        .optional()?;
    Ok(member.is_some() || child.is_some() || customer.is_some())
}

pub fn delete(conn: &mut AnyConnection, workspace_id: Uuid, id: Uuid) -> DbResult<()> {
    let n = diesel::delete(
        teams::table.filter(
            teams::workspace_id
                .eq(Id(workspace_id))
                .and(teams::id.eq(Id(id))),
        ),
    )
    .execute(conn)?;
    if n == 0 {
        Err(DbError::NotFound)
    } else {
        Ok(())
    }
}

/// The given roots and every team below them (roots first, no duplicates).
pub fn descendants(all: &[TeamRow], roots: &[Uuid]) -> Vec<Uuid> {
    let mut children: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for team in all {
        if let Some(parent) = team.parent_id {
            children.entry(parent.0).or_default().push(team.id.0);
        }
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let mut stack: Vec<Uuid> = roots.iter().rev().copied().collect();
    while let Some(team) = stack.pop() {
        if seen.insert(team) {
            out.push(team);
            if let Some(kids) = children.get(&team) {
                stack.extend(kids.iter().rev());
            }
        }
    }
    out
}

/// Whether making `parent` the parent of `team` would close a cycle.
pub fn would_cycle(all: &[TeamRow], team: Uuid, parent: Uuid) -> bool {
    descendants(all, &[team]).contains(&parent)
}

/// The teams a user's `subtree` scope reaches: their own team, the teams
/// they manage, and everything below those.
pub fn subtree_of(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    user_id: Uuid,
    team_id: Option<Uuid>,
) -> DbResult<Vec<Uuid>> {
    let all = list(conn, workspace_id)?;
    let mut roots: Vec<Uuid> = team_id.into_iter().collect();
    roots.extend(
        all.iter()
            .filter(|t| t.manager_id == Some(Id(user_id)))
            .map(|t| t.id.0),
    );
    Ok(descendants(&all, &roots))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn team(id: u128, parent: Option<u128>) -> TeamRow {
        let at = now();
        TeamRow {
            id: Id(Uuid::from_u128(id)),
            workspace_id: Id(Uuid::nil()),
            name: id.to_string(),
            parent_id: parent.map(|p| Id(Uuid::from_u128(p))),
            manager_id: None,
            version: 1,
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn descendants_walk_the_whole_subtree_and_detect_cycles() {
        let all = [
            team(1, None),
            team(2, Some(1)),
            team(3, Some(2)),
            team(4, None),
        ];
        let ids = |v: &[u128]| v.iter().map(|i| Uuid::from_u128(*i)).collect::<Vec<_>>();
        assert_eq!(descendants(&all, &ids(&[1])), ids(&[1, 2, 3]));
        assert_eq!(descendants(&all, &ids(&[2, 4])), ids(&[2, 3, 4]));
        assert!(would_cycle(&all, Uuid::from_u128(1), Uuid::from_u128(3)));
        assert!(!would_cycle(&all, Uuid::from_u128(3), Uuid::from_u128(4)));
    }
}
