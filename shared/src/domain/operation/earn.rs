//! A purchase at a till or in a shop earns points by the programme's rules.

use time::OffsetDateTime;

use super::challenges::progress;
use super::offers::{OfferPurchase, apply_offers};
use super::stamps::stamp;
use super::{Change, OperationError, Record, referral};
use crate::domain::challenge::Done;
use crate::domain::earn_rules::Purchase as PricedPurchase;
use crate::domain::identifier::{ChallengeId, RuleId, TransactionId};
use crate::domain::ledger::{LedgerEntry, Posting};
use crate::domain::member::Member;
use crate::domain::money::Money;
use crate::domain::points::Points;
use crate::domain::program::Program;
use crate::domain::purchase::{Purchase, PurchaseRef, purchase_time};
use crate::domain::reward::Reward;
use crate::domain::stamps::CardStamped;
use crate::domain::targeted_offer::OfferSet;
use crate::domain::tier::TierName;

/// A purchase as a till reports it.
#[derive(Debug, Clone)]
pub struct PurchaseReport {
    pub transaction_id: TransactionId,
    pub amount: Money,
    pub category: Option<RuleId>,
    /// When it happened; now when the till does not say.
    pub occurred_at: Option<OffsetDateTime>,
}

#[derive(Debug)]
pub struct Earned {
    pub change: Change,
    /// The `earn` entry (also in the change).
    pub entry: LedgerEntry,
    /// The tier whose multiplier applied.
    pub tier: TierName,
    pub balance: Points,
    /// The stamp cards the purchase stamped.
    pub stamps: Vec<CardStamped>,
    /// The challenges the purchase completed.
    pub challenges_completed: Vec<ChallengeId>,
}

/// `catalogue` is what a completed stamp card's voucher is decided from (a possibly cached
/// copy: the voucher's `TakeReward` guards it in the transaction), and `offers` the
/// targeted offers (cached too: each award's budget draw is guarded in the transaction).
pub fn earn(
    mut member: Member,
    program: &Program,
    catalogue: &[Reward],
    offers: &OfferSet,
    report: &PurchaseReport,
    actor: &str,
    now: OffsetDateTime,
) -> Result<Earned, OperationError> {
    let occurred_at = purchase_time(report.occurred_at, now)?;
    let mut entries = member.catch_up(program, now)?;
    let tier = member.current_tier(program, now).clone();
    let priced = PricedPurchase {
        amount: report.amount.clone(),
        category: report.category.as_ref(),
        occurred_at,
    };
    let plan = member.running_plan(program, now);
    let mut earning = program.evaluate_earn(&priced, &tier, plan, member.earned_today(now))?;
    let offered = OfferPurchase {
        transaction_id: &report.transaction_id,
        amount: &report.amount,
        category: report.category.as_ref(),
        occurred_at,
    };
    let (awards, draws) = apply_offers(&mut member, program, offers, &offered, &mut earning, now)?;
    let posting = Posting::new(report.transaction_id.to_string(), actor, now)
        .occurred_at(occurred_at)
        .breakdown(earning.breakdown().to_vec())
        .amount(Some(report.amount.clone()));
    let (placement, entry) = member.credit_purchase(earning.points(), posting, now, program)?;
    let purchase = Purchase {
        reference: PurchaseRef::Till(report.transaction_id.clone()),
        member_id: member.id().clone(),
        amount: report.amount.clone(),
        occurred_at,
        earned: earning.points(),
        earn_entry_id: entry.entry_id.clone(),
        placement,
        refunded_minor: 0,
        reversed: Default::default(),
        stamps: Vec::new(),
        offers: awards,
        challenges: Vec::new(),
    };
    entries.push(entry.clone());
    let stamping = stamp(&mut member, program, catalogue, report, actor, now)?;
    entries.extend(stamping.entries);
    let done = Done::Purchase {
        amount: &report.amount,
        category: report.category.as_ref(),
        occurred_at,
    };
    let progressed = progress(&mut member, program, &done, actor, now)?;
    entries.extend(progressed.entries);
    let purchase = Purchase {
        stamps: stamping.stamps,
        challenges: progressed.steps,
        ..purchase
    };
    let referral = referral::on_purchase(&mut member, program, &purchase, actor, now)?;
    entries.extend(referral.entries);
    let mut records = vec![Record::NewPurchase(purchase)];
    records.extend(draws);
    records.extend(stamping.records);
    records.extend(referral.records);
    records.extend(progressed.records);
    Ok(Earned {
        balance: member.balance(),
        change: Change::member(member, entries, records),
        entry,
        tier: tier.name().clone(),
        stamps: stamping.cards,
        challenges_completed: progressed.completed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::currency::Currency;
    use crate::domain::ledger::EntryType;
    use crate::domain::metrics::Movement;
    use crate::domain::operation::fixtures::{
        ACTOR, NOW, member, pending_program, points, program,
    };
    use crate::domain::purchase::PurchaseTimeError;
    use time::Duration;

    fn report(minor: i64, category: Option<&str>) -> PurchaseReport {
        PurchaseReport {
            transaction_id: TransactionId::try_from("t-1").unwrap(),
            amount: Money::new(minor, Currency::try_from("EUR").unwrap()).unwrap(),
            category: category.map(|c| RuleId::try_from(c).unwrap()),
            occurred_at: None,
        }
    }

    /// A new member's coffee of 8.99 EUR.
    fn coffee(program: &Program) -> Earned {
        earn(
            member(program),
            program,
            &[],
            &OfferSet::default(),
            &report(899, Some("coffee")),
            ACTOR,
            NOW,
        )
        .unwrap()
    }

    #[test]
    fn credits_the_rules_points_with_one_entry_and_a_new_purchase_record() {
        let program = program();
        let earned = coffee(&program);
        assert_eq!(earned.entry.kind, EntryType::Earn);
        assert_eq!(earned.entry.seq, 1);
        assert!(earned.entry.points.is_positive());
        assert_eq!(earned.balance, earned.entry.points);
        assert_eq!(earned.entry.actor, ACTOR);
        let breakdown: i64 = earned
            .entry
            .breakdown
            .as_ref()
            .unwrap()
            .iter()
            .map(|l| l.points().value())
            .sum();
        assert_eq!(breakdown, earned.entry.points.value());
        assert_eq!(earned.change.entries, vec![earned.entry.clone()]);
        assert!(matches!(
            earned.change.records.as_slice(),
            [Record::NewPurchase(p)] if p.earned == earned.entry.points && p.earn_entry_id == earned.entry.entry_id
        ));
    }

    #[test]
    fn refuses_purchases_from_the_future_or_too_long_ago() {
        let program = program();
        let mut future = report(500, None);
        future.occurred_at = Some(NOW + Duration::minutes(6));
        assert_eq!(
            earn(
                member(&program),
                &program,
                &[],
                &OfferSet::default(),
                &future,
                ACTOR,
                NOW
            )
            .unwrap_err(),
            OperationError::PurchaseTime(PurchaseTimeError::Future)
        );
        let mut old = report(500, None);
        old.occurred_at = Some(NOW - Duration::days(91));
        assert_eq!(
            earn(
                member(&program),
                &program,
                &[],
                &OfferSet::default(),
                &old,
                ACTOR,
                NOW
            )
            .unwrap_err(),
            OperationError::PurchaseTime(PurchaseTimeError::TooOld)
        );
        let mut drift = report(500, None);
        drift.occurred_at = Some(NOW + Duration::minutes(4));
        assert!(
            earn(
                member(&program),
                &program,
                &[],
                &OfferSet::default(),
                &drift,
                ACTOR,
                NOW
            )
            .is_ok()
        );
    }

    #[test]
    fn refuses_a_currency_the_programme_does_not_take() {
        let program = program();
        let mut yen = report(500, None);
        yen.amount = Money::new(500, Currency::try_from("JPY").unwrap()).unwrap();
        assert!(matches!(
            earn(
                member(&program),
                &program,
                &[],
                &OfferSet::default(),
                &yen,
                ACTOR,
                NOW
            ),
            Err(OperationError::Earn(_))
        ));
    }

    #[test]
    fn expires_due_lots_first_in_the_same_change() {
        let program = program();
        let mut m = member(&program);
        m.credit_purchase(points(100), Posting::new("old", ACTOR, NOW), NOW, &program)
            .unwrap();
        // The lot of November 2026 ends with November 2027.
        let later = NOW + Duration::days(400);
        let earned = earn(
            m,
            &program,
            &[],
            &OfferSet::default(),
            &report(500, None),
            ACTOR,
            later,
        )
        .unwrap();
        let kinds: Vec<EntryType> = earned.change.entries.iter().map(|e| e.kind).collect();
        assert_eq!(kinds, vec![EntryType::Expire, EntryType::Earn]);
        assert_eq!(earned.change.entries[0].points, points(-100));
        assert_eq!(earned.change.entries[0].seq, 2);
        assert_eq!(earned.entry.seq, 3);
        assert_eq!(earned.balance, earned.entry.points);
    }

    #[test]
    fn with_a_return_window_the_points_are_pending_yet_owed() {
        let program = pending_program(14);
        let earned = coffee(&program);
        assert_eq!(earned.balance, Points::ZERO);
        assert_eq!(earned.entry.available_at, Some(NOW + Duration::days(14)));
        assert_eq!(earned.entry.balance_after, earned.entry.points);
        assert!(matches!(
            earned.change.records.as_slice(),
            [Record::NewPurchase(p)] if p.placement.available_at == earned.entry.available_at
        ));
        // The programme owes pending points too: the figures' liability grows by them.
        let after = earned.change.member.as_deref();
        let movement = Movement::of(None, after, &earned.change.entries, NOW);
        assert_eq!(movement.liability, earned.entry.points.value());
        assert_eq!(after.and_then(Member::held), Some(earned.entry.points));
    }
}
