//! Pending points: what a purchase earned but may not be spent until its return window
//! (`pendingDays`) has passed, so that "buy, earn, redeem, refund" cannot work. Nothing
//! moves them when the window ends: every read and write brings the member up to date
//! first ([`Member::catch_up`](super::member::Member::catch_up)), and that is when they
//! join the spendable lots.
//!
//! Points are grouped by the instant their window ends, so each purchase's points become
//! spendable exactly at its own `availableAt`. To bound the member item whatever the number
//! of purchases, a member holds at most [`MAX_GROUPS`]; beyond that the two groups whose
//! windows end closest together are joined, the earlier waiting for the later (never early).
//! A group remembers the earliest window it holds, so a reversal still finds its points.

use std::collections::BTreeMap;

use time::{Duration, OffsetDateTime};

use super::lots::{ExpiryMonth, Lots};
use super::points::Points;

pub const MAX_PENDING_DAYS: u8 = 90;

/// The most pending groups a member holds: a purchase a day with the longest window stays
/// exact; more than that joins the windows that end closest together.
pub const MAX_GROUPS: usize = 100;

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

/// Pending points that become spendable together, by the lot they will join.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingGroup {
    /// When all of them become spendable: the latest window end among them.
    pub available_at: OffsetDateTime,
    /// The earliest window end among them: `available_at` unless groups were joined.
    pub earliest: OffsetDateTime,
    pub lots: Lots,
}

impl PendingGroup {
    pub fn points(&self) -> Points {
        self.lots.total().unwrap_or_default()
    }

    /// Whether the points of a window ending at `at` are in this group (if still pending).
    fn covers(&self, at: OffsetDateTime) -> bool {
        self.earliest <= at && at <= self.available_at
    }
}

/// A member's pending points, by when they become spendable. The groups' windows
/// (`earliest..=available_at`) never overlap.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pending(BTreeMap<OffsetDateTime, PendingGroup>);

impl Pending {
    /// The groups as stored (their positive lots; two with one end, never written so, are
    /// joined).
    pub fn from_groups(groups: impl IntoIterator<Item = PendingGroup>) -> Option<Self> {
        let mut pending = Pending::default();
        for group in groups {
            let stored = pending
                .0
                .entry(group.available_at)
                .or_insert_with(|| PendingGroup {
                    lots: Lots::default(),
                    ..group.clone()
                });
            stored.earliest = stored.earliest.min(group.earliest);
            for (lot, points) in group.lots.positive() {
                stored.lots.add(lot, points)?;
            }
            if stored.lots.is_empty() {
                pending.0.remove(&group.available_at);
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

    /// Adds `points` (positive) that become spendable at `available_at` into `lot`: to the
    /// group whose window covers that instant (it ends then, or joined ones span it), or
    /// else a new group. `None` on overflow.
    pub fn add(
        &mut self,
        available_at: OffsetDateTime,
        lot: ExpiryMonth,
        points: Points,
    ) -> Option<()> {
        let key = self
            .covering(available_at)
            .map_or(available_at, |group| group.available_at);
        self.0
            .entry(key)
            .or_insert_with(|| PendingGroup {
                available_at,
                earliest: available_at,
                lots: Lots::default(),
            })
            .lots
            .add(lot, points)?;
        if self.0.len() > MAX_GROUPS {
            self.join_closest()?;
        }
        Some(())
    }

    /// The group holding the points of a window ending at `at`, if still pending.
    fn covering(&self, at: OffsetDateTime) -> Option<&PendingGroup> {
        self.0
            .range(at..)
            .next()
            .map(|(_, group)| group)
            .filter(|group| group.covers(at))
    }

    /// Joins the two groups whose windows end closest together: the earlier one's points
    /// wait for the later one.
    fn join_closest(&mut self) -> Option<()> {
        let keys: Vec<OffsetDateTime> = self.0.keys().copied().collect();
        let (earlier, later) = keys
            .windows(2)
            .min_by_key(|pair| pair[1] - pair[0])
            .map(|pair| (pair[0], pair[1]))?;
        let joined = self.0.remove(&earlier)?;
        let into = self.0.get_mut(&later)?;
        into.earliest = into.earliest.min(joined.earliest);
        for (lot, points) in joined.lots.positive() {
            into.lots.add(lot, points)?;
        }
        Some(())
    }

    /// Takes back up to `points` (positive) that were added into `lot` for `available_at`,
    /// never more than their group still holds there (pending points never become a debt);
    /// returns how many it took. Nothing when they have become spendable meanwhile.
    pub fn take_back(
        &mut self,
        available_at: OffsetDateTime,
        lot: ExpiryMonth,
        points: Points,
    ) -> Option<Points> {
        let Some(key) = self.covering(available_at).map(|g| g.available_at) else {
            return Some(Points::ZERO);
        };
        let group = self.0.get_mut(&key)?;
        let taken = points.min(group.lots.of(lot).max(Points::ZERO));
        group.lots.add(lot, taken.negated())?;
        if group.lots.is_empty() {
            self.0.remove(&key);
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
    fn each_window_is_its_own_group_so_points_are_spendable_at_their_own_time() {
        let mut pending = pending(&[
            (datetime!(2026-12-07 10:00 UTC), "2027-11", 40),
            (datetime!(2026-12-07 16:00 UTC), "2027-11", 10),
            (datetime!(2026-12-07 10:00 UTC), "2027-11", 5),
        ]);
        let groups: Vec<(OffsetDateTime, Points)> = pending
            .groups()
            .map(|g| (g.available_at, g.points()))
            .collect();
        assert_eq!(
            groups,
            vec![
                (datetime!(2026-12-07 10:00 UTC), p(45)),
                (datetime!(2026-12-07 16:00 UTC), p(10))
            ]
        );
        assert_eq!(
            pending.mature(datetime!(2026-12-07 10:00 UTC)),
            vec![(lot("2027-11"), p(45))]
        );
        assert_eq!(pending.total(), Some(p(10)));
    }

    #[test]
    fn beyond_the_bound_the_closest_windows_join_and_wait_for_the_later() {
        let start = datetime!(2026-12-01 10:00 UTC);
        // A purchase a day, one of them followed an hour later by another.
        let mut adds: Vec<(OffsetDateTime, &str, i64)> = (0..MAX_GROUPS as i64)
            .map(|d| (start + Duration::days(d), "2027-11", 10))
            .collect();
        adds.push((start + Duration::days(3) + Duration::hours(1), "2027-11", 7));
        let mut pending = pending(&adds);
        assert_eq!(pending.groups().count(), MAX_GROUPS);
        assert_eq!(pending.total(), Some(p(10 * MAX_GROUPS as i64 + 7)));
        let day3 = start + Duration::days(3);
        let joined = pending.covering(day3).unwrap();
        assert_eq!(
            (joined.earliest, joined.available_at, joined.points()),
            (day3, day3 + Duration::hours(1), p(17))
        );
        // Never early: not spendable at the earlier window's end...
        pending.mature(day3);
        assert_eq!(
            pending.covering(day3).map(PendingGroup::points),
            Some(p(17))
        );
        // ...and a reversal of the earlier purchase still finds its points there.
        assert_eq!(pending.take_back(day3, lot("2027-11"), p(10)), Some(p(10)));
        // A purchase whose window falls inside a joined group joins it.
        let groups = pending.groups().count();
        pending
            .add(day3 + Duration::minutes(30), lot("2027-11"), p(2))
            .unwrap();
        assert_eq!(pending.groups().count(), groups);
        assert_eq!(pending.covering(day3).map(PendingGroup::points), Some(p(9)));
        // Stored and read back, the joined group keeps what it spans.
        let again = Pending::from_groups(pending.groups().cloned()).unwrap();
        assert_eq!(again, pending);
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
