//! The pipeline editor (administrators: pipelines create/update/delete with
//! the `all` scope): add a stage at a place on the board, rename, re-weight,
//! re-categorise or move one, and retire one that no live deal is on. A
//! pipeline keeps at most 30 live stages, a won and a lost one among them,
//! and no two with the same name (deal files name stages). Positions stay
//! 0, 1, 2… over the live stages after every edit.

use crm_api_types::deals::{AddedStage, Pipeline, StagePatch};
use crm_db::AnyConnection;
use crm_db::change_log::{lock_workspace, transaction};
use crm_db::pipelines::{NewStage, StageRow};
use crm_domain::FieldErrors;
use crm_domain::access::{Action, ObjectType};
use crm_domain::forecast::ForecastCategory;
use crm_domain::sales::StageKind;
use crm_domain::validation::bounded_text;
use uuid::Uuid;

use super::load;
use crate::{Actor, AppError};

/// The most live stages a pipeline holds.
pub const MAX_STAGES: usize = 30;

/// `order` with `id` taken out and put back at `position` (clamped to the
/// end); `id` is added when it was not in `order`.
pub fn placed(order: &[Uuid], id: Uuid, position: usize) -> Vec<Uuid> {
    let mut out: Vec<Uuid> = order.iter().copied().filter(|s| *s != id).collect();
    out.insert(position.min(out.len()), id);
    out
}

/// Where a new stage goes when no position is sent: an open stage after the
/// last open one, a won or lost stage last.
pub fn default_position(kinds: &[StageKind], kind: StageKind) -> usize {
    match kind {
        StageKind::Open => kinds
            .iter()
            .rposition(|k| *k == StageKind::Open)
            .map_or(0, |i| i + 1),
        StageKind::Won | StageKind::Lost => kinds.len(),
    }
}

fn kind_of(s: &StageRow) -> StageKind {
    StageKind::parse(&s.kind).unwrap_or(StageKind::Open)
}

fn same_name(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// A conflict when another live stage of the pipeline has the name.
fn name_free(stages: &[StageRow], name: &str, except: Option<Uuid>) -> Result<(), AppError> {
    if stages
        .iter()
        .any(|s| Some(s.id.0) != except && same_name(&s.name, name))
    {
        return Err(AppError::Conflict {
            field: "name".into(),
            detail: "another stage of this pipeline has this name".into(),
        });
    }
    Ok(())
}

fn position_of(errors: &mut FieldErrors, position: Option<i32>) -> Option<usize> {
    let p = position?;
    match usize::try_from(p) {
        Ok(p) => Some(p),
        Err(_) => {
            errors.add("position", "must be 0 or more");
            None
        }
    }
}

/// Takes the workspace lock and reads the pipeline's live stages and the
/// named one (`NotFound` when the pipeline or the stage is not there).
fn locked_stages(
    conn: &mut AnyConnection,
    ws: Uuid,
    pipeline_id: Uuid,
    stage_id: Uuid,
) -> Result<(Vec<StageRow>, StageRow), AppError> {
    lock_workspace(conn, ws)?;
    crm_db::pipelines::find(conn, ws, pipeline_id)?;
    let stages = crm_db::pipelines::stages(conn, ws, Some(pipeline_id))?;
    let stage = stages
        .iter()
        .find(|s| s.id.0 == stage_id)
        .cloned()
        .ok_or(AppError::NotFound)?;
    Ok((stages, stage))
}

/// Adds a stage to a pipeline.
pub fn add_stage(
    conn: &mut AnyConnection,
    actor: &Actor,
    pipeline_id: Uuid,
    body: AddedStage,
) -> Result<Pipeline, AppError> {
    actor.require_all(ObjectType::Pipelines, Action::Update)?;
    let mut errors = FieldErrors::new();
    let name = errors.take("name", bounded_text(body.name.trim(), 1, 50));
    if !(0..=100).contains(&body.probability) {
        errors.add("probability", "must be 0 to 100");
    }
    let category = body
        .forecast_category
        .unwrap_or_else(|| ForecastCategory::default_for(body.kind, body.probability));
    if !category.fits(body.kind) {
        errors.add(
            "forecast_category",
            format!("does not fit a {} stage", body.kind),
        );
    }
    let position = position_of(&mut errors, body.position);
    errors.into_result().map_err(AppError::Validation)?;
    let name = name.unwrap_or_default();
    let ws = actor.workspace_id;
    transaction(conn, |conn| {
        lock_workspace(conn, ws)?;
        crm_db::pipelines::find(conn, ws, pipeline_id)?;
        let stages = crm_db::pipelines::stages(conn, ws, Some(pipeline_id))?;
        if stages.len() >= MAX_STAGES {
            return Err(AppError::Conflict {
                field: "stages".into(),
                detail: format!("a pipeline holds at most {MAX_STAGES} stages"),
            });
        }
        name_free(&stages, &name, None)?;
        let kinds: Vec<StageKind> = stages.iter().map(kind_of).collect();
        let at = position.unwrap_or_else(|| default_position(&kinds, body.kind));
        let new = NewStage {
            name,
            probability: body.probability,
            kind: body.kind,
            forecast_category: category,
        };
        let at_i32 = i32::try_from(at.min(stages.len())).unwrap_or(i32::MAX);
        let row = crm_db::pipelines::insert_stage(conn, ws, pipeline_id, &new, at_i32)?;
        let order: Vec<Uuid> = stages.iter().map(|s| s.id.0).collect();
        crm_db::pipelines::set_positions(conn, ws, &placed(&order, row.id.0, at))?;
        load(conn, ws, pipeline_id)
    })
}

/// Changes a stage of a pipeline: its name, default probability, forecast
/// category (which must fit its kind) or place on the board.
pub fn update_stage(
    conn: &mut AnyConnection,
    actor: &Actor,
    pipeline_id: Uuid,
    stage_id: Uuid,
    p: StagePatch,
) -> Result<Pipeline, AppError> {
    actor.require_all(ObjectType::Pipelines, Action::Update)?;
    let ws = actor.workspace_id;
    transaction(conn, |conn| {
        let (stages, stage) = locked_stages(conn, ws, pipeline_id, stage_id)?;
        let kind = kind_of(&stage);
        let mut errors = FieldErrors::new();
        let name = match &p.name {
            Some(n) => errors.take("name", bounded_text(n.trim(), 1, 50)),
            None => Some(stage.name.clone()),
        };
        let probability = p.probability.unwrap_or(stage.probability);
        if !(0..=100).contains(&probability) {
            errors.add("probability", "must be 0 to 100");
        }
        let category = p.forecast_category.unwrap_or_else(|| {
            ForecastCategory::parse(&stage.forecast_category)
                .unwrap_or_else(|_| ForecastCategory::default_for(kind, probability))
        });
        if !category.fits(kind) {
            errors.add("forecast_category", format!("does not fit a {kind} stage"));
        }
        let position = position_of(&mut errors, p.position);
        errors.into_result().map_err(AppError::Validation)?;
        let name = name.unwrap_or_default();
        name_free(&stages, &name, Some(stage_id))?;
        crm_db::pipelines::update_stage(conn, ws, stage_id, (&name, probability, category))?;
        if let Some(at) = position {
            let order: Vec<Uuid> = stages.iter().map(|s| s.id.0).collect();
            crm_db::pipelines::set_positions(conn, ws, &placed(&order, stage_id, at))?;
        }
        load(conn, ws, pipeline_id)
    })
}

/// Retires a stage: refused while a live deal is on it (move them first)
/// and for the pipeline's last won or last lost stage.
pub fn retire_stage(
    conn: &mut AnyConnection,
    actor: &Actor,
    pipeline_id: Uuid,
    stage_id: Uuid,
) -> Result<Pipeline, AppError> {
    actor.require_all(ObjectType::Pipelines, Action::Update)?;
    let ws = actor.workspace_id;
    transaction(conn, |conn| {
        let (stages, stage) = locked_stages(conn, ws, pipeline_id, stage_id)?;
        let kind = kind_of(&stage);
        if kind != StageKind::Open && stages.iter().filter(|s| kind_of(s) == kind).count() == 1 {
            return Err(AppError::Conflict {
                field: "kind".into(),
                detail: format!("a pipeline needs a {kind} stage: this is its last"),
            });
        }
        let deals = crm_db::pipelines::live_deals_on(conn, ws, stage_id)?;
        if deals > 0 {
            return Err(AppError::Conflict {
                field: "stage_id".into(),
                detail: format!("{deals} deals are on this stage: move them to another first"),
            });
        }
        crm_db::pipelines::retire_stage(conn, ws, stage_id)?;
        let order: Vec<Uuid> = stages
            .iter()
            .map(|s| s.id.0)
            .filter(|s| *s != stage_id)
            .collect();
        crm_db::pipelines::set_positions(conn, ws, &order)?;
        load(conn, ws, pipeline_id)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: u128) -> Vec<Uuid> {
        (0..n).map(Uuid::from_u128).collect()
    }

    #[test]
    fn a_stage_moves_or_enters_at_its_place_clamped_to_the_end() {
        let order = ids(4);
        let u = Uuid::from_u128;
        assert_eq!(placed(&order, u(3), 0), [u(3), u(0), u(1), u(2)]);
        assert_eq!(placed(&order, u(0), 2), [u(1), u(2), u(0), u(3)]);
        assert_eq!(placed(&order, u(1), 99), [u(0), u(2), u(3), u(1)]);
        assert_eq!(placed(&order, u(9), 1), [u(0), u(9), u(1), u(2), u(3)]);
        assert_eq!(placed(&[], u(9), 5), [u(9)]);
    }

    #[test]
    fn a_new_open_stage_goes_before_the_closed_ones_a_closed_one_last() {
        use StageKind::{Lost, Open, Won};
        let kinds = [Open, Open, Won, Lost];
        assert_eq!(default_position(&kinds, Open), 2);
        assert_eq!(default_position(&kinds, Won), 4);
        assert_eq!(default_position(&[Won, Lost], Open), 0);
    }
}
