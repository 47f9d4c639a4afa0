//! The ratios of rep performance (销售人员绩效): win rate, averages and the
//! accuracy of a period's commit forecast.

/// Won over decided (won + lost); `None` when nothing was decided.
pub fn win_rate(won: i64, lost: i64) -> Option<f64> {
    let decided = won + lost;
    (decided > 0).then(|| won as f64 / decided as f64)
}

/// `sum / count`; `None` for no items.
pub fn average(sum: f64, count: i64) -> Option<f64> {
    (count > 0).then(|| sum / count as f64)
}

/// How close the won revenue came to the commit it was forecast at:
/// 1 − |won − commit| / commit, floored at 0 (1 is exact; missing by half
/// or beating by half are both 0.5). `None` without a commit.
pub fn commit_accuracy(committed: i64, won: i64) -> Option<f64> {
    (committed > 0).then(|| {
        let miss = (won - committed).abs() as f64 / committed as f64;
        (1.0 - miss).max(0.0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn win_rate_counts_only_decided_deals() {
        assert_eq!(win_rate(3, 1), Some(0.75));
        assert_eq!(win_rate(0, 4), Some(0.0));
        assert_eq!(win_rate(0, 0), None);
    }

    #[test]
    fn average_of_nothing_is_none() {
        assert_eq!(average(10.0, 4), Some(2.5));
        assert_eq!(average(10.0, 0), None);
    }

    #[test]
    fn commit_accuracy_is_symmetric_around_the_commit_and_floored() {
        assert_eq!(commit_accuracy(100, 100), Some(1.0));
        assert_eq!(commit_accuracy(100, 50), Some(0.5));
        assert_eq!(commit_accuracy(100, 150), Some(0.5));
        assert_eq!(commit_accuracy(100, 400), Some(0.0));
        assert_eq!(commit_accuracy(0, 10), None);
    }
}
