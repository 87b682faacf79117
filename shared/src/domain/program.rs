//! The programme configuration: earn rules and the tier ladder, as operators write it with
//! `PUT /v1/program` and read it back with `GET /v1/program`. A [`Program`] only exists once
//! every rule has been checked, so the earn engine and the tier evaluation never meet a
//! half-valid configuration.

use serde::{Deserialize, Serialize};
use time::{OffsetDateTime, UtcOffset};

use super::action_rule::{ActionRule, ActionRuleDocument, InvalidActionRule, action_rules};
use super::challenge::{Challenge, ChallengeDocument, InvalidChallenge, challenges};
use super::currency::{Currency, UnknownCurrency};
use super::engagement::{Engagement, EngagementDocument, InvalidEngagement};
use super::identifier::{ActionName, CardId, InvalidIdentifier, PlanId, RewardId, RuleId};
use super::membership::{InvalidPlan, MembershipPlan, MembershipPlanDocument, membership_plans};
use super::money::MAX_MINOR_AMOUNT;
use super::multiplier::Multiplier;
use super::partner_limits::{InvalidPartnerLimit, PartnerLimits, PartnerLimitsDocument};
use super::pending::{MAX_PENDING_DAYS, PendingDays};
use super::points::{MAX_POINTS, Points};
use super::referral::{InvalidReferral, ReferralDocument, ReferralTerms};
use super::reward::Reward;
use super::stamp_card::{
    InvalidStampCard, MAX_CARDS, StampCard, StampCardDocument, StampReward, UnknownStampReward,
    check_rewards,
};
use super::tier::{InvalidTier, Tier, TierDocument, TierName, is_display_text};
use super::tier_policy::{InvalidTierPolicy, TierPolicy, TierPolicyDocument};

pub const DEFAULT_POINTS_EXPIRY_MONTHS: u16 = 12;
pub const MAX_POINTS_EXPIRY_MONTHS: u16 = 120;
pub const DEFAULT_QUALIFYING_WINDOW_DAYS: u16 = 365;
pub const MAX_QUALIFYING_WINDOW_DAYS: u16 = 3650;
const MAX_PROMOTION_NAME_CHARS: usize = 128;

/// Why a programme document was refused. Each message names the offending item, as the API
/// returns it verbatim as the reason of a 400.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProgramError {
    /// Not JSON, a wrong type, a missing or unknown field: serde_json's message.
    #[error("{0}")]
    Malformed(String),
    #[error("earnRules.baseRates must list at least one currency")]
    NoBaseRate,
    #[error("earnRules.baseRates[{index}]: {source}")]
    UnknownCurrency {
        index: usize,
        source: UnknownCurrency,
    },
    #[error("earnRules.baseRates lists currency {0} more than once")]
    DuplicateCurrency(Currency),
    #[error(
        "earnRules.baseRates {currency}: points must be between 1 and {MAX_POINTS}, got {points}"
    )]
    BaseRatePoints { currency: Currency, points: i64 },
    #[error(
        "earnRules.baseRates {currency}: perMinorUnits must be between 1 and {MAX_MINOR_AMOUNT}, got {per_minor_units}"
    )]
    BaseRatePerMinorUnits {
        currency: Currency,
        per_minor_units: i64,
    },
    #[error("{path}: {source}")]
    InvalidIdentifier {
        path: String,
        source: InvalidIdentifier,
    },
    #[error("earnRules.categoryMultipliers lists category \"{0}\" more than once")]
    DuplicateCategory(RuleId),
    #[error("earnRules.promotions uses promotionId \"{0}\" more than once")]
    DuplicatePromotion(RuleId),
    #[error(
        "promotion \"{0}\": name must be 1 to {MAX_PROMOTION_NAME_CHARS} characters, without control characters or leading or trailing spaces"
    )]
    PromotionName(RuleId),
    #[error("promotion \"{0}\": validFrom must be before validTo")]
    PromotionWindow(RuleId),
    #[error("promotion \"{0}\": needs a multiplier, bonusPoints or both")]
    PromotionWithoutReward(RuleId),
    #[error(
        "promotion \"{promotion_id}\": bonusPoints must be between 1 and {MAX_POINTS}, got {bonus_points}"
    )]
    PromotionBonusPoints {
        promotion_id: RuleId,
        bonus_points: i64,
    },
    #[error("earnRules.{cap} must be between 1 and {MAX_POINTS}, got {value}")]
    Cap { cap: &'static str, value: i64 },
    #[error("tiers must list at least one tier")]
    NoTier,
    #[error("tiers[{index}]: {source}")]
    InvalidTier { index: usize, source: InvalidTier },
    #[error("the first tier \"{tier}\" must have qualifyingPoints 0, got {qualifying_points}")]
    FirstTierThreshold {
        tier: TierName,
        qualifying_points: i64,
    },
    #[error(
        "tier \"{tier}\": qualifyingPoints {qualifying_points} must be greater than the previous tier's {previous}"
    )]
    TierThresholdsNotIncreasing {
        tier: TierName,
        qualifying_points: i64,
        previous: i64,
    },
    #[error("tier name \"{0}\" is used more than once")]
    DuplicateTierName(TierName),
    #[error("pointsExpiryMonths must be between 1 and {MAX_POINTS_EXPIRY_MONTHS}, got {0}")]
    PointsExpiryMonths(i64),
    #[error("qualifyingWindowDays must be between 1 and {MAX_QUALIFYING_WINDOW_DAYS}, got {0}")]
    QualifyingWindowDays(i64),
    #[error("pendingDays must be a whole number of days from 0 to {MAX_PENDING_DAYS}, got {0}")]
    PendingDays(serde_json::Number),
    #[error(
        "birthdayBonus.points must be a positive whole number of at most {MAX_POINTS}, got {0}"
    )]
    BirthdayBonus(serde_json::Number),
    #[error("stampCards[{index}]: {source}")]
    StampCard {
        index: usize,
        source: InvalidStampCard,
    },
    #[error("stampCards uses cardId \"{0}\" more than once")]
    DuplicateStampCard(CardId),
    #[error("stampCards lists at most {MAX_CARDS} cards, got {0}")]
    TooManyStampCards(usize),
    #[error(transparent)]
    UnknownStampReward(#[from] UnknownStampReward),
    #[error(transparent)]
    TierPolicy(InvalidTierPolicy),
    #[error(transparent)]
    PartnerLimits(#[from] InvalidPartnerLimit),
    #[error(transparent)]
    Referral(#[from] InvalidReferral),
    #[error(transparent)]
    Engagement(#[from] InvalidEngagement),
    #[error(transparent)]
    ActionRule(#[from] InvalidActionRule),
    #[error(transparent)]
    Challenge(#[from] InvalidChallenge),
    #[error(transparent)]
    MembershipPlan(#[from] InvalidPlan),
}

// ---------------------------------------------------------------------------------------
// The documents: the JSON shape, parsed but not yet checked. Numbers that have a range are
// plain integers here so that a bad one is reported with its item, not as a serde error.
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProgramDocument {
    #[serde(default)]
    pub earn_rules: EarnRulesDocument,
    #[serde(default)]
    pub tiers: Vec<TierDocument>,
    #[serde(default = "default_points_expiry_months")]
    pub points_expiry_months: i64,
    #[serde(default = "default_qualifying_window_days")]
    pub qualifying_window_days: i64,
    #[serde(default)]
    pub tier_policy: TierPolicyDocument,
    #[serde(default)]
    pub partner_limits: PartnerLimitsDocument,
    /// Any number, so that 1.5 or -1 is refused with this field's own message.
    #[serde(default = "default_pending_days")]
    pub pending_days: serde_json::Number,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birthday_bonus: Option<BirthdayBonusDocument>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stamp_cards: Vec<StampCardDocument>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral: Option<ReferralDocument>,
    #[serde(default)]
    pub engagement: EngagementDocument,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub action_rules: Vec<ActionRuleDocument>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub challenges: Vec<ChallengeDocument>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub membership_plans: Vec<MembershipPlanDocument>,
}

/// What the daily run credits on a member's birthday.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BirthdayBonusDocument {
    /// Any number, so that 1.5 or 0 is refused with this field's own message.
    pub points: serde_json::Number,
}

fn default_pending_days() -> serde_json::Number {
    0.into()
}

fn default_points_expiry_months() -> i64 {
    i64::from(DEFAULT_POINTS_EXPIRY_MONTHS)
}

fn default_qualifying_window_days() -> i64 {
    i64::from(DEFAULT_QUALIFYING_WINDOW_DAYS)
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EarnRulesDocument {
    #[serde(default)]
    pub base_rates: Vec<BaseRateDocument>,
    #[serde(default)]
    pub category_multipliers: Vec<CategoryMultiplierDocument>,
    #[serde(default)]
    pub promotions: Vec<PromotionDocument>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_transaction_cap: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daily_cap: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BaseRateDocument {
    pub currency: String,
    pub points: i64,
    pub per_minor_units: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CategoryMultiplierDocument {
    pub category: String,
    pub multiplier: Multiplier,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PromotionDocument {
    pub promotion_id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multiplier: Option<Multiplier>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bonus_points: Option<i64>,
    /// Empty means every purchase, with or without a category.
    #[serde(default)]
    pub categories: Vec<String>,
    #[serde(with = "crate::domain::rfc3339")]
    pub valid_from: OffsetDateTime,
    #[serde(with = "crate::domain::rfc3339")]
    pub valid_to: OffsetDateTime,
}

// ---------------------------------------------------------------------------------------
// The checked programme.
// ---------------------------------------------------------------------------------------

/// `points` points for every `per_minor_units` minor units of `currency`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseRate {
    currency: Currency,
    points: Points,
    per_minor_units: i64,
}

impl BaseRate {
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// At least 1.
    pub fn points(&self) -> Points {
        self.points
    }

    /// At least 1.
    pub fn per_minor_units(&self) -> i64 {
        self.per_minor_units
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryMultiplier {
    category: RuleId,
    multiplier: Multiplier,
    /// `category:<category>`, built once rather than on every purchase.
    rule: String,
}

impl CategoryMultiplier {
    pub fn category(&self) -> &RuleId {
        &self.category
    }

    pub fn multiplier(&self) -> Multiplier {
        self.multiplier
    }

    pub(crate) fn rule(&self) -> &str {
        &self.rule
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Promotion {
    promotion_id: RuleId,
    name: String,
    multiplier: Option<Multiplier>,
    bonus_points: Option<Points>,
    categories: Vec<RuleId>,
    valid_from: OffsetDateTime,
    valid_to: OffsetDateTime,
    /// `promotion:<promotionId>`, built once rather than on every purchase.
    rule: String,
}

impl Promotion {
    pub fn promotion_id(&self) -> &RuleId {
        &self.promotion_id
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn multiplier(&self) -> Option<Multiplier> {
        self.multiplier
    }

    /// At least 1 when present; a promotion has a multiplier, bonus points or both.
    pub fn bonus_points(&self) -> Option<Points> {
        self.bonus_points
    }

    /// Empty means every purchase.
    pub fn categories(&self) -> &[RuleId] {
        &self.categories
    }

    pub fn valid_from(&self) -> OffsetDateTime {
        self.valid_from
    }

    pub fn valid_to(&self) -> OffsetDateTime {
        self.valid_to
    }

    /// `validFrom <= at < validTo`: a promotion ending at midnight does not apply at midnight.
    pub fn is_active_at(&self, at: OffsetDateTime) -> bool {
        self.valid_from <= at && at < self.valid_to
    }

    /// A restricted promotion needs the purchase to carry one of its categories.
    pub fn applies_to(&self, category: Option<&RuleId>) -> bool {
        self.categories.is_empty()
            || category.is_some_and(|category| self.categories.contains(category))
    }

    pub(crate) fn rule(&self) -> &str {
        &self.rule
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarnRules {
    base_rates: Vec<BaseRate>,
    category_multipliers: Vec<CategoryMultiplier>,
    promotions: Vec<Promotion>,
    per_transaction_cap: Option<Points>,
    daily_cap: Option<Points>,
}

impl EarnRules {
    /// Never empty, one per currency.
    pub fn base_rates(&self) -> &[BaseRate] {
        &self.base_rates
    }

    pub fn base_rate(&self, currency: Currency) -> Option<&BaseRate> {
        self.base_rates
            .iter()
            .find(|rate| rate.currency == currency)
    }

    pub fn category_multipliers(&self) -> &[CategoryMultiplier] {
        &self.category_multipliers
    }

    pub fn category_multiplier(&self, category: &RuleId) -> Option<&CategoryMultiplier> {
        self.category_multipliers
            .iter()
            .find(|entry| entry.category == *category)
    }

    pub fn promotions(&self) -> &[Promotion] {
        &self.promotions
    }

    /// At least 1 when present.
    pub fn per_transaction_cap(&self) -> Option<Points> {
        self.per_transaction_cap
    }

    /// At least 1 when present.
    pub fn daily_cap(&self) -> Option<Points> {
        self.daily_cap
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ProgramDocument", into = "ProgramDocument")]
pub struct Program {
    earn_rules: EarnRules,
    /// The tier ladder, split so that its non-emptiness is a fact of the type: the lowest
    /// tier (threshold 0) and the others by strictly increasing threshold.
    lowest_tier: Tier,
    higher_tiers: Vec<Tier>,
    points_expiry_months: u16,
    qualifying_window_days: u16,
    tier_policy: TierPolicy,
    partner_limits: PartnerLimits,
    pending_days: PendingDays,
    birthday_bonus: Option<Points>,
    stamp_cards: Vec<StampCard>,
    referral: Option<ReferralTerms>,
    engagement: Engagement,
    action_rules: Vec<ActionRule>,
    challenges: Vec<Challenge>,
    membership_plans: Vec<MembershipPlan>,
}

impl Program {
    pub fn tier_policy(&self) -> &TierPolicy {
        &self.tier_policy
    }

    pub fn partner_limits(&self) -> PartnerLimits {
        self.partner_limits
    }

    /// A tier's position in the ladder, 0 for the entry tier; `None` for a name not in it.
    pub fn tier_rank(&self, name: &str) -> Option<usize> {
        self.tiers().position(|tier| tier.name().as_str() == name)
    }

    /// Parses and checks a `PUT /v1/program` body.
    pub fn from_json(bytes: &[u8]) -> Result<Program, ProgramError> {
        let document: ProgramDocument = serde_json::from_slice(bytes)
            .map_err(|error| ProgramError::Malformed(error.to_string()))?;
        Program::try_from(document)
    }

    pub fn earn_rules(&self) -> &EarnRules {
        &self.earn_rules
    }

    pub fn base_rate(&self, currency: Currency) -> Option<&BaseRate> {
        self.earn_rules.base_rate(currency)
    }

    /// Lowest first, by strictly increasing threshold.
    pub fn tiers(&self) -> impl DoubleEndedIterator<Item = &Tier> + Clone {
        std::iter::once(&self.lowest_tier).chain(self.higher_tiers.iter())
    }

    pub fn tier_count(&self) -> usize {
        1 + self.higher_tiers.len()
    }

    /// The tier every member starts in; its threshold is 0.
    pub fn lowest_tier(&self) -> &Tier {
        &self.lowest_tier
    }

    pub fn tier_named(&self, name: &str) -> Option<&Tier> {
        self.tiers().find(|tier| tier.name().as_str() == name)
    }

    /// The highest tier whose threshold is at most `qualifying`; the lowest tier for
    /// anything below every threshold, negative totals included.
    pub fn tier_for(&self, qualifying: Points) -> &Tier {
        self.higher_tiers
            .iter()
            .rev()
            .find(|tier| tier.qualifying_points() <= qualifying)
            .unwrap_or(&self.lowest_tier)
    }

    /// The tier above `name`; `None` at the top or for a name not in the ladder.
    pub fn next_tier_after(&self, name: &TierName) -> Option<&Tier> {
        let mut tiers = self.tiers();
        tiers.by_ref().find(|tier| tier.name() == name)?;
        tiers.next()
    }

    /// 1 to 120.
    pub fn points_expiry_months(&self) -> u16 {
        self.points_expiry_months
    }

    /// 1 to 3650.
    pub fn qualifying_window_days(&self) -> u16 {
        self.qualifying_window_days
    }

    /// How long points earned by a purchase stay pending (0: spendable at once).
    pub fn pending_days(&self) -> PendingDays {
        self.pending_days
    }

    /// The points a member gets on its birthday; `None`: no birthday bonus.
    pub fn birthday_bonus(&self) -> Option<Points> {
        self.birthday_bonus
    }

    /// The stamp cards, at most [`MAX_CARDS`], each id once.
    pub fn stamp_cards(&self) -> &[StampCard] {
        &self.stamp_cards
    }

    pub fn stamp_card(&self, card_id: &CardId) -> Option<&StampCard> {
        self.stamp_cards
            .iter()
            .find(|card| card.card_id() == card_id)
    }

    /// Whether completing a card can issue a voucher, so that an earn needs the catalogue.
    pub fn has_voucher_cards(&self) -> bool {
        self.stamp_cards
            .iter()
            .any(|card| matches!(card.reward(), StampReward::Reward(_)))
    }

    /// The rewards the stamp cards give, which `PUT /v1/program` checks in the catalogue.
    pub fn stamp_reward_ids(&self) -> impl Iterator<Item = &RewardId> {
        self.stamp_cards
            .iter()
            .filter_map(|card| match card.reward() {
                StampReward::Reward(reward_id) => Some(reward_id),
                StampReward::Points(_) => None,
            })
    }

    /// Every reward a stamp card names is in `catalogue` (the programme alone cannot say).
    pub fn check_stamp_rewards(&self, catalogue: &[Reward]) -> Result<(), ProgramError> {
        Ok(check_rewards(&self.stamp_cards, catalogue)?)
    }

    /// The referral terms; `None`: nobody earns referral bonuses.
    /// When members count as gone quiet, and when a tier is at risk (defaults when unset).
    pub fn engagement(&self) -> Engagement {
        self.engagement
    }

    pub fn referral(&self) -> Option<&ReferralTerms> {
        self.referral.as_ref()
    }

    /// The rule that rewards `action`; `None`: the programme does not reward it.
    pub fn action_rule(&self, action: &ActionName) -> Option<&ActionRule> {
        self.action_rules
            .iter()
            .find(|rule| rule.action() == action)
    }

    /// The challenges, at most [`super::challenge::MAX_CHALLENGES`], each id once.
    pub fn challenges(&self) -> &[Challenge] {
        &self.challenges
    }

    pub fn membership_plan(&self, plan_id: &PlanId) -> Option<&MembershipPlan> {
        self.membership_plans
            .iter()
            .find(|plan| plan.plan_id() == plan_id)
    }
}

fn identifier(raw: String, path: impl FnOnce() -> String) -> Result<RuleId, ProgramError> {
    RuleId::try_from(raw).map_err(|source| ProgramError::InvalidIdentifier {
        path: path(),
        source,
    })
}

/// Times are kept in UTC, as the API writes them; an instant that UTC cannot express within
/// `time`'s range keeps the offset it was given.
pub(super) fn utc(at: OffsetDateTime) -> OffsetDateTime {
    at.checked_to_offset(UtcOffset::UTC).unwrap_or(at)
}

fn cap(name: &'static str, value: Option<i64>) -> Result<Option<Points>, ProgramError> {
    value
        .map(|value| {
            Points::new(value)
                .filter(|cap| cap.is_positive())
                .ok_or(ProgramError::Cap { cap: name, value })
        })
        .transpose()
}

impl TryFrom<EarnRulesDocument> for EarnRules {
    type Error = ProgramError;

    fn try_from(document: EarnRulesDocument) -> Result<Self, Self::Error> {
        if document.base_rates.is_empty() {
            return Err(ProgramError::NoBaseRate);
        }
        let mut base_rates: Vec<BaseRate> = Vec::with_capacity(document.base_rates.len());
        for (index, rate) in document.base_rates.into_iter().enumerate() {
            let currency = Currency::try_from(rate.currency)
                .map_err(|source| ProgramError::UnknownCurrency { index, source })?;
            if base_rates.iter().any(|known| known.currency == currency) {
                return Err(ProgramError::DuplicateCurrency(currency));
            }
            let points = Points::new(rate.points)
                .filter(|points| points.is_positive())
                .ok_or(ProgramError::BaseRatePoints {
                    currency,
                    points: rate.points,
                })?;
            if !(1..=MAX_MINOR_AMOUNT).contains(&rate.per_minor_units) {
                return Err(ProgramError::BaseRatePerMinorUnits {
                    currency,
                    per_minor_units: rate.per_minor_units,
                });
            }
            base_rates.push(BaseRate {
                currency,
                points,
                per_minor_units: rate.per_minor_units,
            });
        }

        let mut category_multipliers: Vec<CategoryMultiplier> =
            Vec::with_capacity(document.category_multipliers.len());
        for (index, entry) in document.category_multipliers.into_iter().enumerate() {
            let category = identifier(entry.category, || {
                format!("earnRules.categoryMultipliers[{index}].category")
            })?;
            if category_multipliers
                .iter()
                .any(|known| known.category == category)
            {
                return Err(ProgramError::DuplicateCategory(category));
            }
            let rule = format!("category:{category}");
            category_multipliers.push(CategoryMultiplier {
                category,
                multiplier: entry.multiplier,
                rule,
            });
        }

        let mut promotions: Vec<Promotion> = Vec::with_capacity(document.promotions.len());
        for (index, promotion) in document.promotions.into_iter().enumerate() {
            let promotion_id = identifier(promotion.promotion_id, || {
                format!("earnRules.promotions[{index}].promotionId")
            })?;
            if promotions
                .iter()
                .any(|known| known.promotion_id == promotion_id)
            {
                return Err(ProgramError::DuplicatePromotion(promotion_id));
            }
            if !is_display_text(&promotion.name, MAX_PROMOTION_NAME_CHARS) {
                return Err(ProgramError::PromotionName(promotion_id));
            }
            if promotion.multiplier.is_none() && promotion.bonus_points.is_none() {
                return Err(ProgramError::PromotionWithoutReward(promotion_id));
            }
            let bonus_points = match promotion.bonus_points {
                None => None,
                Some(bonus_points) => Some(
                    Points::new(bonus_points)
                        .filter(|points| points.is_positive())
                        .ok_or_else(|| ProgramError::PromotionBonusPoints {
                            promotion_id: promotion_id.clone(),
                            bonus_points,
                        })?,
                ),
            };
            let categories = promotion
                .categories
                .into_iter()
                .enumerate()
                .map(|(position, category)| {
                    identifier(category, || {
                        format!("earnRules.promotions[{index}].categories[{position}]")
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            if promotion.valid_from >= promotion.valid_to {
                return Err(ProgramError::PromotionWindow(promotion_id));
            }
            let rule = format!("promotion:{promotion_id}");
            promotions.push(Promotion {
                promotion_id,
                name: promotion.name,
                multiplier: promotion.multiplier,
                bonus_points,
                categories,
                valid_from: utc(promotion.valid_from),
                valid_to: utc(promotion.valid_to),
                rule,
            });
        }

        Ok(EarnRules {
            base_rates,
            category_multipliers,
            promotions,
            per_transaction_cap: cap("perTransactionCap", document.per_transaction_cap)?,
            daily_cap: cap("dailyCap", document.daily_cap)?,
        })
    }
}

/// Checks the ladder: at least one tier, the first at 0, thresholds strictly increasing,
/// names unique regardless of case (a "Gold" and a "gold" would confuse members and
/// rewards' `minTier`).
fn tier_ladder(documents: Vec<TierDocument>) -> Result<(Tier, Vec<Tier>), ProgramError> {
    let mut tiers: Vec<Tier> = Vec::with_capacity(documents.len());
    for (index, document) in documents.into_iter().enumerate() {
        let tier = Tier::try_from(document)
            .map_err(|source| ProgramError::InvalidTier { index, source })?;
        let folded = tier.name().as_str().to_lowercase();
        if tiers
            .iter()
            .any(|known| known.name().as_str().to_lowercase() == folded)
        {
            return Err(ProgramError::DuplicateTierName(tier.name().clone()));
        }
        match tiers.last() {
            None if tier.qualifying_points() != Points::ZERO => {
                return Err(ProgramError::FirstTierThreshold {
                    tier: tier.name().clone(),
                    qualifying_points: tier.qualifying_points().value(),
                });
            }
            Some(previous) if tier.qualifying_points() <= previous.qualifying_points() => {
                return Err(ProgramError::TierThresholdsNotIncreasing {
                    tier: tier.name().clone(),
                    qualifying_points: tier.qualifying_points().value(),
                    previous: previous.qualifying_points().value(),
                });
            }
            _ => {}
        }
        tiers.push(tier);
    }
    let mut tiers = tiers.into_iter();
    let lowest = tiers.next().ok_or(ProgramError::NoTier)?;
    Ok((lowest, tiers.collect()))
}

/// Checks the stamp cards: each on its own, ids unique, at most [`MAX_CARDS`].
fn stamp_cards(documents: Vec<StampCardDocument>) -> Result<Vec<StampCard>, ProgramError> {
    if documents.len() > MAX_CARDS {
        return Err(ProgramError::TooManyStampCards(documents.len()));
    }
    let mut cards: Vec<StampCard> = Vec::with_capacity(documents.len());
    for (index, document) in documents.into_iter().enumerate() {
        let card = StampCard::try_from(document)
            .map_err(|source| ProgramError::StampCard { index, source })?;
        if cards.iter().any(|known| known.card_id() == card.card_id()) {
            return Err(ProgramError::DuplicateStampCard(card.card_id().clone()));
        }
        cards.push(card);
    }
    Ok(cards)
}

impl TryFrom<ProgramDocument> for Program {
    type Error = ProgramError;

    fn try_from(document: ProgramDocument) -> Result<Self, Self::Error> {
        let earn_rules = EarnRules::try_from(document.earn_rules)?;
        let (lowest_tier, higher_tiers) = tier_ladder(document.tiers)?;
        let points_expiry_months = u16::try_from(document.points_expiry_months)
            .ok()
            .filter(|months| (1..=MAX_POINTS_EXPIRY_MONTHS).contains(months))
            .ok_or(ProgramError::PointsExpiryMonths(
                document.points_expiry_months,
            ))?;
        let qualifying_window_days = u16::try_from(document.qualifying_window_days)
            .ok()
            .filter(|days| (1..=MAX_QUALIFYING_WINDOW_DAYS).contains(days))
            .ok_or(ProgramError::QualifyingWindowDays(
                document.qualifying_window_days,
            ))?;
        let tier_policy =
            TierPolicy::try_from(document.tier_policy).map_err(ProgramError::TierPolicy)?;
        let partner_limits = PartnerLimits::try_from(document.partner_limits)?;
        let pending_days = document
            .pending_days
            .as_u64()
            .and_then(|days| u8::try_from(days).ok())
            .and_then(PendingDays::new)
            .ok_or(ProgramError::PendingDays(document.pending_days))?;
        let birthday_bonus = document
            .birthday_bonus
            .map(|bonus| {
                bonus
                    .points
                    .as_i64()
                    .and_then(Points::new)
                    .filter(|points| points.is_positive())
                    .ok_or(ProgramError::BirthdayBonus(bonus.points))
            })
            .transpose()?;
        let stamp_cards = stamp_cards(document.stamp_cards)?;
        let currencies: Vec<Currency> = earn_rules
            .base_rates
            .iter()
            .map(|rate| rate.currency)
            .collect();
        let referral = document
            .referral
            .map(|referral| ReferralTerms::parse(referral, &currencies))
            .transpose()?;
        let engagement = Engagement::try_from(document.engagement)?;
        let action_rules = action_rules(document.action_rules)?;
        let actions: Vec<&ActionName> = action_rules.iter().map(ActionRule::action).collect();
        let challenges = challenges(document.challenges, &currencies, &actions)?;
        let tier_names: Vec<&str> = std::iter::once(&lowest_tier)
            .chain(&higher_tiers)
            .map(|tier| tier.name().as_str())
            .collect();
        let membership_plans =
            membership_plans(document.membership_plans, |tier| tier_names.contains(&tier))?;
        Ok(Program {
            earn_rules,
            lowest_tier,
            higher_tiers,
            points_expiry_months,
            qualifying_window_days,
            tier_policy,
            partner_limits,
            pending_days,
            birthday_bonus,
            stamp_cards,
            referral,
            engagement,
            action_rules,
            challenges,
            membership_plans,
        })
    }
}

impl From<Program> for ProgramDocument {
    fn from(program: Program) -> Self {
        let rules = program.earn_rules;
        ProgramDocument {
            earn_rules: EarnRulesDocument {
                base_rates: rules
                    .base_rates
                    .into_iter()
                    .map(|rate| BaseRateDocument {
                        currency: rate.currency.code().to_owned(),
                        points: rate.points.value(),
                        per_minor_units: rate.per_minor_units,
                    })
                    .collect(),
                category_multipliers: rules
                    .category_multipliers
                    .into_iter()
                    .map(|entry| CategoryMultiplierDocument {
                        category: entry.category.into(),
                        multiplier: entry.multiplier,
                    })
                    .collect(),
                promotions: rules
                    .promotions
                    .into_iter()
                    .map(|promotion| PromotionDocument {
                        promotion_id: promotion.promotion_id.into(),
                        name: promotion.name,
                        multiplier: promotion.multiplier,
                        bonus_points: promotion.bonus_points.map(Points::value),
                        categories: promotion.categories.into_iter().map(Into::into).collect(),
                        valid_from: promotion.valid_from,
                        valid_to: promotion.valid_to,
                    })
                    .collect(),
                per_transaction_cap: rules.per_transaction_cap.map(Points::value),
                daily_cap: rules.daily_cap.map(Points::value),
            },
            tiers: std::iter::once(program.lowest_tier)
                .chain(program.higher_tiers)
                .map(TierDocument::from)
                .collect(),
            points_expiry_months: i64::from(program.points_expiry_months),
            qualifying_window_days: i64::from(program.qualifying_window_days),
            tier_policy: program.tier_policy.into(),
            partner_limits: program.partner_limits.into(),
            pending_days: program.pending_days.days().into(),
            birthday_bonus: program.birthday_bonus.map(|points| BirthdayBonusDocument {
                points: points.value().into(),
            }),
            stamp_cards: program
                .stamp_cards
                .into_iter()
                .map(StampCardDocument::from)
                .collect(),
            referral: program.referral.map(ReferralDocument::from),
            engagement: program.engagement.into(),
            action_rules: program.action_rules.into_iter().map(Into::into).collect(),
            challenges: program.challenges.into_iter().map(Into::into).collect(),
            membership_plans: program
                .membership_plans
                .into_iter()
                .map(Into::into)
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};
    use time::macros::datetime;

    fn example() -> Value {
        json!({
            "earnRules": {
                "baseRates": [{"currency": "EUR", "points": 1, "perMinorUnits": 100}],
                "categoryMultipliers": [{"category": "coffee", "multiplier": 2}],
                "promotions": [{
                    "promotionId": "double-weekend",
                    "name": "Double points weekend",
                    "multiplier": 2,
                    "bonusPoints": 50,
                    "categories": ["coffee"],
                    "validFrom": "2026-11-27T00:00:00.000Z",
                    "validTo": "2026-11-30T00:00:00.000Z"
                }],
                "perTransactionCap": 5000,
                "dailyCap": 20000
            },
            "tiers": [
                {"name": "Member", "qualifyingPoints": 0, "earnMultiplier": 1, "perks": []},
                {"name": "Silver", "qualifyingPoints": 1000, "earnMultiplier": 1.25, "perks": []}
            ],
            "pointsExpiryMonths": 12,
            "qualifyingWindowDays": 365,
            "tierPolicy": {"reviewAfterDays": 365, "graceDays": 30, "downgrade": "oneStep", "expiryWarningDays": 30},
            "partnerLimits": {"perPurchase": 5000, "perMemberPerDay": 20000},
            "pendingDays": 14,
            "engagement": {"inactiveAfterDays": 45, "tierAtRiskDays": 21}
        })
    }

    fn parse(document: &Value) -> Result<Program, ProgramError> {
        Program::from_json(&serde_json::to_vec(document).unwrap())
    }

    /// The example with the value at a JSON pointer replaced, or added to its object.
    fn with(pointer: &str, value: Value) -> Value {
        let mut document = example();
        let (parent, last) = pointer.rsplit_once('/').unwrap();
        match document.pointer_mut(parent).unwrap() {
            Value::Object(object) => {
                object.insert(last.to_owned(), value);
            }
            other => *other.get_mut(last.parse::<usize>().unwrap()).unwrap() = value,
        }
        document
    }

    fn without(parent: &str, field: &str) -> Value {
        let mut document = example();
        document
            .pointer_mut(parent)
            .unwrap()
            .as_object_mut()
            .unwrap()
            .remove(field);
        document
    }

    fn error(document: &Value) -> ProgramError {
        parse(document).unwrap_err()
    }

    #[test]
    fn parses_the_example_and_serialises_it_back_unchanged() {
        let program = parse(&example()).unwrap();
        assert_eq!(serde_json::to_value(&program).unwrap(), example());
        // Through serde directly as well as through `from_json`.
        let again: Program = serde_json::from_value(example()).unwrap();
        assert_eq!(again, program);
    }

    #[test]
    fn exposes_the_rules() {
        let program = parse(&example()).unwrap();
        let rate = program.base_rate(Currency::EUR).unwrap();
        assert_eq!(rate.points().value(), 1);
        assert_eq!(rate.per_minor_units(), 100);
        assert!(program.base_rate(Currency::USD).is_none());
        let rules = program.earn_rules();
        let coffee = RuleId::try_from("coffee").unwrap();
        let entry = rules.category_multiplier(&coffee).unwrap();
        assert_eq!(entry.multiplier().thousandths(), 2000);
        assert_eq!(entry.rule(), "category:coffee");
        assert!(
            rules
                .category_multiplier(&RuleId::try_from("tea").unwrap())
                .is_none()
        );
        let promotion = &rules.promotions()[0];
        assert_eq!(promotion.promotion_id().as_str(), "double-weekend");
        assert_eq!(promotion.name(), "Double points weekend");
        assert_eq!(promotion.bonus_points().unwrap().value(), 50);
        assert_eq!(promotion.rule(), "promotion:double-weekend");
        assert_eq!(promotion.valid_from(), datetime!(2026-11-27 00:00 UTC));
        assert_eq!(rules.per_transaction_cap().unwrap().value(), 5000);
        assert_eq!(rules.daily_cap().unwrap().value(), 20000);
        assert_eq!(program.points_expiry_months(), 12);
        assert_eq!(program.qualifying_window_days(), 365);
    }

    #[test]
    fn promotion_window_is_start_inclusive_end_exclusive() {
        let program = parse(&example()).unwrap();
        let promotion = &program.earn_rules().promotions()[0];
        assert!(!promotion.is_active_at(datetime!(2026-11-26 23:59:59.999 UTC)));
        assert!(promotion.is_active_at(datetime!(2026-11-27 00:00 UTC)));
        assert!(!promotion.is_active_at(datetime!(2026-11-27 00:30 +01:00)));
        assert!(promotion.is_active_at(datetime!(2026-11-29 23:59:59.999 UTC)));
        assert!(!promotion.is_active_at(datetime!(2026-11-30 00:00 UTC)));
        let coffee = RuleId::try_from("coffee").unwrap();
        assert!(promotion.applies_to(Some(&coffee)));
        assert!(!promotion.applies_to(Some(&RuleId::try_from("tea").unwrap())));
        assert!(!promotion.applies_to(None));
    }

    #[test]
    fn defaults_apply_and_are_written_out() {
        let document = json!({
            "earnRules": {"baseRates": [{"currency": "EUR", "points": 1, "perMinorUnits": 100}]},
            "tiers": [{"name": "Member", "qualifyingPoints": 0}]
        });
        let program = parse(&document).unwrap();
        assert_eq!(program.points_expiry_months(), 12);
        assert_eq!(program.qualifying_window_days(), 365);
        assert_eq!(program.pending_days().days(), 0);
        assert!(program.lowest_tier().earn_multiplier().is_one());
        assert_eq!(
            serde_json::to_value(&program).unwrap(),
            json!({
                "earnRules": {
                    "baseRates": [{"currency": "EUR", "points": 1, "perMinorUnits": 100}],
                    "categoryMultipliers": [],
                    "promotions": []
                },
                "tiers": [{"name": "Member", "qualifyingPoints": 0, "earnMultiplier": 1, "perks": []}],
                "pointsExpiryMonths": 12,
                "qualifyingWindowDays": 365,
                "tierPolicy": {"reviewAfterDays": 365, "graceDays": 30, "downgrade": "oneStep", "expiryWarningDays": 30},
                "partnerLimits": {"perPurchase": 10000, "perMemberPerDay": 50000},
                "pendingDays": 0,
                "engagement": {"inactiveAfterDays": 60, "tierAtRiskDays": 30}
            })
        );
    }

    #[test]
    fn optional_promotion_fields_may_be_absent() {
        let document = without("/earnRules/promotions/0", "multiplier");
        let program = parse(&document).unwrap();
        assert_eq!(program.earn_rules().promotions()[0].multiplier(), None);
        assert_eq!(serde_json::to_value(&program).unwrap(), document);

        let document = without("/earnRules/promotions/0", "bonusPoints");
        let program = parse(&document).unwrap();
        assert_eq!(program.earn_rules().promotions()[0].bonus_points(), None);
        assert_eq!(serde_json::to_value(&program).unwrap(), document);

        let document = without("/earnRules/promotions/0", "categories");
        let program = parse(&document).unwrap();
        assert!(program.earn_rules().promotions()[0].categories().is_empty());
        assert!(program.earn_rules().promotions()[0].applies_to(None));
    }

    #[test]
    fn promotion_times_are_kept_in_utc() {
        let document = with(
            "/earnRules/promotions/0/validFrom",
            json!("2026-11-27T01:00:00+01:00"),
        );
        let program = parse(&document).unwrap();
        let json = serde_json::to_value(&program).unwrap();
        assert_eq!(
            json.pointer("/earnRules/promotions/0/validFrom"),
            Some(&json!("2026-11-27T00:00:00.000Z"))
        );
    }

    #[test]
    fn malformed_documents_keep_serde_json_s_message() {
        for (bytes, expected) in [
            (&b"{"[..], "EOF"),
            (b"3", "invalid type"),
            (b"{\"tiers\": 3}", "invalid type"),
            (b"{\"surprise\": 1}", "unknown field `surprise`"),
        ] {
            match Program::from_json(bytes) {
                Err(ProgramError::Malformed(message)) => {
                    assert!(message.contains(expected), "{message}")
                }
                other => panic!("{other:?}"),
            }
        }
        let cases = [
            with("/earnRules/baseRates/0/points", json!(1.5)),
            with("/earnRules/categoryMultipliers/0/multiplier", json!(1.0005)),
            with("/earnRules/categoryMultipliers/0/multiplier", json!(0)),
            with("/earnRules/promotions/0/validFrom", json!("27/11/2026")),
            with("/earnRules/promotions/0/colour", json!("red")),
            with("/tiers/0/earnMultiplier", json!("1")),
            with("/earnRules/perTransactionCap", json!("5000")),
        ];
        for document in cases {
            assert!(
                matches!(error(&document), ProgramError::Malformed(_)),
                "{document}"
            );
        }
    }

    #[test]
    fn each_rule_has_its_own_error_naming_the_item() {
        let euro_twice = json!([
            {"currency": "EUR", "points": 1, "perMinorUnits": 100},
            {"currency": "EUR", "points": 2, "perMinorUnits": 100}
        ]);
        let coffee_twice = json!([
            {"category": "coffee", "multiplier": 2},
            {"category": "coffee", "multiplier": 3}
        ]);
        let mut promotion_twice = example();
        let promotion = promotion_twice["earnRules"]["promotions"][0].clone();
        promotion_twice["earnRules"]["promotions"] = json!([promotion.clone(), promotion]);
        let mut no_reward = without("/earnRules/promotions/0", "multiplier");
        no_reward["earnRules"]["promotions"][0]
            .as_object_mut()
            .unwrap()
            .remove("bonusPoints");

        let cases: Vec<(Value, &str)> = vec![
            (with("/earnRules/baseRates", json!([])), "NoBaseRate"),
            (without("", "earnRules"), "NoBaseRate"),
            (
                with("/earnRules/baseRates/0/currency", json!("XYZ")),
                "UnknownCurrency",
            ),
            (
                with("/earnRules/baseRates", euro_twice),
                "DuplicateCurrency",
            ),
            (
                with("/earnRules/baseRates/0/points", json!(0)),
                "BaseRatePoints",
            ),
            (
                with("/earnRules/baseRates/0/points", json!(MAX_POINTS + 1)),
                "BaseRatePoints",
            ),
            (
                with("/earnRules/baseRates/0/perMinorUnits", json!(0)),
                "BaseRatePerMinorUnits",
            ),
            (
                with("/earnRules/baseRates/0/perMinorUnits", json!(-100)),
                "BaseRatePerMinorUnits",
            ),
            (
                with(
                    "/earnRules/categoryMultipliers/0/category",
                    json!("hot drinks"),
                ),
                "InvalidIdentifier",
            ),
            (
                with("/earnRules/categoryMultipliers", coffee_twice),
                "DuplicateCategory",
            ),
            (promotion_twice, "DuplicatePromotion"),
            (
                with("/earnRules/promotions/0/promotionId", json!("")),
                "InvalidIdentifier",
            ),
            (
                with("/earnRules/promotions/0/categories/0", json!("a/b")),
                "InvalidIdentifier",
            ),
            (
                with("/earnRules/promotions/0/name", json!(" ")),
                "PromotionName",
            ),
            (
                with(
                    "/earnRules/promotions/0/validTo",
                    json!("2026-11-27T00:00:00.000Z"),
                ),
                "PromotionWindow",
            ),
            (
                with(
                    "/earnRules/promotions/0/validTo",
                    json!("2026-11-01T00:00:00.000Z"),
                ),
                "PromotionWindow",
            ),
            (no_reward, "PromotionWithoutReward"),
            (
                with("/earnRules/promotions/0/bonusPoints", json!(0)),
                "PromotionBonusPoints",
            ),
            (with("/earnRules/perTransactionCap", json!(0)), "Cap"),
            (with("/earnRules/dailyCap", json!(-5)), "Cap"),
            (with("/tiers", json!([])), "NoTier"),
            (without("", "tiers"), "NoTier"),
            (with("/tiers/1/name", json!("")), "InvalidTier"),
            (with("/tiers/1/perks", json!(["\u{7}"])), "InvalidTier"),
            (
                with("/tiers/0/qualifyingPoints", json!(10)),
                "FirstTierThreshold",
            ),
            (with("/tiers/0/qualifyingPoints", json!(-10)), "InvalidTier"),
            (
                with("/tiers/1/qualifyingPoints", json!(0)),
                "TierThresholdsNotIncreasing",
            ),
            (with("/tiers/1/name", json!("member")), "DuplicateTierName"),
            (with("/pointsExpiryMonths", json!(0)), "PointsExpiryMonths"),
            (
                with("/pointsExpiryMonths", json!(121)),
                "PointsExpiryMonths",
            ),
            (
                with("/qualifyingWindowDays", json!(0)),
                "QualifyingWindowDays",
            ),
            (
                with("/qualifyingWindowDays", json!(3651)),
                "QualifyingWindowDays",
            ),
        ];
        for (document, variant) in cases {
            let error = error(&document);
            assert!(
                format!("{error:?}").starts_with(variant),
                "expected {variant}, got {error:?}"
            );
        }
    }

    #[test]
    fn messages_name_the_offending_item() {
        let message = |document: Value| error(&document).to_string();
        assert_eq!(
            message(with("/earnRules/baseRates/0/points", json!(0))),
            "earnRules.baseRates EUR: points must be between 1 and 1000000000000, got 0"
        );
        assert!(
            message(with("/earnRules/baseRates/0/currency", json!("XYZ")))
                .starts_with("earnRules.baseRates[0]: unknown currency \"XYZ\"")
        );
        assert!(
            message(with("/earnRules/promotions/0/categories/0", json!("a/b")))
                .starts_with("earnRules.promotions[0].categories[0]: identifier must be")
        );
        assert_eq!(
            message(with(
                "/earnRules/promotions/0/validTo",
                json!("2026-11-01T00:00:00.000Z")
            )),
            "promotion \"double-weekend\": validFrom must be before validTo"
        );
        assert_eq!(
            message(with("/tiers/1/qualifyingPoints", json!(0))),
            "tier \"Silver\": qualifyingPoints 0 must be greater than the previous tier's 0"
        );
        assert_eq!(
            message(with("/tiers/1/name", json!("MEMBER"))),
            "tier name \"MEMBER\" is used more than once"
        );
        assert!(
            message(with("/tiers/1/perks", json!(["ok", ""]))).starts_with("tiers[1]: perks[1]")
        );
        assert_eq!(
            message(with("/earnRules/dailyCap", json!(0))),
            "earnRules.dailyCap must be between 1 and 1000000000000, got 0"
        );
        for (days, shown) in [(json!(-1), "-1"), (json!(91), "91"), (json!(1.5), "1.5")] {
            assert_eq!(
                message(with("/pendingDays", days)),
                format!("pendingDays must be a whole number of days from 0 to 90, got {shown}")
            );
        }
        for (points, shown) in [
            (json!(0), "0"),
            (json!(-5), "-5"),
            (json!(2.5), "2.5"),
            (json!(1_000_000_000_001_i64), "1000000000001"),
        ] {
            assert_eq!(
                message(with("/birthdayBonus", json!({"points": points}))),
                format!(
                    "birthdayBonus.points must be a positive whole number of at most 1000000000000, got {shown}"
                )
            );
        }
        assert!(message(with("/birthdayBonus", json!({"points": "100"}))).contains("invalid type"));
        assert!(
            message(with("/birthdayBonus", json!({"points": 1, "x": 1}))).contains("unknown field")
        );
        let with_bonus = parse(&with("/birthdayBonus", json!({"points": 100}))).unwrap();
        assert_eq!(with_bonus.birthday_bonus(), Points::new(100));
        assert_eq!(
            serde_json::to_value(&with_bonus).unwrap()["birthdayBonus"],
            json!({"points": 100})
        );
        assert_eq!(parse(&example()).unwrap().birthday_bonus(), None);
        assert_eq!(
            parse(&with("/pendingDays", json!(90)))
                .unwrap()
                .pending_days()
                .days(),
            90
        );
        // Deserialising through serde reports the same reason.
        let error = serde_json::from_value::<Program>(with("/tiers", json!([]))).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("tiers must list at least one tier")
        );
    }

    #[test]
    fn stamp_cards_are_checked_card_by_card_and_as_a_set() {
        let card = |id: &str, required: Value| {
            json!({"cardId": id, "name": "Card", "stampsRequired": required,
                   "reward": {"points": 10}})
        };
        let program = parse(&with("/stampCards", json!([card("a", json!(2))]))).unwrap();
        assert_eq!(program.stamp_cards().len(), 1);
        assert!(!program.has_voucher_cards());
        assert_eq!(
            error(&with(
                "/stampCards",
                json!([card("a", json!(2)), card("b", json!(101))])
            ))
            .to_string(),
            "stampCards[1]: stampsRequired must be a whole number from 2 to 100, got 101"
        );
        assert_eq!(
            error(&with(
                "/stampCards",
                json!([card("a", json!(2)), card("a", json!(3))])
            ))
            .to_string(),
            "stampCards uses cardId \"a\" more than once"
        );
        let many: Vec<Value> = (0..=MAX_CARDS)
            .map(|i| card(&format!("c{i}"), json!(2)))
            .collect();
        assert!(matches!(
            error(&with("/stampCards", json!(many))),
            ProgramError::TooManyStampCards(_)
        ));
        let voucher = json!([{"cardId": "v", "name": "V", "stampsRequired": 5,
                              "reward": {"rewardId": "free-coffee"}}]);
        let program = parse(&with("/stampCards", voucher)).unwrap();
        assert!(program.has_voucher_cards());
        assert!(matches!(
            program.check_stamp_rewards(&[]),
            Err(ProgramError::UnknownStampReward(_))
        ));
    }

    fn ladder() -> Program {
        let document = with(
            "/tiers",
            json!([
                {"name": "Member", "qualifyingPoints": 0},
                {"name": "Silver", "qualifyingPoints": 1000, "earnMultiplier": 1.25},
                {"name": "Gold", "qualifyingPoints": 5000, "earnMultiplier": 1.5}
            ]),
        );
        parse(&document).unwrap()
    }

    #[test]
    fn tier_for_picks_the_highest_threshold_reached() {
        let program = ladder();
        let name = |points: i64| {
            program
                .tier_for(Points::new(points).unwrap())
                .name()
                .as_str()
                .to_owned()
        };
        assert_eq!(name(-50), "Member");
        assert_eq!(name(0), "Member");
        assert_eq!(name(999), "Member");
        assert_eq!(name(1000), "Silver");
        assert_eq!(name(4999), "Silver");
        assert_eq!(name(5000), "Gold");
        assert_eq!(name(MAX_POINTS), "Gold");
    }

    #[test]
    fn walks_the_ladder_by_name() {
        let program = ladder();
        assert_eq!(program.tier_count(), 3);
        assert_eq!(program.lowest_tier().name().as_str(), "Member");
        let names: Vec<&str> = program.tiers().map(|tier| tier.name().as_str()).collect();
        assert_eq!(names, ["Member", "Silver", "Gold"]);
        assert_eq!(
            program
                .tier_named("Silver")
                .unwrap()
                .qualifying_points()
                .value(),
            1000
        );
        assert!(program.tier_named("silver").is_none());
        let next = |name: &str| {
            program
                .next_tier_after(&TierName::try_from(name).unwrap())
                .map(|tier| tier.name().as_str().to_owned())
        };
        assert_eq!(next("Member").as_deref(), Some("Silver"));
        assert_eq!(next("Silver").as_deref(), Some("Gold"));
        assert_eq!(next("Gold"), None);
        assert_eq!(next("Platinum"), None);
    }

    #[test]
    fn engagement_periods_are_checked_and_default_when_absent() {
        let message = |document: Value| error(&document).to_string();
        let program = parse(&example()).unwrap();
        assert_eq!(
            EngagementDocument::from(program.engagement()),
            EngagementDocument {
                inactive_after_days: 45,
                tier_at_risk_days: 21
            }
        );
        let mut absent = example();
        absent.as_object_mut().unwrap().remove("engagement");
        assert_eq!(parse(&absent).unwrap().engagement(), Engagement::default());
        for (field, value, shown) in [
            ("inactiveAfterDays", json!(0), "0"),
            ("inactiveAfterDays", json!(-1), "-1"),
            ("tierAtRiskDays", json!(3651), "3651"),
        ] {
            assert_eq!(
                message(with(&format!("/engagement/{field}"), value)),
                format!(
                    "engagement.{field} must be a whole number of days from 1 to 3650, got {shown}"
                )
            );
        }
        assert!(
            message(with("/engagement/inactiveAfterDays", json!(1.5))).contains("invalid type")
        );
        assert!(message(with("/engagement/weeks", json!(1))).contains("unknown field"));
    }

    #[test]
    fn the_demo_fixture_is_a_valid_programme() {
        let bytes = include_bytes!("../../../tests/fixtures/demo-program.json");
        let program = Program::from_json(bytes).unwrap();
        for currency in [Currency::EUR, Currency::USD, Currency::GBP] {
            let rate = program.base_rate(currency).unwrap();
            assert_eq!((rate.points().value(), rate.per_minor_units()), (1, 100));
        }
        let names: Vec<&str> = program.tiers().map(|tier| tier.name().as_str()).collect();
        assert_eq!(names, ["Member", "Silver", "Gold"]);
        assert!(!program.tier_named("Gold").unwrap().perks().is_empty());
        let winter = &program.earn_rules().promotions()[0];
        assert!(winter.is_active_at(datetime!(2026-11-01 00:00 UTC)));
        assert!(winter.is_active_at(datetime!(2027-01-31 23:59 UTC)));
        assert!(!winter.is_active_at(datetime!(2027-02-01 00:00 UTC)));
        // And it round-trips, so GET /v1/program shows what was put.
        let original: Value = serde_json::from_slice(bytes).unwrap();
        assert_eq!(serde_json::to_value(&program).unwrap(), original);
    }
}
