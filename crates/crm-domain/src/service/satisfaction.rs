//! Satisfaction (满意度): the two survey kinds and their scales — CSAT
//! (1–5, "satisfied" is 4 or 5) and NPS (0–10: promoters 9–10, detractors
//! 0–6, the score is the share of promoters minus that of detractors, in
//! points) — and the summary of a group of answers.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::string_enum;

string_enum! {
    /// `csat`: how satisfied with this ticket (1–5); `nps`: how likely to
    /// recommend us (0–10).
    SurveyKind { Csat = "csat", Nps = "nps" }
}

impl SurveyKind {
    /// The lowest and highest score.
    pub fn scale(self) -> (i32, i32) {
        match self {
            Self::Csat => (1, 5),
            Self::Nps => (0, 10),
        }
    }

    /// Whether an answer this low calls for someone to follow up.
    pub fn is_unhappy(self, score: i32) -> bool {
        match self {
            Self::Csat => score <= 2,
            Self::Nps => score <= 6,
        }
    }
}

/// A group's answers summed up; `None` where no answer of the kind is in it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Satisfaction {
    pub csat_responses: i64,
    /// The mean CSAT score, 1–5.
    pub csat_average: Option<f64>,
    /// The share of CSAT answers of 4 or 5, 0–1.
    pub csat_satisfied: Option<f64>,
    pub nps_responses: i64,
    /// Promoters' share minus detractors', in points (−100 to 100).
    pub nps: Option<f64>,
}

impl Satisfaction {
    /// Sums up `(kind, score)` answers.
    pub fn of(answers: impl IntoIterator<Item = (SurveyKind, i32)>) -> Self {
        let (mut csat, mut satisfied, mut nps, mut promoters, mut detractors) =
            (Vec::new(), 0_i64, 0_i64, 0_i64, 0_i64);
        for (kind, score) in answers {
            match kind {
                SurveyKind::Csat => {
                    csat.push(f64::from(score));
                    satisfied += i64::from(score >= 4);
                }
                SurveyKind::Nps => {
                    nps += 1;
                    promoters += i64::from(score >= 9);
                    detractors += i64::from(score <= 6);
                }
            }
        }
        let n = csat.len() as i64;
        Self {
            csat_responses: n,
            csat_average: (n > 0).then(|| csat.iter().sum::<f64>() / n as f64),
            csat_satisfied: (n > 0).then(|| satisfied as f64 / n as f64),
            nps_responses: nps,
            nps: (nps > 0).then(|| (promoters - detractors) as f64 * 100.0 / nps as f64),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csat_is_the_mean_and_the_share_of_fours_and_fives() {
        let s = Satisfaction::of([5, 4, 3, 1].map(|v| (SurveyKind::Csat, v)));
        assert_eq!(s.csat_responses, 4);
        assert_eq!(s.csat_average, Some(3.25));
        assert_eq!(s.csat_satisfied, Some(0.5));
        assert_eq!((s.nps_responses, s.nps), (0, None));
    }

    #[test]
    fn nps_is_promoters_minus_detractors_in_points() {
        // 3 promoters, 2 passives, 5 detractors of 10: 30 − 50 = −20.
        let scores = [10, 9, 9, 8, 7, 6, 5, 0, 3, 6];
        let s = Satisfaction::of(scores.map(|v| (SurveyKind::Nps, v)));
        assert_eq!(s.nps, Some(-20.0));
        assert_eq!(s.nps_responses, 10);
        assert_eq!(s.csat_average, None);
    }

    #[test]
    fn scales_and_unhappy_answers() {
        assert_eq!(SurveyKind::Csat.scale(), (1, 5));
        assert_eq!(SurveyKind::Nps.scale(), (0, 10));
        assert!(SurveyKind::Csat.is_unhappy(2) && !SurveyKind::Csat.is_unhappy(3));
        assert!(SurveyKind::Nps.is_unhappy(6) && !SurveyKind::Nps.is_unhappy(7));
    }
}
