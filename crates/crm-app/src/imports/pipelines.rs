//! Pipeline and stage names as typed in a deal file (`销售流程`, `方案报价`)
//! resolved to ids: a stage is looked up in the named pipeline, or in every
//! pipeline when none is named (a name that several pipelines use then
//! needs the pipeline too). Names match ignoring case and surrounding space.

use crm_db::pipelines::{PipelineRow, StageRow};
use uuid::Uuid;

struct Pipeline {
    id: Uuid,
    name: String,
    stages: Vec<(Uuid, String)>,
}

/// The workspace's pipelines with their stages.
#[derive(Default)]
pub struct PipelineIndex {
    pipelines: Vec<Pipeline>,
}

fn same(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

impl PipelineIndex {
    pub fn new(pipelines: Vec<PipelineRow>, stages: Vec<StageRow>) -> Self {
        let pipelines = pipelines
            .into_iter()
            .map(|p| Pipeline {
                id: p.id.0,
                stages: stages
                    .iter()
                    .filter(|s| s.pipeline_id == p.id)
                    .map(|s| (s.id.0, s.name.clone()))
                    .collect(),
                name: p.name,
            })
            .collect();
        Self { pipelines }
    }

    /// The ids of the typed pipeline and stage; or which of the two (0:
    /// pipeline, 1: stage) does not resolve, and why.
    pub fn resolve(
        &self,
        pipeline: Option<&str>,
        stage: Option<&str>,
    ) -> Result<(Option<Uuid>, Option<Uuid>), (usize, String)> {
        let named = match pipeline {
            Some(name) => Some(
                self.pipelines
                    .iter()
                    .find(|p| same(&p.name, name))
                    .ok_or_else(|| (0, format!("no pipeline is named {name}")))?,
            ),
            None => None,
        };
        let Some(stage) = stage else {
            return Ok((named.map(|p| p.id), None));
        };
        let found: Vec<(Uuid, Uuid)> = self
            .pipelines
            .iter()
            .filter(|p| named.is_none_or(|n| n.id == p.id))
            .flat_map(|p| {
                p.stages
                    .iter()
                    .filter(|(_, s)| same(s, stage))
                    .map(move |(id, _)| (p.id, *id))
            })
            .collect();
        match found.as_slice() {
            [(p, s)] => Ok((Some(*p), Some(*s))),
            [] => Err((
                1,
                match named {
                    Some(p) => format!("{} has no stage named {stage}", p.name),
                    None => format!("no stage is named {stage}"),
                },
            )),
            _ => Err((
                1,
                format!("several pipelines have a stage named {stage}: give the pipeline too"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> PipelineIndex {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        PipelineIndex {
            pipelines: vec![
                Pipeline {
                    id: a,
                    name: "销售流程".into(),
                    stages: vec![
                        (Uuid::from_u128(11), "初步接洽".into()),
                        (Uuid::from_u128(12), "赢单".into()),
                    ],
                },
                Pipeline {
                    id: b,
                    name: "Renewals".into(),
                    stages: vec![
                        (Uuid::from_u128(21), "Quote".into()),
                        (Uuid::from_u128(22), "赢单".into()),
                    ],
                },
            ],
        }
    }

    #[test]
    fn stages_resolve_within_their_pipeline_or_alone_when_unique() {
        let i = index();
        assert_eq!(
            i.resolve(None, Some("quote")),
            Ok((Some(Uuid::from_u128(2)), Some(Uuid::from_u128(21))))
        );
        assert_eq!(
            i.resolve(Some("销售流程"), Some("赢单")),
            Ok((Some(Uuid::from_u128(1)), Some(Uuid::from_u128(12))))
        );
        assert_eq!(
            i.resolve(None, Some("赢单")).map_err(|e| e.0),
            Err(1),
            "ambiguous"
        );
        assert_eq!(i.resolve(Some("Nope"), None).map_err(|e| e.0), Err(0));
        assert_eq!(
            i.resolve(Some("Renewals"), Some("初步接洽"))
                .map_err(|e| e.0),
            Err(1)
        );
    }
}
