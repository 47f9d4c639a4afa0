use chrono::NaiveDateTime;
use crm_domain::FieldErrors;

use super::*;

const WS: Uuid = Uuid::from_u128(1);
const REP: Uuid = Uuid::from_u128(2);
const OTHER: Uuid = Uuid::from_u128(3);
const PIPELINE: Uuid = Uuid::from_u128(10);
const SECOND: Uuid = Uuid::from_u128(20);

fn at() -> NaiveDateTime {
    chrono::DateTime::from_timestamp(1_700_000_000, 0)
        .unwrap_or_default()
        .naive_utc()
}

fn stage(id: u128, pipeline: Uuid, probability: i32, kind: &str) -> StageRow {
    StageRow {
        id: Id(Uuid::from_u128(id)),
        workspace_id: Id(WS),
        pipeline_id: Id(pipeline),
        name: kind.to_owned(),
        position: 0,
        probability,
        kind: kind.to_owned(),
        forecast_category: "pipeline".to_owned(),
        retired_at: None,
    }
}

fn pipeline(id: Uuid) -> PipelineRow {
    PipelineRow {
        id: Id(id),
        workspace_id: Id(WS),
        name: id.to_string(),
        position: 0,
        version: 1,
        created_at: at(),
        updated_at: at(),
    }
}

fn user(id: Uuid, active: bool) -> UserRow {
    UserRow {
        id: Id(id),
        workspace_id: Id(WS),
        email: format!("{id}@example.test"),
        display_name: id.to_string(),
        password_hash: String::new(),
        role_id: Id(Uuid::nil()),
        team_id: None,
        active,
        version: 1,
        created_at: at(),
        updated_at: at(),
    }
}

/// One workspace: two pipelines, the first with open / won / lost stages;
/// the rep acts with the `own` scope.
fn known() -> Known {
    Known {
        pipelines: vec![pipeline(PIPELINE), pipeline(SECOND)],
        stages: vec![
            stage(11, PIPELINE, 20, "open"),
            stage(12, PIPELINE, 100, "won"),
            stage(13, PIPELINE, 0, "lost"),
            stage(21, SECOND, 30, "open"),
        ],
        customers: HashMap::new(),
        customer_keys: HashMap::new(),
        users: [user(REP, true), user(OTHER, true)]
            .into_iter()
            .map(|u| (u.id.0, u))
            .collect(),
        deal_keys: HashMap::from([("D-2".to_owned(), Uuid::from_u128(99))]),
        principal: Principal {
            user_id: REP,
            team_id: None,
            subtree_team_ids: Vec::new(),
        },
    }
}

/// An open deal of the rep's at 20 %.
fn deal() -> DealRow {
    DealRow::new(
        WS,
        Some(REP),
        DealFields {
            pipeline_id: Id(PIPELINE),
            stage_id: Id(Uuid::from_u128(11)),
            customer_id: Id(Uuid::from_u128(50)),
            external_id: Some("D-1".into()),
            name: "年度采购".into(),
            amount_minor: 100_000,
            currency: "CNY".into(),
            probability: 20,
            expected_close_date: None,
            owner_id: Some(Id(REP)),
            team_id: None,
            lost_reason: None,
            closed_at: None,
            stage_changed_at: at(),
            forecast_category: None,
        },
    )
}

fn patch() -> DealPatch {
    DealPatch {
        pipeline_id: None,
        stage_id: None,
        name: None,
        amount: None,
        probability: None,
        expected_close_date: None,
        owner_id: None,
        external_id: None,
        lost_reason: None,
        forecast_category: None,
    }
}

fn fields_of(e: AppError) -> FieldErrors {
    match e {
        AppError::Validation(errors) => errors,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn entering_a_won_stage_closes_the_deal_at_the_stage_probability() {
    let current = deal();
    let won = DealPatch {
        stage_id: Some(Uuid::from_u128(12)),
        ..patch()
    };
    let fields = check(&known(), Some(&current), won, None, Scope::Own).expect("valid");
    assert_eq!(fields.stage_id, Id(Uuid::from_u128(12)));
    assert_eq!(fields.probability, 100);
    assert!(fields.closed_at.is_some());
    assert!(fields.stage_changed_at > current.fields.stage_changed_at);
    assert_eq!(fields.owner_id, Some(Id(REP)), "the owner is kept");
}

#[test]
fn a_forecast_override_holds_while_open_and_closing_clears_it() {
    use crm_domain::forecast::ForecastOverride;
    let mut current = deal();
    let commit = DealPatch {
        forecast_category: Some(Some(ForecastOverride::Commit)),
        ..patch()
    };
    let fields = check(&known(), Some(&current), commit, None, Scope::Own).expect("valid");
    assert_eq!(fields.forecast_category.as_deref(), Some("commit"));
    current.fields = fields;
    let renamed = DealPatch {
        name: Some("改名".into()),
        ..patch()
    };
    let fields = check(&known(), Some(&current), renamed, None, Scope::Own).expect("valid");
    assert_eq!(fields.forecast_category.as_deref(), Some("commit"), "kept");
    let won = DealPatch {
        stage_id: Some(Uuid::from_u128(12)),
        ..patch()
    };
    let fields = check(&known(), Some(&current), won, None, Scope::Own).expect("valid");
    assert_eq!(fields.forecast_category, None, "cleared when won");
    let won_and_commit = DealPatch {
        stage_id: Some(Uuid::from_u128(12)),
        forecast_category: Some(Some(ForecastOverride::Commit)),
        ..patch()
    };
    let errors =
        fields_of(check(&known(), Some(&current), won_and_commit, None, Scope::Own).unwrap_err());
    assert!(errors.0.contains_key("forecast_category"), "{errors:?}");
}

#[test]
fn a_lost_deal_needs_a_reason_and_a_stage_must_be_of_its_pipeline() {
    let current = deal();
    let lost = DealPatch {
        stage_id: Some(Uuid::from_u128(13)),
        ..patch()
    };
    let errors = fields_of(check(&known(), Some(&current), lost, None, Scope::Own).unwrap_err());
    assert!(errors.0.contains_key("lost_reason"), "{errors:?}");
    let elsewhere = DealPatch {
        stage_id: Some(Uuid::from_u128(21)),
        ..patch()
    };
    let errors =
        fields_of(check(&known(), Some(&current), elsewhere, None, Scope::Own).unwrap_err());
    assert!(errors.0.contains_key("stage_id"), "{errors:?}");
    let moved = DealPatch {
        pipeline_id: Some(SECOND),
        ..patch()
    };
    let errors = fields_of(check(&known(), Some(&current), moved, None, Scope::Own).unwrap_err());
    assert!(errors.0.contains_key("stage_id"), "{errors:?}");
}

#[test]
fn an_owner_outside_the_scope_is_forbidden_and_a_taken_key_conflicts() {
    let current = deal();
    let handed_over = DealPatch {
        owner_id: Some(Some(OTHER)),
        ..patch()
    };
    assert!(matches!(
        check(
            &known(),
            Some(&current),
            handed_over.clone(),
            None,
            Scope::Own
        ),
        Err(AppError::Forbidden(_))
    ));
    assert!(check(&known(), Some(&current), handed_over, None, Scope::All).is_ok());
    let taken = DealPatch {
        external_id: Some(Some("D-2".into())),
        ..patch()
    };
    assert!(matches!(
        check(&known(), Some(&current), taken, None, Scope::Own),
        Err(AppError::Conflict { field, .. }) if field == "external_id"
    ));
}

#[test]
fn a_new_deal_must_name_exactly_one_visible_customer() {
    let (new_patch, _) = as_patch(NewDeal {
        pipeline_id: None,
        stage_id: None,
        customer_id: None,
        customer_external_id: None,
        external_id: None,
        name: "新商机".into(),
        amount: Money {
            amount_minor: 1,
            currency: "CNY".into(),
        },
        probability: None,
        expected_close_date: None,
        owner_id: None,
        lost_reason: None,
        forecast_category: None,
    });
    let none = Create {
        customer_id: None,
        customer_external_id: None,
    };
    let errors =
        fields_of(check(&known(), None, new_patch.clone(), Some(none), Scope::All).unwrap_err());
    assert!(errors.0.contains_key("customer_id"), "{errors:?}");
    let unseen = Create {
        customer_id: None,
        customer_external_id: Some("C-404".into()),
    };
    let errors = fields_of(check(&known(), None, new_patch, Some(unseen), Scope::All).unwrap_err());
    assert!(errors.0.contains_key("customer_external_id"), "{errors:?}");
}
