//! The rules of a deal write: where it is placed (`crm_domain::deals::place`:
//! the stage belongs to the pipeline), what entering the stage does
//! (`crm_domain::deals::enter`: the probability resets unless sent, won and
//! lost close the deal, lost needs a reason), the customer, the owner and
//! the actor's scope. [`check`] needs no IO: what it checks against is read
//! once ([`Known`]) for one deal or a whole batch.

use std::collections::HashMap;

use crm_api_types::deals::{DealPatch, NewDeal};
use crm_api_types::patch::apply;
use crm_db::AnyConnection;
use crm_db::customers::CustomerRow;
use crm_db::deals::{DealFields, DealRow};
use crm_db::pipelines::{PipelineRow, StageRow};
use crm_db::types::Id;
use crm_db::users::UserRow;
use crm_domain::FieldErrors;
use crm_domain::access::{Action, ObjectType, Ownership, Principal, Scope};
use crm_domain::deals::{self, Placement, Sent, Standing};
use crm_domain::forecast::ForecastOverride;
use crm_domain::money::Money;
use crm_domain::sales::StageKind;
use crm_domain::validation::bounded_text;
use uuid::Uuid;

use crate::{Actor, AppError};

/// The create-only fields of a new deal: its customer.
pub struct Create {
    pub customer_id: Option<Uuid>,
    pub customer_external_id: Option<String>,
}

/// A create body as a patch plus the create-only fields.
pub fn as_patch(n: NewDeal) -> (DealPatch, Create) {
    (
        DealPatch {
            pipeline_id: n.pipeline_id,
            stage_id: n.stage_id,
            name: Some(n.name),
            amount: Some(n.amount),
            probability: n.probability.map(Some),
            expected_close_date: Some(n.expected_close_date),
            owner_id: n.owner_id.map(Some),
            external_id: Some(n.external_id),
            lost_reason: Some(n.lost_reason),
            forecast_category: n.forecast_category.map(Some),
        },
        Create {
            customer_id: n.customer_id,
            customer_external_id: n.customer_external_id,
        },
    )
}

/// What checking deals needs from the database, read once for a whole batch.
pub struct Known {
    pub pipelines: Vec<PipelineRow>,
    pub stages: Vec<StageRow>,
    /// Customers the actor may read, by id, and their external ids.
    pub customers: HashMap<Uuid, CustomerRow>,
    pub customer_keys: HashMap<String, Uuid>,
    pub users: HashMap<Uuid, UserRow>,
    /// Live deals by external id, for its uniqueness.
    pub deal_keys: HashMap<String, Uuid>,
    /// The actor, with the team subtree when a scope needs it.
    pub principal: Principal,
}

impl Known {
    /// Reads the pipelines, the named customers (visible ones), the users
    /// and the deals holding the named external ids.
    pub fn load(
        conn: &mut AnyConnection,
        actor: &Actor,
        customer_ids: &[Uuid],
        customer_keys: &[String],
        deal_keys: &[String],
        widest: Scope,
    ) -> Result<Self, AppError> {
        let ws = actor.workspace_id;
        let vis = actor.visibility_or_none(conn, ObjectType::Customers, Action::Read)?;
        let customers =
            crm_db::customers::find_many(conn, ws, Some(&vis), customer_ids, customer_keys)?;
        let mut known = Known {
            pipelines: crm_db::pipelines::list(conn, ws)?,
            stages: crm_db::pipelines::stages(conn, ws, None)?,
            customers: HashMap::new(),
            customer_keys: HashMap::new(),
            users: crm_db::users::list(conn, ws, 100_000)?
                .into_iter()
                .map(|u| (u.id.0, u))
                .collect(),
            deal_keys: crm_db::deals::find_many(conn, ws, &[], deal_keys)?
                .into_iter()
                .filter_map(|d| d.fields.external_id.map(|k| (k, d.id.0)))
                .collect(),
            principal: actor.principal(conn, widest)?,
        };
        for c in customers {
            if let Some(k) = c.fields.external_id.clone() {
                known.customer_keys.insert(k, c.id.0);
            }
            known.customers.insert(c.id.0, c);
        }
        Ok(known)
    }
}

/// The deal's fields after the patch, checked; `new_deal` for a new deal.
pub fn resolve(
    conn: &mut AnyConnection,
    actor: &Actor,
    current: Option<&DealRow>,
    p: DealPatch,
    new_deal: Option<Create>,
    scope: Scope,
) -> Result<DealFields, AppError> {
    let customer_ids: Vec<Uuid> = new_deal.iter().filter_map(|c| c.customer_id).collect();
    let customer_keys: Vec<String> = new_deal
        .iter()
        .filter_map(|c| c.customer_external_id.clone())
        .collect();
    let deal_keys: Vec<String> = apply(
        current.and_then(|r| r.fields.external_id.clone()),
        p.external_id.clone(),
    )
    .into_iter()
    .collect();
    let known = Known::load(
        conn,
        actor,
        &customer_ids,
        &customer_keys,
        &deal_keys,
        scope,
    )?;
    check(&known, current, p, new_deal, scope)
}

/// The customer a new deal names: exactly one of id and external id, visible.
fn customer<'k>(known: &'k Known, c: &Create) -> Result<&'k CustomerRow, AppError> {
    if usize::from(c.customer_id.is_some()) + usize::from(c.customer_external_id.is_some()) != 1 {
        return Err(AppError::validation(
            "customer_id",
            "give customer_id or customer_external_id",
        ));
    }
    let found = match (&c.customer_id, &c.customer_external_id) {
        (Some(id), _) => known.customers.get(id),
        (None, Some(key)) => known
            .customer_keys
            .get(key)
            .and_then(|id| known.customers.get(id)),
        (None, None) => None,
    };
    found.ok_or_else(|| {
        let field = if c.customer_id.is_none() {
            "customer_external_id"
        } else {
            "customer_id"
        };
        AppError::validation(field, "no such customer, or not visible to you")
    })
}

/// The deal's fields after the patch, checked against what is known.
pub fn check(
    known: &Known,
    current: Option<&DealRow>,
    p: DealPatch,
    new_deal: Option<Create>,
    scope: Scope,
) -> Result<DealFields, AppError> {
    let mut errors = FieldErrors::new();
    let base = current.map(|r| &r.fields);
    let pipeline_ids: Vec<Uuid> = known.pipelines.iter().map(|p| p.id.0).collect();
    let stage_ids: Vec<(Uuid, Uuid)> = known
        .stages
        .iter()
        .map(|s| (s.pipeline_id.0, s.id.0))
        .collect();
    let placed = deals::place(
        &pipeline_ids,
        &stage_ids,
        base.map(|b| Placement {
            pipeline_id: b.pipeline_id.0,
            stage_id: b.stage_id.0,
        }),
        p.pipeline_id,
        p.stage_id,
    )
    .map_err(|(field, message)| AppError::validation(field, message))?;
    let Some(stage) = known.stages.iter().find(|s| s.id.0 == placed.stage_id) else {
        return Err(AppError::validation(
            "stage_id",
            "is not a stage of this pipeline",
        ));
    };
    let kind = StageKind::parse(&stage.kind).unwrap_or(StageKind::Open);
    let customer = match &new_deal {
        None => None,
        Some(c) => Some(customer(known, c)?),
    };
    let name = p.name.or(base.map(|b| b.name.clone())).unwrap_or_default();
    let name = errors.take("name", bounded_text(name.trim(), 1, 200));
    let amount = errors.take(
        "amount",
        deals::amount(
            p.amount.as_ref(),
            base.map(|b| Money {
                amount_minor: b.amount_minor,
                currency: b.currency.clone(),
            }),
        ),
    );
    let standing = deals::enter(
        base.map(|b| Standing {
            stage_id: b.stage_id.0,
            probability: b.probability,
            lost_reason: b.lost_reason.clone(),
            closed_at: b.closed_at,
            stage_changed_at: b.stage_changed_at,
        })
        .as_ref(),
        &deals::Stage {
            id: stage.id.0,
            probability: stage.probability,
            kind,
        },
        Sent {
            probability: p.probability,
            lost_reason: p.lost_reason,
        },
        crm_db::time::now(),
    )
    .map_err(|e| errors.merge(e))
    .ok();
    let external_id = apply(base.and_then(|b| b.external_id.clone()), p.external_id)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .and_then(|v| errors.take("external_id", bounded_text(&v, 1, 100)));
    // A rep's forecast category holds while the deal is open; closing clears it.
    let forecast_category = match (kind, p.forecast_category) {
        (StageKind::Open, Some(sent)) => sent,
        (StageKind::Open, None) => base
            .and_then(|b| b.forecast_category.as_deref())
            .and_then(|c| ForecastOverride::parse(c).ok()),
        (_, Some(Some(_))) => {
            errors.add(
                "forecast_category",
                "only a deal on an open stage takes a forecast category",
            );
            None
        }
        (_, _) => None,
    };
    if let Some(Some(date)) = p.expected_close_date {
        errors.take(
            "expected_close_date",
            crm_domain::validation::sane_date(date),
        );
    }
    let (owner_id, team_id) = match p.owner_id {
        Some(Some(owner)) => match known.users.get(&owner) {
            Some(u) if u.active => (Some(Id(owner)), u.team_id),
            Some(_) => {
                errors.add("owner_id", "is a deactivated user");
                (None, None)
            }
            None => {
                errors.add("owner_id", "is not a user of this workspace");
                (None, None)
            }
        },
        Some(None) => (None, None),
        None => match (base, customer) {
            (Some(b), _) => (b.owner_id, b.team_id),
            (None, Some(c)) => (c.fields.owner_id, c.fields.team_id),
            (None, None) => (None, None),
        },
    };
    errors.into_result().map_err(AppError::Validation)?;
    let ownership = Ownership {
        owner_id: owner_id.map(Uuid::from),
        team_id: team_id.map(Uuid::from),
    };
    if !scope.covers(&known.principal, ownership) {
        return Err(AppError::Forbidden(
            "your role may not assign deals to that owner or team".into(),
        ));
    }
    if let Some(ext) = &external_id
        && known
            .deal_keys
            .get(ext)
            .is_some_and(|id| Some(*id) != current.map(|r| r.id.0))
    {
        return Err(AppError::Conflict {
            field: "external_id".into(),
            detail: "is already taken".into(),
        });
    }
    let (Some(amount), Some(standing)) = (amount, standing) else {
        return Err(AppError::Internal(
            "a deal passed its checks unresolved".into(),
        ));
    };
    Ok(DealFields {
        pipeline_id: Id(placed.pipeline_id),
        stage_id: Id(placed.stage_id),
        customer_id: customer
            .map(|c| c.id)
            .or(base.map(|b| b.customer_id))
            .unwrap_or(Id(Uuid::nil())),
        external_id,
        name: name.unwrap_or_default(),
        amount_minor: amount.amount_minor,
        currency: amount.currency,
        probability: standing.probability,
        expected_close_date: apply(
            base.and_then(|b| b.expected_close_date),
            p.expected_close_date,
        ),
        owner_id,
        team_id,
        lost_reason: standing.lost_reason,
        closed_at: standing.closed_at,
        stage_changed_at: standing.stage_changed_at,
        forecast_category: forecast_category.map(|c| c.as_str().to_owned()),
    })
}

#[cfg(test)]
mod tests;
