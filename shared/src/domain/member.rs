//! A member's account: balance, lots, tier and the counters the earn rules need.
//! Every method that changes the balance returns the ledger entry that explains the change,
//! numbered by `version`; the store writes both in one transaction on the condition that
//! nobody else changed the member in between.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use time::{Date, OffsetDateTime};

use super::action_rule::ActionCounts;
use super::birthday::Birthday;
use super::challenge::ChallengeProgresses;
use super::identifier::{Badge, CardId, MemberId, OfferId, PartnerId};
use super::ledger::{EntryType, LedgerEntry, Posting};
use super::lots::{ExpiryMonth, Lots};
use super::membership::{Membership, MembershipPlan};
use super::partner::Partner;
use super::pending::Pending;
use super::points::Points;
use super::program::Program;
use super::qualifying::Qualifying;
use super::referral::Referral;
use super::referral_code::ReferralCode;
use super::stamps::CardProgress;
use super::targeted_offer::OfferProgress;
use super::tier::Tier;

/// Who the ledger names as the cause of an `expire` entry.
const EXPIRY_ACTOR: &str = "system:expiry";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BalanceError {
    #[error("the member holds {available} points, fewer than the {requested} requested")]
    InsufficientPoints {
        available: Points,
        requested: Points,
    },
    #[error("the balance would exceed the largest number of points an account may hold")]
    Overflow,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierStatus {
    pub name: String,
    pub since: OffsetDateTime,
    /// When the tier is next reviewed (downgrades wait for it, and its grace period); `None`
    /// in the entry tier, which has nothing to lose.
    pub review_at: Option<OffsetDateTime>,
}

/// An operator's guarantee that a member stays at least in `tier` until `until`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TierFloor {
    pub tier: String,
    #[serde(with = "crate::domain::rfc3339")]
    pub until: OffsetDateTime,
    pub reason: String,
    pub set_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub(crate) id: MemberId,
    pub(crate) display_name: Option<String>,
    /// The member's own code, to refer others with (none for members enrolled before
    /// referrals existed).
    pub(crate) referral_code: Option<ReferralCode>,
    /// Who referred the member, and the purchase that qualified for the bonus.
    pub(crate) referral: Option<Referral>,
    pub(crate) enrolled_at: OffsetDateTime,
    /// Spendable points: the sum of `lots`.
    pub(crate) balance: Points,
    /// Points earned but not spendable yet (the programme's return window).
    pub(crate) pending: Pending,
    pub(crate) lifetime_points: Points,
    pub(crate) version: u64,
    /// Bumped by every write of the member (the store checks it); `version` counts only
    /// ledger entries.
    pub(crate) revision: u64,
    pub(crate) tier: TierStatus,
    pub(crate) floor: Option<TierFloor>,
    /// Lots whose coming expiry was already announced (`PointsExpiring`).
    pub(crate) warned_lots: BTreeSet<ExpiryMonth>,
    /// When the daily run must next look at this member (expiry, warning, review, floor end).
    pub(crate) due_at: Option<OffsetDateTime>,
    pub(crate) lots: Lots,
    /// Qualifying points by when they were earned (in coarse buckets), pruned to the window.
    pub(crate) qualifying: Qualifying,
    /// Points earned on `earned_on`, for the per-member daily cap.
    pub(crate) earned_on: Date,
    pub(crate) earned_that_day: Points,
    /// Bonus points had from each partner offer still running, for per-member caps; an
    /// entry goes when its offer ends, so the map holds only live offers.
    pub(crate) partner_offer_use: BTreeMap<OfferKey, OfferUse>,
    /// Points partners credited on `partner_points_on` (UTC), for the programme's limit.
    pub(crate) partner_points_on: Date,
    pub(crate) partner_points_that_day: Points,
    /// The last earn or redemption (partner purchases included), for active members.
    pub(crate) last_activity_at: Option<OffsetDateTime>,
    /// When the engine began to see the member's activity, when later than its enrolment (an
    /// imported member: the import), so a migration does not announce everyone as quiet.
    pub(crate) activity_seen_since: Option<OffsetDateTime>,
    /// Whether the member agreed to marketing; every event carries it.
    pub(crate) marketing_consent: bool,
    /// Whether the current quiet spell was announced (`MemberInactive`); the next earn or
    /// redemption ends the spell.
    pub(crate) quiet_announced: bool,
    /// The review date whose risk the daily run has checked (`TierAtRisk`, once per review).
    pub(crate) at_risk_checked: Option<OffsetDateTime>,
    pub(crate) birthday: Option<Birthday>,
    /// The next birthday the daily run must pay (or pass over, without a bonus).
    pub(crate) birthday_due: Option<Date>,
    /// The last calendar year a birthday bonus was paid: never twice in one.
    pub(crate) birthday_paid_year: Option<i32>,
    /// Progress on each stamp card of the programme (at most its cards).
    pub(crate) stamp_cards: BTreeMap<CardId, CardProgress>,
    /// What the member did with each targeted offer still running (activated, uses); an
    /// entry goes when its offer ends, so the map holds at most the programme's offers.
    pub(crate) offers: BTreeMap<OfferId, OfferProgress>,
    /// How often the member was credited for each action, against the rules' limits.
    pub(crate) actions: ActionCounts,
    /// Progress on each running challenge; an entry goes when its challenge ends.
    pub(crate) challenges: ChallengeProgresses,
    /// Badges completed challenges gave, oldest first (at most `MAX_BADGES`).
    pub(crate) badges: Vec<Badge>,
    /// A paid membership: running until its `until`, and kept past it until the daily run
    /// has announced its end.
    pub(crate) membership: Option<Membership>,
}

/// A partner's offer, as the member's record names it: `#` separates partner and offer,
/// and neither id can contain it, so no two offers share a key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OfferKey(String);

impl OfferKey {
    pub fn new(partner: &PartnerId, offer: &OfferId) -> Self {
        Self(format!("{partner}#{offer}"))
    }
}

/// What a member has had from one partner offer, and until when the offer runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferUse {
    pub points: Points,
    #[serde(with = "crate::domain::rfc3339")]
    pub until: OffsetDateTime,
}

/// Where a purchase's points went, kept with the purchase so a reversal takes them back
/// from the same places.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    pub lot: ExpiryMonth,
    pub qualifying_day: Date,
    /// When the points became spendable, if they were pending at first.
    pub available_at: Option<OffsetDateTime>,
}

impl Member {
    pub fn enrol(
        id: MemberId,
        display_name: Option<String>,
        referrer: Option<MemberId>,
        now: OffsetDateTime,
        entry_tier: &Tier,
    ) -> Self {
        Self {
            id,
            display_name,
            referral_code: Some(ReferralCode::generate(&mut rand::rng())),
            referral: referrer.map(|referrer| Referral {
                referrer,
                qualified: None,
            }),
            enrolled_at: now,
            balance: Points::ZERO,
            pending: Pending::default(),
            lifetime_points: Points::ZERO,
            version: 0,
            revision: 0,
            tier: TierStatus {
                name: entry_tier.name().to_string(),
                since: now,
                review_at: None,
            },
            floor: None,
            warned_lots: BTreeSet::new(),
            due_at: None,
            lots: Lots::default(),
            qualifying: Qualifying::default(),
            earned_on: now.date(),
            earned_that_day: Points::ZERO,
            partner_offer_use: BTreeMap::new(),
            partner_points_on: now.date(),
            partner_points_that_day: Points::ZERO,
            last_activity_at: None,
            activity_seen_since: None,
            marketing_consent: false,
            quiet_announced: false,
            at_risk_checked: None,
            birthday: None,
            birthday_due: None,
            birthday_paid_year: None,
            stamp_cards: BTreeMap::new(),
            offers: BTreeMap::new(),
            actions: ActionCounts::new(),
            challenges: ChallengeProgresses::new(),
            badges: Vec::new(),
            membership: None,
        }
    }

    pub fn id(&self) -> &MemberId {
        &self.id
    }
    pub fn display_name(&self) -> Option<&str> {
        self.display_name.as_deref()
    }
    pub fn set_display_name(&mut self, name: String) {
        self.display_name = Some(name);
    }
    pub fn birthday(&self) -> Option<Birthday> {
        self.birthday
    }
    pub fn birthday_due(&self) -> Option<Date> {
        self.birthday_due
    }
    pub fn referral_code(&self) -> Option<&ReferralCode> {
        self.referral_code.as_ref()
    }
    /// A new code, when the one drawn at enrolment is already another member's.
    pub fn draw_referral_code(&mut self) {
        self.referral_code = Some(ReferralCode::generate(&mut rand::rng()));
    }
    pub fn referral(&self) -> Option<&Referral> {
        self.referral.as_ref()
    }
    pub fn enrolled_at(&self) -> OffsetDateTime {
        self.enrolled_at
    }
    /// Spendable points.
    pub fn balance(&self) -> Points {
        self.balance
    }
    pub fn pending(&self) -> &Pending {
        &self.pending
    }
    /// Every point the member holds: spendable and pending. What the ledger adds up to and
    /// the programme owes.
    pub fn held(&self) -> Option<Points> {
        self.balance.checked_add(self.pending.total()?)
    }
    pub fn lifetime_points(&self) -> Points {
        self.lifetime_points
    }
    /// The sequence number of the member's latest ledger entry (0 before the first).
    pub fn version(&self) -> u64 {
        self.version
    }
    pub fn revision(&self) -> u64 {
        self.revision
    }
    pub fn last_activity_at(&self) -> Option<OffsetDateTime> {
        self.last_activity_at
    }
    pub fn floor(&self) -> Option<&TierFloor> {
        self.floor.as_ref()
    }
    pub fn due_at(&self) -> Option<OffsetDateTime> {
        self.due_at
    }
    pub fn tier(&self) -> &TierStatus {
        &self.tier
    }
    pub fn lots(&self) -> &Lots {
        &self.lots
    }

    /// The member's tier in `program` at `now`: its own, or its membership plan's while the
    /// membership runs, whichever is higher; the entry tier when the programme no longer
    /// has either.
    pub fn current_tier<'p>(&self, program: &'p Program, now: OffsetDateTime) -> &'p Tier {
        let own = program
            .tier_named(&self.tier.name)
            .unwrap_or_else(|| program.lowest_tier());
        let plan = self
            .running_plan(program, now)
            .and_then(|plan| program.tier_named(plan.tier()));
        match plan {
            Some(plan) if plan.qualifying_points() > own.qualifying_points() => plan,
            _ => own,
        }
    }

    /// The membership, running or not yet announced as ended.
    pub fn membership(&self) -> Option<&Membership> {
        self.membership.as_ref()
    }

    /// The plan of the membership running at `now`, if the programme still has it.
    pub fn running_plan<'p>(
        &self,
        program: &'p Program,
        now: OffsetDateTime,
    ) -> Option<&'p MembershipPlan> {
        self.membership
            .as_ref()
            .filter(|membership| membership.is_running(now))
            .and_then(|membership| program.membership_plan(&membership.plan_id))
    }

    pub fn badges(&self) -> &[Badge] {
        &self.badges
    }

    pub fn challenge_progress(&self) -> &ChallengeProgresses {
        &self.challenges
    }

    /// Points already earned today (UTC), which the daily cap counts against.
    pub fn earned_today(&self, now: OffsetDateTime) -> Points {
        if self.earned_on == now.date() {
            self.earned_that_day
        } else {
            Points::ZERO
        }
    }

    /// Qualifying points earned within the last `window_days` days, today included.
    pub fn qualifying_points(&self, now: OffsetDateTime, window_days: u16) -> Points {
        self.qualifying.total(now, window_days)
    }

    /// Moves the ledger on by one entry for a change the caller has just made to the
    /// balance: the one place an entry gets its sequence number and balance after.
    pub(crate) fn post(
        &mut self,
        kind: EntryType,
        points: Points,
        posting: Posting,
        now: OffsetDateTime,
    ) -> LedgerEntry {
        self.version += 1;
        if matches!(
            kind,
            EntryType::Earn | EntryType::PartnerBonus | EntryType::Redeem
        ) {
            self.mark_active(now);
        }
        let held = self.held().unwrap_or(self.balance);
        LedgerEntry::new(kind, points, self.version, held, posting, now)
    }

    /// Brings the member up to date at `now`, before any other change: pending points whose
    /// window has ended become spendable (no entry: they were credited when earned), then
    /// lots whose month has ended expire (oldest first, one `expire` entry each), whether or
    /// not the daily run has been. Every operation starts here, so expired points are never
    /// spent and pending points are spendable on time.
    pub fn catch_up(
        &mut self,
        program: &Program,
        now: OffsetDateTime,
    ) -> Result<Vec<LedgerEntry>, BalanceError> {
        let released = self.pending.mature(now);
        self.credit_lots(&released)?;
        let due: Vec<(ExpiryMonth, Points)> = self
            .lots
            .positive()
            .filter(|(month, _)| month.expires_at() <= now)
            .collect();
        let mut entries = Vec::new();
        for (lot, held) in due {
            // A negative lot (points taken back after they were spent) is a debt the
            // expiring points pay first: only what the member really holds expires.
            let settled = self.lots.settle_debt(held).ok_or(BalanceError::Overflow)?;
            self.lots
                .add(lot, held.negated())
                .ok_or(BalanceError::Overflow)?;
            let points = held.checked_sub(settled).ok_or(BalanceError::Overflow)?;
            if !points.is_positive() {
                continue;
            }
            self.balance = self
                .balance
                .checked_sub(points)
                .ok_or(BalanceError::Overflow)?;
            let posting = Posting::new(format!("lot:{lot}"), EXPIRY_ACTOR, now)
                .occurred_at(lot.expires_at())
                .reason("points expired");
            entries.push(self.post(EntryType::Expire, points.negated(), posting, now));
        }
        // Offers that have ended cap nothing any more.
        self.partner_offer_use.retain(|_, used| used.until > now);
        self.offers.retain(|_, progress| progress.until > now);
        self.challenges.retain(|_, progress| progress.until > now);
        if !entries.is_empty() || !released.is_empty() {
            self.reschedule(program, now);
        }
        Ok(entries)
    }

    /// The member as a read at `now` must show it: what is due applied (expired lots gone),
    /// whether or not a write or the daily run has recorded it yet.
    pub fn as_of(&self, program: &Program, now: OffsetDateTime) -> Member {
        let mut current = self.clone();
        match current.catch_up(program, now) {
            Ok(_) => current,
            // Only an overflow can fail; show the member as stored rather than nothing.
            Err(_) => self.clone(),
        }
    }

    /// Credits points earned by a purchase made at `posting.occurred_at`: pending until its
    /// return window ends, and qualifying for tiers at once either way.
    pub fn credit_purchase(
        &mut self,
        points: Points,
        mut posting: Posting,
        now: OffsetDateTime,
        program: &Program,
    ) -> Result<(Placement, LedgerEntry), BalanceError> {
        let occurred_at = posting.occurred_at;
        let lot = ExpiryMonth::for_points_earned(occurred_at, program.points_expiry_months());
        let placement = self.receive(points, lot, occurred_at, occurred_at.date(), now, program)?;
        posting.available_at = placement.available_at;
        self.lifetime_points = self
            .lifetime_points
            .checked_add(points)
            .ok_or(BalanceError::Overflow)?;
        let earned_today = self
            .earned_today(now)
            .checked_add(points)
            .ok_or(BalanceError::Overflow)?;
        self.earned_on = now.date();
        self.earned_that_day = earned_today;
        let window = program.qualifying_window_days();
        if Qualifying::counts(placement.qualifying_day, now, window) {
            self.qualifying
                .add(placement.qualifying_day, points, window)
                .ok_or(BalanceError::Overflow)?;
        }
        self.prune_qualifying(now, program.qualifying_window_days());
        self.reschedule(program, now);
        Ok((placement, self.post(EntryType::Earn, points, posting, now)))
    }

    /// Points a purchase made at `occurred_at` earned, into `lot`: spendable at once, or
    /// pending until the programme's return window ends ([`Member::catch_up`] releases them).
    fn receive(
        &mut self,
        points: Points,
        lot: ExpiryMonth,
        occurred_at: OffsetDateTime,
        qualifying_day: Date,
        now: OffsetDateTime,
        program: &Program,
    ) -> Result<Placement, BalanceError> {
        let available_at = program.pending_days().available_at(occurred_at);
        self.place(points, lot, available_at, qualifying_day, now)
    }

    /// Points that become spendable at `available_at` into `lot`: pending until then, or
    /// spendable now if that time has come.
    fn place(
        &mut self,
        points: Points,
        lot: ExpiryMonth,
        available_at: OffsetDateTime,
        qualifying_day: Date,
        now: OffsetDateTime,
    ) -> Result<Placement, BalanceError> {
        self.held()
            .and_then(|held| held.checked_add(points))
            .ok_or(BalanceError::Overflow)?;
        let pending = available_at > now;
        if pending {
            self.pending
                .add(available_at, lot, points)
                .ok_or(BalanceError::Overflow)?;
        } else {
            self.credit_lots(&[(lot, points)])?;
        }
        Ok(Placement {
            lot,
            qualifying_day,
            available_at: pending.then_some(available_at),
        })
    }

    /// Takes back points of a purchase (a refund). The balance may go below zero when the
    /// points were already spent: that is the one way it can. The entry says how many were
    /// taken: none when the purchase's lot has expired.
    pub fn take_back_purchase(
        &mut self,
        points: Points,
        placement: Placement,
        posting: Posting,
        now: OffsetDateTime,
        program: &Program,
    ) -> Result<LedgerEntry, BalanceError> {
        // Points still pending are taken from there, never more than are pending, so they
        // leave no debt; the rest were spendable and are taken back as such.
        let from_pending = match placement.available_at {
            Some(available_at) => self
                .pending
                .take_back(available_at, placement.lot, points)
                .ok_or(BalanceError::Overflow)?,
            None => Points::ZERO,
        };
        let spendable = points
            .checked_sub(from_pending)
            .ok_or(BalanceError::Overflow)?;
        // Points whose lot has expired already left the balance by expiry: a refund after
        // that takes nothing more (the member must not lose them twice).
        let spendable = if placement.lot.expires_at() <= now {
            Points::ZERO
        } else {
            spendable
        };
        self.balance = self
            .balance
            .checked_sub(spendable)
            .ok_or(BalanceError::Overflow)?;
        self.lots
            .take_back(placement.lot, spendable)
            .ok_or(BalanceError::Overflow)?;
        let points = from_pending
            .checked_add(spendable)
            .ok_or(BalanceError::Overflow)?;
        self.lifetime_points = self
            .lifetime_points
            .checked_sub(points)
            .ok_or(BalanceError::Overflow)?;
        self.qualifying
            .take_back(
                placement.qualifying_day,
                points,
                program.qualifying_window_days(),
            )
            .ok_or(BalanceError::Overflow)?;
        self.prune_qualifying(now, program.qualifying_window_days());
        self.reschedule(program, now);
        Ok(self.post(EntryType::Reverse, points.negated(), posting, now))
    }

    /// An operator's manual correction. A credit opens a lot like an earn (but does not
    /// qualify for tiers); a debit spends oldest lots first and never overdraws.
    pub fn adjust(
        &mut self,
        points: Points,
        posting: Posting,
        now: OffsetDateTime,
        program: &Program,
    ) -> Result<LedgerEntry, BalanceError> {
        if points.is_negative() {
            let requested = points.negated();
            let available = self.balance.max(Points::ZERO);
            if available < requested {
                return Err(BalanceError::InsufficientPoints {
                    available,
                    requested,
                });
            }
            self.lots
                .spend_oldest_first(requested)
                .ok_or(BalanceError::InsufficientPoints {
                    available,
                    requested,
                })?;
        } else {
            let lot = ExpiryMonth::for_points_earned(now, program.points_expiry_months());
            self.lots
                .credit(lot, points)
                .ok_or(BalanceError::Overflow)?;
        }
        self.balance = self
            .balance
            .checked_add(points)
            .ok_or(BalanceError::Overflow)?;
        self.reschedule(program, now);
        Ok(self.post(EntryType::Adjust, points, posting, now))
    }

    /// A bonus the programme gives (a birthday's): spendable at once, into a lot that expires
    /// like earned points; it does not qualify for tiers, as an operator's credit does not.
    pub(crate) fn credit_bonus(
        &mut self,
        kind: EntryType,
        points: Points,
        posting: Posting,
        now: OffsetDateTime,
        program: &Program,
    ) -> Result<LedgerEntry, BalanceError> {
        let lot = ExpiryMonth::for_points_earned(now, program.points_expiry_months());
        self.credit_lots(&[(lot, points)])?;
        self.reschedule(program, now);
        Ok(self.post(kind, points, posting, now))
    }

    /// A referral bonus: in the lot of the purchase that qualified for it, and pending exactly
    /// as long as that purchase's points (`available_at`; spendable at once when they were,
    /// or are by now). Like any bonus it does not qualify for tiers. Says until when it is
    /// pending.
    pub(crate) fn credit_referral_bonus(
        &mut self,
        points: Points,
        lot: ExpiryMonth,
        available_at: Option<OffsetDateTime>,
        mut posting: Posting,
        now: OffsetDateTime,
        program: &Program,
    ) -> Result<(Option<OffsetDateTime>, LedgerEntry), BalanceError> {
        let until = available_at.unwrap_or(now);
        let placement = self.place(points, lot, until, now.date(), now)?;
        posting.available_at = placement.available_at;
        self.reschedule(program, now);
        Ok((
            placement.available_at,
            self.post(EntryType::ReferralBonus, points, posting, now),
        ))
    }

    /// Takes back a referral bonus whose purchase was reversed, from the points still pending
    /// (never a debt: a bonus that has become spendable stays). `None` when none is pending.
    pub(crate) fn withdraw_referral_bonus(
        &mut self,
        points: Points,
        lot: ExpiryMonth,
        available_at: Option<OffsetDateTime>,
        posting: Posting,
        now: OffsetDateTime,
        program: &Program,
    ) -> Result<Option<LedgerEntry>, BalanceError> {
        let Some(available_at) = available_at.filter(|at| *at > now) else {
            return Ok(None);
        };
        let taken = self
            .pending
            .take_back(available_at, lot, points)
            .ok_or(BalanceError::Overflow)?;
        if taken == Points::ZERO {
            return Ok(None);
        }
        self.reschedule(program, now);
        Ok(Some(self.post(
            EntryType::ReferralBonus,
            taken.negated(),
            posting,
            now,
        )))
    }

    /// Spends `cost` on a reward, oldest-expiring points first; says which lots paid.
    pub fn redeem(
        &mut self,
        cost: Points,
        posting: Posting,
        now: OffsetDateTime,
        program: &Program,
    ) -> Result<(Vec<(ExpiryMonth, Points)>, LedgerEntry), BalanceError> {
        let available = self.balance.max(Points::ZERO);
        let refused = BalanceError::InsufficientPoints {
            available,
            requested: cost,
        };
        if available < cost {
            return Err(refused);
        }
        let taken = self.lots.spend_oldest_first(cost).ok_or(refused)?;
        self.balance = self
            .balance
            .checked_sub(cost)
            .ok_or(BalanceError::Overflow)?;
        self.reschedule(program, now);
        Ok((
            taken,
            self.post(EntryType::Redeem, cost.negated(), posting, now),
        ))
    }

    /// Gives back the points of a cancelled redemption, to the lots that paid for it.
    /// Points from lots that have expired meanwhile are not given back: they would have
    /// expired had they not been spent.
    pub fn refund(
        &mut self,
        taken: &[(ExpiryMonth, Points)],
        posting: Posting,
        now: OffsetDateTime,
        program: &Program,
    ) -> Result<LedgerEntry, BalanceError> {
        let live: Vec<(ExpiryMonth, Points)> = taken
            .iter()
            .filter(|(month, _)| month.expires_at() > now)
            .copied()
            .collect();
        let points = self.credit_lots(&live)?;
        self.reschedule(program, now);
        Ok(self.post(EntryType::Refund, points, posting, now))
    }

    /// Makes points spendable in the lots given, and says how many: like any new points,
    /// they pay a debt left by a reversal first.
    pub(crate) fn credit_lots(
        &mut self,
        lots: &[(ExpiryMonth, Points)],
    ) -> Result<Points, BalanceError> {
        let mut total = Points::ZERO;
        for (month, points) in lots {
            self.lots
                .credit(*month, *points)
                .ok_or(BalanceError::Overflow)?;
            total = total.checked_add(*points).ok_or(BalanceError::Overflow)?;
        }
        self.balance = self
            .balance
            .checked_add(total)
            .ok_or(BalanceError::Overflow)?;
        Ok(total)
    }

    /// Points partners have credited this member today (UTC), against the programme's limit.
    pub fn partner_points_today(&self, now: OffsetDateTime) -> Points {
        if self.partner_points_on == now.date() {
            self.partner_points_that_day
        } else {
            Points::ZERO
        }
    }

    /// Bonus points this member has had from a partner's offer so far.
    pub fn partner_offer_points(&self, partner: &PartnerId, offer: &OfferId) -> Points {
        self.partner_offer_use
            .get(&OfferKey::new(partner, offer))
            .map(|used| used.points)
            .unwrap_or_default()
    }

    /// Credits a partner-funded bonus, offer by offer. The points open a lot like any
    /// earn (pending like any purchase's) but do not count towards tiers: the member did not
    /// buy from the programme.
    pub fn credit_partner_bonus(
        &mut self,
        partner: &Partner,
        by_offer: &[(OfferId, Points)],
        mut posting: Posting,
        now: OffsetDateTime,
        program: &Program,
    ) -> Result<(Placement, LedgerEntry), BalanceError> {
        let total = by_offer
            .iter()
            .try_fold(Points::ZERO, |sum, (_, p)| sum.checked_add(*p))
            .ok_or(BalanceError::Overflow)?;
        let lot = ExpiryMonth::for_points_earned(now, program.points_expiry_months());
        let placement = self.receive(total, lot, posting.occurred_at, now.date(), now, program)?;
        posting.available_at = placement.available_at;
        self.lifetime_points = self
            .lifetime_points
            .checked_add(total)
            .ok_or(BalanceError::Overflow)?;
        self.partner_points_that_day = self
            .partner_points_today(now)
            .checked_add(total)
            .ok_or(BalanceError::Overflow)?;
        self.partner_points_on = now.date();
        for (offer, points) in by_offer {
            let until = partner
                .offers
                .iter()
                .find(|o| &o.offer_id == offer)
                .map_or(now, |o| o.valid_to);
            let used = self
                .partner_offer_use
                .entry(OfferKey::new(&partner.partner_id, offer))
                .or_insert(OfferUse {
                    points: Points::ZERO,
                    until,
                });
            used.points = used
                .points
                .checked_add(*points)
                .ok_or(BalanceError::Overflow)?;
            used.until = until;
        }
        self.reschedule(program, now);
        Ok((
            placement,
            self.post(EntryType::PartnerBonus, total, posting, now),
        ))
    }

    /// Points still held, by the instant they expire, soonest first.
    pub fn expiring_points(&self) -> Vec<(Points, OffsetDateTime)> {
        self.lots
            .positive()
            .map(|(month, points)| (points, month.expires_at()))
            .collect()
    }

    pub(crate) fn prune_qualifying(&mut self, now: OffsetDateTime, window_days: u16) {
        self.qualifying.prune(now, window_days);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::operation::fixtures::pending_program;
    use time::macros::datetime;

    fn program() -> Program {
        Program::from_json(include_bytes!("../../../tests/fixtures/demo-program.json")).unwrap()
    }

    fn member(program: &Program, now: OffsetDateTime) -> Member {
        Member::enrol(
            MemberId::try_from("m-1").unwrap(),
            None,
            None,
            now,
            program.lowest_tier(),
        )
    }

    fn at(when: OffsetDateTime) -> Posting {
        Posting::new("test", "tester", when)
    }

    fn p(v: i64) -> Points {
        Points::new(v).unwrap()
    }

    /// A programme with a 14-day return window, a time, and a new member.
    fn with_window() -> (Program, OffsetDateTime, Member) {
        let program = pending_program(14);
        let now = datetime!(2026-11-23 10:00 UTC);
        let m = member(&program, now);
        (program, now, m)
    }

    #[test]
    fn pending_points_are_held_and_qualify_but_cannot_be_spent_before_their_window_ends() {
        let program = pending_program(14);
        let now = datetime!(2026-11-23 10:00 UTC);
        let available_at = now + time::Duration::days(14);
        let mut m = member(&program, now);
        let (placement, entry) = m.credit_purchase(p(80), at(now), now, &program).unwrap();
        assert_eq!(placement.available_at, Some(available_at));
        assert_eq!(entry.available_at, Some(available_at));
        assert_eq!((entry.points, entry.balance_after), (p(80), p(80)));
        assert_eq!(m.balance(), Points::ZERO);
        assert_eq!(m.pending().total(), Some(p(80)));
        assert_eq!(m.held(), Some(p(80)));
        assert_eq!(m.lifetime_points(), p(80));
        assert_eq!(m.qualifying_points(now, 365), p(80));
        let before = m.clone();
        assert!(matches!(
            m.redeem(p(50), at(now), now, &program),
            Err(BalanceError::InsufficientPoints { available, .. }) if available == Points::ZERO
        ));
        assert!(matches!(
            m.adjust(p(-1), at(now), now, &program),
            Err(BalanceError::InsufficientPoints { .. })
        ));
        assert_eq!(m, before);
        // A moment before the window ends they are still pending; at its end, spendable,
        // with no entry (they were credited when earned).
        let just_before = available_at - time::Duration::milliseconds(1);
        assert_eq!(m.as_of(&program, just_before).balance(), Points::ZERO);
        let mut later = m.clone();
        assert!(later.catch_up(&program, available_at).unwrap().is_empty());
        assert_eq!(later.balance(), p(80));
        assert!(later.pending().is_empty());
        assert_eq!(later.lots().total(), Some(p(80)));
        assert_eq!(later.version(), m.version());
        later
            .redeem(p(50), at(available_at), available_at, &program)
            .unwrap();
        assert_eq!(later.balance(), p(30));
    }

    #[test]
    fn a_purchase_posted_after_its_window_ended_is_spendable_at_once() {
        let (program, now, mut m) = with_window();
        let (placement, entry) = m
            .credit_purchase(p(20), at(now - time::Duration::days(15)), now, &program)
            .unwrap();
        assert_eq!((placement.available_at, entry.available_at), (None, None));
        assert_eq!(m.balance(), p(20));
    }

    #[test]
    fn a_reversal_while_pending_takes_the_pending_points_and_leaves_no_debt() {
        let (program, now, mut m) = with_window();
        m.adjust(p(10), at(now), now, &program).unwrap();
        let (placement, _) = m.credit_purchase(p(100), at(now), now, &program).unwrap();
        let entry = m
            .take_back_purchase(p(30), placement, at(now), now, &program)
            .unwrap();
        assert_eq!((entry.points, entry.balance_after), (p(-30), p(80)));
        assert_eq!(m.balance(), p(10));
        assert_eq!(m.pending().total(), Some(p(70)));
        m.take_back_purchase(p(70), placement, at(now), now, &program)
            .unwrap();
        assert_eq!(m.balance(), p(10));
        assert!(m.pending().is_empty());
        assert_eq!(m.lots().total(), Some(p(10)));
        assert_eq!(m.lifetime_points(), Points::ZERO);
        assert_eq!(m.qualifying_points(now, 365), Points::ZERO);
    }

    #[test]
    fn once_spendable_a_reversal_follows_the_spendable_rules_and_pending_points_pay_debt() {
        let (program, now, mut m) = with_window();
        let (placement, _) = m.credit_purchase(p(100), at(now), now, &program).unwrap();
        m.take_back_purchase(p(40), placement, at(now), now, &program)
            .unwrap();
        let later = now + time::Duration::days(14);
        m.catch_up(&program, later).unwrap();
        m.adjust(p(-60), at(later), later, &program).unwrap(); // all spent
        m.take_back_purchase(p(60), placement, at(later), later, &program)
            .unwrap();
        assert_eq!(m.balance(), p(-60), "spent points taken back are a debt");
        // The next pending points pay that debt when they become spendable.
        m.credit_purchase(p(100), at(later), later, &program)
            .unwrap();
        assert_eq!((m.balance(), m.held()), (p(-60), Some(p(40))));
        m.catch_up(&program, later + time::Duration::days(14))
            .unwrap();
        assert_eq!(m.balance(), p(40));
        assert_eq!(m.lots().total(), Some(p(40)));
    }

    #[test]
    fn credits_keep_balance_lots_and_version_in_step() {
        let program = program();
        let now = datetime!(2026-11-23 10:00 UTC);
        let mut m = member(&program, now);
        m.credit_purchase(p(100), at(now), now, &program).unwrap();
        m.credit_purchase(p(50), at(now - time::Duration::days(40)), now, &program)
            .unwrap();
        assert_eq!(m.balance(), p(150));
        assert_eq!(m.lots().total(), Some(m.balance()));
        assert_eq!(m.version(), 2);
        assert_eq!(m.earned_today(now), p(150));
        assert_eq!(m.earned_today(now + time::Duration::days(1)), Points::ZERO);
        assert_eq!(
            m.expiring_points(),
            vec![
                (p(50), datetime!(2027-11-01 0:00 UTC)),
                (p(100), datetime!(2027-12-01 0:00 UTC))
            ]
        );
    }

    #[test]
    fn qualifying_points_roll_off_after_the_window() {
        // Kept by week for a year's window: they count for the whole window, and at most the
        // rest of their week longer (see domain::qualifying).
        let program = program();
        let day_one = datetime!(2026-01-10 10:00 UTC);
        let mut m = member(&program, day_one);
        m.credit_purchase(p(300), at(day_one), day_one, &program)
            .unwrap();
        assert_eq!(
            m.qualifying_points(day_one + time::Duration::days(364), 365),
            p(300)
        );
        assert_eq!(
            m.qualifying_points(day_one + time::Duration::days(365 + 6), 365),
            Points::ZERO
        );
    }

    #[test]
    fn taking_back_reverses_a_credit_exactly() {
        let program = program();
        let now = datetime!(2026-11-23 10:00 UTC);
        let mut m = member(&program, now);
        let (placement, _) = m.credit_purchase(p(80), at(now), now, &program).unwrap();
        m.take_back_purchase(p(80), placement, at(now), now, &program)
            .unwrap();
        assert_eq!(m.balance(), Points::ZERO);
        assert_eq!(m.lifetime_points(), Points::ZERO);
        assert_eq!(m.qualifying_points(now, 365), Points::ZERO);
        assert_eq!(m.lots().total(), Some(Points::ZERO));
        assert_eq!(m.version(), 2);
    }

    #[test]
    fn redeeming_spends_oldest_lots_and_a_refund_puts_them_back() {
        let program = program();
        let now = datetime!(2026-11-23 10:00 UTC);
        let mut m = member(&program, now);
        m.credit_purchase(p(40), at(now - time::Duration::days(60)), now, &program)
            .unwrap();
        m.credit_purchase(p(100), at(now), now, &program).unwrap();
        let before = m.clone();
        assert!(matches!(
            m.redeem(p(141), at(now), now, &program),
            Err(BalanceError::InsufficientPoints { .. })
        ));
        assert_eq!(m, before);
        let (taken, _) = m.redeem(p(70), at(now), now, &program).unwrap();
        let first: ExpiryMonth = "2027-09".parse().unwrap();
        let second: ExpiryMonth = "2027-11".parse().unwrap();
        assert_eq!(taken, vec![(first, p(40)), (second, p(30))]);
        assert_eq!(m.balance(), p(70));
        assert_eq!(
            m.refund(&taken, at(now), now, &program).unwrap().points,
            p(70)
        );
        assert_eq!(m.lots(), before.lots());
        assert_eq!(m.balance(), before.balance());
        assert_eq!(m.version(), before.version() + 2);
    }

    #[test]
    fn expiry_takes_only_what_is_held_when_a_reversal_left_a_debt() {
        let program = program();
        let earned_at = datetime!(2026-01-10 10:00 UTC);
        let mut m = member(&program, earned_at);
        let (first, _) = m
            .credit_purchase(p(50), at(earned_at), earned_at, &program)
            .unwrap();
        m.credit_purchase(p(30), at(earned_at), earned_at, &program)
            .unwrap();
        m.adjust(p(-80), at(earned_at), earned_at, &program)
            .unwrap(); // all spent
        m.take_back_purchase(p(50), first, at(earned_at), earned_at, &program)
            .unwrap(); // debt of 50
        let later = datetime!(2026-06-01 10:00 UTC);
        m.credit_purchase(p(70), at(later), later, &program)
            .unwrap(); // balance 20
        assert_eq!(m.balance(), p(20));
        let outcome = m
            .run_daily(&program, datetime!(2027-07-01 0:15 UTC))
            .unwrap();
        let expired: i64 = outcome.expired.iter().map(|e| -e.points.value()).sum();
        assert_eq!(
            expired, 20,
            "only the 20 held points expire; the rest paid the debt"
        );
        assert_eq!(m.balance(), Points::ZERO);
        assert_eq!(m.lots().total(), Some(Points::ZERO));
    }

    #[test]
    fn a_refund_does_not_revive_points_that_have_expired() {
        let program = program();
        let now = datetime!(2026-11-23 10:00 UTC);
        let mut m = member(&program, now);
        m.credit_purchase(p(40), at(now), now, &program).unwrap();
        let (taken, _) = m.redeem(p(40), at(now), now, &program).unwrap();
        let after_expiry = datetime!(2027-12-02 10:00 UTC);
        assert_eq!(
            m.refund(&taken, at(after_expiry), after_expiry, &program)
                .unwrap()
                .points,
            Points::ZERO
        );
        assert_eq!(m.balance(), Points::ZERO);
        assert_eq!(
            m.refund(&taken, at(now), now, &program).unwrap().points,
            p(40)
        );
    }

    #[test]
    fn a_debit_never_overdraws_and_changes_nothing_when_refused() {
        let program = program();
        let now = datetime!(2026-11-23 10:00 UTC);
        let mut m = member(&program, now);
        m.credit_purchase(p(30), at(now), now, &program).unwrap();
        let before = m.clone();
        assert!(matches!(
            m.adjust(p(-31), at(now), now, &program),
            Err(BalanceError::InsufficientPoints { .. })
        ));
        assert_eq!(m, before);
        m.adjust(p(-30), at(now), now, &program).unwrap();
        assert_eq!(m.balance(), Points::ZERO);
        m.adjust(p(5), at(now), now, &program).unwrap();
        assert_eq!(m.lots().total(), Some(p(5)));
    }
}
