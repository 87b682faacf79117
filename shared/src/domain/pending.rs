//! Pending points: what a purchase earned but may not be spent until its return window
//! (`pendingDays`) has passed, so that "buy, earn, redeem, refund" cannot work. Nothing
//! moves them when the window ends: every read and write brings the member up to date
//! first ([`Member::catch_up`](super::member::Member::catch_up)), and that is when they
//! join the spendable lots.
//!
//! Points whose windows end on the same UTC day are kept as one group, which becomes
//! spendable when the last of those windows ends (the window is honoured in full, never cut
//! short). With windows of at most 90 days after purchases never older than 90 days, a
//! member holds at most 92 groups (the days from today to 90 days and a few minutes on), a
//! bound on the member item whatever the number of purchases.

use std::collections::BTreeMap;

use time::{Date, Duration, OffsetDateTime, UtcOffset};

use super::lots::{ExpiryMonth, Lots};
use super::points::Points;

pub const MAX_PENDING_DAYS: u8 = 90;

/// The programme's return window: 0 (points spendable at once) to 90 days.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PendingDays(u8);

impl PendingDays {
    /// `None` outside 0..=90.
    pub fn new(days: u8) -> Option<Self> {
        (days <= MAX_PENDING_DAYS).then_some(Self(days))
    }

    pub fn days(self) -> u8 {
        self.0
    }

    /// When the points of a purchase made at `occurred_at` become spendable.
    pub fn available_at(self, occurred_at: OffsetDateTime) -> OffsetDateTime {
        occurred_at + Duration::days(i64::from(self.0))
    }
}

/// Pending points whose windows end on one UTC day, by the lot they will join.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingGroup {
    /// The latest window end of the group's points: when all of them become spendable.
    pub available_at: OffsetDateTime,
    pub lots: Lots,
}

impl PendingGroup {
    pub fn points(&self) -> Points {
        self.lots.total().unwrap_or_default()
    }
}

/// A member's pending points, by the UTC day their windows end.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pending(BTreeMap<Date, PendingGroup>);

fn day_of(at: OffsetDateTime) -> Date {
    at.to_offset(UtcOffset::UTC).date()
}

impl Pending {
    /// The groups as stored; two of one day (never written so) are joined.
    pub fn from_groups(groups: impl IntoIterator<Item = PendingGroup>) -> Option<Self> {
        let mut pending = Pending::default();
        for group in groups {
            for (lot, points) in group.lots.positive() {
                pending.add(group.available_at, lot, points)?;
            }
        }
        Some(pending)
    }

    /// Soonest first.
    pub fn groups(&self) -> impl Iterator<Item = &PendingGroup> {
        self.0.values()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn total(&self) -> Option<Points> {
        self.0.values().try_fold(Points::ZERO, |sum, group| {
            sum.checked_add(group.lots.total()?)
        })
    }

    /// Adds `points` (positive) that become spendable at `available_at` into `lot`; the
    /// group of that day waits for the latest window of its points. `None` on overflow.
    pub fn add(
        &mut self,
        available_at: OffsetDateTime,
        lot: ExpiryMonth,
        points: Points,
    ) -> Option<()> {
        let group = self
            .0
            .entry(day_of(available_at))
            .or_insert_with(|| PendingGroup {
                available_at,
                lots: Lots::default(),
            });
        group.available_at = group.available_at.max(available_at);
        group.lots.add(lot, points)
    }

    /// Takes back up to `points` (positive) that were added into `lot` for `available_at`,
    /// never more than the group still holds there (pending points never become a debt);
    /// returns how many it took. Nothing when they have become spendable meanwhile.
    pub fn take_back(
        &mut self,
        available_at: OffsetDateTime,
        lot: ExpiryMonth,
        points: Points,
    ) -> Option<Points> {
        let day = day_of(available_at);
        let Some(group) = self.0.get_mut(&day) else {
            return Some(Points::ZERO);
        };
        let taken = points.min(group.lots.of(lot).max(Points::ZERO));
        group.lots.add(lot, taken.negated())?;
        if group.lots.is_empty() {
            self.0.remove(&day);
        }
        Some(taken)
    }

    /// Removes what is no longer pending at `now`, by lot: the groups whose time has come,
    /// and from the others the lots that end first (points that could never be spent go on
    /// to expire with their lot rather than be shown a moment longer).
    pub fn mature(&mut self, now: OffsetDateTime) -> Vec<(ExpiryMonth, Points)> {
        let mut released = Vec::new();
        self.0.retain(|_, group| {
            let due: Vec<(ExpiryMonth, Points)> = group
                .lots
                .positive()
                .filter(|(lot, _)| group.available_at <= now || lot.expires_at() <= now)
                .collect();
            for (lot, points) in due {
                group.lots.add(lot, points.negated());
                released.push((lot, points));
            }
            !group.lots.is_empty()
        });
        released
    }

    /// The next instant the daily run has something to do with pending points: a lot's
    /// expiry warning once its points are spendable, or the lot's end if that comes first.
    pub fn next_due(&self, warning: Duration) -> Option<OffsetDateTime> {
        self.0
            .values()
            .flat_map(|group| {
                group.lots.positive().map(move |(lot, _)| {
                    let expires_at = lot.expires_at();
                    expires_at.min(group.available_at.max(expires_at - warning))
                })
            })
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn p(v: i64) -> Points {
        Points::new(v).unwrap()
    }
    fn lot(s: &str) -> ExpiryMonth {
        s.parse().unwrap()
    }
    /// Pending points added as `(available at, lot, points)`.
    fn pending(adds: &[(OffsetDateTime, &str, i64)]) -> Pending {
        let mut pending = Pending::default();
        for (at, month, points) in adds {
            pending.add(*at, lot(month), p(*points)).unwrap();
        }
        pending
    }

    #[test]
    fn pending_days_are_0_to_90_and_count_from_the_purchase() {
        assert!(PendingDays::new(90).is_some());
        assert!(PendingDays::new(91).is_none());
        let days = PendingDays::new(14).unwrap();
        assert_eq!(
            days.available_at(datetime!(2026-11-23 10:00 UTC)),
            datetime!(2026-12-07 10:00 UTC)
        );
        assert_eq!(
            PendingDays::default().available_at(datetime!(2026-11-23 10:00 UTC)),
            datetime!(2026-11-23 10:00 UTC)
        );
    }

    #[test]
    fn points_of_one_day_are_one_group_that_waits_for_its_latest_window() {
        let pending = pending(&[
            (datetime!(2026-12-07 10:00 UTC), "2027-11", 40),
            (datetime!(2026-12-07 16:00 UTC), "2027-11", 10),
            (datetime!(2026-12-08 09:00 UTC), "2027-11", 5),
        ]);
        let groups: Vec<(OffsetDateTime, Points)> = pending
            .groups()
            .map(|g| (g.available_at, g.points()))
            .collect();
        assert_eq!(
            groups,
            vec![
                (datetime!(2026-12-07 16:00 UTC), p(50)),
                (datetime!(2026-12-08 09:00 UTC), p(5))
            ]
        );
        assert_eq!(pending.total(), Some(p(55)));
    }

    #[test]
    fn groups_mature_at_their_time_and_not_a_moment_before() {
        let at = datetime!(2026-12-07 10:00 UTC);
        let mut pending = pending(&[(at, "2027-11", 40), (at + Duration::days(1), "2027-12", 7)]);
        assert!(pending.mature(at - Duration::milliseconds(1)).is_empty());
        assert_eq!(pending.mature(at), vec![(lot("2027-11"), p(40))]);
        assert_eq!(pending.total(), Some(p(7)));
        assert_eq!(
            pending.mature(at + Duration::days(2)),
            vec![(lot("2027-12"), p(7))]
        );
        assert!(pending.is_empty());
    }

    #[test]
    fn points_whose_lot_ends_first_leave_when_it_ends() {
        let at = datetime!(2027-02-20 10:00 UTC);
        let mut pending = pending(&[(at, "2027-01", 30), (at, "2027-06", 20)]);
        assert_eq!(
            pending.mature(datetime!(2027-02-01 0:00 UTC)),
            vec![(lot("2027-01"), p(30))]
        );
        assert_eq!(pending.total(), Some(p(20)));
    }

    #[test]
    fn a_take_back_takes_only_what_is_pending_and_never_leaves_a_debt() {
        let at = datetime!(2026-12-07 10:00 UTC);
        let mut pending = pending(&[(at, "2027-11", 40)]);
        assert_eq!(pending.take_back(at, lot("2027-11"), p(15)), Some(p(15)));
        assert_eq!(pending.total(), Some(p(25)));
        assert_eq!(pending.take_back(at, lot("2027-11"), p(100)), Some(p(25)));
        assert!(pending.is_empty());
        // Matured meanwhile: nothing here to take.
        assert_eq!(
            pending.take_back(at, lot("2027-11"), p(5)),
            Some(Points::ZERO)
        );
    }

    #[test]
    fn the_daily_run_is_due_at_the_warning_once_spendable_or_at_the_lot_s_end() {
        let due =
            |available_at| pending(&[(available_at, "2027-11", 1)]).next_due(Duration::days(30));
        // The warning, a month before the lot ends...
        assert_eq!(
            due(datetime!(2026-12-07 10:00 UTC)),
            Some(datetime!(2027-11-01 0:00 UTC))
        );
        // ...or when they become spendable, if that is later...
        assert_eq!(
            due(datetime!(2027-11-20 10:00 UTC)),
            Some(datetime!(2027-11-20 10:00 UTC))
        );
        // ...but never after the lot ends.
        assert_eq!(
            due(datetime!(2027-12-20 10:00 UTC)),
            Some(datetime!(2027-12-01 0:00 UTC))
        );
    }
}
