//! What an operation wants written: the member after the change with the ledger entries
//! that explain it, and the other records the change touches. The store writes a change in
//! one transaction, each part guarded by what the decision read, so all of it lands or none.

use crate::domain::action_rule::CreditedAction;
use crate::domain::event::DomainEvent;
use crate::domain::identifier::{MemberId, RewardId};
use crate::domain::ledger::LedgerEntry;
use crate::domain::member::Member;
use crate::domain::partner::{Partner, PartnerIssue};
use crate::domain::purchase::Purchase;
use crate::domain::redemption::Redemption;
use crate::domain::referral::{ReferralAward, ReferralLink};
use crate::domain::reward::Reward;
use crate::domain::targeted_offer::ShardPoints;

/// A record written with a change, each guarded by what the decision relied on.
#[derive(Debug, Clone)]
pub enum Record {
    /// A purchase that earned points; fails if the purchase was credited before.
    NewPurchase(Purchase),
    /// An action credited; fails if it was credited before.
    NewAction(CreditedAction),
    /// A purchase after a refund.
    Purchase(Purchase),
    /// A redemption and its voucher, both new.
    NewRedemption(Redemption),
    /// A redemption that was issued, now used or cancelled, and its voucher with it.
    CloseRedemption(Redemption),
    /// Takes one from the reward's stock (or, for an unlimited reward, checks its terms), if
    /// the reward is still as it was read.
    TakeReward(Reward),
    /// Puts one back into a limited reward's stock.
    ReturnReward(RewardId),
    /// A partner that did not exist.
    NewPartner(Partner),
    /// A partner changed since it was read at its `revision`.
    Partner(Partner),
    /// A line of a partner's settlement statement.
    PartnerIssued(PartnerIssue),
    /// An event for the notification service, published from the stream (an outbox).
    Event(DomainEvent),
    /// A referred member's qualifying purchase, for the referrer's side (new), or its
    /// withdrawal (replacing it).
    ReferralLink(ReferralLink),
    /// What a referrer had for one referred member (`new`, or an award being withdrawn), and
    /// what that adds to the referrer's figures.
    ReferralAward {
        award: ReferralAward,
        new: bool,
        rewarded: i64,
        points: i64,
    },
    /// Points a targeted offer gave, counted on one shard of its budget; `limited` (the offer
    /// has a budget): only if the shard still holds them.
    DrawBudget { draw: ShardPoints, limited: bool },
    /// Points a refund gives back to the budget shard they were drawn from.
    ReturnBudget(ShardPoints),
}

/// Each shape a record is written in, for code that must account for every one (the IAM
/// check holds each to its function's policy; `VARIANTS` lists them all, so a new record
/// cannot be added without it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, strum::VariantArray)]
pub enum RecordKind {
    NewPurchase,
    NewAction,
    Purchase,
    NewRedemption,
    CloseRedemption,
    /// `TakeReward` of a reward with stock: the stock is decremented.
    TakeStock,
    /// `TakeReward` of an unlimited reward: its terms are checked.
    CheckUnlimitedReward,
    ReturnReward,
    NewPartner,
    Partner,
    PartnerIssued,
    Event,
    ReferralLink,
    /// The award, and the referrer's figures when they move.
    ReferralAward,
    DrawBudget,
    ReturnBudget,
}

impl Record {
    pub fn kind(&self) -> RecordKind {
        match self {
            Record::NewPurchase(_) => RecordKind::NewPurchase,
            Record::NewAction(_) => RecordKind::NewAction,
            Record::Purchase(_) => RecordKind::Purchase,
            Record::NewRedemption(_) => RecordKind::NewRedemption,
            Record::CloseRedemption(_) => RecordKind::CloseRedemption,
            Record::TakeReward(reward) if reward.stock.is_some() => RecordKind::TakeStock,
            Record::TakeReward(_) => RecordKind::CheckUnlimitedReward,
            Record::ReturnReward(_) => RecordKind::ReturnReward,
            Record::NewPartner(_) => RecordKind::NewPartner,
            Record::Partner(_) => RecordKind::Partner,
            Record::PartnerIssued(_) => RecordKind::PartnerIssued,
            Record::Event(_) => RecordKind::Event,
            Record::ReferralLink(_) => RecordKind::ReferralLink,
            Record::ReferralAward { .. } => RecordKind::ReferralAward,
            Record::DrawBudget { .. } => RecordKind::DrawBudget,
            Record::ReturnBudget(_) => RecordKind::ReturnBudget,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Change {
    /// The member after the change, written if it is still at the revision it was read at.
    /// (Boxed: a member is large, and changes travel inside enums.)
    pub member: Option<Box<Member>>,
    /// The ledger entries that explain the member's change, in sequence order.
    pub entries: Vec<LedgerEntry>,
    pub records: Vec<Record>,
}

impl Change {
    pub fn member(member: Member, entries: Vec<LedgerEntry>, records: Vec<Record>) -> Self {
        Self {
            member: Some(Box::new(member)),
            entries,
            records,
        }
    }

    /// The member whose data the change holds: its member, or the owner of the voucher it
    /// closes. A guarded write's idempotency record is filed under it, for erasure.
    pub fn person(&self) -> Option<&MemberId> {
        self.member.as_deref().map(Member::id).or_else(|| {
            self.records.iter().find_map(|record| match record {
                Record::CloseRedemption(r) | Record::NewRedemption(r) => Some(&r.member_id),
                _ => None,
            })
        })
    }

    /// A change of records only (a partner, a voucher), no balance.
    pub fn records(records: Vec<Record>) -> Self {
        Self {
            member: None,
            entries: Vec::new(),
            records,
        }
    }
}
