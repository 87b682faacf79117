//! Targeted offers on the member's side: activating one, what a purchase gets from them,
//! and what a refund gives back to their budgets.

use time::OffsetDateTime;

use super::{Change, OperationError, Record};
use crate::domain::earn_rules::{EarnError, Earning};
use crate::domain::identifier::{OfferId, TransactionId};
use crate::domain::member::Member;
use crate::domain::money::Money;
use crate::domain::offer::programme_base;
use crate::domain::points::Points;
use crate::domain::program::Program;
use crate::domain::purchase::Purchase;
use crate::domain::targeted_offer::{
    MAX_OFFERS_PER_PURCHASE, OfferAward, OfferSet, ShardPoints, TargetedOffer,
};

/// Activates `offer_id` for the member. `None` when it already was (nothing to write).
pub fn activate_offer(
    mut member: Member,
    program: &Program,
    offers: &OfferSet,
    offer_id: &OfferId,
    now: OffsetDateTime,
) -> Result<Option<Change>, OperationError> {
    let offer = offers
        .get(offer_id)
        .filter(|offer| offer.offered_to(&member, program, now))
        .ok_or_else(|| OperationError::NotOffered(offer_id.clone()))?;
    let entries = member.catch_up(program, now)?;
    if !member.activate_offer(offer) && entries.is_empty() {
        return Ok(None);
    }
    Ok(Some(Change::member(member, entries, Vec::new())))
}

/// A purchase as the offers look at it.
pub(super) struct OfferPurchase<'a> {
    pub transaction_id: &'a TransactionId,
    pub amount: &'a Money,
    pub category: Option<&'a crate::domain::identifier::RuleId>,
    pub occurred_at: OffsetDateTime,
}

/// Adds to `earning` every offer that applies to the purchase (`offer:<offerId>` lines, in
/// offer-id order, at most [`MAX_OFFERS_PER_PURCHASE`]) and counts the member's uses. Each
/// award draws from one budget shard, in the earn's own transaction (the records).
pub(super) fn apply_offers(
    member: &mut Member,
    program: &Program,
    offers: &OfferSet,
    purchase: &OfferPurchase<'_>,
    earning: &mut Earning,
    now: OffsetDateTime,
) -> Result<(Vec<OfferAward>, Vec<Record>), OperationError> {
    let base = programme_base(program, purchase.amount).ok_or(EarnError::Overflow)?;
    let mut awards = Vec::new();
    let mut records = Vec::new();
    for offer in offers.iter() {
        if awards.len() == MAX_OFFERS_PER_PURCHASE {
            break;
        }
        if !applies(offer, member, program, purchase, now) {
            continue;
        }
        let points = offer.bonus_for(base).ok_or(EarnError::Overflow)?;
        if !points.is_positive() {
            continue;
        }
        let Some(shard) = offers.shard_for(offer, purchase.transaction_id, points) else {
            continue;
        };
        earning.add_line(format!("offer:{}", offer.offer_id), points)?;
        // Uses are only kept where a limit counts them: the member item stays small.
        if offer.per_member_limit.is_some() {
            member.count_offer_use(offer);
        }
        records.push(Record::DrawBudget {
            draw: ShardPoints {
                offer_id: offer.offer_id.clone(),
                shard,
                points,
            },
            limited: offer.budget_points.is_some(),
        });
        awards.push(OfferAward {
            offer_id: offer.offer_id.clone(),
            points,
            shard,
            returned: Points::ZERO,
        });
    }
    Ok((awards, records))
}

/// Whether `offer` rewards this purchase by this member: offered to the member now,
/// activated where it must be, matching the purchase, and under the member's limit.
fn applies(
    offer: &TargetedOffer,
    member: &Member,
    program: &Program,
    purchase: &OfferPurchase<'_>,
    now: OffsetDateTime,
) -> bool {
    let progress = member.offer_progress(&offer.offer_id);
    let activated = !offer.requires_activation || progress.is_some_and(|p| p.activated);
    let under_limit = offer
        .per_member_limit
        .is_none_or(|limit| progress.map_or(0, |p| p.uses) < limit);
    offer.active
        && offer.matches(purchase.amount, purchase.category, purchase.occurred_at)
        && offer
            .audience
            .as_ref()
            .is_none_or(|a| a.includes(member, program, now))
        && activated
        && under_limit
}

/// What a refund bringing `purchase` to `refunded_minor_after` gives back to the offers'
/// budgets, to the shards the points came from: each award in proportion to the amount
/// refunded in all (all of it once the purchase is fully refunded), less what earlier refunds
/// gave back. A full reversal also gives the member its use of each offer back.
pub(super) fn give_back(
    member: &mut Member,
    purchase: &mut Purchase,
    refunded_minor_after: i64,
) -> Vec<Record> {
    let total = purchase.amount.amount_minor();
    let full = refunded_minor_after >= total;
    let mut records = Vec::new();
    for award in &mut purchase.offers {
        let owed = if full || total == 0 {
            award.points.value()
        } else {
            let share = i128::from(award.points.value()) * i128::from(refunded_minor_after)
                / i128::from(total);
            i64::try_from(share).unwrap_or(award.points.value())
        };
        let now_owed = owed - award.returned.value();
        if let Some(points) = Points::new(now_owed).filter(|p| p.is_positive()) {
            award.returned = Points::new(owed).unwrap_or(award.points);
            records.push(Record::ReturnBudget(ShardPoints {
                offer_id: award.offer_id.clone(),
                shard: award.shard,
                points,
            }));
        }
        if full {
            member.give_back_offer_use(&award.offer_id);
        }
    }
    records
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::domain::currency::Currency;
    use crate::domain::identifier::{OfferId, TransactionId};
    use crate::domain::operation::fixtures::{ACTOR, NOW, member, points, program};
    use crate::domain::operation::reverse::reverse_amount;
    use crate::domain::operation::{PurchaseReport, earn};
    use crate::domain::targeted_offer::OfferDocument;

    fn offers(documents: &[(&str, serde_json::Value)]) -> OfferSet {
        let program = program();
        let offers = documents
            .iter()
            .map(|(id, extra)| {
                let mut body = serde_json::json!({"title": "Bonus", "bonus": {"fixedPoints": 10},
                    "validFrom": "2026-11-01T00:00:00Z", "validTo": "2027-01-01T00:00:00Z"});
                for (key, value) in extra.as_object().unwrap() {
                    body[key] = value.clone();
                }
                let document: OfferDocument = serde_json::from_value(body).unwrap();
                TargetedOffer::from_document(
                    OfferId::try_from(*id).unwrap(),
                    document,
                    &program,
                    None,
                )
                .unwrap()
            })
            .collect();
        OfferSet {
            offers: Arc::new(offers),
            exhausted: Default::default(),
        }
    }

    fn report(transaction: &str) -> PurchaseReport {
        PurchaseReport {
            transaction_id: TransactionId::try_from(transaction).unwrap(),
            amount: Money::new(1000, Currency::try_from("EUR").unwrap()).unwrap(),
            category: None,
            occurred_at: None,
        }
    }

    /// Each budget draw: whether the offer has a budget.
    fn draws(records: &[Record]) -> Vec<bool> {
        records
            .iter()
            .filter_map(|r| match r {
                Record::DrawBudget { limited, .. } => Some(*limited),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn an_earn_adds_a_line_and_a_budget_draw_per_offer_and_counts_the_use() {
        let program = program();
        let set = offers(&[
            (
                "a",
                serde_json::json!({"budgetPoints": 1000, "perMemberLimit": 2}),
            ),
            ("b", serde_json::json!({"bonus": {"multiplier": 3}})),
            ("c", serde_json::json!({"requiresActivation": true})),
        ]);
        let earned = earn(
            member(&program),
            &program,
            &[],
            &set,
            &report("t-1"),
            ACTOR,
            NOW,
        )
        .unwrap();
        let lines: Vec<(&str, i64)> = earned
            .entry
            .breakdown
            .as_ref()
            .unwrap()
            .iter()
            .filter(|l| l.rule().starts_with("offer:"))
            .map(|l| (l.rule(), l.points().value()))
            .collect();
        // The base of 10 EUR is 10 points: x3 adds 20.
        assert_eq!(lines, [("offer:a", 10), ("offer:b", 20)]);
        assert_eq!(
            draws(&earned.change.records),
            [true, false],
            "only a has a budget"
        );
        let after = earned.change.member.as_deref().unwrap();
        assert_eq!(
            after
                .offer_progress(&OfferId::try_from("a").unwrap())
                .unwrap()
                .uses,
            1
        );
        // No limit: nothing kept for b; c was not activated.
        for untouched in ["b", "c"] {
            let id = OfferId::try_from(untouched).unwrap();
            assert!(after.offer_progress(&id).is_none(), "{untouched}");
        }
    }

    #[test]
    fn activation_is_once_and_only_for_an_offer_the_member_is_offered() {
        let program = program();
        let set = offers(&[
            ("mine", serde_json::json!({"requiresActivation": true})),
            (
                "theirs",
                serde_json::json!({"audience": {"memberIds": ["someone-else"]}}),
            ),
        ]);
        let mine = OfferId::try_from("mine").unwrap();
        let change = activate_offer(member(&program), &program, &set, &mine, NOW)
            .unwrap()
            .unwrap();
        let activated = *change.member.unwrap();
        assert!(activated.offer_progress(&mine).unwrap().activated);
        assert!(
            activate_offer(activated, &program, &set, &mine, NOW)
                .unwrap()
                .is_none()
        );
        let theirs = OfferId::try_from("theirs").unwrap();
        assert_eq!(
            activate_offer(member(&program), &program, &set, &theirs, NOW).unwrap_err(),
            OperationError::NotOffered(theirs)
        );
    }

    #[test]
    fn refunds_give_back_in_proportion_and_the_use_with_the_last() {
        let program = program();
        let set = offers(&[(
            "a",
            serde_json::json!({"bonus": {"fixedPoints": 99}, "budgetPoints": 500, "perMemberLimit": 1}),
        )]);
        let earned = earn(
            member(&program),
            &program,
            &[],
            &set,
            &report("t-1"),
            ACTOR,
            NOW,
        )
        .unwrap();
        let mut change = earned.change;
        let purchase = change
            .records
            .iter()
            .find_map(|r| match r {
                Record::NewPurchase(p) => Some(p.clone()),
                _ => None,
            })
            .unwrap();
        let member = *change.member.take().unwrap();
        let eur = |minor| Money::new(minor, Currency::try_from("EUR").unwrap()).unwrap();
        let returned = |records: &[Record]| -> Vec<i64> {
            records
                .iter()
                .filter_map(|r| match r {
                    Record::ReturnBudget(d) => Some(d.points.value()),
                    _ => None,
                })
                .collect()
        };
        let third = reverse_amount(member, &program, purchase, Some(&eur(333))).unwrap();
        assert_eq!(returned(&third.change.records), [32], "99 x 333 / 1000");
        let member = *third.change.member.unwrap();
        let a = OfferId::try_from("a").unwrap();
        assert_eq!(member.offer_progress(&a).unwrap().uses, 1);
        let rest = reverse_amount(member, &program, third.purchase, None).unwrap();
        assert_eq!(returned(&rest.change.records), [99 - 32]);
        assert_eq!(
            rest.change.member.unwrap().offer_progress(&a).unwrap().uses,
            0
        );
        assert_eq!(rest.purchase.offers[0].returned, points(99));
    }
}
