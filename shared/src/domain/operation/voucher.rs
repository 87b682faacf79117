//! A till marks a voucher used, once. A used or cancelled voucher is refused, whoever asks:
//! tills of one backend share a token, so "the same till asking again" cannot be told from
//! another till. A retry after a lost response sends the same `idempotency-key` and gets the
//! first answer back instead.

use time::OffsetDateTime;

use super::{Change, OperationError, Record};
use crate::domain::redemption::{Redemption, RedemptionStatus};

pub fn use_voucher(
    mut redemption: Redemption,
    actor: &str,
    now: OffsetDateTime,
) -> Result<(Change, Redemption), OperationError> {
    if !redemption.close(RedemptionStatus::Used, now, actor) {
        return Err(OperationError::VoucherNotUsable(redemption.status));
    }
    let change = Change::records(vec![Record::CloseRedemption(redemption.clone())]);
    Ok((change, redemption))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::identifier::{MemberId, RedemptionId, RewardId};
    use crate::domain::operation::fixtures::{NOW, points};
    use crate::domain::voucher_code::VoucherCode;

    fn issued() -> Redemption {
        Redemption {
            redemption_id: RedemptionId::generate(NOW),
            member_id: MemberId::try_from("m-1").unwrap(),
            reward_id: RewardId::try_from("coffee").unwrap(),
            reward_name: "Coffee".into(),
            code: VoucherCode::generate(&mut rand::rng()),
            points_spent: points(100),
            stock_taken: false,
            paid_from: Vec::new(),
            status: RedemptionStatus::Issued,
            created_at: NOW,
            closed_at: None,
            closed_by: None,
        }
    }

    #[test]
    fn an_issued_voucher_is_used_once_and_then_refused_even_to_the_same_till() {
        let (change, used) = use_voucher(issued(), "till-1", NOW).unwrap();
        assert_eq!(used.status, RedemptionStatus::Used);
        assert_eq!(used.closed_by.as_deref(), Some("till-1"));
        assert!(matches!(
            change.records.as_slice(),
            [Record::CloseRedemption(_)]
        ));
        assert!(change.member.is_none());
        assert_eq!(
            use_voucher(used, "till-1", NOW).unwrap_err(),
            OperationError::VoucherNotUsable(RedemptionStatus::Used)
        );
    }

    #[test]
    fn a_cancelled_voucher_is_refused() {
        let mut cancelled = issued();
        cancelled.close(RedemptionStatus::Cancelled, NOW, "m-1");
        assert_eq!(
            use_voucher(cancelled, "till-1", NOW).unwrap_err(),
            OperationError::VoucherNotUsable(RedemptionStatus::Cancelled)
        );
    }
}
