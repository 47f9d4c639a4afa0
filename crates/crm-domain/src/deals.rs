//! The rules of a deal's stage, without IO: where a write places the deal
//! (which pipeline and stage), what entering a stage does to
//! the probability (reset to the stage's default unless one is sent), to
//! `closed_at` (set when a won or lost stage is entered, kept while the
//! deal stays there, cleared on reopening) and to the lost reason (required
//! on a lost stage, dropped on any other), and the amount's defaults.
//! `crm-app` (the API's use cases, imports) and `crm demo` both write deals
//! through these functions.

use chrono::NaiveDateTime;
use uuid::Uuid;

use crate::money::Money;
use crate::sales::StageKind;
use crate::validation::{FieldErrors, multiline_text};

/// The currency of a deal written without an amount.
pub const DEFAULT_CURRENCY: &str = "CNY";

/// Longest lost reason, in characters.
pub const MAX_LOST_REASON: usize = 500;

/// A pipeline stage as the rules need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stage {
    pub id: Uuid,
    /// The probability (0–100) a deal takes on entering the stage.
    pub probability: i32,
    pub kind: StageKind,
}

/// The stage-dependent fields of a deal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub stage_id: Uuid,
    pub probability: i32,
    pub lost_reason: Option<String>,
    pub closed_at: Option<NaiveDateTime>,
    pub stage_changed_at: NaiveDateTime,
}

/// What a write sends for the stage-dependent fields, merge-patch style:
/// `None` leaves a field alone, `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sent {
    pub probability: Option<Option<i32>>,
    pub lost_reason: Option<Option<String>>,
}

/// The deal's standing once it is written at `stage` (its current stage or
/// a new one); `current` is `None` for a new deal. Errors are keyed
/// `probability` and `lost_reason`.
pub fn enter(
    current: Option<&Standing>,
    stage: &Stage,
    sent: Sent,
    now: NaiveDateTime,
) -> Result<Standing, FieldErrors> {
    let mut errors = FieldErrors::new();
    let moved = current.is_none_or(|c| c.stage_id != stage.id);
    let probability = errors.take(
        "probability",
        probability(
            sent.probability,
            stage.probability,
            moved,
            current.map(|c| c.probability),
        ),
    );
    let lost_reason = errors.take(
        "lost_reason",
        lost_reason(
            stage.kind,
            current.and_then(|c| c.lost_reason.clone()),
            sent.lost_reason,
        ),
    );
    errors.into_result()?;
    Ok(Standing {
        stage_id: stage.id,
        probability: probability.unwrap_or_default(),
        lost_reason: lost_reason.flatten(),
        closed_at: closed_at(stage.kind, moved, current.and_then(|c| c.closed_at), now),
        stage_changed_at: stage_changed_at(moved, current.map(|c| c.stage_changed_at), now),
    })
}

/// The probability after a write: as sent (0–100); the stage's default when
/// `null` is sent or the stage changes; else the current one.
pub fn probability(
    sent: Option<Option<i32>>,
    stage_default: i32,
    stage_moved: bool,
    current: Option<i32>,
) -> Result<i32, &'static str> {
    match sent {
        Some(Some(v)) if !(0..=100).contains(&v) => Err("must be 0 to 100"),
        Some(Some(v)) => Ok(v),
        Some(None) => Ok(stage_default),
        None if stage_moved => Ok(stage_default),
        None => Ok(current.unwrap_or(stage_default)),
    }
}

/// The lost reason after a write: required (trimmed, 1–500 characters, no
/// control characters) on a lost stage, dropped on any other.
pub fn lost_reason(
    kind: StageKind,
    current: Option<String>,
    sent: Option<Option<String>>,
) -> Result<Option<String>, String> {
    let reason = match sent {
        None => current,
        Some(value) => value,
    }
    .map(|v| v.trim().to_owned())
    .filter(|v| !v.is_empty());
    match (kind, reason) {
        (StageKind::Lost, None) => Err("is required when the deal is lost".to_owned()),
        (StageKind::Lost, Some(v)) => multiline_text(&v, 1, MAX_LOST_REASON).map(Some),
        _ => Ok(None),
    }
}

/// When the deal closed: `now` on entering a won or lost stage, kept while
/// it stays there, `None` on an open stage (a reopened deal is not closed).
pub fn closed_at(
    kind: StageKind,
    stage_moved: bool,
    current: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> Option<NaiveDateTime> {
    match (kind, stage_moved) {
        (StageKind::Open, _) => None,
        (_, true) => Some(now),
        (_, false) => current,
    }
}

/// When the deal entered its stage: `now` on a move (or a new deal).
pub fn stage_changed_at(
    stage_moved: bool,
    current: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> NaiveDateTime {
    match current {
        Some(at) if !stage_moved => at,
        _ => now,
    }
}

/// The amount after a write: as sent (non-negative, ISO 4217, upper-cased),
/// else the current one, else zero in [`DEFAULT_CURRENCY`].
pub fn amount(sent: Option<&Money>, current: Option<Money>) -> Result<Money, &'static str> {
    match (sent, current) {
        (Some(m), _) => Money::parse(m.amount_minor, &m.currency),
        (None, Some(current)) => Ok(current),
        (None, None) => Ok(Money {
            amount_minor: 0,
            currency: DEFAULT_CURRENCY.to_owned(),
        }),
    }
}

/// A deal's pipeline and stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    pub pipeline_id: Uuid,
    pub stage_id: Uuid,
}

/// Where a write places a deal. `pipelines` are the workspace's pipelines
/// and `stages` its stages as `(pipeline_id, stage_id)`, both in board
/// order; `current` is `None` for a new deal; `pipeline` and `stage` are as
/// sent. The pipeline is the one sent, else the current one, else the
/// workspace's first; the stage is the one sent, else the current one (a
/// move to another pipeline must name its stage), else the pipeline's
/// first. The stage must belong to the pipeline. An error names its field.
pub fn place(
    pipelines: &[Uuid],
    stages: &[(Uuid, Uuid)],
    current: Option<Placement>,
    pipeline: Option<Uuid>,
    stage: Option<Uuid>,
) -> Result<Placement, (&'static str, &'static str)> {
    let pipeline_id = pipeline
        .or(current.map(|c| c.pipeline_id))
        .or(pipelines.first().copied())
        .ok_or(("pipeline_id", "the workspace has no pipeline"))?;
    if !pipelines.contains(&pipeline_id) {
        return Err(("pipeline_id", "is not a pipeline of this workspace"));
    }
    let stage_id = match (stage, current) {
        (Some(s), _) => s,
        (None, Some(c)) if c.pipeline_id != pipeline_id => {
            return Err(("stage_id", "is required when moving to another pipeline"));
        }
        (None, Some(c)) => c.stage_id,
        (None, None) => stages
            .iter()
            .find(|(p, _)| *p == pipeline_id)
            .map(|(_, s)| *s)
            .ok_or(("pipeline_id", "has no stages"))?,
    };
    if !stages.contains(&(pipeline_id, stage_id)) {
        return Err(("stage_id", "is not a stage of this pipeline"));
    }
    Ok(Placement {
        pipeline_id,
        stage_id,
    })
}

#[cfg(test)]
mod tests;
