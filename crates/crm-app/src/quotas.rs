//! Quotas and attainment (预算达成): a target per user or team (the team's
//! covering the teams below it) on one metric for a month or quarter, and
//! where each stands today — actual, actual / target and the pace.
//!
//! Who sees a quota follows the caller's deal read scope over its holder:
//! `own` their own, `team` their team and its members, `subtree` their
//! subtree's teams and members, `all` every one. Who sets one: a caller
//! whose deal update scope is `all`, or `subtree` for the members (not
//! themselves) and the teams below their own team — nobody sets their own.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use crm_api_types::forecast::{Attainment, NewQuota, Quota, QuotaQuery, Quotas};
use crm_db::AnyConnection;
use crm_db::forecast::Owners;
use crm_db::quotas::QuotaRow;
use crm_db::teams::TeamRow;
use crm_db::types::Id;
use crm_db::users::UserRow;
use crm_domain::access::{Action, ObjectType, Principal, Scope};
use crm_domain::forecast::{self, Period, PeriodKind, QuotaMetric};
use crm_domain::validation::sane_date;
use uuid::Uuid;

use crate::error::bad_param as bad;
use crate::{Actor, AppError};

/// Whose quota: a user or a team.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Holder {
    User(Uuid),
    Team(Uuid),
}

fn holder(row: &QuotaRow) -> Holder {
    match (row.user_id, row.team_id) {
        (Some(u), _) => Holder::User(u.0),
        (None, t) => Holder::Team(t.map_or(Uuid::nil(), |t| t.0)),
    }
}

/// The users and teams of the workspace, and the caller's principal.
struct Org {
    users: HashMap<Uuid, UserRow>,
    teams: Vec<TeamRow>,
    principal: Principal,
}

impl Org {
    /// The principal always with its subtree: the read and the update
    /// scope may differ.
    fn load(conn: &mut AnyConnection, actor: &Actor) -> Result<Self, AppError> {
        let ws = actor.workspace_id;
        Ok(Self {
            users: crm_db::users::list(conn, ws, 100_000)?
                .into_iter()
                .map(|u| (u.id.0, u))
                .collect(),
            teams: crm_db::teams::list(conn, ws)?,
            principal: actor.principal(conn, Scope::Subtree)?,
        })
    }

    fn team_of(&self, user: Uuid) -> Option<Uuid> {
        self.users.get(&user).and_then(|u| u.team_id).map(|t| t.0)
    }

    /// Whether `scope` lets the caller read the quotas of `h`.
    fn sees(&self, scope: Scope, h: Holder) -> bool {
        let p = &self.principal;
        match (scope, h) {
            (Scope::All, _) => true,
            (_, Holder::User(u)) if u == p.user_id => true,
            (Scope::Team, Holder::User(u)) => p.team_id.is_some() && self.team_of(u) == p.team_id,
            (Scope::Team, Holder::Team(t)) => Some(t) == p.team_id,
            (Scope::Subtree, Holder::User(u)) => self
                .team_of(u)
                .is_some_and(|t| p.subtree_team_ids.contains(&t)),
            (Scope::Subtree, Holder::Team(t)) => p.subtree_team_ids.contains(&t),
            _ => false,
        }
    }

    /// Whether `scope` lets the caller set the quota of `h`.
    fn may_set(&self, scope: Scope, h: Holder) -> bool {
        let p = &self.principal;
        match (scope, h) {
            (Scope::All, _) => true,
            (Scope::Subtree, Holder::User(u)) => {
                u != p.user_id
                    && self
                        .team_of(u)
                        .is_some_and(|t| p.subtree_team_ids.contains(&t))
            }
            (Scope::Subtree, Holder::Team(t)) => {
                Some(t) != p.team_id && p.subtree_team_ids.contains(&t)
            }
            _ => false,
        }
    }

    fn name(&self, h: Holder) -> String {
        match h {
            Holder::User(u) => self.users.get(&u).map(|u| u.display_name.clone()),
            Holder::Team(t) => self
                .teams
                .iter()
                .find(|team| team.id.0 == t)
                .map(|t| t.name.clone()),
        }
        .unwrap_or_default()
    }
}

fn view(row: &QuotaRow) -> Quota {
    let period = Period::containing(
        PeriodKind::parse(&row.period).unwrap_or(PeriodKind::Quarter),
        row.starts_on,
    );
    Quota {
        id: row.id.0,
        user_id: row.user_id.map(|u| u.0),
        team_id: row.team_id.map(|t| t.0),
        metric: QuotaMetric::parse(&row.metric).unwrap_or(QuotaMetric::WonRevenue),
        period: period.kind,
        starts_on: period.start,
        ends_on: period.end - Duration::days(1),
        target: row.target,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    }
}

fn period_of(
    kind: Option<PeriodKind>,
    date: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<Period, AppError> {
    let day = date.unwrap_or(today);
    sane_date(day).map_err(|m| bad("date", &m))?;
    Ok(Period::containing(kind.unwrap_or(PeriodKind::Quarter), day))
}

/// The quotas of a period the caller may see, each with its attainment today.
pub fn list(
    conn: &mut AnyConnection,
    actor: &Actor,
    q: &QuotaQuery,
    today: NaiveDate,
) -> Result<Quotas, AppError> {
    let period = period_of(q.period, q.date, today)?;
    let scope = actor.require(ObjectType::Deals, Action::Read)?;
    let org = Org::load(conn, actor)?;
    let ws = actor.workspace_id;
    let currency = crm_db::metrics::settings(conn, ws)?.base_currency;
    let rows = crm_db::quotas::list(conn, ws, period.kind.as_str(), period.start)?;
    let pace = period.elapsed(today);
    let mut items = Vec::new();
    for row in rows {
        let h = holder(&row);
        let wanted = match h {
            Holder::User(u) => q.team_id.is_none() && q.user_id.is_none_or(|w| w == u),
            Holder::Team(t) => q.user_id.is_none() && q.team_id.is_none_or(|w| w == t),
        };
        if !wanted || !org.sees(scope, h) {
            continue;
        }
        // A team's quota covers the teams below it.
        let who = match h {
            Holder::User(u) => Owners {
                owner_id: Some(u),
                team_ids: None,
            },
            Holder::Team(t) => Owners {
                owner_id: None,
                team_ids: Some(crm_db::teams::descendants(&org.teams, &[t])),
            },
        };
        let actual = crm_db::quotas::actual(
            conn,
            ws,
            &row.metric,
            &who,
            &currency,
            (period.start, period.end),
        )?;
        let a = forecast::Attainment::of(actual, row.target, pace);
        items.push(Attainment {
            quota: view(&row),
            holder_name: org.name(h),
            actual,
            attainment: a.ratio,
            pace,
            expected_to_date: a.expected_to_date,
            on_pace: a.on_pace,
        });
    }
    Ok(Quotas {
        period: period.kind,
        label: period.label(),
        starts_on: period.start,
        ends_on: period.end - Duration::days(1),
        currency,
        items,
    })
}

/// Sets (creates or changes the target of) a quota; `true` when created.
pub fn set(
    conn: &mut AnyConnection,
    actor: &Actor,
    body: NewQuota,
    today: NaiveDate,
) -> Result<(Quota, bool), AppError> {
    let h = match (body.user_id, body.team_id) {
        (Some(u), None) => Holder::User(u),
        (None, Some(t)) => Holder::Team(t),
        _ => return Err(AppError::validation("user_id", "give user_id or team_id")),
    };
    sane_date(body.date).map_err(|m| AppError::validation("date", m))?;
    if body.target < 0 {
        return Err(AppError::validation("target", "must not be negative"));
    }
    let period = period_of(Some(body.period), Some(body.date), today)?;
    let scope = actor.scope(ObjectType::Deals, Action::Update);
    let org = Org::load(conn, actor)?;
    match h {
        Holder::User(u) if !org.users.contains_key(&u) => {
            return Err(AppError::validation(
                "user_id",
                "is not a user of this workspace",
            ));
        }
        Holder::Team(t) if !org.teams.iter().any(|team| team.id.0 == t) => {
            return Err(AppError::validation(
                "team_id",
                "is not a team of this workspace",
            ));
        }
        _ => {}
    }
    if !org.may_set(scope, h) {
        return Err(AppError::Forbidden(
            "your role may not set this quota (only for the people and teams below you)".into(),
        ));
    }
    let at = crm_db::time::now();
    let row = QuotaRow {
        workspace_id: Id(actor.workspace_id),
        id: Id::new(),
        user_id: body.user_id.map(Id),
        team_id: body.team_id.map(Id),
        metric: body.metric.as_str().to_owned(),
        period: period.kind.as_str().to_owned(),
        starts_on: period.start,
        target: body.target,
        created_by: Some(Id(actor.user_id())),
        created_at: at,
        updated_at: at,
    };
    let (row, created) = crm_db::change_log::transaction(conn, |conn| {
        Ok::<_, AppError>(crm_db::quotas::set(conn, &row)?)
    })?;
    Ok((view(&row), created))
}

/// Deletes a quota the caller may set; `NotFound` for one they cannot see.
pub fn delete(conn: &mut AnyConnection, actor: &Actor, id: Uuid) -> Result<(), AppError> {
    let row = crm_db::quotas::find(conn, actor.workspace_id, id)?;
    let read = actor.scope(ObjectType::Deals, Action::Read);
    let update = actor.scope(ObjectType::Deals, Action::Update);
    let org = Org::load(conn, actor)?;
    let h = holder(&row);
    if !org.sees(read, h) {
        return Err(AppError::NotFound);
    }
    if !org.may_set(update, h) {
        return Err(AppError::Forbidden(
            "your role may not remove this quota".into(),
        ));
    }
    crm_db::quotas::delete(conn, actor.workspace_id, id)?;
    Ok(())
}
