//! A till marks a voucher used, once; a used or cancelled voucher is refused.

use time::OffsetDateTime;

use super::{Change, OperationError, Record};
use crate::domain::redemption::{Redemption, RedemptionStatus};

#[derive(Debug)]
pub enum VoucherUse {
    /// Used now: the change closes the redemption and its voucher.
    Used {
        change: Change,
        redemption: Redemption,
    },
    /// Used before by this same caller (a retry after a lost response): nothing to write.
    Repeated(Redemption),
}

pub fn use_voucher(
    mut redemption: Redemption,
    actor: &str,
    now: OffsetDateTime,
) -> Result<VoucherUse, OperationError> {
    if redemption.status == RedemptionStatus::Used && redemption.closed_by.as_deref() == Some(actor)
    {
        return Ok(VoucherUse::Repeated(redemption));
    }
    if !redemption.close(RedemptionStatus::Used, now, actor) {
        return Err(OperationError::VoucherNotUsable(redemption.status));
    }
    Ok(VoucherUse::Used {
        change: Change::records(vec![Record::CloseRedemption(redemption.clone())]),
        redemption,
    })
}
