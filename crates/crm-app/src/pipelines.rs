//! Pipelines: the workspace's sales pipelines with their stages, and the
//! kanban board of one pipeline (per stage: count, sums, first deals).
//! Everyone whose role may read pipelines reads them; a pipeline is created
//! by a role with the `all` scope, with 2 to 30 named stages including a
//! won and a lost one; the same role edits its stages ([`editor`]).

pub mod editor;
pub use editor::{add_stage, retire_stage, update_stage};

use std::collections::HashMap;

use crm_api_types::deals::{NewPipeline, Pipeline, Stage, StageTotal};
use crm_db::AnyConnection;
use crm_db::change_log::{lock_workspace, transaction};
use crm_db::deals::{DealFilter, DealRow, DealSort};
use crm_db::paging::{Direction, Keyset};
use crm_db::pipelines::{NewStage, PipelineRow, StageRow};
use crm_domain::FieldErrors;
use crm_domain::access::{Action, ObjectType};
use crm_domain::forecast::ForecastCategory;
use crm_domain::sales::StageKind;
use crm_domain::validation::bounded_text;
use uuid::Uuid;

use crate::{Actor, AppError};

pub fn stage_view(s: &StageRow) -> Stage {
    Stage {
        id: s.id.0,
        name: s.name.clone(),
        position: s.position,
        probability: s.probability,
        kind: StageKind::parse(&s.kind).unwrap_or(StageKind::Open),
        forecast_category: ForecastCategory::parse(&s.forecast_category)
            .unwrap_or(ForecastCategory::Pipeline),
    }
}

pub fn view(p: &PipelineRow, stages: &[StageRow]) -> Pipeline {
    Pipeline {
        id: p.id.0,
        name: p.name.clone(),
        stages: stages
            .iter()
            .filter(|s| s.pipeline_id == p.id)
            .map(stage_view)
            .collect(),
    }
}

/// A pipeline with its stages, or `NotFound`.
pub fn load(conn: &mut AnyConnection, ws: Uuid, id: Uuid) -> Result<Pipeline, AppError> {
    let row = crm_db::pipelines::find(conn, ws, id)?;
    let stages = crm_db::pipelines::stages(conn, ws, Some(id))?;
    Ok(view(&row, &stages))
}

/// Every pipeline of the workspace with its stages, in board order.
pub fn list(conn: &mut AnyConnection, actor: &Actor) -> Result<Vec<Pipeline>, AppError> {
    actor.require(ObjectType::Pipelines, Action::Read)?;
    let ws = actor.workspace_id;
    let rows = crm_db::pipelines::list(conn, ws)?;
    let stages = crm_db::pipelines::stages(conn, ws, None)?;
    Ok(rows.iter().map(|p| view(p, &stages)).collect())
}

/// A pipeline with its stages.
pub fn get(conn: &mut AnyConnection, actor: &Actor, id: Uuid) -> Result<Pipeline, AppError> {
    actor.require(ObjectType::Pipelines, Action::Read)?;
    load(conn, actor.workspace_id, id)
}

/// The name and stages of a new pipeline, checked: a name, 2 to 30 stages
/// with names and probabilities 0–100, at least one won and one lost.
pub fn check(body: &NewPipeline) -> Result<(String, Vec<NewStage>), AppError> {
    let mut errors = FieldErrors::new();
    let name = errors.take("name", bounded_text(body.name.trim(), 1, 100));
    if !(2..=30).contains(&body.stages.len()) {
        errors.add("stages", "must hold 2 to 30 stages");
    }
    for kind in [StageKind::Won, StageKind::Lost] {
        if !body.stages.iter().any(|s| s.kind == kind) {
            errors.add("stages", format!("needs a {kind} stage"));
        }
    }
    let mut stages = Vec::new();
    for (i, s) in body.stages.iter().enumerate() {
        let name = errors.take(
            &format!("stages[{i}].name"),
            bounded_text(s.name.trim(), 1, 50),
        );
        if !(0..=100).contains(&s.probability) {
            errors.add(format!("stages[{i}].probability"), "must be 0 to 100");
        }
        let category = s
            .forecast_category
            .unwrap_or_else(|| ForecastCategory::default_for(s.kind, s.probability));
        if !category.fits(s.kind) {
            errors.add(
                format!("stages[{i}].forecast_category"),
                format!("does not fit a {} stage", s.kind),
            );
        }
        if let Some(n) = &name
            && body.stages[..i]
                .iter()
                .any(|o| o.name.trim().to_lowercase() == n.to_lowercase())
        {
            errors.add(format!("stages[{i}].name"), "repeats another stage's name");
        }
        stages.push(NewStage {
            name: name.unwrap_or_default(),
            probability: s.probability,
            kind: s.kind,
            forecast_category: category,
        });
    }
    errors.into_result().map_err(AppError::Validation)?;
    Ok((name.unwrap_or_default(), stages))
}

/// Creates a pipeline with its stages; its name must be free.
pub fn create(
    conn: &mut AnyConnection,
    actor: &Actor,
    body: NewPipeline,
) -> Result<Pipeline, AppError> {
    actor.require_all(ObjectType::Pipelines, Action::Create)?;
    let (name, stages) = check(&body)?;
    let ws = actor.workspace_id;
    transaction(conn, |conn| {
        lock_workspace(conn, ws)?;
        if crm_db::pipelines::list(conn, ws)?
            .iter()
            .any(|p| p.name == name)
        {
            return Err(AppError::Conflict {
                field: "name".into(),
                detail: "a pipeline has this name".into(),
            });
        }
        let (row, stages) = crm_db::pipelines::insert(conn, ws, &name, &stages)?;
        Ok(view(&row, &stages))
    })
}

/// One kanban column: the stage, the number of visible deals in it, their
/// amount and weighted amount per currency, and its first deals (most
/// recently moved first; one more than the limit when there are more).
pub struct Column {
    pub stage: Stage,
    pub count: i64,
    pub totals: Vec<StageTotal>,
    pub deals: Vec<DealRow>,
}

/// The kanban board of a pipeline: its visible deals per stage, optionally
/// of one owner, `limit` deals per column.
pub fn kanban(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: Uuid,
    owner_id: Option<Uuid>,
    limit: i64,
) -> Result<(Pipeline, Vec<Column>), AppError> {
    let vis = actor.visibility(conn, ObjectType::Deals, Action::Read)?;
    let pipeline = load(conn, actor.workspace_id, id)?;
    let sums = crm_db::deals::stage_sums(conn, &vis, id, owner_id)?;
    let mut by_stage: HashMap<Uuid, (i64, Vec<StageTotal>)> = HashMap::new();
    for s in sums {
        let entry = by_stage.entry(s.stage_id.0).or_default();
        entry.0 += s.count;
        entry.1.push(StageTotal {
            currency: s.currency,
            amount_minor: s.amount_minor.unwrap_or_default(),
            weighted_minor: s.weighted_minor.unwrap_or_default(),
        });
    }
    let mut columns = Vec::with_capacity(pipeline.stages.len());
    for stage in &pipeline.stages {
        let filter = DealFilter {
            stage_id: Some(stage.id),
            owner_id,
            ..DealFilter::default()
        };
        let keyset = Keyset {
            field: DealSort::StageChangedAt,
            direction: Direction::Desc,
            after: None,
            limit,
        };
        let (deals, _) = crm_db::deals::list(conn, &vis, &filter, &keyset)?;
        let (count, totals) = by_stage.remove(&stage.id).unwrap_or_default();
        columns.push(Column {
            stage: stage.clone(),
            count,
            totals,
            deals,
        });
    }
    Ok((pipeline, columns))
}

#[cfg(test)]
mod tests {
    use crm_api_types::deals::NewStage as Sent;

    use super::*;

    fn stage(name: &str, probability: i32, kind: StageKind) -> Sent {
        Sent {
            name: name.into(),
            probability,
            kind,
            forecast_category: None,
        }
    }

    #[test]
    fn a_pipeline_needs_a_won_and_a_lost_stage_and_sane_probabilities() {
        let good = NewPipeline {
            name: " 续约 ".into(),
            stages: vec![
                stage("接洽", 10, StageKind::Open),
                stage("赢单", 100, StageKind::Won),
                stage("输单", 0, StageKind::Lost),
            ],
        };
        let (name, stages) = check(&good).expect("valid");
        assert_eq!((name.as_str(), stages.len()), ("续约", 3));
        let bad = NewPipeline {
            name: "x".into(),
            stages: vec![stage("接洽", 101, StageKind::Open)],
        };
        let Err(AppError::Validation(errors)) = check(&bad) else {
            panic!("invalid");
        };
        assert!(errors.0.contains_key("stages"));
        assert!(errors.0.contains_key("stages[0].probability"));
    }

    #[test]
    fn stage_categories_default_from_kind_and_probability_and_must_fit() {
        use crm_domain::forecast::ForecastCategory;
        let mut body = NewPipeline {
            name: "渠道".into(),
            stages: vec![
                stage("报价", 50, StageKind::Open),
                stage("赢单", 100, StageKind::Won),
                stage("输单", 0, StageKind::Lost),
            ],
        };
        let (_, stages) = check(&body).expect("valid");
        let categories: Vec<_> = stages.iter().map(|s| s.forecast_category).collect();
        assert_eq!(
            categories,
            [
                ForecastCategory::BestCase,
                ForecastCategory::Closed,
                ForecastCategory::Omitted
            ]
        );
        body.stages[0].forecast_category = Some(ForecastCategory::Closed);
        body.stages[1].forecast_category = Some(ForecastCategory::Commit);
        let Err(AppError::Validation(errors)) = check(&body) else {
            panic!("closed on an open stage, commit on a won one");
        };
        assert!(errors.0.contains_key("stages[0].forecast_category"));
        assert!(errors.0.contains_key("stages[1].forecast_category"));
    }
}
