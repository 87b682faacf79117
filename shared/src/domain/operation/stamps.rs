//! Stamp cards within an earn and a reversal: the stamps a purchase adds and the rewards of
//! the cards it completes, in the purchase's own change; and, on its full reversal, the
//! stamps taken off and any unused voucher they gave cancelled.

use time::OffsetDateTime;

use super::{OperationError, Record};
use crate::domain::event::DomainEvent;
use crate::domain::identifier::{CardId, RedemptionId, RewardId};
use crate::domain::ledger::{EntryType, LedgerEntry, Posting};
use crate::domain::member::Member;
use crate::domain::points::Points;
use crate::domain::program::Program;
use crate::domain::redemption::{Redemption, RedemptionStatus};
use crate::domain::reward::Reward;
use crate::domain::stamp_card::{StampCard, StampReward};
use crate::domain::stamps::{CardStamped, Completion, GivenReward, Stamp};

use super::earn::PurchaseReport;

/// What a purchase did to the member's stamp cards.
#[derive(Debug, Default)]
pub(super) struct Stamping {
    pub entries: Vec<LedgerEntry>,
    pub records: Vec<Record>,
    /// For the purchase record.
    pub stamps: Vec<Stamp>,
    /// For the answer.
    pub cards: Vec<CardStamped>,
}

/// Stamps the cards `report` matches and gives the reward of each card it completes:
/// `points` as a `stamp_reward` entry; a reward as a voucher for no points, if `catalogue`
/// has it offered and in stock (its stock taken, or its terms checked, in the same
/// transaction), else its cost as a `stamp_reward` entry.
pub(super) fn stamp(
    member: &mut Member,
    program: &Program,
    catalogue: &[Reward],
    report: &PurchaseReport,
    actor: &str,
    now: OffsetDateTime,
) -> Result<Stamping, OperationError> {
    let mut cards = member.add_stamps(program, &report.amount, report.category.as_ref(), now);
    let mut stamping = Stamping::default();
    // One change may touch a catalogue item once: a second card giving the same reward in
    // the same purchase is paid in points.
    let mut taken: Vec<RewardId> = Vec::new();
    for stamped in &mut cards {
        let card = program
            .stamp_card(&stamped.card_id)
            .filter(|_| stamped.completed);
        let completed = match card {
            Some(card) => Some(complete(
                member,
                program,
                card,
                catalogue,
                &mut taken,
                &mut stamping,
                report,
                actor,
                now,
            )?),
            None => None,
        };
        stamped.reward = completed
            .as_ref()
            .map(|completion| given(completion, &stamping));
        stamping.stamps.push(Stamp {
            card_id: stamped.card_id.clone(),
            completed,
        });
    }
    stamping.cards = cards;
    Ok(stamping)
}

/// What the answer shows of a completion: the points, or the voucher issued in `stamping`.
fn given(completion: &Completion, stamping: &Stamping) -> GivenReward {
    match completion {
        Completion::Points(points) => GivenReward::Points { points: *points },
        Completion::Voucher {
            redemption_id,
            reward_id,
        } => GivenReward::Voucher {
            reward_id: reward_id.clone(),
            redemption_id: redemption_id.clone(),
            code: stamping
                .records
                .iter()
                .find_map(|record| match record {
                    Record::NewRedemption(r) if &r.redemption_id == redemption_id => {
                        Some(r.code.display())
                    }
                    _ => None,
                })
                .unwrap_or_default(),
        },
    }
}

#[allow(clippy::too_many_arguments)]
fn complete(
    member: &mut Member,
    program: &Program,
    card: &StampCard,
    catalogue: &[Reward],
    taken: &mut Vec<RewardId>,
    stamping: &mut Stamping,
    report: &PurchaseReport,
    actor: &str,
    now: OffsetDateTime,
) -> Result<Completion, OperationError> {
    let points = match card.reward() {
        StampReward::Points(points) => *points,
        StampReward::Reward(reward_id) => {
            match catalogue.iter().find(|r| &r.reward_id == reward_id) {
                Some(reward)
                    if reward.is_offered_at(now)
                        && reward.in_stock()
                        && !taken.contains(reward_id) =>
                {
                    taken.push(reward_id.clone());
                    let completion =
                        issue_voucher(member, program, card, reward, stamping, actor, now)?;
                    announce(member, card, &completion, stamping, now);
                    return Ok(completion);
                }
                Some(reward) => reward.cost,
                // The catalogue lost the reward since the programme was checked: nothing
                // to give, but the card is completed all the same.
                None => Points::ZERO,
            }
        }
    };
    if points.is_positive() {
        let posting = Posting::new(
            format!("stamp-card:{}:{}", card.card_id(), report.transaction_id),
            actor,
            now,
        )
        .reason(format!("stamp card: {}", card.name()));
        let entry = member.credit_bonus(EntryType::StampReward, points, posting, now, program)?;
        stamping.entries.push(entry);
    }
    let completion = Completion::Points(points);
    announce(member, card, &completion, stamping, now);
    Ok(completion)
}

/// A redemption of `reward` for no points, with its `redeem` entry of 0 (the ledger explains
/// every voucher, and the figures count it as a redemption).
fn issue_voucher(
    member: &mut Member,
    program: &Program,
    card: &StampCard,
    reward: &Reward,
    stamping: &mut Stamping,
    actor: &str,
    now: OffsetDateTime,
) -> Result<Completion, OperationError> {
    let redemption_id = RedemptionId::generate(now);
    let posting = Posting::new(format!("redemption:{redemption_id}"), actor, now).reason(format!(
        "stamp card {}: {}",
        card.name(),
        reward.name
    ));
    let (paid_from, entry) = member.redeem(Points::ZERO, posting, now, program)?;
    stamping.entries.push(entry);
    let redemption = Redemption::issue(
        redemption_id.clone(),
        member.id().clone(),
        reward,
        Points::ZERO,
        paid_from,
        now,
    );
    stamping.records.push(Record::NewRedemption(redemption));
    stamping.records.push(Record::TakeReward(reward.clone()));
    Ok(Completion::Voucher {
        redemption_id,
        reward_id: reward.reward_id.clone(),
    })
}

fn announce(
    member: &Member,
    card: &StampCard,
    completion: &Completion,
    stamping: &mut Stamping,
    now: OffsetDateTime,
) {
    let completed = member
        .stamp_cards()
        .get(card.card_id())
        .map_or(0, |p| p.completed);
    let event = DomainEvent::stamp_card_completed(member, card, completed, completion, now);
    stamping.records.push(Record::Event(event));
}

/// What a full reversal did to the stamp cards.
#[derive(Debug, Default)]
pub(super) struct Unstamping {
    pub entries: Vec<LedgerEntry>,
    pub records: Vec<Record>,
    /// A reward the purchase's stamp gave stays: points credited, a voucher used, or one
    /// that a later stamp now stands for.
    pub reward_kept: bool,
}

/// The vouchers a purchase's stamps gave, as the reversal read them, and their rewards.
#[derive(Debug, Default)]
pub struct StampVouchers {
    pub redemptions: Vec<Redemption>,
    pub rewards: Vec<Reward>,
}

/// Takes a fully reversed purchase's stamps off its cards. A stamp that completed a card
/// whose voucher is unused cancels the voucher (its stock back, as a cancellation does)
/// and leaves the card one stamp short of full, unless the card has a stamp of a later
/// purchase in its new round: that one takes its place and the voucher stays.
pub(super) fn unstamp(
    member: &mut Member,
    program: &Program,
    stamps: &[Stamp],
    vouchers: &StampVouchers,
    actor: &str,
    now: OffsetDateTime,
) -> Result<Unstamping, OperationError> {
    let mut unstamping = Unstamping::default();
    for stamp in stamps {
        match &stamp.completed {
            None => {
                member.remove_stamp(&stamp.card_id);
            }
            Some(Completion::Points(_)) => unstamping.reward_kept = true,
            Some(Completion::Voucher { redemption_id, .. }) => {
                let voucher = vouchers
                    .redemptions
                    .iter()
                    .find(|r| &r.redemption_id == redemption_id);
                match voucher.map(|v| v.status) {
                    Some(RedemptionStatus::Issued) if !member.remove_stamp(&stamp.card_id) => {
                        if let Some(voucher) = voucher {
                            cancel_voucher(
                                member,
                                program,
                                &stamp.card_id,
                                voucher.clone(),
                                &vouchers.rewards,
                                &mut unstamping,
                                actor,
                                now,
                            )?;
                        }
                    }
                    // The member cancelled it already: the card is as if never completed.
                    Some(RedemptionStatus::Cancelled) => {
                        member.reopen_card(&stamp.card_id, program)
                    }
                    _ => unstamping.reward_kept = true,
                }
            }
        }
    }
    Ok(unstamping)
}

#[allow(clippy::too_many_arguments)]
fn cancel_voucher(
    member: &mut Member,
    program: &Program,
    card_id: &CardId,
    mut voucher: Redemption,
    rewards: &[Reward],
    unstamping: &mut Unstamping,
    actor: &str,
    now: OffsetDateTime,
) -> Result<(), OperationError> {
    voucher.close(RedemptionStatus::Cancelled, now, actor);
    let posting = Posting::new(format!("redemption:{}", voucher.redemption_id), actor, now).reason(
        format!("cancelled with its purchase: {}", voucher.reward_name),
    );
    let entry = member.refund(&voucher.paid_from, posting, now, program)?;
    unstamping.entries.push(entry);
    let counts_stock = rewards
        .iter()
        .any(|r| r.reward_id == voucher.reward_id && r.stock.is_some());
    if voucher.stock_taken && counts_stock {
        unstamping
            .records
            .push(Record::ReturnReward(voucher.reward_id.clone()));
    }
    unstamping.records.push(Record::CloseRedemption(voucher));
    member.reopen_card(card_id, program);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::currency::Currency;
    use crate::domain::identifier::{RuleId, TransactionId};
    use crate::domain::money::Money;
    use crate::domain::operation::fixtures::{ACTOR, NOW, member, points, stamp_program};
    use crate::domain::operation::reverse::reverse_whole;
    use crate::domain::operation::{Change, earn, reverse};
    use crate::domain::purchase::Purchase;
    use crate::domain::targeted_offer::OfferSet;
    use time::Duration;

    fn reward(id: &str, cost: i64, stock: Option<i64>, active: bool) -> Reward {
        serde_json::from_value(serde_json::json!({"rewardId": id, "name": id, "cost": cost,
            "stock": stock, "active": active}))
        .unwrap()
    }

    fn catalogue() -> Vec<Reward> {
        vec![
            reward("free-coffee", 100, None, true),
            reward("mug", 500, Some(3), true),
        ]
    }

    fn bakery(transaction: &str) -> PurchaseReport {
        PurchaseReport {
            transaction_id: TransactionId::try_from(transaction).unwrap(),
            amount: Money::new(500, Currency::try_from("EUR").unwrap()).unwrap(),
            category: Some(RuleId::try_from("bakery").unwrap()),
            occurred_at: None,
        }
    }

    /// Two bakery purchases: the second completes `bakery` (40 points) and `mug` (a voucher).
    fn two_bakery(catalogue: &[Reward]) -> (Member, Purchase, Change) {
        let program = stamp_program();
        let first = earn(
            member(&program),
            &program,
            catalogue,
            &OfferSet::default(),
            &bakery("b-1"),
            ACTOR,
            NOW,
        )
        .unwrap();
        assert!(first.stamps.iter().all(|s| !s.completed && s.stamps == 1));
        let member = *first.change.member.unwrap();
        let second = earn(
            member,
            &program,
            catalogue,
            &OfferSet::default(),
            &bakery("b-2"),
            ACTOR,
            NOW,
        )
        .unwrap();
        let mut change = second.change;
        let Some(Record::NewPurchase(purchase)) = change.records.first().cloned() else {
            panic!("the purchase first")
        };
        let member = *change.member.take().unwrap();
        (member, purchase, change)
    }

    fn vouchers_of(change: &Change) -> StampVouchers {
        StampVouchers {
            redemptions: change
                .records
                .iter()
                .filter_map(|r| match r {
                    Record::NewRedemption(r) => Some(r.clone()),
                    _ => None,
                })
                .collect(),
            rewards: catalogue(),
        }
    }

    #[test]
    fn completing_cards_credits_points_and_issues_a_free_voucher_in_the_same_change() {
        let (member, purchase, change) = two_bakery(&catalogue());
        let kinds: Vec<(EntryType, i64)> = change
            .entries
            .iter()
            .map(|e| (e.kind, e.points.value()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (EntryType::Earn, 7),
                (EntryType::StampReward, 40),
                (EntryType::Redeem, 0)
            ]
        );
        assert_eq!(member.balance(), points(7 + 7 + 40));
        assert!(matches!(
            change.records.as_slice(),
            [Record::NewPurchase(_), Record::Event(_), Record::NewRedemption(r),
             Record::TakeReward(taken), Record::Event(_)]
                if r.points_spent == Points::ZERO && r.stock_taken && taken.reward_id.as_str() == "mug"
        ));
        assert_eq!(purchase.stamps.len(), 2);
        assert_eq!(
            purchase.stamps[0].completed,
            Some(Completion::Points(points(40)))
        );
        assert!(matches!(
            purchase.stamps[1].completed,
            Some(Completion::Voucher { .. })
        ));
        assert!(
            member
                .stamp_cards()
                .values()
                .all(|p| p.stamps == 0 && p.completed == 1)
        );
    }

    #[test]
    fn an_out_of_stock_inactive_or_unoffered_reward_is_paid_as_its_cost_in_points() {
        for unavailable in [
            reward("mug", 500, Some(0), true),
            reward("mug", 500, Some(3), false),
        ] {
            let (member, purchase, change) =
                two_bakery(&[reward("free-coffee", 100, None, true), unavailable]);
            assert_eq!(member.balance(), points(7 + 7 + 40 + 500));
            assert!(
                !change
                    .records
                    .iter()
                    .any(|r| matches!(r, Record::TakeReward(_)))
            );
            assert_eq!(
                purchase.stamps[1].completed,
                Some(Completion::Points(points(500)))
            );
        }
    }

    #[test]
    fn a_full_reversal_cancels_an_unused_voucher_and_leaves_the_card_one_short() {
        let program = stamp_program();
        let (member, purchase, change) = two_bakery(&catalogue());
        let vouchers = vouchers_of(&change);
        let later = NOW + Duration::minutes(5);
        let reversed = reverse(member, &program, purchase, &vouchers, None, ACTOR, later).unwrap();
        assert_eq!(reversed.stamp_reward_kept, Some(true), "the 40 points stay");
        let records = &reversed.change.records;
        assert!(
            records
                .iter()
                .any(|r| matches!(r, Record::ReturnReward(id) if id.as_str() == "mug"))
        );
        assert!(records.iter().any(
            |r| matches!(r, Record::CloseRedemption(v) if v.status == RedemptionStatus::Cancelled)
        ));
        let member = reversed.change.member.unwrap();
        let mug = &member.stamp_cards()[&CardId::try_from("mug").unwrap()];
        assert_eq!((mug.stamps, mug.completed), (1, 0));
        let bakery = &member.stamp_cards()[&CardId::try_from("bakery").unwrap()];
        assert_eq!((bakery.stamps, bakery.completed), (0, 1), "points kept");
    }

    #[test]
    fn a_used_voucher_stays_and_a_stamp_that_completed_nothing_comes_off() {
        let program = stamp_program();
        let (member, purchase, change) = two_bakery(&catalogue());
        let mut vouchers = vouchers_of(&change);
        vouchers.redemptions[0].close(RedemptionStatus::Used, NOW, "till");
        let reversed = reverse(member, &program, purchase, &vouchers, None, ACTOR, NOW).unwrap();
        assert_eq!(reversed.stamp_reward_kept, Some(true));
        assert!(
            !reversed
                .change
                .records
                .iter()
                .any(|r| matches!(r, Record::CloseRedemption(_) | Record::ReturnReward(_)))
        );
        // A purchase that only stamped: its stamp comes off, nothing else.
        let member = *reversed.change.member.unwrap();
        let third = earn(
            member,
            &program,
            &catalogue(),
            &OfferSet::default(),
            &bakery("b-3"),
            ACTOR,
            NOW,
        )
        .unwrap();
        let Some(Record::NewPurchase(purchase)) = third.change.records.first().cloned() else {
            panic!("the purchase first")
        };
        let member = *third.change.member.unwrap();
        let undone = reverse_whole(member, &program, purchase).unwrap();
        assert_eq!(undone.stamp_reward_kept, None);
        let member = undone.change.member.unwrap();
        assert!(member.stamp_cards().values().all(|p| p.stamps == 0));
    }

    #[test]
    fn a_partial_refund_keeps_the_stamps_until_the_refunds_add_up_to_the_whole() {
        let program = stamp_program();
        let (member, purchase, change) = two_bakery(&catalogue());
        let vouchers = vouchers_of(&change);
        let half = Money::new(250, Currency::try_from("EUR").unwrap()).unwrap();
        let first = reverse(
            member,
            &program,
            purchase,
            &vouchers,
            Some(&half),
            ACTOR,
            NOW,
        )
        .unwrap();
        assert_eq!(first.stamp_reward_kept, None);
        assert_eq!(first.change.records.len(), 1, "only the purchase");
        let member = *first.change.member.unwrap();
        let rest = reverse(
            member,
            &program,
            first.purchase,
            &vouchers,
            Some(&half),
            ACTOR,
            NOW,
        )
        .unwrap();
        assert!(
            rest.change
                .records
                .iter()
                .any(|r| matches!(r, Record::CloseRedemption(_)))
        );
    }
}
