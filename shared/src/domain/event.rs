//! Events for a notification service (`TierChanged`, `PointsExpiring`, `StampCardCompleted`,
//! `ReferralRewarded` and the engagement signals), written to the table in the same
//! transaction as the change they announce (an outbox), and published from the table's
//! stream, so none is lost or announced for a change that did not happen. Every event's
//! detail carries the member's `marketingConsent`, so a notification service can tell a
//! service message from marketing without a lookup.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::challenge::Challenge;
use super::identifier::MemberId;
use super::member::Member;
use super::membership::Membership;
use super::points::Points;
use super::stamp_card::StampCard;
use super::stamps::Completion;
use super::tier_review::{ExpiryWarning, TierChange};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventKind {
    TierChanged,
    PointsExpiring,
    StampCardCompleted,
    ReferralRewarded,
    MemberInactive,
    MemberReactivated,
    TierAtRisk,
    ChallengeCompleted,
    MembershipStarted,
    MembershipEnded,
}

/// Why a membership ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum MembershipEnd {
    /// Its `until` came.
    Expired,
    /// The billing system ended it early.
    Cancelled,
    /// The billing system moved the member to another plan.
    Replaced,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DomainEvent {
    pub event_id: String,
    pub kind: EventKind,
    pub member_id: MemberId,
    #[serde(with = "crate::domain::rfc3339")]
    pub occurred_at: OffsetDateTime,
    /// What a notification needs: tiers from and to, or points and their expiry.
    pub detail: serde_json::Value,
}

impl EventKind {
    /// EventBridge's `detail-type`.
    pub fn detail_type(self) -> &'static str {
        match self {
            EventKind::TierChanged => "TierChanged",
            EventKind::PointsExpiring => "PointsExpiring",
            EventKind::StampCardCompleted => "StampCardCompleted",
            EventKind::ReferralRewarded => "ReferralRewarded",
            EventKind::MemberInactive => "MemberInactive",
            EventKind::MemberReactivated => "MemberReactivated",
            EventKind::TierAtRisk => "TierAtRisk",
            EventKind::ChallengeCompleted => "ChallengeCompleted",
            EventKind::MembershipStarted => "MembershipStarted",
            EventKind::MembershipEnded => "MembershipEnded",
        }
    }
}

impl DomainEvent {
    fn new(
        member: &Member,
        kind: EventKind,
        mut detail: serde_json::Value,
        at: OffsetDateTime,
    ) -> Self {
        if let Some(fields) = detail.as_object_mut() {
            fields.insert("marketingConsent".into(), member.marketing_consent().into());
        }
        Self {
            event_id: super::entry_id::new_entry_id(at, &mut rand::rng()),
            kind,
            member_id: member.id().clone(),
            occurred_at: at,
            detail,
        }
    }

    /// A quiet spell began (announced once per spell).
    pub fn member_inactive(
        member: &Member,
        last_activity_at: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> Self {
        let detail = serde_json::json!({
            "lastActivityAt": last_activity_at.map(super::rfc3339::format),
        });
        Self::new(member, EventKind::MemberInactive, detail, now)
    }

    /// The first earn or redemption after an announced quiet spell.
    pub fn member_reactivated(member: &Member, now: OffsetDateTime) -> Self {
        Self::new(
            member,
            EventKind::MemberReactivated,
            serde_json::json!({}),
            now,
        )
    }

    /// The coming review would lower the tier unless `points_needed` more are earned.
    pub fn tier_at_risk(
        member: &Member,
        tier: &str,
        review_at: OffsetDateTime,
        points_needed: Points,
        now: OffsetDateTime,
    ) -> Self {
        let detail = serde_json::json!({
            "tier": tier,
            "reviewAt": super::rfc3339::format(review_at),
            "pointsNeeded": points_needed,
        });
        Self::new(member, EventKind::TierAtRisk, detail, now)
    }

    /// A member moved up or down the ladder.
    pub fn tier_changed(member: &Member, change: &TierChange) -> Self {
        let review_at = member.tier().review_at.map(super::rfc3339::format);
        let detail = serde_json::json!({
            "from": change.from,
            "to": change.to,
            "direction": if change.upgrade { "up" } else { "down" },
            "reviewAt": review_at,
        });
        Self::new(member, EventKind::TierChanged, detail, change.at)
    }

    /// A member completed a stamp card: its reward, a voucher's redemption or the points.
    pub fn stamp_card_completed(
        member: &Member,
        card: &StampCard,
        completed: u32,
        completion: &Completion,
        at: OffsetDateTime,
    ) -> Self {
        let reward = match completion {
            Completion::Points(points) => serde_json::json!({"points": points}),
            Completion::Voucher {
                redemption_id,
                reward_id,
            } => serde_json::json!({"rewardId": reward_id, "redemptionId": redemption_id}),
        };
        let detail = serde_json::json!({
            "cardId": card.card_id(),
            "name": card.name(),
            "completed": completed,
            "reward": reward,
        });
        Self::new(member, EventKind::StampCardCompleted, detail, at)
    }

    /// A member had a referral bonus: as the referrer (`referrer`) or as the member who was
    /// referred (`referee`). Names no other member: a notification says "a friend".
    pub fn referral_rewarded(
        member: &Member,
        role: &str,
        points: Points,
        available_at: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> Self {
        let detail = serde_json::json!({
            "role": role,
            "points": points,
            "availableAt": available_at.map(super::rfc3339::format),
        });
        Self::new(member, EventKind::ReferralRewarded, detail, now)
    }

    /// Points of a lot will expire soon.
    pub fn points_expiring(member: &Member, warning: &ExpiryWarning, now: OffsetDateTime) -> Self {
        let detail = serde_json::json!({
            "points": warning.points,
            "expiresAt": super::rfc3339::format(warning.expires_at),
            "lot": warning.lot.to_string(),
            "balance": member.balance(),
        });
        Self::new(member, EventKind::PointsExpiring, detail, now)
    }

    /// A member reached a challenge's goal: its reward was credited, its badge given.
    pub fn challenge_completed(
        member: &Member,
        challenge: &Challenge,
        now: OffsetDateTime,
    ) -> Self {
        let detail = serde_json::json!({
            "challengeId": challenge.challenge_id(),
            "name": challenge.name(),
            "points": challenge.reward(),
            "badge": challenge.badge(),
        });
        Self::new(member, EventKind::ChallengeCompleted, detail, now)
    }

    /// A paid membership began (or moved to another plan).
    pub fn membership_started(
        member: &Member,
        membership: &Membership,
        now: OffsetDateTime,
    ) -> Self {
        let detail = serde_json::json!({
            "planId": membership.plan_id,
            "until": super::rfc3339::format(membership.until),
            "reference": membership.reference,
        });
        Self::new(member, EventKind::MembershipStarted, detail, now)
    }

    /// A paid membership ended: at its `until`, or early.
    pub fn membership_ended(
        member: &Member,
        membership: &Membership,
        reason: MembershipEnd,
        now: OffsetDateTime,
    ) -> Self {
        let detail = serde_json::json!({
            "planId": membership.plan_id,
            "until": super::rfc3339::format(membership.until),
            "reason": reason,
        });
        Self::new(member, EventKind::MembershipEnded, detail, now)
    }
}
