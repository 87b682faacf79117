//! Qualifying points over a rolling window, kept in coarse buckets so a member's record stays
//! small: a daily customer would otherwise carry one entry per day of the window (365 for a
//! year), rewritten with every write of the member.
//!
//! A bucket is `bucket_days(window)` days long (7 for a 365-day window; 1 for windows up to 53
//! days), aligned on whole multiples of that length since 1970-01-01, and keyed by its first
//! day. A bucket counts while any day of it is inside the window, so a purchase counts for at
//! least the window and at most `bucket_days - 1` days more: never less than the programme
//! promises.

use std::collections::BTreeMap;

use time::{Date, Duration, OffsetDateTime};

use super::points::Points;

/// Buckets per window, at most (plus the one the window's first day falls in).
const BUCKETS_PER_WINDOW: u16 = 53;

/// How many days one bucket spans for a window of `window_days`.
pub fn bucket_days(window_days: u16) -> u16 {
    window_days.div_ceil(BUCKETS_PER_WINDOW).max(1)
}

/// The first day of the bucket `day` falls in.
fn bucket_of(day: Date, window_days: u16) -> Date {
    let length = i64::from(bucket_days(window_days));
    let epoch = Date::from_julian_day(2_440_588).unwrap_or(day); // 1970-01-01
    let since = (day - epoch).whole_days();
    epoch + Duration::days(since.div_euclid(length) * length)
}

/// The first day of the window that ends on `now`'s day, that day included.
fn window_start(now: OffsetDateTime, window_days: u16) -> Date {
    (now - Duration::days(i64::from(window_days) - 1)).date()
}

/// Qualifying points by bucket.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Qualifying(BTreeMap<Date, Points>);

impl Qualifying {
    pub fn from_buckets(buckets: BTreeMap<Date, Points>) -> Self {
        Self(buckets)
    }

    pub fn buckets(&self) -> &BTreeMap<Date, Points> {
        &self.0
    }

    /// Whether points earned on `day` count now at all (a purchase posted late, from before
    /// the window, qualifies for nothing).
    pub fn counts(day: Date, now: OffsetDateTime, window_days: u16) -> bool {
        let last =
            bucket_of(day, window_days) + Duration::days(i64::from(bucket_days(window_days)) - 1);
        last >= window_start(now, window_days)
    }

    /// Qualifying points whose bucket has a day inside the window.
    pub fn total(&self, now: OffsetDateTime, window_days: u16) -> Points {
        self.0
            .iter()
            .filter(|(day, _)| Self::counts(**day, now, window_days))
            .try_fold(Points::ZERO, |sum, (_, p)| sum.checked_add(*p))
            .unwrap_or(Points::ZERO)
    }

    /// Adds points earned on `day`; `None` on overflow.
    pub fn add(&mut self, day: Date, points: Points, window_days: u16) -> Option<()> {
        let bucket = self.0.entry(bucket_of(day, window_days)).or_default();
        *bucket = bucket.checked_add(points)?;
        Some(())
    }

    /// Takes back points earned on `day` (never below zero in its bucket); `None` on overflow.
    pub fn take_back(&mut self, day: Date, points: Points, window_days: u16) -> Option<()> {
        // A bucket written before the window changed may start on `day` itself; a bucket
        // already out of the window has nothing left to take.
        let key = [bucket_of(day, window_days), day]
            .into_iter()
            .find(|key| self.0.contains_key(key));
        if let Some(bucket) = key.and_then(|key| self.0.get_mut(&key)) {
            *bucket = bucket.checked_sub(points)?.max(Points::ZERO);
        }
        Some(())
    }

    /// Drops buckets wholly outside the window, and empty ones.
    pub fn prune(&mut self, now: OffsetDateTime, window_days: u16) {
        self.0
            .retain(|day, points| Self::counts(*day, now, window_days) && *points != Points::ZERO);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn p(v: i64) -> Points {
        Points::new(v).unwrap()
    }

    #[test]
    fn a_year_is_kept_in_weekly_buckets_and_short_windows_by_day() {
        assert_eq!(bucket_days(365), 7);
        assert_eq!(bucket_days(366), 7);
        assert_eq!(bucket_days(53), 1);
        assert_eq!(bucket_days(30), 1);
        assert_eq!(bucket_days(3650), 69);
    }

    #[test]
    fn a_daily_customer_fills_at_most_54_buckets_in_a_year() {
        let mut q = Qualifying::default();
        let mut now = datetime!(2026-01-01 12:00 UTC);
        for _ in 0..730 {
            q.add(now.date(), p(10), 365).unwrap();
            q.prune(now, 365);
            now += Duration::days(1);
        }
        assert!(q.buckets().len() <= 54, "{} buckets", q.buckets().len());
        // A year of 10 a day, give or take the week the window's first day falls in.
        let total = q.total(now - Duration::days(1), 365).value();
        assert!((3650..=3650 + 60).contains(&total), "{total}");
    }

    #[test]
    fn points_count_for_the_whole_window_and_at_most_a_bucket_longer() {
        let mut q = Qualifying::default();
        let earned = datetime!(2026-03-10 12:00 UTC);
        q.add(earned.date(), p(100), 365).unwrap();
        // The window is honoured in full...
        assert_eq!(q.total(earned + Duration::days(364), 365), p(100));
        // ...and the points are gone a bucket's length later at the most.
        assert_eq!(q.total(earned + Duration::days(365 + 6), 365), Points::ZERO);
        // With a one-day bucket, exactly the window.
        let mut daily = Qualifying::default();
        daily.add(earned.date(), p(5), 30).unwrap();
        assert_eq!(daily.total(earned + Duration::days(29), 30), p(5));
        assert_eq!(daily.total(earned + Duration::days(30), 30), Points::ZERO);
    }

    #[test]
    fn a_take_back_finds_the_bucket_of_its_day_and_never_goes_below_zero() {
        let mut q = Qualifying::default();
        q.add(date!(2026 - 03 - 10), p(100), 365).unwrap();
        q.add(date!(2026 - 03 - 11), p(50), 365).unwrap();
        q.take_back(date!(2026 - 03 - 11), p(120), 365).unwrap();
        q.take_back(date!(2026 - 03 - 10), p(100), 365).unwrap();
        assert_eq!(q.total(datetime!(2026-03-12 0:00 UTC), 365), Points::ZERO);
        // A day-keyed entry written before buckets (or under another window) is found too.
        let mut old = Qualifying::from_buckets(BTreeMap::from([(date!(2026 - 03 - 11), p(40))]));
        old.take_back(date!(2026 - 03 - 11), p(40), 365).unwrap();
        assert_eq!(old.total(datetime!(2026-03-12 0:00 UTC), 365), Points::ZERO);
    }
}
