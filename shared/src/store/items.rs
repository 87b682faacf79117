//! The table's items as serde structs (written and read with serde_dynamo), and their
//! conversion to and from domain values. Only the store sees these shapes.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use super::keys;
use crate::domain::action_rule::{ActionCounts, CreditedAction};
use crate::domain::birthday::Birthday;
use crate::domain::challenge::{ChallengeProgresses, ChallengeStep};
use crate::domain::event::DomainEvent;
use crate::domain::identifier::{
    ActionId, ActionName, Badge, CardId, MemberId, OfferId, PartnerId, PartnerTransactionId,
    RedemptionId, RewardId, TransactionId,
};
use crate::domain::ledger::LedgerEntry;
use crate::domain::lots::{ExpiryMonth, Lots};
use crate::domain::member::{Member, OfferKey, OfferUse, Placement, TierFloor, TierStatus};
use crate::domain::membership::Membership;
use crate::domain::money::Money;
use crate::domain::offer::Offer;
use crate::domain::partner::{Partner, PartnerIssue, PartnerSecret, PartnerStatus};
use crate::domain::pending::{Pending, PendingGroup};
use crate::domain::points::Points;
use crate::domain::program::Program;
use crate::domain::purchase::{Purchase, PurchaseRef};
use crate::domain::qualifying::Qualifying;
use crate::domain::redemption::{Redemption, RedemptionStatus};
use crate::domain::referral::Referral;
use crate::domain::referral_code::ReferralCode;
use crate::domain::reward::Reward;
use crate::domain::stamps::{CardProgress, Stamp};
use crate::domain::targeted_offer::{OfferAward, OfferProgress};
use crate::domain::voucher_code::VoucherCode;
use crate::idempotency::{IdempotencyRecord, IdempotencyScope};

const DAY: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

fn format_day(day: Date) -> String {
    day.format(DAY).unwrap_or_default()
}

fn parse_day(raw: &str) -> Result<Date, String> {
    Date::parse(raw, DAY).map_err(|e| format!("bad day {raw:?}: {e}"))
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub entity: String,
    pub member_id: MemberId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral_code: Option<ReferralCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral: Option<Referral>,
    #[serde(with = "crate::domain::rfc3339")]
    pub enrolled_at: OffsetDateTime,
    pub balance: Points,
    pub lifetime_points: Points,
    pub version: u64,
    pub tier_name: String,
    #[serde(with = "crate::domain::rfc3339")]
    pub tier_since: OffsetDateTime,
    // Empty maps and lists are left out: smaller items, and DynamoDB Local's stream renders
    // an empty map as `{}`, which no SDK can parse.
    #[serde(default, skip_serializing_if = "Lots::is_empty")]
    pub lots: Lots,
    /// Pending points, one group per instant their windows end (at most `MAX_GROUPS`), soonest
    /// first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending: Vec<PendingItem>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub qualifying: BTreeMap<String, Points>,
    pub earned_on: String,
    pub earned_that_day: Points,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub partner_offer_use: BTreeMap<OfferKey, OfferUse>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_points_on: Option<String>,
    #[serde(default)]
    pub partner_points_that_day: Points,
    #[serde(default)]
    pub revision: u64,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::domain::rfc3339::option"
    )]
    pub tier_review_at: Option<OffsetDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor: Option<TierFloor>,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub warned_lots: BTreeSet<ExpiryMonth>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::domain::rfc3339::option"
    )]
    pub due_at: Option<OffsetDateTime>,
    /// The due-date index: `DUE#<day>#<shard>` and the member id, while something is due.
    #[serde(rename = "GSI1PK", default, skip_serializing_if = "Option::is_none")]
    pub gsi1pk: Option<String>,
    #[serde(rename = "GSI1SK", default, skip_serializing_if = "Option::is_none")]
    pub gsi1sk: Option<String>,
    /// The members index: `MEMBERS#<shard>` and the member id, on every member.
    #[serde(rename = "GSI2PK", default, skip_serializing_if = "Option::is_none")]
    pub gsi2pk: Option<String>,
    #[serde(rename = "GSI2SK", default, skip_serializing_if = "Option::is_none")]
    pub gsi2sk: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::domain::rfc3339::option"
    )]
    pub last_activity_at: Option<OffsetDateTime>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::domain::rfc3339::option"
    )]
    pub activity_seen_since: Option<OffsetDateTime>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub marketing_consent: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub quiet_announced: bool,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::domain::rfc3339::option"
    )]
    pub at_risk_checked: Option<OffsetDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birthday: Option<Birthday>,
    /// The next birthday to pay, `YYYY-MM-DD`; part of `dueAt`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birthday_due: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birthday_paid_year: Option<i32>,
    /// Progress on each stamp card of the programme (at most `MAX_CARDS`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub stamp_cards: BTreeMap<CardId, CardProgressItem>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub offers: BTreeMap<OfferId, OfferProgress>,
    /// Credits per action rule, against its limits (at most `MAX_ACTION_RULES`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub actions: ActionCounts,
    /// Progress on each running challenge (at most `MAX_CHALLENGES`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub challenges: ChallengeProgresses,
    /// At most `MAX_BADGES`, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub badges: Vec<Badge>,
    /// A paid membership; part of `dueAt` (its end is announced).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub membership: Option<Membership>,
}

/// A member's progress on one stamp card.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CardProgressItem {
    pub stamps: u8,
    pub completed: u32,
    /// `YYYY-MM-DD` (UTC) of the latest stamp, and the stamps of that day.
    pub stamped_on: String,
    pub stamped_that_day: u32,
}

/// One group of pending points: when they become spendable, and the lots they will join.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingItem {
    #[serde(with = "crate::domain::rfc3339")]
    pub available_at: OffsetDateTime,
    /// Only on a group that joined others: the earliest window it holds.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::domain::rfc3339::option"
    )]
    pub earliest: Option<OffsetDateTime>,
    pub lots: Lots,
}

impl From<&Member> for MemberItem {
    fn from(m: &Member) -> Self {
        Self {
            pk: keys::member_pk(m.id.as_str()),
            sk: keys::PROFILE.to_string(),
            entity: "member".to_string(),
            member_id: m.id.clone(),
            display_name: m.display_name.clone(),
            referral_code: m.referral_code.clone(),
            referral: m.referral.clone(),
            enrolled_at: m.enrolled_at,
            balance: m.balance,
            lifetime_points: m.lifetime_points,
            version: m.version,
            tier_name: m.tier.name.clone(),
            tier_since: m.tier.since,
            lots: m.lots.clone(),
            pending: m
                .pending
                .groups()
                .map(|group| PendingItem {
                    available_at: group.available_at,
                    earliest: (group.earliest != group.available_at).then_some(group.earliest),
                    lots: group.lots.clone(),
                })
                .collect(),
            qualifying: m
                .qualifying
                .buckets()
                .iter()
                .map(|(d, p)| (format_day(*d), *p))
                .collect(),
            earned_on: format_day(m.earned_on),
            earned_that_day: m.earned_that_day,
            partner_offer_use: m.partner_offer_use.clone(),
            offers: m.offers.clone(),
            actions: m.actions.clone(),
            challenges: m.challenges.clone(),
            badges: m.badges.clone(),
            membership: m.membership.clone(),
            partner_points_on: Some(format_day(m.partner_points_on)),
            partner_points_that_day: m.partner_points_that_day,
            revision: m.revision,
            tier_review_at: m.tier.review_at,
            floor: m.floor.clone(),
            warned_lots: m.warned_lots.clone(),
            due_at: m.due_at,
            gsi1pk: m.due_at.map(|at| keys::due_pk(at.date(), m.id.as_str())),
            gsi1sk: m.due_at.map(|_| m.id.to_string()),
            gsi2pk: Some(keys::members_pk(m.id.as_str())),
            gsi2sk: Some(m.id.to_string()),
            last_activity_at: m.last_activity_at,
            activity_seen_since: m.activity_seen_since,
            marketing_consent: m.marketing_consent,
            quiet_announced: m.quiet_announced,
            at_risk_checked: m.at_risk_checked,
            birthday: m.birthday,
            birthday_due: m.birthday_due.map(format_day),
            birthday_paid_year: m.birthday_paid_year,
            stamp_cards: m
                .stamp_cards
                .iter()
                .map(|(card, p)| {
                    let item = CardProgressItem {
                        stamps: p.stamps,
                        completed: p.completed,
                        stamped_on: format_day(p.stamped_on),
                        stamped_that_day: p.stamped_that_day,
                    };
                    (card.clone(), item)
                })
                .collect(),
        }
    }
}

impl TryFrom<MemberItem> for Member {
    type Error = String;
    fn try_from(item: MemberItem) -> Result<Self, String> {
        Ok(Member {
            id: item.member_id,
            display_name: item.display_name,
            referral_code: item.referral_code,
            referral: item.referral,
            enrolled_at: item.enrolled_at,
            balance: item.balance,
            lifetime_points: item.lifetime_points,
            version: item.version,
            tier: TierStatus {
                name: item.tier_name,
                since: item.tier_since,
                review_at: item.tier_review_at,
            },
            lots: item.lots,
            pending: pending(item.pending)?,
            qualifying: Qualifying::from_buckets(
                item.qualifying
                    .iter()
                    .map(|(d, p)| Ok((parse_day(d)?, *p)))
                    .collect::<Result<_, String>>()?,
            ),
            earned_on: parse_day(&item.earned_on)?,
            earned_that_day: item.earned_that_day,
            partner_offer_use: item.partner_offer_use,
            offers: item.offers,
            actions: item.actions,
            challenges: item.challenges,
            badges: item.badges,
            membership: item.membership,
            partner_points_on: match &item.partner_points_on {
                Some(day) => parse_day(day)?,
                None => parse_day(&item.earned_on)?,
            },
            partner_points_that_day: item.partner_points_that_day,
            revision: item.revision,
            floor: item.floor,
            warned_lots: item.warned_lots,
            due_at: item.due_at,
            last_activity_at: item.last_activity_at,
            activity_seen_since: item.activity_seen_since,
            marketing_consent: item.marketing_consent,
            quiet_announced: item.quiet_announced,
            at_risk_checked: item.at_risk_checked,
            birthday: item.birthday,
            birthday_due: item.birthday_due.as_deref().map(parse_day).transpose()?,
            birthday_paid_year: item.birthday_paid_year,
            stamp_cards: item
                .stamp_cards
                .into_iter()
                .map(|(card, p)| {
                    let progress = CardProgress {
                        stamps: p.stamps,
                        completed: p.completed,
                        stamped_on: parse_day(&p.stamped_on)?,
                        stamped_that_day: p.stamped_that_day,
                    };
                    Ok((card, progress))
                })
                .collect::<Result<_, String>>()?,
        })
    }
}

/// The member's pending points as stored.
pub fn pending(items: Vec<PendingItem>) -> Result<Pending, String> {
    Pending::from_groups(items.into_iter().map(|item| PendingGroup {
        available_at: item.available_at,
        earliest: item.earliest.unwrap_or(item.available_at),
        lots: item.lots,
    }))
    .ok_or_else(|| "pending points overflow".to_string())
}

/// An action credited, kept for good under its member so its `actionId` never credits
/// twice.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub entity: String,
    pub member_id: MemberId,
    pub action_id: ActionId,
    pub action: ActionName,
    pub points: Points,
    pub entry_id: String,
    #[serde(with = "crate::domain::rfc3339")]
    pub occurred_at: OffsetDateTime,
    #[serde(with = "crate::domain::rfc3339")]
    pub recorded_at: OffsetDateTime,
}

impl From<&CreditedAction> for ActionItem {
    fn from(a: &CreditedAction) -> Self {
        Self {
            pk: keys::member_pk(a.member_id.as_str()),
            sk: keys::action_sk(a.action_id.as_str()),
            entity: "action".to_string(),
            member_id: a.member_id.clone(),
            action_id: a.action_id.clone(),
            action: a.action.clone(),
            points: a.points,
            entry_id: a.entry_id.clone(),
            occurred_at: a.occurred_at,
            recorded_at: a.recorded_at,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LedgerItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub entity: String,
    pub member_id: MemberId,
    #[serde(flatten)]
    pub entry: LedgerEntry,
}

impl LedgerItem {
    pub fn new(member: &MemberId, entry: &LedgerEntry) -> Self {
        Self {
            pk: keys::member_pk(member.as_str()),
            sk: keys::ledger_sk(entry.seq),
            entity: "ledger".to_string(),
            member_id: member.clone(),
            entry: entry.clone(),
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PurchaseItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub entity: String,
    /// The till's transaction id, or the partner's.
    pub transaction_id: String,
    /// The partner whose transaction it is; absent for a till's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_id: Option<PartnerId>,
    pub member_id: MemberId,
    pub amount: Money,
    #[serde(with = "crate::domain::rfc3339")]
    pub occurred_at: OffsetDateTime,
    pub earned: Points,
    pub earn_entry_id: String,
    pub lot: ExpiryMonth,
    pub qualifying_day: String,
    /// When the points became spendable, if they were pending at first.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::domain::rfc3339::option"
    )]
    pub available_at: Option<OffsetDateTime>,
    pub refunded_minor: i64,
    pub reversed: Points,
    /// The stamp cards it stamped, and what a completed one gave.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stamps: Vec<Stamp>,
    /// The targeted offers it got, and from which budget shard.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub offers: Vec<OfferAward>,
    /// What it added to each challenge, for a full reversal to take back.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub challenges: Vec<ChallengeStep>,
}

impl From<&Purchase> for PurchaseItem {
    fn from(p: &Purchase) -> Self {
        Self {
            pk: keys::member_pk(p.member_id.as_str()),
            sk: keys::purchase_sk(&p.reference),
            entity: "purchase".to_string(),
            transaction_id: match &p.reference {
                PurchaseRef::Till(transaction) => transaction.to_string(),
                PurchaseRef::Partner(_, transaction) => transaction.to_string(),
            },
            partner_id: match &p.reference {
                PurchaseRef::Till(_) => None,
                PurchaseRef::Partner(partner, _) => Some(partner.clone()),
            },
            member_id: p.member_id.clone(),
            amount: p.amount.clone(),
            occurred_at: p.occurred_at,
            earned: p.earned,
            earn_entry_id: p.earn_entry_id.clone(),
            lot: p.placement.lot,
            qualifying_day: format_day(p.placement.qualifying_day),
            available_at: p.placement.available_at,
            refunded_minor: p.refunded_minor,
            reversed: p.reversed,
            stamps: p.stamps.clone(),
            offers: p.offers.clone(),
            challenges: p.challenges.clone(),
        }
    }
}

impl TryFrom<PurchaseItem> for Purchase {
    type Error = String;
    fn try_from(item: PurchaseItem) -> Result<Self, String> {
        let reference = match item.partner_id {
            None => PurchaseRef::Till(
                TransactionId::try_from(item.transaction_id).map_err(|e| e.to_string())?,
            ),
            Some(partner) => PurchaseRef::Partner(
                partner,
                PartnerTransactionId::try_from(item.transaction_id).map_err(|e| e.to_string())?,
            ),
        };
        Ok(Purchase {
            reference,
            member_id: item.member_id,
            amount: item.amount,
            occurred_at: item.occurred_at,
            earned: item.earned,
            earn_entry_id: item.earn_entry_id,
            placement: Placement {
                lot: item.lot,
                qualifying_day: parse_day(&item.qualifying_day)?,
                available_at: item.available_at,
            },
            refunded_minor: item.refunded_minor,
            reversed: item.reversed,
            stamps: item.stamps,
            offers: item.offers,
            challenges: item.challenges,
        })
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdempotencyItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub entity: String,
    pub scope: String,
    pub fingerprint: String,
    pub status: u16,
    pub body: String,
    #[serde(with = "crate::domain::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Epoch seconds; the table's TTL attribute, so DynamoDB deletes old keys by itself.
    pub expires_at: i64,
    /// `PERSON#<memberId>` when the write was for a member: the erasure index.
    #[serde(rename = "GSI3PK", default, skip_serializing_if = "Option::is_none")]
    pub person: Option<String>,
}

impl From<&IdempotencyRecord> for IdempotencyItem {
    fn from(r: &IdempotencyRecord) -> Self {
        Self {
            pk: keys::idempotency_pk(r.scope.as_str()),
            sk: keys::IDEMPOTENCY_SK.to_string(),
            entity: "idempotency".to_string(),
            scope: r.scope.as_str().to_string(),
            fingerprint: r.fingerprint.clone(),
            status: r.status,
            body: r.body.clone(),
            created_at: r.created_at,
            expires_at: r.expires_at().unix_timestamp(),
            person: r.person.as_ref().map(|m| keys::person_pk(m.as_str())),
        }
    }
}

impl IdempotencyItem {
    pub fn into_record(self) -> IdempotencyRecord {
        IdempotencyRecord {
            scope: IdempotencyScope::from_stored(self.scope),
            fingerprint: self.fingerprint,
            status: self.status,
            body: self.body,
            created_at: self.created_at,
            person: None,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgramItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub entity: String,
    pub program: Program,
    #[serde(with = "crate::domain::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub updated_by: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RewardItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub entity: String,
    #[serde(flatten)]
    pub reward: Reward,
    #[serde(with = "crate::domain::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub updated_by: String,
}

impl RewardItem {
    pub fn new(reward: &Reward, now: OffsetDateTime, actor: &str) -> Self {
        Self {
            pk: keys::CATALOGUE_PK.to_string(),
            sk: keys::reward_sk(reward.reward_id.as_str()),
            entity: "reward".to_string(),
            reward: reward.clone(),
            updated_at: now,
            updated_by: actor.to_string(),
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaidFrom {
    pub lot: ExpiryMonth,
    pub points: Points,
}

/// A redemption, stored twice: under its member (for the member's list) and under its
/// voucher code (for the till's lookup). Both copies change together, in one transaction.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RedemptionItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub entity: String,
    pub redemption_id: RedemptionId,
    pub member_id: MemberId,
    pub reward_id: RewardId,
    pub reward_name: String,
    pub code: VoucherCode,
    pub points_spent: Points,
    pub stock_taken: bool,
    pub paid_from: Vec<PaidFrom>,
    pub status: RedemptionStatus,
    #[serde(with = "crate::domain::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::domain::rfc3339::option"
    )]
    pub closed_at: Option<OffsetDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_by: Option<String>,
}

impl RedemptionItem {
    fn new(r: &Redemption, pk: String, sk: String, entity: &str) -> Self {
        Self {
            pk,
            sk,
            entity: entity.to_string(),
            redemption_id: r.redemption_id.clone(),
            member_id: r.member_id.clone(),
            reward_id: r.reward_id.clone(),
            reward_name: r.reward_name.clone(),
            code: r.code.clone(),
            points_spent: r.points_spent,
            stock_taken: r.stock_taken,
            paid_from: r
                .paid_from
                .iter()
                .map(|(lot, points)| PaidFrom {
                    lot: *lot,
                    points: *points,
                })
                .collect(),
            status: r.status,
            created_at: r.created_at,
            closed_at: r.closed_at,
            closed_by: r.closed_by.clone(),
        }
    }

    pub fn record(r: &Redemption) -> Self {
        let pk = keys::member_pk(r.member_id.as_str());
        Self::new(
            r,
            pk,
            keys::redemption_sk(r.redemption_id.as_str()),
            "redemption",
        )
    }

    pub fn voucher(r: &Redemption) -> Self {
        Self::new(
            r,
            keys::voucher_pk(r.code.as_str()),
            keys::VOUCHER_SK.to_string(),
            "voucher",
        )
    }
}

impl From<RedemptionItem> for Redemption {
    fn from(item: RedemptionItem) -> Self {
        Redemption {
            redemption_id: item.redemption_id,
            member_id: item.member_id,
            reward_id: item.reward_id,
            reward_name: item.reward_name,
            code: item.code,
            points_spent: item.points_spent,
            stock_taken: item.stock_taken,
            paid_from: item
                .paid_from
                .into_iter()
                .map(|p| (p.lot, p.points))
                .collect(),
            status: item.status,
            created_at: item.created_at,
            closed_at: item.closed_at,
            closed_by: item.closed_by,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartnerItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub entity: String,
    pub partner_id: PartnerId,
    pub name: String,
    pub status: PartnerStatus,
    pub secrets: Vec<PartnerSecret>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub offers: Vec<Offer>,
    #[serde(with = "crate::domain::rfc3339")]
    pub created_at: OffsetDateTime,
    pub revision: u64,
}

impl From<&Partner> for PartnerItem {
    fn from(p: &Partner) -> Self {
        Self {
            pk: keys::partner_pk(p.partner_id.as_str()),
            sk: keys::PROFILE.to_string(),
            entity: "partner".to_string(),
            partner_id: p.partner_id.clone(),
            name: p.name.clone(),
            status: p.status,
            secrets: p.secrets.clone(),
            offers: p.offers.clone(),
            created_at: p.created_at,
            revision: p.revision,
        }
    }
}

impl From<PartnerItem> for Partner {
    fn from(item: PartnerItem) -> Self {
        Partner {
            partner_id: item.partner_id,
            name: item.name,
            status: item.status,
            secrets: item.secrets,
            offers: item.offers,
            created_at: item.created_at,
            revision: item.revision,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OfferPoints {
    pub offer_id: OfferId,
    pub points: Points,
}

/// One line of a partner's settlement statement, sorted by when the points were issued.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartnerIssueItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub entity: String,
    pub partner_id: PartnerId,
    pub member_id: MemberId,
    pub entry_id: String,
    pub partner_transaction_id: PartnerTransactionId,
    pub points: Points,
    pub by_offer: Vec<OfferPoints>,
    #[serde(with = "crate::domain::rfc3339")]
    pub recorded_at: OffsetDateTime,
}

impl From<&PartnerIssue> for PartnerIssueItem {
    fn from(i: &PartnerIssue) -> Self {
        Self {
            pk: keys::partner_pk(i.partner_id.as_str()),
            sk: keys::partner_issue_sk(i.recorded_at, &i.entry_id),
            entity: "partner_issue".to_string(),
            partner_id: i.partner_id.clone(),
            member_id: i.member_id.clone(),
            entry_id: i.entry_id.clone(),
            partner_transaction_id: i.partner_transaction_id.clone(),
            points: i.points,
            by_offer: i
                .by_offer
                .iter()
                .map(|(o, p)| OfferPoints {
                    offer_id: o.clone(),
                    points: *p,
                })
                .collect(),
            recorded_at: i.recorded_at,
        }
    }
}

/// An outbox event, under its member; the stream publishes it, TTL removes it later.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub entity: String,
    #[serde(flatten)]
    pub event: DomainEvent,
    pub expires_at: i64,
}

impl From<&DomainEvent> for EventItem {
    fn from(event: &DomainEvent) -> Self {
        Self {
            pk: keys::member_pk(event.member_id.as_str()),
            sk: keys::event_sk(&event.event_id),
            entity: "event".to_string(),
            event: event.clone(),
            // Kept a week for inspection and replays, then removed by TTL.
            expires_at: (event.occurred_at + time::Duration::days(7)).unix_timestamp(),
        }
    }
}
