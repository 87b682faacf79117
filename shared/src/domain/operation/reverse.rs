//! A refund or partial return takes back the points its purchase earned, in proportion to
//! the amount refunded so far, never more than the purchase earned.

use time::OffsetDateTime;

use super::challenges::take_back_progress;
use super::offers::give_back;
use super::stamps::{StampVouchers, unstamp};
use super::{Change, OperationError, Record, referral};
use crate::domain::identifier::ChallengeId;
use crate::domain::ledger::{LedgerEntry, Posting};
use crate::domain::member::{BalanceError, Member};
use crate::domain::money::Money;
use crate::domain::points::Points;
use crate::domain::program::Program;
use crate::domain::purchase::Purchase;

#[derive(Debug)]
pub struct Reversed {
    pub change: Change,
    /// The `reverse` entry: the points taken now (fewer than in proportion when the
    /// purchase's lot has expired meanwhile).
    pub entry: LedgerEntry,
    /// The purchase after the refund.
    pub purchase: Purchase,
    pub balance: Points,
    /// Challenges the purchase had helped complete, whose rewards stay though a full
    /// reversal took its progress back.
    pub challenges_kept: Vec<ChallengeId>,
    /// When this reversal undid the purchase's stamps and one of them had completed a card:
    /// whether that card's reward stays (points credited, a voucher used).
    pub stamp_reward_kept: Option<bool>,
}

/// Refunds `amount` of the purchase, or all that is left of it when `None`. The refund that
/// completes a full reversal also takes the purchase's stamps off their cards, cancelling an
/// unused voucher a stamp gave (`vouchers`: those vouchers and their rewards, as read).
pub fn reverse(
    mut member: Member,
    program: &Program,
    mut purchase: Purchase,
    vouchers: &StampVouchers,
    amount: Option<&Money>,
    actor: &str,
    now: OffsetDateTime,
) -> Result<Reversed, OperationError> {
    let mut entries = member.catch_up(program, now)?;
    let reversal = purchase.reversal(amount)?;
    let refunded_now = reversal.refunded_minor_after - purchase.refunded_minor;
    let posting = Posting::new(purchase.reference.to_string(), actor, now)
        .amount(Money::new(refunded_now, purchase.amount.currency()).ok());
    let entry =
        member.take_back_purchase(reversal.points, purchase.placement, posting, now, program)?;
    let returned = give_back(&mut member, &mut purchase, reversal.refunded_minor_after);
    purchase.refunded_minor = reversal.refunded_minor_after;
    purchase.reversed = purchase
        .reversed
        .checked_add(reversal.points)
        .ok_or(BalanceError::Overflow)?;
    entries.push(entry.clone());
    let mut records = vec![Record::Purchase(purchase.clone())];
    records.extend(returned);
    let mut stamp_reward_kept = None;
    if purchase.refunded_minor == purchase.amount.amount_minor() && !purchase.stamps.is_empty() {
        let undone = unstamp(&mut member, program, &purchase.stamps, vouchers, actor, now)?;
        entries.extend(undone.entries);
        records.extend(undone.records);
        let completed_any = purchase.stamps.iter().any(|s| s.completed.is_some());
        stamp_reward_kept = completed_any.then_some(undone.reward_kept);
    }
    let fully = purchase.refunded_minor == purchase.amount.amount_minor();
    let challenges_kept = if fully {
        take_back_progress(&mut member, &purchase.challenges)
    } else {
        Vec::new()
    };
    let referral = referral::on_reversal(&mut member, program, &purchase, actor, now)?;
    entries.extend(referral.entries);
    records.extend(referral.records);
    Ok(Reversed {
        balance: member.balance(),
        change: Change::member(member, entries, records),
        entry,
        purchase,
        stamp_reward_kept,
        challenges_kept,
    })
}

/// The whole of what is left of `purchase`, reversed at the fixtures' time by their till, with
/// no stamp vouchers read.
#[cfg(test)]
pub(crate) fn reverse_whole(
    member: Member,
    program: &Program,
    purchase: Purchase,
) -> Result<Reversed, OperationError> {
    reverse_amount(member, program, purchase, None)
}

/// `amount` of `purchase` (all that is left when `None`) reversed at the fixtures' time by
/// their till, with no stamp vouchers read.
#[cfg(test)]
pub(crate) fn reverse_amount(
    member: Member,
    program: &Program,
    purchase: Purchase,
    amount: Option<&Money>,
) -> Result<Reversed, OperationError> {
    use crate::domain::operation::fixtures::{ACTOR, NOW};
    reverse(
        member,
        program,
        purchase,
        &StampVouchers::default(),
        amount,
        ACTOR,
        NOW,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::currency::Currency;
    use crate::domain::identifier::TransactionId;
    use crate::domain::ledger::EntryType;
    use crate::domain::operation::fixtures::{
        ACTOR, NOW, member, pending_program, points, program,
    };
    use crate::domain::operation::{PurchaseReport, earn};
    use crate::domain::purchase::ReversalError;
    use crate::domain::targeted_offer::OfferSet;

    fn eur(minor: i64) -> Money {
        Money::new(minor, Currency::try_from("EUR").unwrap()).unwrap()
    }

    /// A member who earned on a purchase of 10.00 EUR, and that purchase.
    fn earned() -> (Member, Purchase, Points) {
        earned_under(&program())
    }

    fn earned_under(program: &Program) -> (Member, Purchase, Points) {
        let report = PurchaseReport {
            transaction_id: TransactionId::try_from("t-1").unwrap(),
            amount: eur(1000),
            category: None,
            occurred_at: None,
        };
        let earned = earn(
            member(program),
            program,
            &[],
            &OfferSet::default(),
            &report,
            ACTOR,
            NOW,
        )
        .unwrap();
        let mut change = earned.change;
        let Some(Record::NewPurchase(purchase)) = change.records.pop() else {
            panic!("earn records its purchase")
        };
        (*change.member.unwrap(), purchase, earned.entry.points)
    }

    #[test]
    fn partial_refunds_take_back_in_proportion_and_add_up_to_the_whole() {
        let program = program();
        let (member, purchase, earned) = earned();
        let first = reverse(
            member,
            &program,
            purchase,
            &StampVouchers::default(),
            Some(&eur(300)),
            ACTOR,
            NOW,
        )
        .unwrap();
        assert_eq!(first.entry.kind, EntryType::Reverse);
        assert_eq!(first.entry.amount, Some(eur(300)));
        let proportional = earned.value() * 300 / 1000;
        assert_eq!(first.entry.points, points(-proportional));
        let member = *first.change.member.clone().unwrap();
        let rest = reverse_whole(member, &program, first.purchase).unwrap();
        assert_eq!(rest.entry.amount, Some(eur(700)));
        assert_eq!(rest.purchase.reversed, earned);
        assert_eq!(rest.balance, Points::ZERO);
        assert!(matches!(
            rest.change.records.as_slice(),
            [Record::Purchase(p)] if p.refunded_minor == 1000
        ));
    }

    #[test]
    fn refuses_a_second_full_reversal_and_refunds_beyond_the_purchase() {
        let program = program();
        let (member, purchase, _) = earned();
        let over = reverse(
            member.clone(),
            &program,
            purchase.clone(),
            &StampVouchers::default(),
            Some(&eur(1001)),
            ACTOR,
            NOW,
        );
        assert!(matches!(
            over,
            Err(OperationError::Reversal(
                ReversalError::ExceedsRemainder { .. }
            ))
        ));
        let usd = Money::new(100, Currency::try_from("USD").unwrap()).unwrap();
        assert!(matches!(
            reverse(
                member.clone(),
                &program,
                purchase.clone(),
                &StampVouchers::default(),
                Some(&usd),
                ACTOR,
                NOW
            ),
            Err(OperationError::Reversal(
                ReversalError::CurrencyMismatch { .. }
            ))
        ));
        let done = reverse_whole(member, &program, purchase).unwrap();
        let again = reverse_whole(*done.change.member.unwrap(), &program, done.purchase);
        assert_eq!(
            again.unwrap_err(),
            OperationError::Reversal(ReversalError::AlreadyReversed)
        );
    }

    #[test]
    fn points_already_spent_leave_a_debt() {
        let program = program();
        let (mut member, purchase, earned) = earned();
        member
            .adjust(
                earned.negated(),
                Posting::new("spent", ACTOR, NOW),
                NOW,
                &program,
            )
            .unwrap();
        let reversed = reverse_whole(member, &program, purchase).unwrap();
        assert_eq!(reversed.balance, earned.negated());
    }

    #[test]
    fn a_reversal_while_pending_takes_the_pending_points_without_debt() {
        let program = pending_program(14);
        let (member, purchase, earned) = earned_under(&program);
        let reversed = reverse_whole(member, &program, purchase).unwrap();
        assert_eq!(reversed.entry.points, earned.negated());
        assert_eq!(reversed.balance, Points::ZERO);
        let after = reversed.change.member.unwrap();
        assert!(after.pending().is_empty());
        assert_eq!(after.held(), Some(Points::ZERO));
    }
}
