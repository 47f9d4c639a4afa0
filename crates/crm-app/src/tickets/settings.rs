//! The service desk's settings (ticket types, business calendar, SLA
//! targets, assignment rules — their teams, regions and tags checked
//! against the workspace): read by everyone who works tickets, replaced by roles that
//! may update `service_settings`. A workspace that never saved them uses
//! the domain's defaults.

use crm_db::AnyConnection;
use crm_db::change_log::{lock_workspace, transaction};
use crm_db::tickets::settings::SettingsRow;
use crm_db::types::{Id, Json};
use crm_domain::FieldErrors;
use crm_domain::access::{Action, ObjectType};
use crm_domain::service::ServiceSettings;
use uuid::Uuid;

use crate::{Actor, AppError, Expected};

/// The workspace's settings and their version (0: never saved).
pub fn load(conn: &mut AnyConnection, ws: Uuid) -> Result<(ServiceSettings, i32), AppError> {
    match crm_db::tickets::settings::find(conn, ws)? {
        None => Ok((ServiceSettings::default(), 0)),
        Some(row) => {
            let settings = serde_json::from_value(row.settings.0).map_err(AppError::internal)?;
            Ok((settings, row.version))
        }
    }
}

/// The settings, for anyone who may read them.
pub fn get(conn: &mut AnyConnection, actor: &Actor) -> Result<(ServiceSettings, i32), AppError> {
    actor.require(ObjectType::ServiceSettings, Action::Read)?;
    load(conn, actor.workspace_id)
}

/// Replaces the settings (checked as a whole); returns the new version.
/// Tickets keep the due times they were given.
pub fn put(
    conn: &mut AnyConnection,
    actor: &Actor,
    expected: Expected,
    settings: ServiceSettings,
) -> Result<(ServiceSettings, i32), AppError> {
    actor.require_all(ObjectType::ServiceSettings, Action::Update)?;
    let problems = settings.validate();
    if !problems.is_empty() {
        let mut errors = FieldErrors::new();
        for (field, message) in problems {
            errors.add(field, message);
        }
        return Err(AppError::Validation(errors));
    }
    let mut errors = FieldErrors::new();
    for (i, rule) in settings.assignment_rules.iter().enumerate() {
        match crm_db::teams::find(conn, actor.workspace_id, rule.team_id) {
            Ok(_) => {}
            Err(crm_db::DbError::NotFound) => errors.add(
                format!("assignment_rules[{i}].team_id"),
                "is not a team of this workspace",
            ),
            Err(e) => return Err(e.into()),
        }
        let codes: Vec<&str> = rule.region_codes.iter().map(String::as_str).collect();
        let known = crm_db::regions::find_many(conn, &codes)?;
        for (j, code) in rule.region_codes.iter().enumerate() {
            if !known.iter().any(|r| &r.code == code) {
                errors.add(
                    format!("assignment_rules[{i}].region_codes[{j}]"),
                    "is not a known region (see /regions)",
                );
            }
        }
        let known = crm_db::tags::find_many(conn, actor.workspace_id, &rule.tag_ids)?;
        for (j, tag) in rule.tag_ids.iter().enumerate() {
            if !known.iter().any(|t| t.id.0 == *tag) {
                errors.add(
                    format!("assignment_rules[{i}].tag_ids[{j}]"),
                    "is not a tag of this workspace",
                );
            }
        }
    }
    errors.into_result().map_err(AppError::Validation)?;
    transaction(conn, |conn| {
        lock_workspace(conn, actor.workspace_id)?;
        let (_, current) = load(conn, actor.workspace_id)?;
        expected.check(current)?;
        let row = SettingsRow {
            workspace_id: Id(actor.workspace_id),
            settings: Json(serde_json::to_value(&settings).map_err(AppError::internal)?),
            version: current + 1,
            updated_by: Some(Id(actor.user_id())),
            updated_at: crm_db::time::now(),
        };
        crm_db::tickets::settings::save(conn, current, &row)?;
        Ok((settings, row.version))
    })
}
