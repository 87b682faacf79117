//! Tiers and expiry over time: upgrades as soon as qualifying points allow, downgrades
//! only at the review date after its grace period (one step or recomputed), floors set by
//! operators, lots expiring oldest first with a warning beforehand, and the date the daily
//! run must next look at the member.

use time::OffsetDateTime;

use super::engagement::Signal;
use super::ledger::LedgerEntry;
use super::lots::ExpiryMonth;
use super::member::{BalanceError, Member, TierFloor};
use super::membership::Membership;
use super::points::Points;
use super::program::Program;
use super::tier_policy::Downgrade;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierChange {
    pub from: String,
    pub to: String,
    pub upgrade: bool,
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiryWarning {
    pub lot: ExpiryMonth,
    pub points: Points,
    pub expires_at: OffsetDateTime,
}

/// What one daily look at a member did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DailyOutcome {
    /// The `expire` entries of lots whose month has ended.
    pub expired: Vec<LedgerEntry>,
    pub warnings: Vec<ExpiryWarning>,
    pub tier_change: Option<TierChange>,
    /// The `birthday_bonus` entry, on or after the member's birthday.
    pub birthday_bonus: Option<LedgerEntry>,
    /// A quiet spell that began, a review that would lower the tier.
    pub signals: Vec<Signal>,
    /// A membership whose `until` has come, to announce (once: it is gone after the run).
    pub membership_ended: Option<Membership>,
}

impl Member {
    /// The tier the qualifying points over the rolling window reach. Returns (name, rank).
    fn earned_tier(&self, program: &Program, now: OffsetDateTime) -> (String, usize) {
        let window = program.qualifying_window_days();
        let earned = program
            .tier_for(self.qualifying_points(now, window))
            .name()
            .to_string();
        let rank = program.tier_rank(&earned).unwrap_or(0);
        (earned, rank)
    }

    /// The tier the member is entitled to now: what its qualifying points reach, or its
    /// floor while the floor lasts, whichever is higher. Returns (name, rank).
    fn entitled_tier(&self, program: &Program, now: OffsetDateTime) -> (String, usize) {
        let (earned, earned_rank) = self.earned_tier(program, now);
        let floor = self.floor.as_ref().filter(|f| f.until > now).and_then(|f| {
            program
                .tier_rank(&f.tier)
                .map(|rank| (f.tier.clone(), rank))
        });
        match floor {
            Some((name, rank)) if rank > earned_rank => (name, rank),
            _ => (earned, earned_rank),
        }
    }

    fn current_rank(&self, program: &Program) -> usize {
        program.tier_rank(&self.tier.name).unwrap_or(0)
    }

    fn move_to(
        &mut self,
        name: String,
        rank: usize,
        program: &Program,
        now: OffsetDateTime,
    ) -> TierChange {
        let change = TierChange {
            from: self.tier.name.clone(),
            to: name.clone(),
            upgrade: rank > self.current_rank(program),
            at: now,
        };
        self.tier.name = name;
        self.tier.since = now;
        self.tier.review_at = (rank > 0).then(|| now + program.tier_policy().review_after());
        change
    }

    /// Upgrades at once when the member is entitled to a higher tier (after an earn, or a
    /// floor); never downgrades. Used by the stream, within seconds of the change.
    pub fn apply_upgrade(&mut self, program: &Program, now: OffsetDateTime) -> Option<TierChange> {
        let (name, rank) = self.entitled_tier(program, now);
        if rank <= self.current_rank(program) {
            return None;
        }
        let change = self.move_to(name, rank, program, now);
        self.reschedule(program, now);
        Some(change)
    }

    /// Sets (or replaces) an operator's tier floor; upgrades at once if it is higher.
    pub fn set_floor(
        &mut self,
        floor: TierFloor,
        program: &Program,
        now: OffsetDateTime,
    ) -> Option<TierChange> {
        self.floor = Some(floor);
        let change = self.apply_upgrade(program, now);
        self.reschedule(program, now);
        change
    }

    /// The daily look: expires lots whose month has ended (oldest first), pays a birthday
    /// that has come, warns of lots about to expire, and at the review date (after its
    /// grace) keeps, lowers or raises the tier; then sets the next date to look.
    pub fn run_daily(
        &mut self,
        program: &Program,
        now: OffsetDateTime,
    ) -> Result<DailyOutcome, BalanceError> {
        let mut outcome = DailyOutcome {
            expired: self.catch_up(program, now)?,
            birthday_bonus: self.pay_birthday(program, now)?,
            ..Default::default()
        };
        let warning = program.tier_policy().expiry_warning();
        let upcoming: Vec<(ExpiryMonth, Points)> = self
            .lots
            .positive()
            .filter(|(month, _)| {
                month.expires_at() - warning <= now && !self.warned_lots.contains(month)
            })
            .collect();
        for (lot, points) in upcoming {
            self.warned_lots.insert(lot);
            outcome.warnings.push(ExpiryWarning {
                lot,
                points,
                expires_at: lot.expires_at(),
            });
        }
        let held: Vec<ExpiryMonth> = self.lots.positive().map(|(m, _)| m).collect();
        self.warned_lots.retain(|m| held.contains(m));

        outcome.tier_change = self
            .apply_upgrade(program, now)
            .or_else(|| self.review(program, now));
        if self.floor.as_ref().is_some_and(|f| f.until <= now) {
            self.floor = None;
        }
        if self.membership.as_ref().is_some_and(|m| !m.is_running(now)) {
            outcome.membership_ended = self.membership.take();
        }
        outcome.signals = self.engagement_signals(program, now);
        self.reschedule(program, now);
        Ok(outcome)
    }

    /// At the review date plus grace: down to what the member is entitled to (one step,
    /// or recomputed), or a new review date when it kept its tier.
    fn review(&mut self, program: &Program, now: OffsetDateTime) -> Option<TierChange> {
        let policy = program.tier_policy();
        let review_at = self.tier.review_at?;
        if now < review_at + policy.grace() {
            return None;
        }
        let current = self.current_rank(program);
        let (entitled, entitled_rank) = self.entitled_tier(program, now);
        if entitled_rank >= current {
            let (_, earned_rank) = self.earned_tier(program, now);
            let floor_until = self.floor.as_ref().map(|f| f.until);
            self.tier.review_at = match floor_until {
                // Only the floor keeps this tier: the review falls due when the floor ends.
                Some(until) if earned_rank < current => Some(until - policy.grace()),
                _ => Some(now + policy.review_after()),
            };
            return None;
        }
        let (name, rank) = match policy.downgrade() {
            Downgrade::Recompute => (entitled, entitled_rank),
            Downgrade::OneStep => {
                let rank = current.saturating_sub(1).max(entitled_rank);
                let name = program
                    .tiers()
                    .nth(rank)
                    .map(|t| t.name().to_string())
                    .unwrap_or(entitled);
                (name, rank)
            }
        };
        Some(self.move_to(name, rank, program, now))
    }

    /// The next instant the daily run must look at this member: the first lot's expiry, the
    /// first unannounced lot's warning (pending points' lots included), the review date after
    /// grace, a floor's end, the next birthday to pay (whether or not the programme has a
    /// bonus today, so one added later reaches every member without a scan), the start of a
    /// quiet spell and the day a review's risk is checked; never
    /// before `now` (a member filed under a day whose run is over would wait for nothing).
    pub fn reschedule(&mut self, program: &Program, now: OffsetDateTime) {
        let policy = program.tier_policy();
        let mut next: Option<OffsetDateTime> = None;
        let mut consider = |at: OffsetDateTime| next = Some(next.map_or(at, |n| n.min(at)));
        if let Some((lot, _)) = self.lots.positive().next() {
            consider(lot.expires_at());
        }
        if let Some((lot, _)) = self
            .lots
            .positive()
            .find(|(m, _)| !self.warned_lots.contains(m))
        {
            consider(lot.expires_at() - policy.expiry_warning());
        }
        // Pending points join the lots above when they become spendable (by the next read or
        // write, or this run), in time for their lot's warning and expiry.
        if let Some(at) = self.pending.next_due(policy.expiry_warning()) {
            consider(at);
        }
        if let Some(review_at) = self.tier.review_at {
            consider(review_at + policy.grace());
        }
        if let Some(floor) = &self.floor {
            consider(floor.until);
        }
        // The membership stops counting at `until` by itself; the run announces its end.
        if let Some(membership) = &self.membership {
            consider(membership.until);
        }
        if let Some(birthday) = self.birthday_due {
            consider(birthday.midnight().assume_utc());
        }
        for at in self.engagement_due(program).into_iter().flatten() {
            consider(at);
        }
        self.due_at = next.map(|at| at.max(now));
    }
}
