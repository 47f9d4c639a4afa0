use chrono::{NaiveDate, NaiveDateTime};
use proptest::prelude::*;

use super::*;

fn at(day: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 3, day)
        .and_then(|d| d.and_hms_opt(9, 0, 0))
        .unwrap_or_default()
}

fn stage(n: u128, probability: i32, kind: StageKind) -> Stage {
    Stage {
        id: Uuid::from_u128(n),
        probability,
        kind,
    }
}

fn lost_with(reason: &str) -> Sent {
    Sent {
        lost_reason: Some(Some(reason.to_owned())),
        ..Sent::default()
    }
}

const OPEN: Stage = Stage {
    id: Uuid::from_u128(1),
    probability: 25,
    kind: StageKind::Open,
};
const WON: Stage = Stage {
    id: Uuid::from_u128(2),
    probability: 100,
    kind: StageKind::Won,
};
const LOST: Stage = Stage {
    id: Uuid::from_u128(3),
    probability: 0,
    kind: StageKind::Lost,
};

#[test]
fn a_new_deal_takes_the_stage_default_and_is_open() {
    let deal = enter(None, &OPEN, Sent::default(), at(1)).expect("valid");
    assert_eq!(deal.probability, 25);
    assert_eq!(deal.closed_at, None);
    assert_eq!(deal.lost_reason, None);
    assert_eq!(deal.stage_changed_at, at(1));
}

#[test]
fn a_sent_probability_wins_until_the_stage_changes() {
    let sent = Sent {
        probability: Some(Some(60)),
        ..Sent::default()
    };
    let deal = enter(None, &OPEN, sent, at(1)).expect("valid");
    assert_eq!(deal.probability, 60);
    // Another write on the same stage keeps it.
    let same = enter(Some(&deal), &OPEN, Sent::default(), at(2)).expect("valid");
    assert_eq!(same.probability, 60);
    assert_eq!(same.stage_changed_at, at(1), "the stage did not change");
    // `null` resets it to the stage's default without a move.
    let reset = Sent {
        probability: Some(None),
        ..Sent::default()
    };
    assert_eq!(
        enter(Some(&deal), &OPEN, reset, at(2)).map(|d| d.probability),
        Ok(25)
    );
    // A move resets it.
    let next = stage(9, 50, StageKind::Open);
    assert_eq!(
        enter(Some(&deal), &next, Sent::default(), at(3)).map(|d| d.probability),
        Ok(50)
    );
}

#[test]
fn probabilities_are_bounded_inclusively() {
    for ok in [0, 1, 99, 100] {
        assert_eq!(probability(Some(Some(ok)), 10, false, None), Ok(ok));
    }
    for bad in [-1, 101, i32::MIN, i32::MAX] {
        assert_eq!(
            probability(Some(Some(bad)), 10, false, None),
            Err("must be 0 to 100")
        );
    }
    assert_eq!(probability(None, 10, false, Some(70)), Ok(70));
    assert_eq!(probability(None, 10, false, None), Ok(10));
}

#[test]
fn winning_closes_and_reopening_clears_closed_at() {
    let open = enter(None, &OPEN, Sent::default(), at(1)).expect("valid");
    let won = enter(Some(&open), &WON, Sent::default(), at(2)).expect("valid");
    assert_eq!(won.closed_at, Some(at(2)));
    assert_eq!(won.probability, 100);
    // Editing a won deal keeps its close time.
    let edited = enter(Some(&won), &WON, Sent::default(), at(5)).expect("valid");
    assert_eq!(edited.closed_at, Some(at(2)));
    // Won → lost is a new close.
    let lost = enter(Some(&won), &LOST, lost_with("预算取消"), at(6)).expect("valid");
    assert_eq!(lost.closed_at, Some(at(6)));
    // Reopened: not closed any more, and the lost reason goes.
    let reopened = enter(Some(&lost), &OPEN, Sent::default(), at(7)).expect("valid");
    assert_eq!(reopened.closed_at, None);
    assert_eq!(reopened.lost_reason, None);
    assert_eq!(reopened.stage_changed_at, at(7));
}

#[test]
fn losing_needs_a_real_reason() {
    let open = enter(None, &OPEN, Sent::default(), at(1)).expect("valid");
    let errors = enter(Some(&open), &LOST, Sent::default(), at(2)).expect_err("no reason");
    assert_eq!(
        errors.0["lost_reason"],
        vec!["is required when the deal is lost"]
    );
    // Blank is no reason.
    assert!(enter(Some(&open), &LOST, lost_with("  \n "), at(2)).is_err());
    // Trimmed, and at most 500 characters.
    let lost = enter(Some(&open), &LOST, lost_with("  价格过高 "), at(2)).expect("valid");
    assert_eq!(lost.lost_reason.as_deref(), Some("价格过高"));
    assert!(enter(Some(&open), &LOST, lost_with(&"长".repeat(500)), at(2)).is_ok());
    assert!(enter(Some(&open), &LOST, lost_with(&"长".repeat(501)), at(2)).is_err());
    assert!(enter(Some(&open), &LOST, lost_with("a\u{0}b"), at(2)).is_err());
    // A lost deal keeps its reason on other edits; clearing it is refused.
    let kept = enter(Some(&lost), &LOST, Sent::default(), at(3)).expect("valid");
    assert_eq!(kept.lost_reason.as_deref(), Some("价格过高"));
    let cleared = Sent {
        lost_reason: Some(None),
        ..Sent::default()
    };
    assert!(enter(Some(&lost), &LOST, cleared, at(3)).is_err());
}

#[test]
fn a_reason_sent_for_an_open_deal_is_dropped() {
    let deal = enter(None, &OPEN, lost_with("价格过高"), at(1)).expect("valid");
    assert_eq!(deal.lost_reason, None);
}

#[test]
fn both_errors_are_reported_at_once() {
    let sent = Sent {
        probability: Some(Some(101)),
        lost_reason: None,
    };
    let errors = enter(None, &LOST, sent, at(1)).expect_err("invalid");
    let fields: Vec<&str> = errors.0.keys().map(String::as_str).collect();
    assert_eq!(fields, ["lost_reason", "probability"]);
}

#[test]
fn amounts_default_to_zero_yuan_and_keep_the_current_one() {
    assert_eq!(
        amount(None, None),
        Ok(Money {
            amount_minor: 0,
            currency: "CNY".into()
        })
    );
    let usd = Money {
        amount_minor: 5,
        currency: "usd".into(),
    };
    assert_eq!(
        amount(Some(&usd), None).map(|m| m.currency),
        Ok("USD".into())
    );
    let current = Money {
        amount_minor: 7,
        currency: "EUR".into(),
    };
    assert_eq!(amount(None, Some(current.clone())), Ok(current));
    let negative = Money {
        amount_minor: -1,
        currency: "CNY".into(),
    };
    assert!(amount(Some(&negative), None).is_err());
    let bad = Money {
        amount_minor: 1,
        currency: "RMB1".into(),
    };
    assert!(amount(Some(&bad), None).is_err());
}

#[test]
fn a_new_deal_goes_to_the_first_stage_of_the_first_pipeline() {
    let (p1, p2) = (Uuid::from_u128(100), Uuid::from_u128(200));
    let stages = [
        (p1, Uuid::from_u128(101)),
        (p1, Uuid::from_u128(102)),
        (p2, Uuid::from_u128(201)),
    ];
    let placed = place(&[p1, p2], &stages, None, None, None).expect("placed");
    assert_eq!(
        (placed.pipeline_id, placed.stage_id),
        (p1, Uuid::from_u128(101))
    );
    let placed = place(&[p1, p2], &stages, None, Some(p2), None).expect("placed");
    assert_eq!(placed.stage_id, Uuid::from_u128(201));
    assert_eq!(
        place(&[], &[], None, None, None),
        Err(("pipeline_id", "the workspace has no pipeline"))
    );
    assert_eq!(
        place(&[p1], &[], None, None, None),
        Err(("pipeline_id", "has no stages"))
    );
    assert_eq!(
        place(&[p1], &stages, None, Some(p2), None),
        Err(("pipeline_id", "is not a pipeline of this workspace"))
    );
}

#[test]
fn a_stage_must_belong_to_the_pipeline_and_a_pipeline_move_names_one() {
    let (p1, p2) = (Uuid::from_u128(100), Uuid::from_u128(200));
    let (s1, s2, t1) = (
        Uuid::from_u128(101),
        Uuid::from_u128(102),
        Uuid::from_u128(201),
    );
    let stages = [(p1, s1), (p1, s2), (p2, t1)];
    let here = Placement {
        pipeline_id: p1,
        stage_id: s1,
    };
    let current = Some(here);
    // Nothing sent: it stays; a stage sent: it moves within the pipeline.
    assert_eq!(place(&[p1, p2], &stages, current, None, None), Ok(here));
    assert_eq!(
        place(&[p1, p2], &stages, current, None, Some(s2)).map(|p| p.stage_id),
        Ok(s2)
    );
    assert_eq!(
        place(&[p1, p2], &stages, current, None, Some(t1)),
        Err(("stage_id", "is not a stage of this pipeline"))
    );
    assert_eq!(
        place(&[p1, p2], &stages, current, Some(p2), None),
        Err(("stage_id", "is required when moving to another pipeline"))
    );
    assert_eq!(
        place(&[p1, p2], &stages, current, Some(p2), Some(t1)),
        Ok(Placement {
            pipeline_id: p2,
            stage_id: t1
        })
    );
}

fn kind() -> impl Strategy<Value = StageKind> {
    prop_oneof![Just(StageKind::Won), Just(StageKind::Lost)]
}

proptest! {
    /// Open → closed → back: the probability is the open stage's default
    /// again, and the deal is open (no close time, no lost reason), whatever
    /// probability it had before.
    #[test]
    fn a_stage_move_and_its_reverse_reopen_at_the_stage_default(
        open_default in 0..=100_i32,
        closed_default in 0..=100_i32,
        custom in proptest::option::of(0..=100_i32),
        closed_kind in kind(),
        days in (1_u32..10, 10_u32..20, 20_u32..28),
    ) {
        let open = stage(1, open_default, StageKind::Open);
        let closed = stage(2, closed_default, closed_kind);
        let sent = Sent { probability: custom.map(Some), ..Sent::default() };
        let start = enter(None, &open, sent, at(days.0)).expect("valid");
        prop_assert_eq!(start.probability, custom.unwrap_or(open_default));
        let close = enter(Some(&start), &closed, lost_with("预算取消"), at(days.1)).expect("valid");
        prop_assert_eq!(close.probability, closed_default);
        prop_assert_eq!(close.closed_at, Some(at(days.1)));
        prop_assert_eq!(close.lost_reason.is_some(), closed_kind == StageKind::Lost);
        let back = enter(Some(&close), &open, Sent::default(), at(days.2)).expect("valid");
        prop_assert_eq!(back.probability, open_default);
        prop_assert_eq!(back.closed_at, None);
        prop_assert_eq!(back.lost_reason, None);
        prop_assert_eq!(back.stage_changed_at, at(days.2));
    }

    /// Writing a deal without moving it changes nothing the rules own.
    #[test]
    fn a_write_on_the_same_stage_keeps_the_standing(
        probability in 0..=100_i32,
        kind in prop_oneof![Just(StageKind::Open), kind()],
    ) {
        let here = stage(1, 50, kind);
        let sent = Sent {
            probability: Some(Some(probability)),
            lost_reason: Some(Some("需求变化".into())),
        };
        let first = enter(None, &here, sent, at(1)).expect("valid");
        let again = enter(Some(&first), &here, Sent::default(), at(9)).expect("valid");
        prop_assert_eq!(again, first);
    }
}
