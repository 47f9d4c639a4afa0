//! Reports (报表): saved definitions and their runs. Anyone signed in may
//! save reports of their own, file them in folders and share them with the
//! workspace or with chosen roles and teams ([`crate::sharing`]); only the
//! one who saved a report (or an administrator) changes or deletes it.
//! Whoever runs a report — their own, a shared one, a standard one — sees
//! the figures of the records their role lets them read, nothing more.

use crm_api_types::reports::{
    NewReport, Report, ReportData, ReportField, ReportObjectFields, ReportPatch, ShareRole,
    ShareTargets, ShareTeam, StandardReport,
};
use crm_db::AnyConnection;
use crm_db::reports::{ReportFields, ReportRow};
use crm_db::types::Json;
use crm_domain::FieldErrors;
use crm_domain::reports::{ReportObject, ReportSpec, fields, standard};
use crm_domain::validation::{bounded_text, multiline_text};
use uuid::Uuid;

use crate::sharing::{Viewer, audience, ids};
use crate::views::utc;
use crate::{Actor, AppError, Expected};

pub mod run;

pub use run::run;

/// The stored definition; rows are written only through checked specs, so
/// one that does not parse is a server fault.
pub(crate) fn spec_of(row: &ReportRow) -> Result<ReportSpec, AppError> {
    serde_json::from_value(row.spec.0.clone())
        .map_err(|e| AppError::Internal(format!("report {} has an unreadable spec: {e}", row.id.0)))
}

fn may_edit(actor: &Actor, row: &ReportRow) -> bool {
    actor.admin || row.owner_id.is_some_and(|o| o.0 == actor.user_id())
}

fn view(actor: &Actor, row: ReportRow) -> Result<Report, AppError> {
    Ok(Report {
        spec: spec_of(&row)?,
        editable: may_edit(actor, &row),
        id: row.id.0,
        name: row.name,
        description: row.description,
        shared: row.shared,
        share_roles: ids(&row.share_roles),
        share_teams: ids(&row.share_teams),
        folder: row.folder,
        owner_id: row.owner_id.map(|o| o.0),
        version: row.version,
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    })
}

/// A report as its author would save it.
struct Draft<'a> {
    name: &'a str,
    description: Option<String>,
    folder: Option<String>,
    spec: &'a ReportSpec,
    shared: bool,
    share_roles: &'a [Uuid],
    share_teams: &'a [Uuid],
}

/// The stored audience of a report.
pub(crate) fn audience_of(row: &ReportRow) -> crm_domain::sharing::Audience {
    audience(row.shared, &row.share_roles, &row.share_teams)
}

/// Checks a name, description, folder, definition and audience and makes
/// the row fields.
fn fields_of(
    conn: &mut AnyConnection,
    actor: &Actor,
    draft: Draft<'_>,
) -> Result<ReportFields, AppError> {
    let mut errors = FieldErrors::new();
    let spec = draft.spec;
    let name = errors.take("name", bounded_text(draft.name, 1, 100));
    let description = match draft.description {
        Some(d) => errors.take("description", multiline_text(&d, 0, 1000)),
        None => None,
    };
    let folder = match draft.folder {
        Some(f) => errors.take("folder", bounded_text(&f, 0, 60)),
        None => None,
    };
    let (share_roles, share_teams) = crate::sharing::checked(
        conn,
        actor.workspace_id,
        draft.share_roles,
        draft.share_teams,
        &mut errors,
    )?;
    if let Err(bad) = spec.check() {
        for (field, messages) in bad.0 {
            for message in messages {
                errors.add(format!("spec.{field}"), message);
            }
        }
    }
    check_custom_fields(conn, actor.workspace_id, spec, "spec.", &mut errors)?;
    errors.into_result().map_err(AppError::Validation)?;
    Ok(ReportFields {
        name: name.unwrap_or_default(),
        description: description.filter(|d| !d.is_empty()),
        folder: folder.filter(|f| !f.is_empty()),
        spec: Json(serde_json::to_value(spec).map_err(AppError::internal)?),
        shared: draft.shared,
        share_roles,
        share_teams,
    })
}

/// Names each `custom.<key>` the definition uses that is not a custom
/// field of customers in the workspace, or is a multi-select (a list has
/// no one value to group or compare by); `prefix` is where the definition
/// sits in the body (`spec.` when saved).
pub(crate) fn check_custom_fields(
    conn: &mut AnyConnection,
    workspace_id: Uuid,
    spec: &ReportSpec,
    prefix: &str,
    errors: &mut FieldErrors,
) -> Result<(), AppError> {
    use crm_domain::reports::catalog::custom_key;
    let mut used: Vec<(String, &str)> = Vec::new();
    for (i, g) in spec.group_by.iter().enumerate() {
        used.push((format!("{prefix}group_by[{i}].field"), &g.field));
    }
    if let Some(f) = &spec.measure.field {
        used.push((format!("{prefix}measure.field"), f));
    }
    for (i, c) in spec.filters.iter().enumerate() {
        used.push((format!("{prefix}filters[{i}].field"), &c.field));
    }
    used.retain(|(_, key)| custom_key(key).is_some());
    if used.is_empty() {
        return Ok(());
    }
    let defs = crm_db::custom_fields::list(conn, workspace_id, Some("customer"))?;
    for (at, key) in used {
        let key = custom_key(key).unwrap_or_default();
        match defs.iter().find(|d| d.key == key) {
            None => errors.add(at, "no custom field of customers has this key"),
            Some(d) if d.field_type == "multi_select" => errors.add(
                at,
                "a multi-select field holds a list: it cannot group or be compared",
            ),
            Some(_) => {}
        }
    }
    Ok(())
}

/// The reports the actor saved and those shared with them (every one for
/// an administrator), by folder (unfiled last) and name.
pub fn list(conn: &mut AnyConnection, actor: &Actor) -> Result<Vec<Report>, AppError> {
    let mut viewer = Viewer::new(actor);
    let mut out = Vec::new();
    for row in crm_db::reports::list(conn, actor.workspace_id, actor.user_id(), actor.admin)? {
        if viewer.sees(conn, row.owner_id.map(|o| o.0), &audience_of(&row))? {
            out.push(view(actor, row)?);
        }
    }
    Ok(out)
}

/// A report the actor saved or that is shared with them (else not found).
pub(crate) fn find(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
) -> Result<ReportRow, AppError> {
    let row = crm_db::reports::find(conn, actor.workspace_id, id)?;
    if Viewer::new(actor).sees(conn, row.owner_id.map(|o| o.0), &audience_of(&row))? {
        Ok(row)
    } else {
        Err(AppError::NotFound)
    }
}

pub fn get(conn: &mut AnyConnection, actor: &Actor, id: Uuid) -> Result<Report, AppError> {
    let row = find(conn, actor, id)?;
    view(actor, row)
}

/// Runs a saved report as the actor.
pub fn data(conn: &mut AnyConnection, actor: &Actor, id: Uuid) -> Result<ReportData, AppError> {
    let row = find(conn, actor, id)?;
    run(conn, actor, spec_of(&row)?)
}

/// Checks a new report before any write.
pub fn check_new(
    conn: &mut AnyConnection,
    actor: &Actor,
    body: &NewReport,
) -> Result<ReportFields, AppError> {
    fields_of(
        conn,
        actor,
        Draft {
            name: &body.name,
            description: body.description.clone(),
            folder: body.folder.clone(),
            spec: &body.spec,
            shared: body.shared,
            share_roles: &body.share_roles,
            share_teams: &body.share_teams,
        },
    )
}

pub fn create(
    conn: &mut AnyConnection,
    actor: &Actor,
    body: NewReport,
) -> Result<Report, AppError> {
    let fields = check_new(conn, actor, &body)?;
    let row = crm_db::reports::insert(conn, actor.workspace_id, actor.user_id(), &fields)?;
    view(actor, row)
}

/// The one who saved a report (or an administrator) changes it; others
/// who see it shared get 403, others 404.
fn find_editable(conn: &mut AnyConnection, actor: &Actor, id: Uuid) -> Result<ReportRow, AppError> {
    let row = find(conn, actor, id)?;
    if may_edit(actor, &row) {
        Ok(row)
    } else {
        Err(AppError::Forbidden(
            "only who saved a report may change it; save a copy instead".into(),
        ))
    }
}

pub fn update(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    expected: Expected,
    patch: ReportPatch,
) -> Result<Report, AppError> {
    let current = find_editable(conn, actor, id)?;
    let version = expected.check(current.version)?;
    let spec = match patch.spec {
        Some(spec) => spec,
        None => spec_of(&current)?,
    };
    let name = patch.name.unwrap_or_else(|| current.name.clone());
    let description = crm_api_types::patch::apply(current.description.clone(), patch.description);
    let folder = crm_api_types::patch::apply(current.folder.clone(), patch.folder);
    let share_roles = patch
        .share_roles
        .unwrap_or_else(|| ids(&current.share_roles));
    let share_teams = patch
        .share_teams
        .unwrap_or_else(|| ids(&current.share_teams));
    let fields = fields_of(
        conn,
        actor,
        Draft {
            name: &name,
            description,
            folder,
            spec: &spec,
            shared: patch.shared.unwrap_or(current.shared),
            share_roles: &share_roles,
            share_teams: &share_teams,
        },
    )?;
    let row = crm_db::reports::update(
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
        Ok(crm_db::reports::delete(conn, actor.workspace_id, id)?)
    })
}

/// The roles and teams anyone signed in may share a report or dashboard
/// with (names only: a role's grants stay an administrator's to read).
pub fn share_targets(conn: &mut AnyConnection, actor: &Actor) -> Result<ShareTargets, AppError> {
    let mut roles: Vec<ShareRole> = crm_db::roles::list(conn, actor.workspace_id)?
        .into_iter()
        .map(|r| ShareRole {
            id: r.id.0,
            key: r.key,
            name: r.name,
        })
        .collect();
    roles.sort_by(|a, b| a.name.cmp(&b.name));
    let mut teams: Vec<ShareTeam> = crm_db::teams::list(conn, actor.workspace_id)?
        .into_iter()
        .map(|t| ShareTeam {
            id: t.id.0,
            name: t.name,
            parent_id: t.parent_id.map(|p| p.0),
            manager_id: t.manager_id.map(|m| m.0),
        })
        .collect();
    teams.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(ShareTargets { roles, teams })
}

/// The standard reports, to run or copy.
pub fn standard_reports() -> Vec<StandardReport> {
    standard::all()
        .into_iter()
        .map(|s| StandardReport {
            key: s.key.to_owned(),
            name_zh: s.name_zh.to_owned(),
            name_en: s.name_en.to_owned(),
            spec: s.spec,
        })
        .collect()
}

/// The fields each report object offers.
pub fn catalog() -> Vec<ReportObjectFields> {
    ReportObject::ALL
        .iter()
        .map(|object| ReportObjectFields {
            object: *object,
            fields: fields(*object)
                .iter()
                .map(|f| ReportField {
                    key: f.key.to_owned(),
                    kind: f.kind,
                })
                .collect(),
        })
        .collect()
}

/// The columns of a run's download: one per grouping (its labels), the
/// measure (money in minor units, named so) and the records.
pub(crate) fn header(data: &ReportData) -> Vec<String> {
    let spec = &data.spec;
    let measure = match &spec.measure.field {
        Some(f) => format!("{}({f})", spec.measure.aggregate),
        None => "count".to_owned(),
    };
    let measure = match &data.currency {
        Some(c) => format!("{measure} [{c}, minor units]"),
        None => measure,
    };
    let mut header: Vec<String> = spec.group_by.iter().map(|g| g.field.clone()).collect();
    header.push(measure);
    header.push("records".to_owned());
    header
}

pub(crate) fn labels(row: &crm_api_types::reports::ReportRow) -> impl Iterator<Item = String> + '_ {
    row.labels.iter().map(|l| l.clone().unwrap_or_default())
}

/// A run as CSV (UTF-8 with a BOM, every cell neutralised). Aggregated
/// figures, not records, so whoever may run a report may download it.
pub fn csv(data: &ReportData) -> Result<Vec<u8>, AppError> {
    let rows = data.rows.iter().map(|r| {
        let mut record: Vec<String> = labels(r).collect();
        record.push(r.value.map(number).unwrap_or_default());
        record.push(r.records.to_string());
        record
    });
    crate::exports::csv_records(std::iter::once(header(data)).chain(rows), true)
}

/// A run as an Excel workbook: the same columns as the CSV, labels as text
/// (a `=…` label shows as text, never runs), figures as numbers.
pub fn xlsx(data: &ReportData) -> Result<Vec<u8>, AppError> {
    xlsx_sheets(&[("report", data)])
}

/// Several runs as one workbook, a sheet each (named at most 31
/// characters, without the characters Excel refuses in a sheet name).
pub fn xlsx_sheets(runs: &[(&str, &ReportData)]) -> Result<Vec<u8>, AppError> {
    use rust_xlsxwriter::{Format, Workbook};
    let fail = |e: rust_xlsxwriter::XlsxError| AppError::Internal(format!("xlsx: {e}"));
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let mut names = std::collections::BTreeSet::new();
    for (n, (name, data)) in runs.iter().enumerate() {
        let sheet = workbook.add_worksheet();
        let mut clean: String = name
            .chars()
            .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
            .take(28)
            .collect();
        if clean.trim().is_empty() || !names.insert(clean.clone()) {
            clean = format!("{} {}", clean.chars().take(24).collect::<String>(), n + 1);
            names.insert(clean.clone());
        }
        sheet.set_name(clean.trim()).map_err(fail)?;
        for (col, title) in (0_u16..).zip(header(data)) {
            sheet
                .write_with_format(0, col, title, &bold)
                .map_err(fail)?;
        }
        for (row, r) in (1_u32..).zip(&data.rows) {
            let mut col = 0_u16;
            for label in labels(r) {
                sheet.write_string(row, col, label).map_err(fail)?;
                col += 1;
            }
            if let Some(v) = r.value {
                sheet.write_number(row, col, v).map_err(fail)?;
            }
            sheet
                .write_number(row, col + 1, r.records as f64)
                .map_err(fail)?;
        }
    }
    workbook.save_to_buffer().map_err(fail)
}

/// A figure without a needless fraction (`12`, `12.5`).
fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}
