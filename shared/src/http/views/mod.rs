//! JSON shapes of domain values that more than one function returns, and how every
//! response writes a time.

pub mod timestamp;

use serde::Serialize;
use time::OffsetDateTime;

use crate::domain::earn_rules::BreakdownLine;
use crate::domain::identifier::PlanId;
use crate::domain::ledger::{EntryType, LedgerEntry};
use crate::domain::membership::{BillingReference, Membership};
use crate::domain::money::Money;
use crate::domain::points::Points;
use crate::domain::program::Program;

/// A ledger entry as API.md shows it (the audit fields `seq` and `actor` stay internal).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryView {
    pub entry_id: String,
    #[serde(rename = "type")]
    pub kind: EntryType,
    pub points: Points,
    pub balance_after: Points,
    #[serde(with = "timestamp")]
    pub occurred_at: OffsetDateTime,
    pub reference: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub breakdown: Option<Vec<BreakdownLine>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<Money>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Earned points that stay pending until then (the purchase's return window).
    #[serde(skip_serializing_if = "Option::is_none", with = "timestamp::option")]
    pub available_at: Option<OffsetDateTime>,
    /// An imported lot's expiry, as the engine it came from said.
    #[serde(skip_serializing_if = "Option::is_none", with = "timestamp::option")]
    pub expires_at: Option<OffsetDateTime>,
}

impl From<&LedgerEntry> for EntryView {
    fn from(entry: &LedgerEntry) -> Self {
        Self {
            entry_id: entry.entry_id.clone(),
            kind: entry.kind,
            points: entry.points,
            balance_after: entry.balance_after,
            occurred_at: entry.occurred_at,
            reference: entry.reference.clone(),
            breakdown: entry.breakdown.clone(),
            amount: entry.amount.clone(),
            reason: entry.reason.clone(),
            available_at: entry.available_at,
            expires_at: entry.expires_at,
        }
    }
}

/// The answer to a write that made one ledger entry: the entry as the activity list shows
/// it, the member's balance after it, and the operation's own fields.
#[derive(Debug, Serialize)]
pub struct EntryReply<X: Serialize> {
    #[serde(flatten)]
    pub entry: EntryView,
    pub balance: Points,
    #[serde(flatten)]
    pub extra: X,
}

impl EntryReply<NoFields> {
    pub fn new(entry: &LedgerEntry, balance: Points) -> Self {
        Self::with(entry, balance, NoFields {})
    }
}

impl<X: Serialize> EntryReply<X> {
    pub fn with(entry: &LedgerEntry, balance: Points, extra: X) -> Self {
        Self {
            entry: EntryView::from(entry),
            balance,
            extra,
        }
    }
}

/// An [`EntryReply`] with nothing of its own.
#[derive(Debug, Serialize)]
pub struct NoFields {}

/// A paid membership as API.md shows it: the plan, the tier it grants and until when; for
/// the billing system that set it, also its reference and start.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MembershipView {
    pub plan_id: PlanId,
    pub name: String,
    pub tier: String,
    #[serde(with = "timestamp")]
    pub until: OffsetDateTime,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<BillingReference>,
    #[serde(skip_serializing_if = "Option::is_none", with = "timestamp::option")]
    pub started_at: Option<OffsetDateTime>,
}

impl MembershipView {
    /// With its billing details; `None` when the programme no longer has the plan.
    pub fn new(membership: &Membership, program: &Program) -> Option<Self> {
        let plan = program.membership_plan(&membership.plan_id)?;
        Some(Self {
            plan_id: membership.plan_id.clone(),
            name: plan.name().to_string(),
            tier: plan.tier().to_string(),
            until: membership.until,
            reference: Some(membership.reference.clone()),
            started_at: Some(membership.started_at),
        })
    }

    /// As the member sees it: without the billing details.
    pub fn for_member(self) -> Self {
        Self {
            reference: None,
            started_at: None,
            ..self
        }
    }
}
