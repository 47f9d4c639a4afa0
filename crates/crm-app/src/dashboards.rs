//! Dashboards (仪表盘): saved grids of report widgets. Anyone signed in may
//! save their own and share them with the workspace or with chosen roles
//! and teams ([`crate::sharing`]); only who saved one (or an administrator)
//! changes or deletes it; only an administrator makes one a role's home
//! dashboard. Every widget runs as its viewer under the dashboard's
//! filters, so a shared dashboard shows a rep their own figures.

use crm_api_types::dashboards::{
    Dashboard, DashboardLayout, DashboardPatch, HomeDashboard, NewDashboard, WidgetRun,
};
use crm_api_types::reports::ReportData;
use crm_db::AnyConnection;
use crm_db::dashboards::{DashboardFields, DashboardRow};
use crm_db::types::Json;
use crm_domain::FieldErrors;
use crm_domain::dashboards::standard;
use crm_domain::validation::bounded_text;
use uuid::Uuid;

use crate::sharing::{Viewer, audience, ids};
use crate::views::utc;
use crate::{Actor, AppError, Expected};

/// The stored layout; rows are written only through checked layouts.
pub(crate) fn layout_of(row: &DashboardRow) -> Result<DashboardLayout, AppError> {
    serde_json::from_value(row.layout.0.clone()).map_err(|e| {
        AppError::Internal(format!(
            "dashboard {} has an unreadable layout: {e}",
            row.id.0
        ))
    })
}

fn roles_of(row: &DashboardRow) -> Vec<Uuid> {
    serde_json::from_value(row.default_roles.0.clone()).unwrap_or_default()
}

fn may_edit(actor: &Actor, row: &DashboardRow) -> bool {
    actor.admin || row.owner_id.is_some_and(|o| o.0 == actor.user_id())
}

fn view(actor: &Actor, row: DashboardRow) -> Result<Dashboard, AppError> {
    Ok(Dashboard {
        layout: layout_of(&row)?,
        default_roles: roles_of(&row),
        editable: may_edit(actor, &row),
        id: row.id.0,
        name: row.name,
        shared: row.shared,
        share_roles: ids(&row.share_roles),
        share_teams: ids(&row.share_teams),
        owner_id: row.owner_id.map(|o| o.0),
        version: row.version,
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    })
}

/// A dashboard as its author would save it.
struct Draft<'a> {
    name: &'a str,
    layout: &'a DashboardLayout,
    shared: bool,
    share_roles: &'a [Uuid],
    share_teams: &'a [Uuid],
    default_roles: &'a [Uuid],
}

/// The stored audience of a dashboard.
pub(crate) fn audience_of(row: &DashboardRow) -> crm_domain::sharing::Audience {
    audience(row.shared, &row.share_roles, &row.share_teams)
}

/// Checks a whole dashboard as the actor would save it: the layout's
/// rules, the roles and teams it is shared with, that each saved report
/// is one the actor sees and reaches everyone the dashboard reaches, that
/// only an administrator names default roles and only of roles the
/// dashboard is shared with.
fn fields_of(
    conn: &mut AnyConnection,
    actor: &Actor,
    draft: Draft<'_>,
) -> Result<DashboardFields, AppError> {
    let Draft {
        layout,
        shared,
        default_roles,
        ..
    } = draft;
    let mut errors = FieldErrors::new();
    let name = errors.take("name", bounded_text(draft.name, 1, 100));
    if let Err(bad) = layout.check("layout.") {
        errors.0.extend(bad.0);
    }
    let (share_roles, share_teams) = crate::sharing::checked(
        conn,
        actor.workspace_id,
        draft.share_roles,
        draft.share_teams,
        &mut errors,
    )?;
    let reach = crm_domain::sharing::Audience::new(shared, draft.share_roles, draft.share_teams);
    for (i, w) in layout.widgets.iter().enumerate() {
        let Some(id) = w.report_id else { continue };
        match crate::reports::find(conn, actor, id) {
            Ok(report) => {
                let inner = crate::reports::audience_of(&report);
                if !crate::sharing::covers(conn, actor.workspace_id, &inner, &reach)? {
                    errors.add(
                        format!("layout.widgets[{i}].report_id"),
                        "share this report with everyone the dashboard is shared with first",
                    );
                }
            }
            Err(AppError::NotFound) => errors.add(
                format!("layout.widgets[{i}].report_id"),
                "no report you can see has this id",
            ),
            Err(e) => return Err(e),
        }
    }
    if !default_roles.is_empty() {
        if !actor.admin {
            return Err(AppError::Forbidden(
                "only an administrator makes a dashboard a role's home".into(),
            ));
        }
        if !shared && default_roles.iter().any(|r| !reach.roles.contains(r)) {
            errors.add(
                "default_roles",
                "a role's home dashboard must be shared with the workspace or with that role",
            );
        }
        let known: Vec<Uuid> = crm_db::roles::list(conn, actor.workspace_id)?
            .into_iter()
            .map(|r| r.id.0)
            .collect();
        if default_roles.iter().any(|r| !known.contains(r)) {
            errors.add("default_roles", "no role of this workspace has this id");
        }
        if default_roles.len() > 20 {
            errors.add("default_roles", "at most 20 roles");
        }
    }
    errors.into_result().map_err(AppError::Validation)?;
    let mut roles = default_roles.to_vec();
    roles.sort();
    roles.dedup();
    Ok(DashboardFields {
        name: name.unwrap_or_default(),
        layout: Json(serde_json::to_value(layout).map_err(AppError::internal)?),
        shared,
        share_roles,
        share_teams,
        default_roles: Json(serde_json::to_value(roles).map_err(AppError::internal)?),
    })
}

/// The dashboard rows the actor sees: saved, or shared with them.
fn visible(conn: &mut AnyConnection, actor: &Actor) -> Result<Vec<DashboardRow>, AppError> {
    let mut viewer = Viewer::new(actor);
    let mut out = Vec::new();
    for row in crm_db::dashboards::list(conn, actor.workspace_id, actor.user_id(), actor.admin)? {
        if viewer.sees(conn, row.owner_id.map(|o| o.0), &audience_of(&row))? {
            out.push(row);
        }
    }
    Ok(out)
}

/// The dashboards the actor saved and those shared with them (every one
/// for an administrator), by name.
pub fn list(conn: &mut AnyConnection, actor: &Actor) -> Result<Vec<Dashboard>, AppError> {
    visible(conn, actor)?
        .into_iter()
        .map(|row| view(actor, row))
        .collect()
}

pub(crate) fn find(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
) -> Result<DashboardRow, AppError> {
    let row = crm_db::dashboards::find(conn, actor.workspace_id, id)?;
    if Viewer::new(actor).sees(conn, row.owner_id.map(|o| o.0), &audience_of(&row))? {
        Ok(row)
    } else {
        Err(AppError::NotFound)
    }
}

pub fn get(conn: &mut AnyConnection, actor: &Actor, id: Uuid) -> Result<Dashboard, AppError> {
    let row = find(conn, actor, id)?;
    view(actor, row)
}

/// The dashboard the actor lands on: one an administrator made their
/// role's home and shared with them (the most recently changed if
/// several), else the built-in one.
pub fn home(conn: &mut AnyConnection, actor: &Actor) -> Result<HomeDashboard, AppError> {
    if let Some(user) = actor.user {
        let role = crm_db::users::find(conn, actor.workspace_id, user)?
            .role_id
            .0;
        let mut rows: Vec<DashboardRow> = visible(
            conn,
            &Actor {
                admin: false,
                ..actor.clone()
            },
        )?
        .into_iter()
        .filter(|r| roles_of(r).contains(&role))
        .collect();
        rows.sort_by_key(|r| std::cmp::Reverse(r.updated_at));
        if let Some(row) = rows.into_iter().next() {
            return Ok(HomeDashboard {
                layout: layout_of(&row)?,
                id: Some(row.id.0),
                name: row.name,
            });
        }
    }
    Ok(HomeDashboard {
        id: None,
        name: "经营概览".to_owned(),
        layout: standard::layout(),
    })
}

/// Checks a new dashboard before any write (403 for default roles named
/// by someone who is not an administrator).
pub fn check_new(
    conn: &mut AnyConnection,
    actor: &Actor,
    body: &NewDashboard,
) -> Result<DashboardFields, AppError> {
    fields_of(
        conn,
        actor,
        Draft {
            name: &body.name,
            layout: &body.layout,
            shared: body.shared,
            share_roles: &body.share_roles,
            share_teams: &body.share_teams,
            default_roles: &body.default_roles,
        },
    )
}

pub fn create(
    conn: &mut AnyConnection,
    actor: &Actor,
    body: NewDashboard,
) -> Result<Dashboard, AppError> {
    let fields = check_new(conn, actor, &body)?;
    let row = crm_db::dashboards::insert(conn, actor.workspace_id, actor.user_id(), &fields)?;
    view(actor, row)
}

fn find_editable(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
) -> Result<DashboardRow, AppError> {
    let row = find(conn, actor, id)?;
    if may_edit(actor, &row) {
        Ok(row)
    } else {
        Err(AppError::Forbidden(
            "only who saved a dashboard may change it; save a copy instead".into(),
        ))
    }
}

pub fn update(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    expected: Expected,
    patch: DashboardPatch,
) -> Result<Dashboard, AppError> {
    let current = find_editable(conn, actor, id)?;
    let version = expected.check(current.version)?;
    let layout = match patch.layout {
        Some(layout) => layout,
        None => layout_of(&current)?,
    };
    let name = patch.name.unwrap_or_else(|| current.name.clone());
    let share_roles = patch
        .share_roles
        .unwrap_or_else(|| ids(&current.share_roles));
    let share_teams = patch
        .share_teams
        .unwrap_or_else(|| ids(&current.share_teams));
    let roles = patch.default_roles.unwrap_or_else(|| roles_of(&current));
    let fields = fields_of(
        conn,
        actor,
        Draft {
            name: &name,
            layout: &layout,
            shared: patch.shared.unwrap_or(current.shared),
            share_roles: &share_roles,
            share_teams: &share_teams,
            default_roles: &roles,
        },
    )?;
    let row = crm_db::dashboards::update(
        conn,
        actor.workspace_id,
        id,
        version,
        actor.user_id(),
        &fields,
    )?;
    view(actor, row)
}

pub fn delete(conn: &mut AnyConnection, actor: &Actor, id: Uuid) -> Result<(), AppError> {
    find_editable(conn, actor, id)?;
    // Its scheduled deliveries go with it.
    crm_db::change_log::transaction(conn, |conn| {
        crm_db::deliveries::delete_of(conn, actor.workspace_id, id)?;
        Ok(crm_db::dashboards::delete(conn, actor.workspace_id, id)?)
    })
}

/// Runs one widget's report as the actor, narrowed to the filters: a saved
/// report the actor sees (else not found) or a standard one.
pub fn run_widget(
    conn: &mut AnyConnection,
    actor: &Actor,
    body: WidgetRun,
) -> Result<ReportData, AppError> {
    let mut errors = FieldErrors::new();
    body.filters.check("filters.", &mut errors);
    let spec = match (body.report_id, body.standard.as_deref()) {
        (Some(id), None) => Some(crate::reports::spec_of(&crate::reports::find(
            conn, actor, id,
        )?)?),
        (None, Some(key)) => {
            let found = crm_domain::reports::standard::all()
                .into_iter()
                .find(|s| s.key == key);
            if found.is_none() {
                errors.add("standard", "no standard report has this key");
            }
            found.map(|s| s.spec)
        }
        _ => {
            errors.add(
                "report_id",
                "give either report_id or standard, one of them",
            );
            None
        }
    };
    errors.into_result().map_err(AppError::Validation)?;
    let spec = spec.ok_or_else(|| AppError::Internal("a widget without a report".into()))?;
    spec.check().map_err(AppError::Validation)?;
    crate::reports::run::run_checked(conn, actor, body.filters.narrow(&spec))
}
