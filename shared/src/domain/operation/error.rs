//! Why an operation refuses: one enum for the domain's boundary. The edge maps each
//! variant to its status once (`http/error.rs`), so handlers only use `?`.

use crate::domain::action_rule::LimitReached;
use crate::domain::earn_rules::EarnError;
use crate::domain::identifier::{ActionName, OfferId, PlanId};
use crate::domain::member::BalanceError;
use crate::domain::partner::PartnerError;
use crate::domain::purchase::{PurchaseTimeError, ReversalError};
use crate::domain::redemption::RedemptionStatus;
use crate::domain::reward::RedeemRefusal;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OperationError {
    #[error(transparent)]
    Balance(#[from] BalanceError),
    #[error(transparent)]
    Earn(#[from] EarnError),
    #[error(transparent)]
    PurchaseTime(#[from] PurchaseTimeError),
    #[error(transparent)]
    Reversal(#[from] ReversalError),
    #[error(transparent)]
    Redeem(#[from] RedeemRefusal),
    #[error(transparent)]
    Partner(#[from] PartnerError),
    #[error("a redemption that is {0} cannot be cancelled")]
    NotCancellable(RedemptionStatus),
    #[error("this voucher is {0}")]
    VoucherNotUsable(RedemptionStatus),
    #[error("tier {0:?} is not a tier of the programme")]
    UnknownTier(String),
    #[error("until must be in the future")]
    UntilInPast,
    #[error("the programme has no rule for action {0}")]
    ActionUnknown(ActionName),
    #[error(transparent)]
    LimitReached(#[from] LimitReached),
    #[error("planId {0} is not a membership plan of the programme")]
    UnknownPlan(PlanId),
    #[error("no offer {0} for this member")]
    NotOffered(OfferId),
}
