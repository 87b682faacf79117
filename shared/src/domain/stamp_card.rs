//! Stamp cards of the programme ("the tenth coffee is free"), as operators write them in
//! `stampCards` and as the checked programme holds them: which purchases a card stamps, how
//! many stamps complete it and what completing it gives. A [`StampCard`] only exists once
//! every field has been checked; whether its reward is in the catalogue is checked with the
//! catalogue ([`check_rewards`]), which the programme alone does not hold.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use super::identifier::{CardId, InvalidIdentifier, RewardId, RuleId};
use super::money::Money;
use super::points::{MAX_POINTS, Points};
use super::reward::Reward;
use super::tier::is_display_text;

pub const MIN_STAMPS: u8 = 2;
pub const MAX_STAMPS: u8 = 100;
/// The most cards a programme holds: each member keeps its progress on every card in its own
/// item, so the item stays small whatever the programme.
pub const MAX_CARDS: usize = 20;
/// The most categories one card names.
pub const MAX_CATEGORIES: usize = 50;
/// A daily limit above this is a typo, not a limit.
pub const MAX_STAMPS_PER_DAY: u32 = 1000;
const MAX_CARD_NAME_CHARS: usize = 128;

/// Stamps that complete a card: 2 to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct StampsRequired(u8);

impl StampsRequired {
    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<&serde_json::Number> for StampsRequired {
    type Error = InvalidStampCard;

    fn try_from(raw: &serde_json::Number) -> Result<Self, Self::Error> {
        raw.as_u64()
            .and_then(|n| u8::try_from(n).ok())
            .filter(|n| (MIN_STAMPS..=MAX_STAMPS).contains(n))
            .map(Self)
            .ok_or_else(|| InvalidStampCard::StampsRequired(raw.clone()))
    }
}

/// At most this many stamps on one card per member per UTC day: 1 to 1000.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxStampsPerDay(u32);

impl MaxStampsPerDay {
    pub fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<&serde_json::Number> for MaxStampsPerDay {
    type Error = InvalidStampCard;

    fn try_from(raw: &serde_json::Number) -> Result<Self, Self::Error> {
        raw.as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| (1..=MAX_STAMPS_PER_DAY).contains(n))
            .map(Self)
            .ok_or_else(|| InvalidStampCard::MaxStampsPerDay(raw.clone()))
    }
}

/// What completing a card gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StampReward {
    /// A `stamp_reward` ledger entry of these points (at least 1).
    Points(Points),
    /// A voucher for this reward of the catalogue, for no points.
    Reward(RewardId),
}

/// Why one card of `stampCards` was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidStampCard {
    #[error("cardId: {0}")]
    CardId(InvalidIdentifier),
    #[error(
        "name must be 1 to {MAX_CARD_NAME_CHARS} characters, without control characters or leading or trailing spaces"
    )]
    Name,
    #[error("stampsRequired must be a whole number from {MIN_STAMPS} to {MAX_STAMPS}, got {0}")]
    StampsRequired(serde_json::Number),
    #[error("categories[{position}]: {source}")]
    Category {
        position: usize,
        source: InvalidIdentifier,
    },
    #[error("categories lists \"{0}\" more than once")]
    DuplicateCategory(RuleId),
    #[error("categories lists at most {MAX_CATEGORIES} categories")]
    TooManyCategories,
    #[error("maxStampsPerDay must be a whole number from 1 to {MAX_STAMPS_PER_DAY}, got {0}")]
    MaxStampsPerDay(serde_json::Number),
    #[error("reward must be either {{\"rewardId\"}} or {{\"points\"}}")]
    RewardShape,
    #[error("reward.rewardId: {0}")]
    RewardId(InvalidIdentifier),
    #[error("reward.points must be a positive whole number of at most {MAX_POINTS}, got {0}")]
    RewardPoints(serde_json::Number),
}

/// One card of `stampCards`, as operators write it. Numbers with a range are any JSON number
/// here, so that 1.5 or -1 is refused with the field's own message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StampCardDocument {
    pub card_id: String,
    pub name: String,
    pub stamps_required: serde_json::Number,
    /// Empty or absent: purchases of any category, or none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_spend: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_stamps_per_day: Option<serde_json::Number>,
    pub reward: StampRewardDocument,
}

/// `{"rewardId"}` or `{"points"}`: exactly one of the two.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StampRewardDocument {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reward_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<serde_json::Number>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StampCard {
    card_id: CardId,
    name: String,
    stamps_required: StampsRequired,
    categories: Vec<RuleId>,
    min_spend: Option<Money>,
    max_stamps_per_day: Option<MaxStampsPerDay>,
    reward: StampReward,
}

impl StampCard {
    pub fn card_id(&self) -> &CardId {
        &self.card_id
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn stamps_required(&self) -> StampsRequired {
        self.stamps_required
    }

    pub fn max_stamps_per_day(&self) -> Option<MaxStampsPerDay> {
        self.max_stamps_per_day
    }

    pub fn reward(&self) -> &StampReward {
        &self.reward
    }

    /// Whether a purchase of `amount` in `category` earns this card a stamp (the daily limit
    /// aside): its category is among the card's when the card names any, and it spends at
    /// least `minSpend` when the card has one (a purchase in another currency does not,
    /// there being no exchange rate).
    pub fn matches(&self, amount: &Money, category: Option<&RuleId>) -> bool {
        let category_ok = self.categories.is_empty()
            || category.is_some_and(|category| self.categories.contains(category));
        let spend_ok = self.min_spend.as_ref().is_none_or(|min| {
            matches!(
                amount.compare(min),
                Some(Ordering::Greater | Ordering::Equal)
            )
        });
        category_ok && spend_ok
    }
}

impl TryFrom<StampCardDocument> for StampCard {
    type Error = InvalidStampCard;

    fn try_from(document: StampCardDocument) -> Result<Self, Self::Error> {
        let card_id = CardId::try_from(document.card_id).map_err(InvalidStampCard::CardId)?;
        if !is_display_text(&document.name, MAX_CARD_NAME_CHARS) {
            return Err(InvalidStampCard::Name);
        }
        let stamps_required = StampsRequired::try_from(&document.stamps_required)?;
        if document.categories.len() > MAX_CATEGORIES {
            return Err(InvalidStampCard::TooManyCategories);
        }
        let mut categories: Vec<RuleId> = Vec::with_capacity(document.categories.len());
        for (position, raw) in document.categories.into_iter().enumerate() {
            let category = RuleId::try_from(raw)
                .map_err(|source| InvalidStampCard::Category { position, source })?;
            if categories.contains(&category) {
                return Err(InvalidStampCard::DuplicateCategory(category));
            }
            categories.push(category);
        }
        let max_stamps_per_day = document
            .max_stamps_per_day
            .as_ref()
            .map(MaxStampsPerDay::try_from)
            .transpose()?;
        let reward = StampReward::try_from(document.reward)?;
        Ok(Self {
            card_id,
            name: document.name,
            stamps_required,
            categories,
            min_spend: document.min_spend,
            max_stamps_per_day,
            reward,
        })
    }
}

impl TryFrom<StampRewardDocument> for StampReward {
    type Error = InvalidStampCard;

    fn try_from(document: StampRewardDocument) -> Result<Self, Self::Error> {
        match (document.reward_id, document.points) {
            (Some(reward_id), None) => RewardId::try_from(reward_id)
                .map(StampReward::Reward)
                .map_err(InvalidStampCard::RewardId),
            (None, Some(points)) => points
                .as_i64()
                .and_then(Points::new)
                .filter(|p| p.is_positive())
                .map(StampReward::Points)
                .ok_or(InvalidStampCard::RewardPoints(points)),
            _ => Err(InvalidStampCard::RewardShape),
        }
    }
}

impl From<StampCard> for StampCardDocument {
    fn from(card: StampCard) -> Self {
        let reward = match card.reward {
            StampReward::Points(points) => StampRewardDocument {
                reward_id: None,
                points: Some(points.value().into()),
            },
            StampReward::Reward(reward_id) => StampRewardDocument {
                reward_id: Some(reward_id.into()),
                points: None,
            },
        };
        Self {
            card_id: card.card_id.into(),
            name: card.name,
            stamps_required: card.stamps_required.get().into(),
            categories: card.categories.into_iter().map(Into::into).collect(),
            min_spend: card.min_spend,
            max_stamps_per_day: card.max_stamps_per_day.map(|max| max.get().into()),
            reward,
        }
    }
}

/// A card whose reward names a reward the catalogue does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "stamp card \"{card_id}\": reward.rewardId \"{reward_id}\" is not in the rewards catalogue"
)]
pub struct UnknownStampReward {
    pub card_id: CardId,
    pub reward_id: RewardId,
}

/// Every card's reward is in `catalogue` (active or not: an inactive or sold-out reward is
/// paid in points, API.md).
pub fn check_rewards(cards: &[StampCard], catalogue: &[Reward]) -> Result<(), UnknownStampReward> {
    for card in cards {
        if let StampReward::Reward(reward_id) = &card.reward
            && !catalogue.iter().any(|r| &r.reward_id == reward_id)
        {
            return Err(UnknownStampReward {
                card_id: card.card_id.clone(),
                reward_id: reward_id.clone(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::currency::Currency;
    use serde_json::json;

    fn card(document: serde_json::Value) -> Result<StampCard, InvalidStampCard> {
        StampCard::try_from(serde_json::from_value::<StampCardDocument>(document).unwrap())
    }

    fn coffee() -> serde_json::Value {
        json!({"cardId": "coffee", "name": "Coffee card", "stampsRequired": 10,
               "categories": ["coffee"], "minSpend": {"amount": 250, "currency": "EUR"},
               "maxStampsPerDay": 2, "reward": {"rewardId": "free-coffee"}})
    }

    fn with(field: &str, value: serde_json::Value) -> serde_json::Value {
        let mut document = coffee();
        document[field] = value;
        document
    }

    fn eur(minor: i64) -> Money {
        Money::new(minor, Currency::try_from("EUR").unwrap()).unwrap()
    }

    #[test]
    fn a_card_parses_and_writes_back_unchanged() {
        let parsed = card(coffee()).unwrap();
        assert_eq!(parsed.stamps_required().get(), 10);
        assert_eq!(
            parsed.reward(),
            &StampReward::Reward(RewardId::try_from("free-coffee").unwrap())
        );
        let back = serde_json::to_value(StampCardDocument::from(parsed)).unwrap();
        assert_eq!(back, coffee());
    }

    #[test]
    fn each_bad_field_is_refused_with_its_own_reason() {
        for (bad, expected) in [
            (json!(1), "stampsRequired"),
            (json!(101), "stampsRequired"),
            (json!(2.5), "stampsRequired"),
        ] {
            let error = card(with("stampsRequired", bad)).unwrap_err();
            assert!(error.to_string().contains(expected), "{error}");
        }
        assert!(card(with("stampsRequired", json!(2))).is_ok());
        assert!(card(with("stampsRequired", json!(100))).is_ok());
        assert!(matches!(
            card(with("cardId", json!("no spaces"))),
            Err(InvalidStampCard::CardId(_))
        ));
        assert_eq!(
            card(with("name", json!(" padded"))),
            Err(InvalidStampCard::Name)
        );
        assert!(matches!(
            card(with("categories", json!(["coffee", "coffee"]))),
            Err(InvalidStampCard::DuplicateCategory(_))
        ));
        assert!(matches!(
            card(with("maxStampsPerDay", json!(0))),
            Err(InvalidStampCard::MaxStampsPerDay(_))
        ));
        assert!(matches!(
            card(with("reward", json!({"points": -5}))),
            Err(InvalidStampCard::RewardPoints(_))
        ));
        assert!(matches!(
            card(with("reward", json!({"points": 0}))),
            Err(InvalidStampCard::RewardPoints(_))
        ));
        assert_eq!(
            card(with("reward", json!({"points": 5, "rewardId": "x"}))),
            Err(InvalidStampCard::RewardShape)
        );
        assert_eq!(
            card(with("reward", json!({}))),
            Err(InvalidStampCard::RewardShape)
        );
    }

    #[test]
    fn a_purchase_matches_by_category_and_minimum_spend_in_the_same_currency() {
        let card = card(coffee()).unwrap();
        let coffee = RuleId::try_from("coffee").unwrap();
        let tea = RuleId::try_from("tea").unwrap();
        assert!(card.matches(&eur(250), Some(&coffee)));
        assert!(!card.matches(&eur(249), Some(&coffee)));
        assert!(!card.matches(&eur(900), Some(&tea)));
        assert!(!card.matches(&eur(900), None));
        let usd = Money::new(900, Currency::try_from("USD").unwrap()).unwrap();
        assert!(!card.matches(&usd, Some(&coffee)));
        let any = super::tests::card(json!({"cardId": "any", "name": "Any", "stampsRequired": 5,
            "reward": {"points": 50}}))
        .unwrap();
        assert!(any.matches(&usd, None));
    }

    #[test]
    fn rewards_must_be_in_the_catalogue() {
        let cards = vec![card(coffee()).unwrap()];
        let error = check_rewards(&cards, &[]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "stamp card \"coffee\": reward.rewardId \"free-coffee\" is not in the rewards catalogue"
        );
        let reward: Reward = serde_json::from_value(json!({"rewardId": "free-coffee",
            "name": "Coffee", "cost": 100, "active": false}))
        .unwrap();
        assert_eq!(check_rewards(&cards, &[reward]), Ok(()));
    }
}
