//! A member cancels a redemption before using its voucher: the points go back to the lots
//! that paid (unless those have expired meanwhile), the stock back to the reward, once.

use time::OffsetDateTime;

use super::{Change, OperationError, Record};
use crate::domain::ledger::Posting;
use crate::domain::member::Member;
use crate::domain::points::Points;
use crate::domain::program::Program;
use crate::domain::redemption::{Redemption, RedemptionStatus};
use crate::domain::reward::Reward;

#[derive(Debug)]
pub struct Cancelled {
    pub change: Change,
    pub redemption: Redemption,
    pub refunded: Points,
    pub balance: Points,
}

/// `reward` is the redemption's reward as it is now, when it took stock (its stock goes
/// back only if the reward still counts stock).
pub fn cancel(
    mut member: Member,
    program: &Program,
    mut redemption: Redemption,
    reward: Option<&Reward>,
    actor: &str,
    now: OffsetDateTime,
) -> Result<Cancelled, OperationError> {
    if !redemption.close(RedemptionStatus::Cancelled, now, actor) {
        return Err(OperationError::NotCancellable(redemption.status));
    }
    let mut entries = member.catch_up(program, now)?;
    let posting = Posting::new(
        format!("redemption:{}", redemption.redemption_id),
        actor,
        now,
    )
    .reason(format!("cancelled: {}", redemption.reward_name));
    let entry = member.refund(&redemption.paid_from, posting, now, program)?;
    let refunded = entry.points;
    entries.push(entry);
    let mut records = Vec::with_capacity(2);
    if redemption.stock_taken && reward.is_some_and(|r| r.stock.is_some()) {
        records.push(Record::ReturnReward(redemption.reward_id.clone()));
    }
    records.push(Record::CloseRedemption(redemption.clone()));
    Ok(Cancelled {
        balance: member.balance(),
        change: Change::member(member, entries, records),
        redemption,
        refunded,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::identifier::RewardId;
    use crate::domain::ledger::EntryType;
    use crate::domain::operation::fixtures::{ACTOR, NOW, member, points, program};
    use crate::domain::operation::redeem;
    use crate::domain::reward::RewardDocument;
    use time::Duration;

    fn reward(stock: Option<i64>) -> Reward {
        let doc: RewardDocument =
            serde_json::from_value(serde_json::json!({"name": "Mug", "cost": 60, "stock": stock}))
                .unwrap();
        Reward::from_document(RewardId::try_from("mug").unwrap(), doc, None).unwrap()
    }

    fn redeemed(stock: Option<i64>) -> (Member, Redemption) {
        let program = program();
        let mut m = member(&program);
        m.adjust(points(100), Posting::new("seed", ACTOR, NOW), NOW, &program)
            .unwrap();
        let redeemed = redeem(m, &program, reward(stock), "m-1", NOW).unwrap();
        (*redeemed.change.member.unwrap(), redeemed.redemption)
    }

    #[test]
    fn refunds_the_points_and_returns_the_stock() {
        let program = program();
        let (member, redemption) = redeemed(Some(5));
        let cancelled = cancel(
            member,
            &program,
            redemption,
            Some(&reward(Some(4))),
            "m-1",
            NOW,
        )
        .unwrap();
        assert_eq!(cancelled.refunded, points(60));
        assert_eq!(cancelled.balance, points(100));
        assert_eq!(cancelled.change.entries[0].kind, EntryType::Refund);
        assert_eq!(cancelled.redemption.status, RedemptionStatus::Cancelled);
        assert!(matches!(
            cancelled.change.records.as_slice(),
            [Record::ReturnReward(_), Record::CloseRedemption(_)]
        ));
    }

    #[test]
    fn no_stock_goes_back_to_a_reward_that_no_longer_counts_it() {
        let program = program();
        let (member, redemption) = redeemed(Some(5));
        let cancelled = cancel(
            member,
            &program,
            redemption,
            Some(&reward(None)),
            "m-1",
            NOW,
        )
        .unwrap();
        assert!(matches!(
            cancelled.change.records.as_slice(),
            [Record::CloseRedemption(_)]
        ));
    }

    #[test]
    fn a_closed_redemption_cannot_be_cancelled() {
        let program = program();
        let (member, mut redemption) = redeemed(None);
        redemption.close(RedemptionStatus::Used, NOW, "till");
        assert_eq!(
            cancel(member, &program, redemption, None, "m-1", NOW).unwrap_err(),
            OperationError::NotCancellable(RedemptionStatus::Used)
        );
    }

    #[test]
    fn points_of_lots_that_expired_meanwhile_are_not_given_back() {
        let program = program();
        let (member, redemption) = redeemed(None);
        let later = NOW + Duration::days(400);
        let cancelled = cancel(member, &program, redemption, None, "m-1", later).unwrap();
        assert_eq!(cancelled.refunded, Points::ZERO);
        // The 40 points left in the lot expired first, in the same change.
        let kinds: Vec<EntryType> = cancelled.change.entries.iter().map(|e| e.kind).collect();
        assert_eq!(kinds, vec![EntryType::Expire, EntryType::Refund]);
        assert_eq!(cancelled.balance, Points::ZERO);
    }

    #[test]
    fn restoring_an_unwarned_lot_after_its_warning_date_files_the_member_now_not_in_the_past() {
        let program = program();
        let (member, redemption) = redeemed(None);
        // The lot 2027-11 is warned of from 2027-11-01; the cancellation comes after that.
        let now = time::macros::datetime!(2027-11-10 9:00 UTC);
        let cancelled = cancel(member, &program, redemption, None, "m-1", now).unwrap();
        assert_eq!(cancelled.refunded, points(60));
        let due = cancelled.change.member.unwrap().due_at().unwrap();
        assert_eq!(due, now, "due at once, never before now");
    }
}
