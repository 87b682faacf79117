//! Reconciliation: the liability recomputed from every member's balance and pending points
//! (what the member holds, [`Member::held`](super::member::Member::held)), compared with the
//! programme's figures. A run walks the members a page per call; where it stands travels with
//! the operator as the cursor, so a run holds nothing on the server, can be abandoned or
//! repeated at will, and never writes.

use serde::{Deserialize, Serialize};

use super::metrics::Totals;
use super::points::Points;

/// Where a run stands: the member shard it is in, the member to continue after, and what it
/// has added up so far, with the figures' liability when it started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Progress {
    pub shard: u32,
    pub after: Option<String>,
    pub members: i64,
    pub balances: i64,
    pub liability_at_start: i64,
}

impl Progress {
    pub fn start(figures: Totals) -> Self {
        Self {
            shard: 0,
            after: None,
            members: 0,
            balances: 0,
            liability_at_start: figures.liability,
        }
    }

    pub fn add(&mut self, balances: &[Points]) {
        self.members += balances.len() as i64;
        self.balances += balances.iter().map(|b| b.value()).sum::<i64>();
    }
}

/// A call's answer: how far the run is, and once it is complete, how the balances compare.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Reconciliation {
    pub complete: bool,
    pub members_checked: i64,
    pub balances: i64,
    /// The figures now: the liability and the number of members.
    pub liability: i64,
    pub members: i64,
    /// How much the figures' liability moved since the run started: writes that happened
    /// meanwhile. A difference is only conclusive when this is 0.
    pub changed_during_run: i64,
    /// Once complete: the balances minus the figures' liability (0 when they agree).
    pub difference: Option<i64>,
    pub members_difference: Option<i64>,
}

impl Reconciliation {
    pub fn new(progress: &Progress, figures: Totals, complete: bool) -> Self {
        Self {
            complete,
            members_checked: progress.members,
            balances: progress.balances,
            liability: figures.liability,
            members: figures.members,
            changed_during_run: figures.liability - progress.liability_at_start,
            difference: complete.then(|| progress.balances - figures.liability),
            members_difference: complete.then(|| progress.members - figures.members),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn points(values: &[i64]) -> Vec<Points> {
        values
            .iter()
            .map(|v| Points::new(*v).expect("in range"))
            .collect()
    }

    #[test]
    fn a_complete_run_reports_the_difference_and_what_moved_meanwhile() {
        let at_start = Totals {
            liability: 100,
            members: 3,
        };
        let mut progress = Progress::start(at_start);
        progress.add(&points(&[40, -5]));
        let halfway = Reconciliation::new(&progress, at_start, false);
        assert_eq!(
            (halfway.difference, halfway.members_difference),
            (None, None)
        );
        assert_eq!((halfway.members_checked, halfway.balances), (2, 35));
        progress.add(&points(&[65]));
        let agreed = Reconciliation::new(&progress, at_start, true);
        assert_eq!(
            (agreed.difference, agreed.members_difference),
            (Some(0), Some(0))
        );
        assert_eq!(agreed.changed_during_run, 0);
        let moved = Totals {
            liability: 107,
            members: 3,
        };
        let off = Reconciliation::new(&progress, moved, true);
        assert_eq!((off.difference, off.changed_during_run), (Some(-7), 7));
    }
}
