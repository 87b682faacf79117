//! The ledger: one append-only entry per change to a balance. Every point a member
//! holds is explained by these entries; nothing ever updates or deletes one.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::earn_rules::BreakdownLine;
use super::entry_id::new_entry_id;
use super::money::Money;
use super::points::Points;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryType {
    Earn,
    Reverse,
    Redeem,
    Refund,
    Adjust,
    Expire,
    PartnerBonus,
    ReferralBonus,
    BirthdayBonus,
    StampReward,
    /// Points for an action the business verified (`POST /v1/members/{memberId}/actions`).
    ActionBonus,
    /// A challenge's reward, when its goal is reached.
    ChallengeReward,
    /// The points a member held when it was erased, leaving the liability. Counted in the
    /// figures only: the erased member's ledger goes with it.
    Erase,
    /// Points brought from another engine (`POST /v1/imports/members`): one entry per lot
    /// (with its `expiresAt`) and per group of pending points (with its `availableAt`).
    Import,
}

/// One movement of a member's points, as the store keeps it and the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LedgerEntry {
    pub entry_id: String,
    /// Position in the member's ledger: 1 for the first entry, then +1 each time.
    pub seq: u64,
    #[serde(rename = "type")]
    pub kind: EntryType,
    pub points: Points,
    /// The points the member holds after the entry, pending ones included: the running sum
    /// of `points` (pending points becoming spendable is no movement).
    pub balance_after: Points,
    #[serde(with = "crate::domain::rfc3339")]
    pub occurred_at: OffsetDateTime,
    #[serde(with = "crate::domain::rfc3339")]
    pub recorded_at: OffsetDateTime,
    /// What caused the entry: the purchase's transaction id, the adjustment's key, ...
    pub reference: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breakdown: Option<Vec<BreakdownLine>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Points earned by a purchase that are pending until the end of its return window;
    /// absent when they were spendable at once.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::domain::rfc3339::option"
    )]
    pub available_at: Option<OffsetDateTime>,
    /// On an `import` entry of spendable points: when the imported lot expires, as the
    /// other engine said (the member's lot, kept by month, ends at the end of that month).
    /// Stored as `lotExpiresAt`: `expiresAt` is the table's TTL attribute.
    #[serde(
        default,
        rename = "lotExpiresAt",
        skip_serializing_if = "Option::is_none",
        with = "crate::domain::rfc3339::option"
    )]
    pub expires_at: Option<OffsetDateTime>,
    /// The `sub` of whoever caused the entry (till, operator, member), for audit.
    pub actor: String,
}

/// What a movement is, as the operation that makes it knows it. The balance method that
/// moves the points adds its type, points, sequence number and balance after
/// ([`Member::post`](super::member::Member)), the one place entries are numbered.
#[derive(Debug, Clone)]
pub struct Posting {
    pub occurred_at: OffsetDateTime,
    pub reference: String,
    pub breakdown: Option<Vec<BreakdownLine>>,
    pub amount: Option<Money>,
    pub reason: Option<String>,
    pub available_at: Option<OffsetDateTime>,
    pub expires_at: Option<OffsetDateTime>,
    pub actor: String,
}

impl Posting {
    /// A movement that happens now, caused by `actor`, explained by `reference`.
    pub fn new(
        reference: impl Into<String>,
        actor: impl Into<String>,
        now: OffsetDateTime,
    ) -> Self {
        Self {
            occurred_at: now,
            reference: reference.into(),
            breakdown: None,
            amount: None,
            reason: None,
            available_at: None,
            expires_at: None,
            actor: actor.into(),
        }
    }

    pub fn occurred_at(mut self, at: OffsetDateTime) -> Self {
        self.occurred_at = at;
        self
    }

    pub fn breakdown(mut self, breakdown: Vec<BreakdownLine>) -> Self {
        self.breakdown = Some(breakdown);
        self
    }

    pub fn amount(mut self, amount: Option<Money>) -> Self {
        self.amount = amount;
        self
    }

    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }
}

impl LedgerEntry {
    /// The entry for a movement of `points` that left the member at `seq` and `balance_after`.
    pub(crate) fn new(
        kind: EntryType,
        points: Points,
        seq: u64,
        balance_after: Points,
        posting: Posting,
        now: OffsetDateTime,
    ) -> Self {
        Self {
            entry_id: new_entry_id(now, &mut rand::rng()),
            seq,
            kind,
            points,
            balance_after,
            occurred_at: posting.occurred_at,
            recorded_at: now,
            reference: posting.reference,
            breakdown: posting.breakdown,
            amount: posting.amount,
            reason: posting.reason,
            available_at: posting.available_at,
            expires_at: posting.expires_at,
            actor: posting.actor,
        }
    }
}
