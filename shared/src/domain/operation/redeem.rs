//! Points for a reward, and a voucher for the till: the balance check, the stock, the
//! ledger entry and the redemption record are one change.

use time::OffsetDateTime;

use super::{Change, OperationError, Record};
use crate::domain::identifier::RedemptionId;
use crate::domain::ledger::Posting;
use crate::domain::member::Member;
use crate::domain::points::Points;
use crate::domain::program::Program;
use crate::domain::redemption::Redemption;
use crate::domain::reward::Reward;

#[derive(Debug)]
pub struct Redeemed {
    pub change: Change,
    pub redemption: Redemption,
    pub balance: Points,
}

pub fn redeem(
    mut member: Member,
    program: &Program,
    reward: Reward,
    actor: &str,
    now: OffsetDateTime,
) -> Result<Redeemed, OperationError> {
    let mut entries = member.catch_up(program, now)?;
    reward.check_redeemable(&member, program, now)?;
    let redemption_id = RedemptionId::generate(now);
    let posting =
        Posting::new(format!("redemption:{redemption_id}"), actor, now).reason(reward.name.clone());
    let (paid_from, entry) = member.redeem(reward.cost, posting, now, program)?;
    entries.push(entry);
    let redemption = Redemption::issue(
        redemption_id,
        member.id().clone(),
        &reward,
        reward.cost,
        paid_from,
        now,
    );
    let records = vec![
        Record::NewRedemption(redemption.clone()),
        Record::TakeReward(reward),
    ];
    Ok(Redeemed {
        balance: member.balance(),
        change: Change::member(member, entries, records),
        redemption,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::identifier::RewardId;
    use crate::domain::ledger::EntryType;
    use crate::domain::operation::fixtures::{
        ACTOR, NOW, member, pending_program, points, program,
    };
    use crate::domain::redemption::RedemptionStatus;
    use crate::domain::reward::{RedeemRefusal, RewardDocument};
    use time::Duration;

    fn reward(json: serde_json::Value) -> Reward {
        let doc: RewardDocument = serde_json::from_value(json).unwrap();
        Reward::from_document(RewardId::try_from("mug").unwrap(), doc, Some(&program())).unwrap()
    }

    fn member_with(balance: i64) -> Member {
        let program = program();
        let mut m = member(&program);
        m.adjust(
            points(balance),
            Posting::new("seed", ACTOR, NOW),
            NOW,
            &program,
        )
        .unwrap();
        m
    }

    #[test]
    fn spends_the_cost_issues_a_voucher_and_takes_stock() {
        let program = program();
        let redeemed = redeem(
            member_with(150),
            &program,
            reward(serde_json::json!({"name": "Mug", "cost": 100, "stock": 3})),
            "m-1",
            NOW,
        )
        .unwrap();
        assert_eq!(redeemed.balance, points(50));
        assert_eq!(redeemed.redemption.status, RedemptionStatus::Issued);
        assert!(redeemed.redemption.stock_taken);
        assert_eq!(
            redeemed
                .redemption
                .paid_from
                .iter()
                .map(|(_, p)| p.value())
                .sum::<i64>(),
            100
        );
        let [entry] = redeemed.change.entries.as_slice() else {
            panic!("one entry")
        };
        assert_eq!(entry.kind, EntryType::Redeem);
        assert_eq!(entry.points, points(-100));
        assert_eq!(
            entry.reference,
            format!("redemption:{}", redeemed.redemption.redemption_id)
        );
        assert!(matches!(
            redeemed.change.records.as_slice(),
            [Record::NewRedemption(_), Record::TakeReward(r)] if r.stock == Some(3)
        ));
    }

    #[test]
    fn refuses_in_order_unavailable_tier_stock_points() {
        let program = program();
        let refused = |json, balance| {
            redeem(member_with(balance), &program, reward(json), "m-1", NOW).unwrap_err()
        };
        assert_eq!(
            refused(
                serde_json::json!({"name": "Mug", "cost": 10, "active": false}),
                100
            ),
            OperationError::Redeem(RedeemRefusal::Unavailable)
        );
        assert_eq!(
            refused(
                serde_json::json!({"name": "Mug", "cost": 10, "stock": 0}),
                100
            ),
            OperationError::Redeem(RedeemRefusal::OutOfStock)
        );
        assert!(matches!(
            refused(serde_json::json!({"name": "Mug", "cost": 101}), 100),
            OperationError::Redeem(RedeemRefusal::InsufficientPoints { .. })
        ));
    }

    #[test]
    fn expired_points_cannot_be_spent() {
        let program = program();
        // 150 points of the November 2026 lot, which ends with November 2027.
        let after_expiry = NOW + Duration::days(400);
        let refused = redeem(
            member_with(150),
            &program,
            reward(serde_json::json!({"name": "Mug", "cost": 100})),
            "m-1",
            after_expiry,
        );
        assert!(matches!(
            refused,
            Err(OperationError::Redeem(
                RedeemRefusal::InsufficientPoints { .. }
            ))
        ));
    }

    #[test]
    fn pending_points_cannot_be_spent_until_their_window_ends() {
        let program = pending_program(14);
        let mut m = member(&program);
        m.credit_purchase(points(150), Posting::new("t-1", ACTOR, NOW), NOW, &program)
            .unwrap();
        let mug = || reward(serde_json::json!({"name": "Mug", "cost": 100}));
        assert!(matches!(
            redeem(
                m.clone(),
                &program,
                mug(),
                "m-1",
                NOW + Duration::days(14) - Duration::seconds(1)
            ),
            Err(OperationError::Redeem(
                RedeemRefusal::InsufficientPoints { .. }
            ))
        ));
        let redeemed = redeem(m, &program, mug(), "m-1", NOW + Duration::days(14)).unwrap();
        assert_eq!(redeemed.balance, points(50));
    }
}
