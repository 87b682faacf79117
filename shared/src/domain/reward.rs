//! The rewards catalogue: what points buy, for whom, while stocks and dates last.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::identifier::RewardId;
use super::member::Member;
use super::points::Points;
use super::program::Program;
use super::tier::{TierName, is_display_text};

const MAX_NAME_CHARS: usize = 128;
/// A stock above this is a typo, not a catalogue.
const MAX_STOCK: i64 = 10_000_000;

/// `PUT /v1/rewards/{rewardId}`, as operators write it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RewardDocument {
    pub name: String,
    pub cost: i64,
    #[serde(default = "yes")]
    pub active: bool,
    pub stock: Option<i64>,
    pub min_tier: Option<String>,
    #[serde(default, with = "crate::domain::rfc3339::option")]
    pub valid_from: Option<OffsetDateTime>,
    #[serde(default, with = "crate::domain::rfc3339::option")]
    pub valid_to: Option<OffsetDateTime>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidReward {
    #[error(
        "name must be 1 to {MAX_NAME_CHARS} characters, without control characters or leading or trailing spaces"
    )]
    Name,
    #[error("cost must be a whole number of points from 1 to 10^12")]
    Cost,
    #[error("stock must be a whole number from 0 to {MAX_STOCK}")]
    Stock,
    #[error("minTier {0:?} is not a tier of the programme")]
    MinTier(String),
    #[error("validFrom must be before validTo")]
    Window,
}

/// A reward as the catalogue holds it. `stock` is the number left, or `None` when the
/// reward is not limited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reward {
    pub reward_id: RewardId,
    pub name: String,
    pub cost: Points,
    pub active: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_tier: Option<TierName>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::domain::rfc3339::option"
    )]
    pub valid_from: Option<OffsetDateTime>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::domain::rfc3339::option"
    )]
    pub valid_to: Option<OffsetDateTime>,
}

/// Why a member cannot have a reward now, in the order they are checked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RedeemRefusal {
    #[error("this reward is not available now")]
    Unavailable,
    #[error("this reward needs the {0} tier or higher")]
    TierNotEligible(TierName),
    #[error("this reward is out of stock")]
    OutOfStock,
    #[error("this reward costs {cost} points and the balance is {balance}")]
    InsufficientPoints { cost: Points, balance: Points },
}

impl Reward {
    /// Validates an operator's document; `minTier` must name a tier of `program`.
    pub fn from_document(
        reward_id: RewardId,
        doc: RewardDocument,
        program: Option<&Program>,
    ) -> Result<Self, InvalidReward> {
        if !is_display_text(&doc.name, MAX_NAME_CHARS) {
            return Err(InvalidReward::Name);
        }
        let cost = Points::new(doc.cost)
            .filter(|c| c.is_positive())
            .ok_or(InvalidReward::Cost)?;
        if doc.stock.is_some_and(|s| !(0..=MAX_STOCK).contains(&s)) {
            return Err(InvalidReward::Stock);
        }
        let min_tier = match doc.min_tier {
            None => None,
            Some(name) => Some(
                program
                    .and_then(|p| p.tier_named(&name))
                    .map(|t| t.name().clone())
                    .ok_or(InvalidReward::MinTier(name))?,
            ),
        };
        if let (Some(from), Some(to)) = (doc.valid_from, doc.valid_to)
            && from >= to
        {
            return Err(InvalidReward::Window);
        }
        Ok(Self {
            reward_id,
            name: doc.name,
            cost,
            active: doc.active,
            stock: doc.stock,
            min_tier,
            valid_from: doc.valid_from,
            valid_to: doc.valid_to,
        })
    }

    /// Active and inside its validity window (start inclusive, end exclusive).
    pub fn is_offered_at(&self, now: OffsetDateTime) -> bool {
        self.active
            && self.valid_from.is_none_or(|from| from <= now)
            && self.valid_to.is_none_or(|to| now < to)
    }

    pub fn in_stock(&self) -> bool {
        self.stock.is_none_or(|s| s > 0)
    }

    /// Whether `member`'s tier reaches the reward's minimum tier in `program`'s ladder.
    pub fn tier_allows(&self, member: &Member, program: &Program, now: OffsetDateTime) -> bool {
        let Some(min_tier) = &self.min_tier else {
            return true;
        };
        let rank = |name: &str| program.tiers().position(|t| t.name().as_str() == name);
        match (
            rank(member.current_tier(program, now).name().as_str()),
            rank(min_tier.as_str()),
        ) {
            (Some(member_rank), Some(needed)) => member_rank >= needed,
            _ => false,
        }
    }

    /// Everything that must hold for `member` to redeem this reward now.
    pub fn check_redeemable(
        &self,
        member: &Member,
        program: &Program,
        now: OffsetDateTime,
    ) -> Result<(), RedeemRefusal> {
        if !self.is_offered_at(now) {
            return Err(RedeemRefusal::Unavailable);
        }
        if let Some(min_tier) = self
            .min_tier
            .as_ref()
            .filter(|_| !self.tier_allows(member, program, now))
        {
            return Err(RedeemRefusal::TierNotEligible(min_tier.clone()));
        }
        if !self.in_stock() {
            return Err(RedeemRefusal::OutOfStock);
        }
        if member.balance() < self.cost {
            return Err(RedeemRefusal::InsufficientPoints {
                cost: self.cost,
                balance: member.balance(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::identifier::MemberId;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-23 12:00 UTC);

    fn program() -> Program {
        Program::from_json(include_bytes!("../../../tests/fixtures/demo-program.json")).unwrap()
    }

    fn doc(json: serde_json::Value) -> RewardDocument {
        serde_json::from_value(json).unwrap()
    }

    fn reward(json: serde_json::Value) -> Result<Reward, InvalidReward> {
        Reward::from_document(
            RewardId::try_from("r-1").unwrap(),
            doc(json),
            Some(&program()),
        )
    }

    fn member_with(points: i64) -> Member {
        let at = |when| crate::domain::ledger::Posting::new("test", "tester", when);
        let program = program();
        let mut member = Member::enrol(
            MemberId::try_from("m").unwrap(),
            None,
            None,
            NOW,
            program.lowest_tier(),
        );
        if points > 0 {
            member
                .credit_purchase(Points::new(points).unwrap(), at(NOW), NOW, &program)
                .unwrap();
        }
        member
    }

    #[test]
    fn documents_are_validated() {
        assert!(reward(serde_json::json!({"name": "Coffee", "cost": 100})).is_ok());
        assert_eq!(
            reward(serde_json::json!({"name": "", "cost": 100})),
            Err(InvalidReward::Name)
        );
        assert_eq!(
            reward(serde_json::json!({"name": "Coffee", "cost": 0})),
            Err(InvalidReward::Cost)
        );
        assert_eq!(
            reward(serde_json::json!({"name": "Coffee", "cost": 1, "stock": -1})),
            Err(InvalidReward::Stock)
        );
        assert_eq!(
            reward(serde_json::json!({"name": "Coffee", "cost": 1, "minTier": "Platinum"})),
            Err(InvalidReward::MinTier("Platinum".into()))
        );
        assert_eq!(
            reward(
                serde_json::json!({"name": "Coffee", "cost": 1, "validFrom": "2027-01-01T00:00:00Z", "validTo": "2026-01-01T00:00:00Z"})
            ),
            Err(InvalidReward::Window)
        );
    }

    #[test]
    fn refusals_come_in_order() {
        let program = program();
        let gold = reward(
            serde_json::json!({"name": "Gold mug", "cost": 50, "minTier": "Gold", "stock": 0}),
        )
        .unwrap();
        let member = member_with(10);
        assert!(matches!(
            gold.check_redeemable(&member, &program, NOW),
            Err(RedeemRefusal::TierNotEligible(_))
        ));
        let empty = reward(serde_json::json!({"name": "Mug", "cost": 50, "stock": 0})).unwrap();
        assert_eq!(
            empty.check_redeemable(&member, &program, NOW),
            Err(RedeemRefusal::OutOfStock)
        );
        let dear = reward(serde_json::json!({"name": "Mug", "cost": 50})).unwrap();
        assert!(matches!(
            dear.check_redeemable(&member, &program, NOW),
            Err(RedeemRefusal::InsufficientPoints { .. })
        ));
        assert_eq!(
            dear.check_redeemable(&member_with(50), &program, NOW),
            Ok(())
        );
        let later = reward(
            serde_json::json!({"name": "Mug", "cost": 1, "validFrom": "2026-12-01T00:00:00Z"}),
        )
        .unwrap();
        assert_eq!(
            later.check_redeemable(&member_with(50), &program, NOW),
            Err(RedeemRefusal::Unavailable)
        );
        let off = reward(serde_json::json!({"name": "Mug", "cost": 1, "active": false})).unwrap();
        assert_eq!(
            off.check_redeemable(&member_with(50), &program, NOW),
            Err(RedeemRefusal::Unavailable)
        );
    }
}
