//! The ledger: one append-only entry per change to a balance. Every point a member
//! holds is explained by these entries; nothing ever updates or deletes one.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::earn_rules::BreakdownLine;
use super::entry_id::new_entry_id;
use super::member::Member;
use super::money::Money;
use super::points::Points;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
    pub balance_after: Points,
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
    /// What caused the entry: the purchase's transaction id, the adjustment's key, ...
    pub reference: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breakdown: Option<Vec<BreakdownLine>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The `sub` of whoever caused the entry (till, operator, member), for audit.
    pub actor: String,
}

/// What a change is, as told by the code that made it; see [`LedgerEntry::for_change`].
#[derive(Debug, Clone)]
pub struct EntryFacts {
    pub kind: EntryType,
    pub points: Points,
    pub occurred_at: OffsetDateTime,
    pub reference: String,
    pub breakdown: Option<Vec<BreakdownLine>>,
    pub amount: Option<Money>,
    pub reason: Option<String>,
    pub actor: String,
}

impl LedgerEntry {
    /// The entry for the change `member` has just been through: the member's version is
    /// the entry's sequence number and its balance the balance after.
    pub fn for_change(member: &Member, facts: EntryFacts, now: OffsetDateTime) -> Self {
        Self {
            entry_id: new_entry_id(now, &mut rand::rng()),
            seq: member.version(),
            kind: facts.kind,
            points: facts.points,
            balance_after: member.balance(),
            occurred_at: facts.occurred_at,
            recorded_at: now,
            reference: facts.reference,
            breakdown: facts.breakdown,
            amount: facts.amount,
            reason: facts.reason,
            actor: facts.actor,
        }
    }
}
