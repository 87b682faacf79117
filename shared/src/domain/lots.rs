//! Points grouped by the month they expire in. A member's balance always equals the sum
//! of its lots; spending takes from the oldest lot first, so expiry (which removes whole
//! lots at the end of their month) never takes points that were already spent.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

use super::points::Points;

/// The month a lot expires at the end of, `YYYY-MM`; sorts oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ExpiryMonth {
    year: i32,
    month: u8,
}

impl ExpiryMonth {
    /// The lot for points earned at `earned_at` that expire `months` later, at the end of
    /// that month: earned in November 2026 with 12 months → lot 2027-11.
    pub fn for_points_earned(earned_at: OffsetDateTime, months: u16) -> Self {
        let index = i64::from(earned_at.year()) * 12 + i64::from(u8::from(earned_at.month())) - 1
            + i64::from(months);
        Self {
            year: i32::try_from(index.div_euclid(12)).unwrap_or(i32::MAX),
            month: u8::try_from(index.rem_euclid(12) + 1).unwrap_or(12),
        }
    }

    /// The instant the lot's points stop counting: midnight UTC after the month's last day.
    pub fn expires_at(self) -> OffsetDateTime {
        let (year, month) = if self.month == 12 {
            (self.year + 1, 1)
        } else {
            (self.year, self.month + 1)
        };
        let month = Month::try_from(month).unwrap_or(Month::January);
        let date = Date::from_calendar_date(year, month, 1).unwrap_or(Date::MAX);
        PrimitiveDateTime::new(date, Time::MIDNIGHT).assume_utc()
    }
}

impl std::fmt::Display for ExpiryMonth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl std::str::FromStr for ExpiryMonth {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("invalid expiry month {s:?}");
        let (year, month) = s.split_once('-').ok_or_else(bad)?;
        let year: i32 = year.parse().map_err(|_| bad())?;
        let month: u8 = month.parse().map_err(|_| bad())?;
        if !(1..=12).contains(&month) || year.unsigned_abs() > 9999 {
            return Err(bad());
        }
        Ok(Self { year, month })
    }
}

impl Serialize for ExpiryMonth {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ExpiryMonth {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        raw.parse().map_err(serde::de::Error::custom)
    }
}

/// A member's points by expiry month. A lot can go negative only when a reversal takes
/// back points that were already spent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Lots(BTreeMap<ExpiryMonth, Points>);

impl Lots {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn total(&self) -> Option<Points> {
        self.0
            .values()
            .try_fold(Points::ZERO, |sum, p| sum.checked_add(*p))
    }

    /// What the lot of `month` holds (0 when there is none).
    pub fn of(&self, month: ExpiryMonth) -> Points {
        self.0.get(&month).copied().unwrap_or_default()
    }

    pub fn add(&mut self, month: ExpiryMonth, points: Points) -> Option<()> {
        let slot = self.0.entry(month).or_default();
        *slot = slot.checked_add(points)?;
        if *slot == Points::ZERO {
            self.0.remove(&month);
        }
        Some(())
    }

    /// Takes `points` (positive) from the oldest lots first and says how much came from
    /// which lot. Returns `None`, and leaves the lots as they were, when the positive lots
    /// hold fewer than `points`.
    pub fn spend_oldest_first(&mut self, points: Points) -> Option<Vec<(ExpiryMonth, Points)>> {
        let available = self
            .0
            .values()
            .filter(|p| p.is_positive())
            .try_fold(Points::ZERO, |s, p| s.checked_add(*p))?;
        if available < points {
            return None;
        }
        let mut left = points;
        let mut taken = Vec::new();
        for (month, lot) in self.0.iter_mut() {
            if !left.is_positive() {
                break;
            }
            if lot.is_positive() {
                let take = left.min(*lot);
                *lot = lot.checked_sub(take)?;
                left = left.checked_sub(take)?;
                taken.push((*month, take));
            }
        }
        self.0.retain(|_, p| *p != Points::ZERO);
        Some(taken)
    }

    /// Takes back `points` (positive) that were credited to `month`: from that lot first,
    /// then from the newest other lots; what no lot holds any more stays on `month` as a
    /// negative amount, so the lots still sum to the balance.
    pub fn take_back(&mut self, month: ExpiryMonth, points: Points) -> Option<()> {
        let mut left = points;
        let own = self.of(month).max(Points::ZERO);
        let from_own = left.min(own);
        self.add(month, from_own.negated())?;
        left = left.checked_sub(from_own)?;
        let others: Vec<ExpiryMonth> = self
            .0
            .iter()
            .rev()
            .filter(|(m, p)| **m != month && p.is_positive())
            .map(|(m, _)| *m)
            .collect();
        for other in others {
            if !left.is_positive() {
                break;
            }
            let held = self.of(other);
            let take = left.min(held);
            self.add(other, take.negated())?;
            left = left.checked_sub(take)?;
        }
        if left.is_positive() {
            self.add(month, left.negated())?;
        }
        Some(())
    }

    /// New points: they first pay any debt (negative lots), the rest opens or grows the lot
    /// of `month`, so a member never shows points it does not hold.
    pub fn credit(&mut self, month: ExpiryMonth, points: Points) -> Option<()> {
        let paid = self.settle_debt(points)?;
        self.add(month, points.checked_sub(paid)?)
    }

    /// Pays up to `points` of the negative lots (a debt left by reversals of spent points)
    /// back towards zero, oldest first; returns how much was paid. The lots' total rises by
    /// that much, so the caller removes the same amount from the lot that paid.
    pub fn settle_debt(&mut self, points: Points) -> Option<Points> {
        let mut paid = Points::ZERO;
        let debts: Vec<(ExpiryMonth, Points)> = self
            .0
            .iter()
            .filter(|(_, p)| p.is_negative())
            .map(|(m, p)| (*m, *p))
            .collect();
        for (month, debt) in debts {
            let left = points.checked_sub(paid)?;
            if !left.is_positive() {
                break;
            }
            let pay = left.min(debt.negated());
            self.add(month, pay)?;
            paid = paid.checked_add(pay)?;
        }
        Some(paid)
    }

    /// Lots holding points, oldest first.
    pub fn positive(&self) -> impl Iterator<Item = (ExpiryMonth, Points)> + '_ {
        self.0
            .iter()
            .filter(|(_, p)| p.is_positive())
            .map(|(m, p)| (*m, *p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn m(s: &str) -> ExpiryMonth {
        s.parse().unwrap()
    }
    fn p(v: i64) -> Points {
        Points::new(v).unwrap()
    }

    #[test]
    fn expiry_month_rolls_over_years() {
        assert_eq!(
            ExpiryMonth::for_points_earned(datetime!(2026-11-23 10:00 UTC), 12).to_string(),
            "2027-11"
        );
        assert_eq!(
            ExpiryMonth::for_points_earned(datetime!(2026-12-31 23:59 UTC), 1).to_string(),
            "2027-01"
        );
        assert_eq!(m("2027-12").expires_at(), datetime!(2028-01-01 0:00 UTC));
        assert!(ExpiryMonth::from_str_checked("2027-13").is_none());
    }

    impl ExpiryMonth {
        fn from_str_checked(s: &str) -> Option<Self> {
            s.parse().ok()
        }
    }

    #[test]
    fn spending_takes_oldest_first_and_refuses_overdraft() {
        let mut lots = Lots::default();
        lots.add(m("2027-01"), p(100)).unwrap();
        lots.add(m("2027-03"), p(50)).unwrap();
        let taken = lots.spend_oldest_first(p(120)).unwrap();
        assert_eq!(taken, vec![(m("2027-01"), p(100)), (m("2027-03"), p(20))]);
        assert_eq!(
            lots.positive().collect::<Vec<_>>(),
            vec![(m("2027-03"), p(30))]
        );
        let before = lots.clone();
        assert!(lots.spend_oldest_first(p(31)).is_none());
        assert_eq!(lots, before);
    }

    #[test]
    fn take_back_of_spent_points_leaves_a_negative_lot_that_keeps_the_sum() {
        let mut lots = Lots::default();
        lots.add(m("2027-01"), p(100)).unwrap();
        lots.add(m("2027-02"), p(40)).unwrap();
        lots.spend_oldest_first(p(120)).unwrap(); // 2027-02: 20 left
        lots.take_back(m("2027-01"), p(100)).unwrap();
        assert_eq!(lots.total(), Some(p(-80)));
        assert_eq!(lots.positive().count(), 0);
    }
}
