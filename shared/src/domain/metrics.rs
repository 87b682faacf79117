//! Programme figures (API.md "Programme metrics"): what each committed change adds to the
//! counters of the UTC day it is written on, and the report and journal read back from them.
//!
//! The counters are written in the same transaction as the ledger entries they count, so they
//! are exact by construction (no second delivery, no crash halfway). Two running totals (the
//! liability and the member count) give each day's closing liability without reading history:
//! liability at the end of day d = the total now - the movements of the days after d. Active
//! members are counted with a difference array: a member's quiet spell ends with +1 on the day
//! of its first activity and -1 on the day it goes quiet (`INACTIVE_AFTER_DAYS` after its last
//! activity, a day in the future, moved on by each later activity). Every +1 has its -1, so
//! the members active on day d are minus the sum of the differences after d.

use std::collections::BTreeMap;

use serde::Serialize;
use time::{Date, Duration, OffsetDateTime, UtcOffset};

use super::ledger::{EntryType, LedgerEntry};
use super::member::Member;

/// A member is active while its last earn or redemption is within this many days (API.md's
/// engagement default; the programme field that changes it comes with the engagement work).
pub const INACTIVE_AFTER_DAYS: i64 = 60;
/// The longest range one metrics read covers.
pub const MAX_RANGE_DAYS: i64 = 366;

/// One counter of a day: the points of one entry type, credits and debits apart (the journal
/// nets them, `issued` takes the credits), or a count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Counter {
    Credit(EntryType),
    Debit(EntryType),
    Redemptions,
    NewMembers,
    /// The difference array of active members (see the module's comment).
    Active,
}

impl Counter {
    const CREDIT: &'static str = "credit_";
    const DEBIT: &'static str = "debit_";

    /// A stable name for storage: `credit_earn`, `debit_redeem`, `redemptions`, ...
    pub fn name(self) -> String {
        match self {
            Counter::Credit(kind) => format!("{}{}", Self::CREDIT, kind_name(kind)),
            Counter::Debit(kind) => format!("{}{}", Self::DEBIT, kind_name(kind)),
            Counter::Redemptions => "redemptions".into(),
            Counter::NewMembers => "new_members".into(),
            Counter::Active => "active".into(),
        }
    }

    pub fn parse(name: &str) -> Option<Counter> {
        if let Some(kind) = name.strip_prefix(Self::CREDIT) {
            return kind_parse(kind).map(Counter::Credit);
        }
        if let Some(kind) = name.strip_prefix(Self::DEBIT) {
            return kind_parse(kind).map(Counter::Debit);
        }
        match name {
            "redemptions" => Some(Counter::Redemptions),
            "new_members" => Some(Counter::NewMembers),
            "active" => Some(Counter::Active),
            _ => None,
        }
    }
}

fn kind_name(kind: EntryType) -> String {
    // The ledger's own serialised name (`partner_bonus`), so the two never drift apart.
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn kind_parse(name: &str) -> Option<EntryType> {
    serde_json::from_value(serde_json::Value::String(name.to_string())).ok()
}

/// The counters of one day.
pub type Counters = BTreeMap<Counter, i64>;

/// What a member was before a change, as far as the figures care.
#[derive(Debug, Clone, Copy)]
pub struct Before {
    pub last_activity_at: Option<OffsetDateTime>,
    /// Whether a quiet spell had been announced (a change that ends it announces that too).
    pub quiet_announced: bool,
}

impl From<&Member> for Before {
    fn from(member: &Member) -> Self {
        Self {
            last_activity_at: member.last_activity_at(),
            quiet_announced: member.quiet_announced(),
        }
    }
}

/// What one committed change adds to the figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Movement {
    pub days: BTreeMap<Date, Counters>,
    /// Change to the liability: the points of every entry.
    pub liability: i64,
    /// Change to the number of members.
    pub members: i64,
}

impl Movement {
    /// The movement of a change written at `now` that turned `before` (`None`: no member yet)
    /// into `after`, with `entries`.
    pub fn of(
        before: Option<Before>,
        after: Option<&Member>,
        entries: &[LedgerEntry],
        now: OffsetDateTime,
    ) -> Self {
        let mut movement = Movement::default();
        let today = utc_day(now);
        for entry in entries {
            let points = entry.points.value();
            movement.liability += points;
            let counter = if points >= 0 {
                Counter::Credit(entry.kind)
            } else {
                Counter::Debit(entry.kind)
            };
            movement.add(today, counter, points);
            if entry.kind == EntryType::Redeem {
                movement.add(today, Counter::Redemptions, 1);
            }
        }
        if let Some(after) = after {
            if before.is_none() {
                movement.members += 1;
                movement.add(today, Counter::NewMembers, 1);
            }
            let last = before.and_then(|b| b.last_activity_at);
            for (day, change) in activity(last, after.last_activity_at()) {
                movement.add(day, Counter::Active, change);
            }
        }
        movement
    }

    /// The movement of erasing `member` at `now`: the points it held leave the liability (an
    /// `erase` debit), it stops counting as a member, and its active spell ends today.
    pub fn erasure(member: &Member, held: i64, now: OffsetDateTime) -> Self {
        let mut movement = Movement {
            liability: -held,
            members: -1,
            ..Movement::default()
        };
        let today = utc_day(now);
        movement.add(today, Counter::Debit(EntryType::Erase), -held);
        if let Some(last) = member.last_activity_at().map(utc_day) {
            let quiet = last + Duration::days(INACTIVE_AFTER_DAYS);
            // Its -1 moves from the day it would have gone quiet to today: not active at the
            // end of today, nor after.
            if quiet > today {
                movement.add(quiet, Counter::Active, 1);
                movement.add(today, Counter::Active, -1);
            }
        }
        movement
    }

    /// Both movements, as one.
    pub fn and(mut self, other: Movement) -> Self {
        for (day, counters) in other.days {
            for (counter, value) in counters {
                self.add(day, counter, value);
            }
        }
        self.liability += other.liability;
        self.members += other.members;
        self
    }

    fn add(&mut self, day: Date, counter: Counter, value: i64) {
        if value != 0 {
            *self
                .days
                .entry(day)
                .or_default()
                .entry(counter)
                .or_default() += value;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.days.is_empty() && self.liability == 0 && self.members == 0
    }
}

/// The active-members differences of an activity at `now` after one at `last`.
fn activity(last: Option<OffsetDateTime>, now: Option<OffsetDateTime>) -> Vec<(Date, i64)> {
    let Some(now) = now.map(utc_day) else {
        return Vec::new();
    };
    let quiet_after = |day: Date| day + Duration::days(INACTIVE_AFTER_DAYS);
    match last.map(utc_day) {
        // Nothing new, or a clock that went backwards: the spell stays as it was.
        Some(last) if now <= last => Vec::new(),
        // Still active: the day it goes quiet moves on.
        Some(last) if now < quiet_after(last) => {
            vec![(quiet_after(last), 1), (quiet_after(now), -1)]
        }
        // First activity, or the first after a quiet spell: a new spell.
        _ => vec![(now, 1), (quiet_after(now), -1)],
    }
}

pub fn utc_day(at: OffsetDateTime) -> Date {
    at.to_offset(UtcOffset::UTC).date()
}

/// A range of whole UTC days, at most `MAX_RANGE_DAYS` long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayRange {
    from: Date,
    to: Date,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    #[error("{0} must be a date (YYYY-MM-DD)")]
    NotADate(&'static str),
    #[error("to must not be before from")]
    Reversed,
    #[error("a range covers at most {MAX_RANGE_DAYS} days")]
    TooLong,
}

impl DayRange {
    pub fn parse(from: &str, to: &str) -> Result<Self, RangeError> {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let date =
            |raw: &str, name| Date::parse(raw, &format).map_err(|_| RangeError::NotADate(name));
        let (from, to) = (date(from, "from")?, date(to, "to")?);
        if to < from {
            return Err(RangeError::Reversed);
        }
        if (to - from).whole_days() >= MAX_RANGE_DAYS {
            return Err(RangeError::TooLong);
        }
        Ok(Self { from, to })
    }

    pub fn from(&self) -> Date {
        self.from
    }

    /// The first day whose counters a report of this range needs on `today`.
    pub fn first_day_read(&self, today: Date) -> Date {
        self.from.min(today)
    }

    pub fn to(&self) -> Date {
        self.to
    }
}

/// The figures of one day, as `GET /v1/metrics` shows them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DayFigures {
    #[serde(with = "day_format")]
    pub date: Date,
    pub issued: BTreeMap<String, i64>,
    pub redeemed: i64,
    pub expired: i64,
    pub reversed: i64,
    /// Points forfeited by erased members.
    pub erased: i64,
    pub liability: i64,
    pub new_members: i64,
    pub active_members: i64,
    pub redemptions: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Current {
    pub liability: i64,
    pub members: i64,
    pub active_members: i64,
}

/// `GET /v1/metrics`'s answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    #[serde(with = "day_format")]
    pub from: Date,
    #[serde(with = "day_format")]
    pub to: Date,
    pub days: Vec<DayFigures>,
    pub current: Current,
    pub redemption_rate: f64,
    pub breakage_rate: f64,
}

/// The running totals, over every shard.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub liability: i64,
    pub members: i64,
}

/// Every day's counters from the range's first day on, the future days that hold only
/// active-member differences included, summed over the shards.
pub type Days = BTreeMap<Date, Counters>;

impl Report {
    /// The report of `range` on `today`: days after today are not listed (nothing has
    /// happened on them yet). `days` must hold every day from the earlier of the range's first
    /// day and today (`DayRange::first_day_read`).
    pub fn new(range: DayRange, today: Date, days: &Days, totals: Totals) -> Self {
        let mut listed = Vec::new();
        // Walk back from the last day held, undoing each day's movements, so that every
        // listed day gets its closing liability and active members.
        let mut liability = totals.liability;
        let mut active = 0_i64;
        let mut active_today = 0;
        let last = days.keys().next_back().copied().unwrap_or(today).max(today);
        let mut day = last;
        // Down to today at least: the current figures do not depend on the range asked for.
        while day >= range.from.min(today) {
            let counters = days.get(&day);
            if (range.from..=range.to).contains(&day) && day <= today {
                listed.push(figures(day, counters, liability, active));
            }
            if day == today {
                active_today = -active;
            }
            let count = |c: Counter| counters.and_then(|m| m.get(&c)).copied().unwrap_or(0);
            // Liability and active members at the end of the day before.
            liability -= counters.map_or(0, points_of);
            active += count(Counter::Active);
            match day.previous_day() {
                Some(previous) => day = previous,
                None => break,
            }
        }
        listed.reverse();
        let issued: i64 = listed.iter().flat_map(|d| d.issued.values()).sum();
        let rate = |part: i64| {
            if issued == 0 {
                0.0
            } else {
                part as f64 / issued as f64
            }
        };
        Report {
            from: range.from,
            to: range.to,
            redemption_rate: rate(listed.iter().map(|d| d.redeemed).sum()),
            breakage_rate: rate(listed.iter().map(|d| d.expired).sum()),
            days: listed,
            current: Current {
                liability: totals.liability,
                members: totals.members,
                active_members: active_today,
            },
        }
    }
}

/// The points a day's counters moved (every entry's, credits and debits).
fn points_of(counters: &Counters) -> i64 {
    counters
        .iter()
        .filter(|(c, _)| matches!(c, Counter::Credit(_) | Counter::Debit(_)))
        .map(|(_, v)| v)
        .sum()
}

/// A day's figures, given its closing liability and the sum of the active-member
/// differences after it.
fn figures(
    day: Date,
    counters: Option<&Counters>,
    liability: i64,
    active_after: i64,
) -> DayFigures {
    let count = |c: Counter| counters.and_then(|m| m.get(&c)).copied().unwrap_or(0);
    let mut issued = BTreeMap::new();
    for (counter, value) in counters.into_iter().flatten() {
        // A cancellation's refund gives back what a redemption took: it counts in `redeemed`.
        if let Counter::Credit(kind) = counter
            && *kind != EntryType::Refund
            && *value != 0
        {
            issued.insert(kind_name(*kind), *value);
        }
    }
    let spent = |kind| -(count(Counter::Debit(kind)) + count(Counter::Credit(kind)));
    DayFigures {
        date: day,
        issued,
        redeemed: spent(EntryType::Redeem) - count(Counter::Credit(EntryType::Refund)),
        expired: spent(EntryType::Expire),
        reversed: spent(EntryType::Reverse),
        erased: spent(EntryType::Erase),
        liability,
        new_members: count(Counter::NewMembers),
        active_members: -active_after,
        redemptions: count(Counter::Redemptions),
    }
}

/// The journal for accounting: one row per day and entry type with the points that type
/// moved that day (credits and debits netted), oldest first. The rows of a day add up to
/// that day's change in liability.
pub fn journal(range: DayRange, today: Date, days: &Days) -> Vec<(Date, String, i64)> {
    let mut rows = Vec::new();
    for (day, counters) in days.range(range.from..=range.to.min(today)) {
        let mut by_kind: BTreeMap<String, i64> = BTreeMap::new();
        for (counter, value) in counters {
            if let Counter::Credit(kind) | Counter::Debit(kind) = counter {
                *by_kind.entry(kind_name(*kind)).or_default() += value;
            }
        }
        rows.extend(
            by_kind
                .into_iter()
                .map(|(kind, points)| (*day, kind, points)),
        );
    }
    rows
}

mod day_format {
    use serde::Serializer;
    use time::Date;

    pub fn serialize<S: Serializer>(day: &Date, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format!(
            "{:04}-{:02}-{:02}",
            day.year(),
            u8::from(day.month()),
            day.day()
        ))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use time::macros::{date, datetime};

    use super::*;
    use crate::domain::ledger::Posting;
    use crate::domain::operation::fixtures::{member, points, program};

    const NOW: OffsetDateTime = datetime!(2026-12-02 10:00 UTC);

    fn entry(kind: EntryType, value: i64) -> LedgerEntry {
        LedgerEntry::new(
            kind,
            points(value),
            1,
            points(0),
            Posting::new("r", "a", NOW),
            NOW,
        )
    }

    fn active_at(at: Option<OffsetDateTime>) -> Member {
        let mut m = member(&program());
        m.last_activity_at = at;
        m
    }

    fn days(n: i64) -> Duration {
        Duration::days(n)
    }

    #[test]
    fn every_counter_name_reads_back_and_names_the_ledgers_own_type() {
        let kinds = [
            EntryType::Earn,
            EntryType::Reverse,
            EntryType::Redeem,
            EntryType::Refund,
            EntryType::Adjust,
            EntryType::Expire,
            EntryType::PartnerBonus,
            EntryType::ReferralBonus,
            EntryType::BirthdayBonus,
            EntryType::StampReward,
            EntryType::ActionBonus,
            EntryType::ChallengeReward,
            EntryType::Erase,
            EntryType::Import,
        ];
        let mut names = BTreeSet::new();
        for kind in kinds {
            for counter in [Counter::Credit(kind), Counter::Debit(kind)] {
                assert_eq!(Counter::parse(&counter.name()), Some(counter));
                assert!(names.insert(counter.name()), "{} twice", counter.name());
            }
        }
        assert_eq!(
            Counter::Credit(EntryType::PartnerBonus).name(),
            "credit_partner_bonus"
        );
        for counter in [Counter::Redemptions, Counter::NewMembers, Counter::Active] {
            assert_eq!(Counter::parse(&counter.name()), Some(counter));
        }
        assert_eq!(Counter::parse("credit_nothing"), None);
    }

    #[test]
    fn an_enrolment_counts_a_member_and_nothing_else() {
        let movement = Movement::of(None, Some(&active_at(None)), &[], NOW);
        assert_eq!(movement.members, 1);
        assert_eq!(movement.liability, 0);
        let today = BTreeMap::from([(Counter::NewMembers, 1)]);
        assert_eq!(movement.days, BTreeMap::from([(NOW.date(), today)]));
    }

    #[test]
    fn entries_count_on_the_day_written_credits_and_debits_apart() {
        let before = Some(Before {
            last_activity_at: Some(NOW),
            quiet_announced: false,
        });
        let entries = [
            entry(EntryType::Expire, -30),
            entry(EntryType::Redeem, -100),
            entry(EntryType::Adjust, 20),
            entry(EntryType::Adjust, -5),
        ];
        let movement = Movement::of(before, Some(&active_at(Some(NOW))), &entries, NOW);
        assert_eq!(movement.liability, -115);
        assert_eq!(movement.members, 0);
        let today = &movement.days[&NOW.date()];
        assert_eq!(today[&Counter::Debit(EntryType::Expire)], -30);
        assert_eq!(today[&Counter::Debit(EntryType::Redeem)], -100);
        assert_eq!(today[&Counter::Credit(EntryType::Adjust)], 20);
        assert_eq!(today[&Counter::Debit(EntryType::Adjust)], -5);
        assert_eq!(today[&Counter::Redemptions], 1);
        // Active the same day as before: no active-member difference.
        assert!(!today.contains_key(&Counter::Active));
        assert_eq!(movement.days.len(), 1);
    }

    #[test]
    fn a_stamp_cards_points_are_issued_and_its_free_voucher_is_a_redemption_of_nothing() {
        let before = Some(Before {
            last_activity_at: Some(NOW),
            quiet_announced: false,
        });
        let entries = [
            entry(EntryType::Earn, 10),
            entry(EntryType::StampReward, 150),
            entry(EntryType::Redeem, 0),
        ];
        let movement = Movement::of(before, Some(&active_at(Some(NOW))), &entries, NOW);
        assert_eq!(movement.liability, 160);
        let today = &movement.days[&NOW.date()];
        assert_eq!(today[&Counter::Credit(EntryType::StampReward)], 150);
        assert_eq!(today[&Counter::Redemptions], 1);
        assert!(
            !today.contains_key(&Counter::Credit(EntryType::Redeem)),
            "a zero-point redemption moves no points"
        );
        assert!(!today.contains_key(&Counter::Debit(EntryType::Redeem)));
    }

    #[test]
    fn an_activity_opens_a_spell_or_moves_its_end_on() {
        let quiet = days(INACTIVE_AFTER_DAYS);
        let today = NOW.date();
        let spell = |last: Option<OffsetDateTime>| {
            let before = Some(Before {
                last_activity_at: last,
                quiet_announced: false,
            });
            Movement::of(before, Some(&active_at(Some(NOW))), &[], NOW).days
        };
        let active = |pairs: &[(Date, i64)]| -> BTreeMap<Date, Counters> {
            pairs
                .iter()
                .map(|(d, v)| (*d, BTreeMap::from([(Counter::Active, *v)])))
                .collect()
        };
        assert_eq!(spell(None), active(&[(today, 1), (today + quiet, -1)]));
        let ten_days_ago = NOW - days(10);
        assert_eq!(
            spell(Some(ten_days_ago)),
            active(&[(ten_days_ago.date() + quiet, 1), (today + quiet, -1)])
        );
        // Quiet for the whole window: a new spell.
        assert_eq!(
            spell(Some(NOW - quiet)),
            active(&[(today, 1), (today + quiet, -1)])
        );
        assert_eq!(spell(Some(NOW)), BTreeMap::new());
    }

    /// Members active on some days over a year, the figures summed as the store sums them,
    /// against a count of the members whose last activity lies within the window.
    #[test]
    fn active_members_and_liability_of_each_day_match_a_count_from_first_principles() {
        let start = datetime!(2026-01-01 09:00 UTC);
        // Member i is active every (i + 7) * 5 days, on days below 300, and earns 10 a time.
        let members = 12_i64;
        let mut figures = Days::new();
        let mut totals = Totals::default();
        let mut activity: Vec<Vec<Date>> = vec![Vec::new(); members as usize];
        for i in 0..members {
            let mut last: Option<OffsetDateTime> = None;
            let mut day = i;
            while day < 300 {
                let at = start + days(day);
                let before = Some(Before {
                    last_activity_at: last,
                    quiet_announced: false,
                });
                let movement = Movement::of(
                    if last.is_none() && day == i {
                        None
                    } else {
                        before
                    },
                    Some(&active_at(Some(at))),
                    &[entry(EntryType::Earn, 10)],
                    at,
                );
                for (d, counters) in movement.days {
                    for (c, v) in counters {
                        *figures.entry(d).or_default().entry(c).or_default() += v;
                    }
                }
                totals.liability += movement.liability;
                totals.members += movement.members;
                activity[i as usize].push(at.date());
                last = Some(at);
                day += (i + 7) * 5;
            }
        }
        let today = (start + days(320)).date();
        let range = DayRange::parse("2026-03-01", "2026-11-17").expect("a valid range");
        let report = Report::new(range, today, &figures, totals);
        assert_eq!(report.days.len(), 262);
        let active_on = |d: Date| {
            activity
                .iter()
                .filter(|member_days| {
                    member_days
                        .iter()
                        .rfind(|a| **a <= d)
                        .is_some_and(|last| d < *last + days(INACTIVE_AFTER_DAYS))
                })
                .count() as i64
        };
        for figures in &report.days {
            let d = figures.date;
            assert_eq!(figures.active_members, active_on(d), "active on {d}");
            let earned: i64 = activity.iter().flatten().filter(|a| **a <= d).count() as i64 * 10;
            assert_eq!(figures.liability, earned, "liability on {d}");
        }
        assert_eq!(report.current.members, members);
        assert_eq!(report.current.liability, totals.liability);
        assert_eq!(report.current.active_members, active_on(today));
        assert!(report.current.active_members > 0);
    }

    #[test]
    fn a_day_shows_issued_by_type_redeemed_net_of_cancellations_and_the_rates() {
        let day = NOW.date();
        let counters = BTreeMap::from([
            (Counter::Credit(EntryType::Earn), 800),
            (Counter::Credit(EntryType::PartnerBonus), 200),
            (Counter::Credit(EntryType::BirthdayBonus), 100),
            (Counter::Debit(EntryType::Redeem), -300),
            (Counter::Credit(EntryType::Refund), 100),
            (Counter::Debit(EntryType::Expire), -50),
            (Counter::Debit(EntryType::Reverse), -40),
            (Counter::Redemptions, 3),
            (Counter::NewMembers, 2),
        ]);
        let figures_by_day = Days::from([(day, counters)]);
        let totals = Totals {
            liability: 810,
            members: 2,
        };
        let range = DayRange::parse("2026-12-01", "2026-12-31").expect("a valid range");
        let report = Report::new(range, day, &figures_by_day, totals);
        assert_eq!(report.days.len(), 2, "days after today are not listed");
        let [before, today] = [&report.days[0], &report.days[1]];
        assert_eq!(before.liability, 0);
        assert_eq!(today.liability, 810);
        let issued = BTreeMap::from([
            ("birthday_bonus".to_string(), 100),
            ("earn".to_string(), 800),
            ("partner_bonus".to_string(), 200),
        ]);
        assert_eq!(today.issued, issued);
        assert_eq!(
            (today.redeemed, today.expired, today.reversed),
            (200, 50, 40)
        );
        assert_eq!((today.redemptions, today.new_members), (3, 2));
        assert!((report.redemption_rate - 200.0 / 1100.0).abs() < 1e-9);
        assert!((report.breakage_rate - 50.0 / 1100.0).abs() < 1e-9);

        let journal = journal(range, day, &figures_by_day);
        let net: i64 = journal.iter().map(|(_, _, p)| p).sum();
        assert_eq!(net, 810, "the journal adds up to the day's movement");
        assert!(journal.contains(&(day, "birthday_bonus".to_string(), 100)));
        assert!(journal.contains(&(day, "redeem".to_string(), -300)));
        assert!(journal.contains(&(day, "refund".to_string(), 100)));
    }

    #[test]
    fn the_current_figures_do_not_depend_on_the_range() {
        let today = NOW.date();
        let days = Days::from([
            (
                today,
                BTreeMap::from([(Counter::Active, 1), (Counter::Credit(EntryType::Earn), 5)]),
            ),
            (today + days(60), BTreeMap::from([(Counter::Active, -1)])),
        ]);
        let totals = Totals {
            liability: 5,
            members: 1,
        };
        let past = DayRange::parse("2026-11-01", "2026-11-30").expect("a valid range");
        let ahead = DayRange::parse("2027-01-01", "2027-01-31").expect("a valid range");
        let current = |range: DayRange| Report::new(range, today, &days, totals).current;
        assert_eq!(current(past), current(ahead));
        assert_eq!(current(ahead).active_members, 1);
        assert!(Report::new(ahead, today, &days, totals).days.is_empty());
        assert_eq!(ahead.first_day_read(today), today);
        assert_eq!(past.first_day_read(today), past.from());
    }

    #[test]
    fn nothing_issued_gives_rates_of_zero() {
        let range = DayRange::parse("2026-12-01", "2026-12-02").expect("a valid range");
        let report = Report::new(range, NOW.date(), &Days::new(), Totals::default());
        assert_eq!((report.redemption_rate, report.breakage_rate), (0.0, 0.0));
        assert_eq!(report.days.len(), 2);
    }

    #[test]
    fn a_range_is_two_dates_in_order_at_most_366_days_long() {
        assert!(DayRange::parse("2026-01-01", "2026-12-31").is_ok());
        assert!(
            DayRange::parse("2024-01-01", "2024-12-31").is_ok(),
            "366 days"
        );
        assert_eq!(
            DayRange::parse("2024-01-01", "2025-01-01"),
            Err(RangeError::TooLong)
        );
        assert_eq!(
            DayRange::parse("2026-02-02", "2026-02-01"),
            Err(RangeError::Reversed)
        );
        assert_eq!(
            DayRange::parse("2026-02-30", "2026-03-01"),
            Err(RangeError::NotADate("from"))
        );
        assert_eq!(
            DayRange::parse("2026-02-01", "tomorrow"),
            Err(RangeError::NotADate("to"))
        );
        assert_eq!(
            DayRange::parse("2026-2-1", "2026-03-01"),
            Err(RangeError::NotADate("from"))
        );
        let same = DayRange::parse("2026-02-01", "2026-02-01").expect("one day");
        assert_eq!(
            (same.from(), same.to()),
            (date!(2026 - 02 - 01), date!(2026 - 02 - 01))
        );
    }
}
