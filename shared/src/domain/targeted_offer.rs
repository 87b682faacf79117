//! Targeted offers: bonus points the business funds for an audience of its members, for a
//! time, within a budget. An operator publishes one with `PUT /v1/offers/{offerId}`; a
//! member may have to activate it ("clip" it) first; every earn it applies to adds a
//! breakdown line `offer:<offerId>`. (Partner-funded offers are another thing: `offer.rs`.)

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use super::identifier::{MemberId, OfferId, RuleId, TransactionId};
use super::member::Member;
use super::money::Money;
use super::multiplier::Multiplier;
use super::offer::BonusDocument;
use super::points::{MAX_POINTS, Points};
use super::program::Program;
use super::tier::is_display_text;

/// The most offers a programme holds: the offer set is read whole (one Query) and kept by
/// every warm function.
pub const MAX_OFFERS: usize = 200;
/// The most member ids an audience may name (an offer item stays far below 400 KB).
pub const MAX_AUDIENCE_MEMBERS: usize = 1000;
/// The most offers one purchase gets: each adds a budget update to the earn's transaction,
/// which holds at most 100 items.
pub const MAX_OFFERS_PER_PURCHASE: usize = 40;
/// A budget is split into one shard per this many points, at most [`MAX_SHARDS`].
const POINTS_PER_SHARD: i64 = 10_000;
/// Shards of a budget: each is one item, so an offer sustains this many times one item's
/// write rate.
pub const MAX_SHARDS: u8 = 10;
const MAX_TITLE_CHARS: usize = 128;
const MAX_DESCRIPTION_CHARS: usize = 1000;
const MAX_DAYS: i64 = 3650;
const MAX_PER_MEMBER_LIMIT: i64 = 1_000_000;

/// `PUT /v1/offers/{offerId}`'s body, as the operator sends it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OfferDocument {
    pub title: String,
    pub description: Option<String>,
    pub bonus: BonusDocument,
    pub categories: Option<Vec<RuleId>>,
    pub min_spend: Option<Money>,
    #[serde(with = "crate::domain::rfc3339")]
    pub valid_from: OffsetDateTime,
    #[serde(with = "crate::domain::rfc3339")]
    pub valid_to: OffsetDateTime,
    pub audience: Option<AudienceDocument>,
    pub requires_activation: Option<bool>,
    pub per_member_limit: Option<i64>,
    pub budget_points: Option<i64>,
    pub active: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AudienceDocument {
    pub tiers: Option<Vec<String>>,
    pub inactive_for_days: Option<i64>,
    pub enrolled_within_days: Option<i64>,
    pub birthday_month: Option<bool>,
    pub member_ids: Option<Vec<MemberId>>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidTargetedOffer {
    #[error(
        "title must be 1 to {MAX_TITLE_CHARS} characters, without control characters or leading or trailing spaces"
    )]
    Title,
    #[error(
        "description must be 1 to {MAX_DESCRIPTION_CHARS} characters, without control characters"
    )]
    Description,
    #[error("bonus needs a multiplier, fixedPoints, or both")]
    NoBonus,
    #[error("bonus.fixedPoints must be a whole number from 1 to {MAX_POINTS}")]
    FixedPoints,
    #[error("validFrom must be before validTo")]
    Window,
    #[error("audience.tiers names {0:?}, which is not a tier of the programme")]
    UnknownTier(String),
    #[error("audience.{0} must be a whole number of days from 1 to {MAX_DAYS}")]
    Days(&'static str),
    #[error("audience.memberIds may name at most {MAX_AUDIENCE_MEMBERS} members")]
    TooManyMembers,
    #[error("perMemberLimit must be a whole number from 1 to {MAX_PER_MEMBER_LIMIT}")]
    PerMemberLimit,
    #[error("budgetPoints must be a whole number from 0 to {MAX_POINTS}")]
    Budget,
}

/// Who an offer is for: every condition given must hold (an absent audience is everyone).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Audience {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<String>,
    /// Members with no earn or redemption for at least this many days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inactive_for_days: Option<u16>,
    /// Members who enrolled at most this many days ago.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrolled_within_days: Option<u16>,
    /// Members whose birthday falls in the current month (UTC).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub birthday_month: bool,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub member_ids: BTreeSet<MemberId>,
}

/// The bonus: `multiplier` adds `floor(base * (m - 1))` like a promotion, `fixedPoints`
/// adds points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bonus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multiplier: Option<Multiplier>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_points: Option<Points>,
}

/// An offer as the programme keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetedOffer {
    pub offer_id: OfferId,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub bonus: Bonus,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<RuleId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_spend: Option<Money>,
    #[serde(with = "crate::domain::rfc3339")]
    pub valid_from: OffsetDateTime,
    #[serde(with = "crate::domain::rfc3339")]
    pub valid_to: OffsetDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<Audience>,
    pub requires_activation: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_member_limit: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_points: Option<Points>,
    pub active: bool,
    /// How many items the budget is counted in; chosen when the offer is created and never
    /// changed, so what each shard has given stays where it was counted.
    pub budget_shards: u8,
}

impl TargetedOffer {
    /// Validates `doc` against the programme. `existing`: the offer it replaces, whose
    /// budget shards it keeps.
    pub fn from_document(
        offer_id: OfferId,
        doc: OfferDocument,
        program: &Program,
        existing: Option<&TargetedOffer>,
    ) -> Result<Self, InvalidTargetedOffer> {
        if !is_display_text(&doc.title, MAX_TITLE_CHARS) {
            return Err(InvalidTargetedOffer::Title);
        }
        if let Some(description) = &doc.description {
            let chars = description.chars().count();
            if !(1..=MAX_DESCRIPTION_CHARS).contains(&chars)
                || description.chars().any(|c| c.is_control() && c != '\n')
            {
                return Err(InvalidTargetedOffer::Description);
            }
        }
        let fixed_points = doc
            .bonus
            .fixed_points
            .map(|p| {
                Points::new(p)
                    .filter(|p| p.is_positive())
                    .ok_or(InvalidTargetedOffer::FixedPoints)
            })
            .transpose()?;
        if doc.bonus.multiplier.is_none() && fixed_points.is_none() {
            return Err(InvalidTargetedOffer::NoBonus);
        }
        if doc.valid_from >= doc.valid_to {
            return Err(InvalidTargetedOffer::Window);
        }
        let audience = doc
            .audience
            .map(|audience| Audience::from_document(audience, program))
            .transpose()?;
        let per_member_limit = doc
            .per_member_limit
            .map(|limit| {
                u32::try_from(limit)
                    .ok()
                    .filter(|l| (1..=MAX_PER_MEMBER_LIMIT).contains(&i64::from(*l)))
                    .ok_or(InvalidTargetedOffer::PerMemberLimit)
            })
            .transpose()?;
        let budget_points = doc
            .budget_points
            .map(|budget| {
                Points::new(budget)
                    .filter(|b| b.value() >= 0)
                    .ok_or(InvalidTargetedOffer::Budget)
            })
            .transpose()?;
        let budget_shards = existing.map_or_else(
            || shards_for(budget_points),
            |existing| existing.budget_shards,
        );
        let mut categories = doc.categories.unwrap_or_default();
        categories.sort();
        categories.dedup();
        Ok(Self {
            offer_id,
            title: doc.title,
            description: doc.description,
            bonus: Bonus {
                multiplier: doc.bonus.multiplier,
                fixed_points,
            },
            categories,
            min_spend: doc.min_spend,
            valid_from: doc.valid_from,
            valid_to: doc.valid_to,
            audience,
            requires_activation: doc.requires_activation.unwrap_or(false),
            per_member_limit,
            budget_points,
            active: doc.active.unwrap_or(true),
            budget_shards,
        })
    }

    /// Whether a member may see it now: active, running, and the member in its audience.
    pub fn offered_to(&self, member: &Member, program: &Program, now: OffsetDateTime) -> bool {
        self.active
            && self.valid_from <= now
            && now < self.valid_to
            && self
                .audience
                .as_ref()
                .is_none_or(|a| a.includes(member, program, now))
    }

    /// Whether a purchase of `amount` in `category` at `at` is one the offer rewards: inside
    /// its window (start inclusive, end exclusive), of a listed category when it lists any,
    /// and at least its minimum spend in that currency.
    pub fn matches(&self, amount: &Money, category: Option<&RuleId>, at: OffsetDateTime) -> bool {
        let in_window = self.valid_from <= at && at < self.valid_to;
        let in_category =
            self.categories.is_empty() || category.is_some_and(|c| self.categories.contains(c));
        let spends_enough = self
            .min_spend
            .as_ref()
            .is_none_or(|min| amount.reaches(min));
        in_window && in_category && spends_enough
    }

    /// The bonus on a purchase whose programme base is `base`; `None` on overflow.
    pub fn bonus_for(&self, base: Points) -> Option<Points> {
        let multiplied = match self.bonus.multiplier {
            Some(m) => i128::from(m.apply_extra(base)?.value()),
            None => 0,
        };
        let fixed = self.bonus.fixed_points.map_or(0, |p| i128::from(p.value()));
        Points::new(i64::try_from(multiplied + fixed).ok()?)
    }

    /// What shard `shard` of the budget may give in all: the budget split evenly, the
    /// remainder going to the first shards. `None` without a budget.
    pub fn allotment(&self, shard: u8) -> Option<Points> {
        let budget = self.budget_points?.value();
        let shards = i64::from(self.budget_shards.max(1));
        let extra = i64::from(i64::from(shard) < budget % shards);
        Points::new(budget / shards + extra)
    }
}

/// One shard per [`POINTS_PER_SHARD`] of budget, 1 to [`MAX_SHARDS`]; an unlimited offer
/// only counts what it gives, spread over every shard.
fn shards_for(budget: Option<Points>) -> u8 {
    match budget {
        Some(budget) => {
            let wanted = (budget.value() + POINTS_PER_SHARD - 1) / POINTS_PER_SHARD;
            u8::try_from(wanted.clamp(1, i64::from(MAX_SHARDS))).unwrap_or(MAX_SHARDS)
        }
        None => MAX_SHARDS,
    }
}

impl Audience {
    fn from_document(
        doc: AudienceDocument,
        program: &Program,
    ) -> Result<Self, InvalidTargetedOffer> {
        let mut tiers = doc.tiers.unwrap_or_default();
        if let Some(unknown) = tiers.iter().find(|t| program.tier_named(t).is_none()) {
            return Err(InvalidTargetedOffer::UnknownTier(unknown.clone()));
        }
        tiers.sort();
        tiers.dedup();
        let days = |value: Option<i64>, field| {
            value
                .map(|d| {
                    u16::try_from(d)
                        .ok()
                        .filter(|d| (1..=MAX_DAYS).contains(&i64::from(*d)))
                        .ok_or(InvalidTargetedOffer::Days(field))
                })
                .transpose()
        };
        let member_ids = doc.member_ids.unwrap_or_default();
        if member_ids.len() > MAX_AUDIENCE_MEMBERS {
            return Err(InvalidTargetedOffer::TooManyMembers);
        }
        Ok(Self {
            tiers,
            inactive_for_days: days(doc.inactive_for_days, "inactiveForDays")?,
            enrolled_within_days: days(doc.enrolled_within_days, "enrolledWithinDays")?,
            birthday_month: doc.birthday_month.unwrap_or(false),
            member_ids: member_ids.into_iter().collect(),
        })
    }

    /// Whether `member` is in the audience at `now`: every condition given holds.
    pub fn includes(&self, member: &Member, program: &Program, now: OffsetDateTime) -> bool {
        let tier = self.tiers.is_empty()
            || self
                .tiers
                .iter()
                .any(|t| t.as_str() == member.current_tier(program, now).name().as_str());
        let inactive = self
            .inactive_for_days
            .is_none_or(|days| member.last_seen() + Duration::days(i64::from(days)) <= now);
        let new = self
            .enrolled_within_days
            .is_none_or(|days| now - member.enrolled_at() <= Duration::days(i64::from(days)));
        let birthday =
            !self.birthday_month || member.birthday().is_some_and(|b| b.month() == now.month());
        let listed = self.member_ids.is_empty() || self.member_ids.contains(member.id());
        tier && inactive && new && birthday && listed
    }

    /// Takes an erased member's id out of the list; whether it was there.
    pub fn forget(&mut self, member: &MemberId) -> bool {
        self.member_ids.remove(member)
    }
}

/// What a member has done with one offer, kept on the member until the offer ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OfferProgress {
    #[serde(default)]
    pub activated: bool,
    /// Purchases the offer has applied to (a full reversal gives one back).
    #[serde(default)]
    pub uses: u32,
    #[serde(with = "crate::domain::rfc3339")]
    pub until: OffsetDateTime,
}

/// Points drawn from, or given back to, one shard of an offer's budget, written in the same
/// transaction as the earn or the refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardPoints {
    pub offer_id: OfferId,
    pub shard: u8,
    pub points: Points,
}

/// The offers as a decision sees them: the programme's offer set (kept by the warm
/// function, in offer-id order) and the budget shards this function saw run out.
#[derive(Debug, Clone, Default)]
pub struct OfferSet {
    pub offers: Arc<Vec<TargetedOffer>>,
    /// `(offer, shard)` pairs whose budget was too low for a draw, lately.
    pub exhausted: BTreeSet<(OfferId, u8)>,
}

impl OfferSet {
    pub fn iter(&self) -> impl Iterator<Item = &TargetedOffer> {
        self.offers.iter()
    }

    pub fn get(&self, offer: &OfferId) -> Option<&TargetedOffer> {
        self.offers.iter().find(|o| &o.offer_id == offer)
    }

    /// The shard a purchase draws `points` from: the one its transaction id hashes to, or
    /// the next not known to have run out. `None` when every shard of a budget has, or
    /// when the budget could never cover `points`.
    pub fn shard_for(
        &self,
        offer: &TargetedOffer,
        transaction: &TransactionId,
        points: Points,
    ) -> Option<u8> {
        let shards = offer.budget_shards.max(1);
        // FNV-1a: stable across processes, so a retried purchase starts at the same shard.
        let hash = transaction
            .as_str()
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            });
        let start = u8::try_from(hash % u64::from(shards)).unwrap_or(0);
        (0..shards)
            .map(|k| (start + k) % shards)
            .filter(|shard| !self.exhausted.contains(&(offer.offer_id.clone(), *shard)))
            .find(|shard| offer.allotment(*shard).is_none_or(|a| a >= points))
    }
}

/// What one purchase got from one offer, kept with the purchase: a reversal gives it back
/// to the same budget shard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OfferAward {
    pub offer_id: OfferId,
    pub points: Points,
    pub shard: u8,
    /// Given back to the budget so far, by refunds.
    #[serde(default)]
    pub returned: Points,
}

/// An offer as a member sees it in `GET /v1/members/me/offers`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberOffer {
    pub offer_id: OfferId,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(with = "crate::domain::rfc3339")]
    pub valid_from: OffsetDateTime,
    #[serde(with = "crate::domain::rfc3339")]
    pub valid_to: OffsetDateTime,
    pub requires_activation: bool,
    pub activated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uses_left: Option<u32>,
}

/// The offers `member` is offered now, in offer-id order.
pub fn offers_for(
    member: &Member,
    program: &Program,
    offers: &[TargetedOffer],
    now: OffsetDateTime,
) -> Vec<MemberOffer> {
    offers
        .iter()
        .filter(|offer| offer.offered_to(member, program, now))
        .map(|offer| {
            let progress = member.offer_progress(&offer.offer_id);
            MemberOffer {
                offer_id: offer.offer_id.clone(),
                title: offer.title.clone(),
                description: offer.description.clone(),
                valid_from: offer.valid_from,
                valid_to: offer.valid_to,
                requires_activation: offer.requires_activation,
                activated: progress.is_some_and(|p| p.activated),
                uses_left: offer
                    .per_member_limit
                    .map(|limit| limit.saturating_sub(progress.map_or(0, |p| p.uses))),
            }
        })
        .collect()
}

impl Member {
    pub fn offer_progress(&self, offer: &OfferId) -> Option<&OfferProgress> {
        self.offers.get(offer)
    }

    /// Activates `offer` for the member; `false` when it already was.
    pub(crate) fn activate_offer(&mut self, offer: &TargetedOffer) -> bool {
        let progress = self.progress_of(offer);
        let was = std::mem::replace(&mut progress.activated, true);
        !was
    }

    /// Counts one purchase the offer applied to.
    pub(crate) fn count_offer_use(&mut self, offer: &TargetedOffer) {
        let progress = self.progress_of(offer);
        progress.uses = progress.uses.saturating_add(1);
    }

    /// Gives back the use a fully reversed purchase had counted.
    pub(crate) fn give_back_offer_use(&mut self, offer: &OfferId) {
        if let Some(progress) = self.offers.get_mut(offer) {
            progress.uses = progress.uses.saturating_sub(1);
        }
    }

    fn progress_of(&mut self, offer: &TargetedOffer) -> &mut OfferProgress {
        let progress = self
            .offers
            .entry(offer.offer_id.clone())
            .or_insert(OfferProgress {
                activated: false,
                uses: 0,
                until: offer.valid_to,
            });
        // A replaced offer may run longer (or shorter) than when the entry was made.
        progress.until = offer.valid_to;
        progress
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::birthday::Birthday;
    use crate::domain::operation::fixtures::{NOW, member, points, program};
    use serde_json::{Value, json};

    fn document(extra: Value) -> OfferDocument {
        let mut body = json!({"title": "Bonus", "bonus": {"fixedPoints": 10},
            "validFrom": "2026-11-01T00:00:00Z", "validTo": "2027-01-01T00:00:00Z"});
        for (key, value) in extra.as_object().unwrap() {
            body[key] = value.clone();
        }
        serde_json::from_value(body).unwrap()
    }

    fn offer(extra: Value) -> Result<TargetedOffer, InvalidTargetedOffer> {
        let id = OfferId::try_from("o-1").unwrap();
        TargetedOffer::from_document(id, document(extra), &program(), None)
    }

    #[test]
    fn documents_are_validated_field_by_field() {
        let refused = [
            (json!({"title": " x"}), InvalidTargetedOffer::Title),
            (
                json!({"description": ""}),
                InvalidTargetedOffer::Description,
            ),
            (json!({"bonus": {}}), InvalidTargetedOffer::NoBonus),
            (
                json!({"bonus": {"fixedPoints": 0}}),
                InvalidTargetedOffer::FixedPoints,
            ),
            (
                json!({"validTo": "2026-11-01T00:00:00Z"}),
                InvalidTargetedOffer::Window,
            ),
            (
                json!({"audience": {"tiers": ["Member", "Platinum"]}}),
                InvalidTargetedOffer::UnknownTier("Platinum".into()),
            ),
            (
                json!({"audience": {"inactiveForDays": 0}}),
                InvalidTargetedOffer::Days("inactiveForDays"),
            ),
            (
                json!({"audience": {"enrolledWithinDays": 3651}}),
                InvalidTargetedOffer::Days("enrolledWithinDays"),
            ),
            (
                json!({"perMemberLimit": 0}),
                InvalidTargetedOffer::PerMemberLimit,
            ),
            (json!({"budgetPoints": -1}), InvalidTargetedOffer::Budget),
        ];
        for (extra, error) in refused {
            assert_eq!(offer(extra.clone()), Err(error), "{extra}");
        }
        let ids: Vec<String> = (0..=MAX_AUDIENCE_MEMBERS)
            .map(|i| format!("m-{i}"))
            .collect();
        assert_eq!(
            offer(json!({"audience": {"memberIds": ids}})),
            Err(InvalidTargetedOffer::TooManyMembers)
        );
        let kept =
            offer(json!({"budgetPoints": 0, "categories": ["tea", "coffee", "tea"]})).unwrap();
        assert_eq!(kept.budget_points, Some(Points::ZERO));
        assert_eq!(kept.categories.len(), 2);
        assert!(kept.active && !kept.requires_activation);
    }

    #[test]
    fn a_budget_is_split_into_shards_fixed_at_creation_whose_allotments_add_up() {
        let shards = |budget: i64| {
            offer(json!({"budgetPoints": budget}))
                .unwrap()
                .budget_shards
        };
        assert_eq!(shards(0), 1);
        assert_eq!(shards(1000), 1);
        assert_eq!(shards(10_001), 2);
        assert_eq!(shards(10_000_000), MAX_SHARDS);
        assert_eq!(offer(json!({})).unwrap().budget_shards, MAX_SHARDS);
        let split = offer(json!({"budgetPoints": 29_999})).unwrap();
        let allotments: Vec<i64> = (0..split.budget_shards)
            .map(|s| split.allotment(s).unwrap().value())
            .collect();
        assert_eq!(allotments, [10_000, 10_000, 9_999]);
        // Replaced with another budget: the shards stay as they were.
        let id = OfferId::try_from("o-1").unwrap();
        let replaced = TargetedOffer::from_document(
            id,
            document(json!({"budgetPoints": 1_000_000})),
            &program(),
            Some(&split),
        )
        .unwrap();
        assert_eq!(replaced.budget_shards, 3);
        assert_eq!(replaced.allotment(0), Some(points(333_334)));
    }

    #[test]
    fn a_draw_starts_at_its_transactions_shard_and_skips_those_run_out() {
        let split = offer(json!({"budgetPoints": 30_000})).unwrap();
        let transaction = TransactionId::try_from("t-1").unwrap();
        let mut set = OfferSet {
            offers: Arc::new(vec![split.clone()]),
            exhausted: BTreeSet::new(),
        };
        let first = set.shard_for(&split, &transaction, points(100)).unwrap();
        assert_eq!(
            set.shard_for(&split, &transaction, points(100)),
            Some(first)
        );
        set.exhausted.insert((split.offer_id.clone(), first));
        let next = set.shard_for(&split, &transaction, points(100)).unwrap();
        assert_eq!(next, (first + 1) % 3);
        set.exhausted.insert((split.offer_id.clone(), next));
        set.exhausted
            .insert((split.offer_id.clone(), (first + 2) % 3));
        assert_eq!(set.shard_for(&split, &transaction, points(100)), None);
        // More than any shard's allotment could ever give: not applied.
        let fresh = OfferSet::default();
        assert_eq!(fresh.shard_for(&split, &transaction, points(10_001)), None);
    }

    #[test]
    fn an_audience_holds_every_condition_it_names() {
        let program = program();
        let mut m = member(&program);
        let everyone = Audience::default();
        assert!(everyone.includes(&m, &program, NOW));
        let new = Audience {
            enrolled_within_days: Some(7),
            ..Default::default()
        };
        assert!(new.includes(&m, &program, NOW + Duration::days(7)));
        assert!(!new.includes(&m, &program, NOW + Duration::days(8)));
        let quiet = Audience {
            inactive_for_days: Some(30),
            ..Default::default()
        };
        assert!(!quiet.includes(&m, &program, NOW + Duration::days(29)));
        assert!(quiet.includes(&m, &program, NOW + Duration::days(30)));
        let birthday = Audience {
            birthday_month: true,
            ..Default::default()
        };
        assert!(!birthday.includes(&m, &program, NOW), "no birthday given");
        m.birthday = Some(Birthday::try_from("11-30").unwrap());
        assert!(birthday.includes(&m, &program, NOW));
        assert!(!birthday.includes(&m, &program, NOW + Duration::days(10)));
        let gold = Audience {
            tiers: vec!["Gold".into()],
            ..Default::default()
        };
        assert!(!gold.includes(&m, &program, NOW));
        let listed = Audience {
            member_ids: [m.id().clone()].into(),
            ..Default::default()
        };
        assert!(listed.includes(&m, &program, NOW));
        // Combined: all of them must hold.
        let both = Audience {
            birthday_month: true,
            ..listed.clone()
        };
        assert!(both.includes(&m, &program, NOW));
        assert!(!both.includes(&m, &program, NOW + Duration::days(10)));
        let mut forgetful = listed;
        assert!(forgetful.forget(m.id()));
        assert!(!forgetful.forget(m.id()));
    }

    #[test]
    fn a_purchase_matches_inside_the_window_in_its_categories_above_the_minimum() {
        let o = offer(
            json!({"categories": ["coffee"], "minSpend": {"amount": 500, "currency": "EUR"}}),
        )
        .unwrap();
        let eur = |minor| {
            serde_json::from_value::<Money>(json!({"amount": minor, "currency": "EUR"})).unwrap()
        };
        let coffee = RuleId::try_from("coffee").unwrap();
        let tea = RuleId::try_from("tea").unwrap();
        assert!(o.matches(&eur(500), Some(&coffee), NOW));
        assert!(!o.matches(&eur(499), Some(&coffee), NOW));
        assert!(!o.matches(&eur(500), Some(&tea), NOW));
        assert!(!o.matches(&eur(500), None, NOW));
        assert!(!o.matches(&eur(500), Some(&coffee), o.valid_to));
        assert!(o.matches(&eur(500), Some(&coffee), o.valid_from));
        let doubled = offer(json!({"bonus": {"multiplier": 2, "fixedPoints": 5}})).unwrap();
        assert_eq!(doubled.bonus_for(points(12)), Some(points(12 + 5)));
    }
}
