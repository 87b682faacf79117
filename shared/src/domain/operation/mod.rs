//! Every change to a balance is one pure operation here: it takes the state it needs,
//! brings the member up to date at `now` first ([`Member::catch_up`]: due lots expire, with
//! their entries in the same change), decides, and returns a typed outcome (a [`Change`] to
//! write and what the caller answers with) or a typed [`OperationError`]. No DynamoDB and no
//! HTTP: the store writes a change in one transaction, the edge turns outcomes into replies.

mod action;
mod adjust;
mod cancel;
mod challenges;
mod change;
mod daily;
mod earn;
mod erase;
mod error;
mod import;
mod membership;
mod offers;
mod partner;
mod partner_bonus;
mod profile;
mod redeem;
mod referral;
pub(crate) mod reverse;
mod stamps;
mod tier_floor;
mod upgrade;
mod voucher;

pub use action::{ActionCredited, ActionReport, credit_action};
pub use adjust::{Adjusted, adjust};
pub use cancel::{Cancelled, cancel};
pub use change::{Change, Record, RecordKind};
pub use daily::{DailyChange, daily};
pub use earn::{Earned, PurchaseReport, earn};
pub use erase::{Erased, erase};
pub use error::OperationError;
pub use import::{Imported, import_member};
pub use membership::{MembershipChanged, end_membership, start_membership};
pub use offers::activate_offer;
pub use partner::{PartnerChange, create_partner, update_partner};
pub use partner_bonus::{PartnerBonus, PartnerPurchaseReport, credit_partner_purchase};
pub use profile::{ProfileUpdated, set_consents, update_profile};
pub use redeem::{Redeemed, redeem};
pub use referral::reward_referrer;
pub use reverse::{Reversed, reverse};
pub use stamps::StampVouchers;
pub use tier_floor::{FloorSet, set_tier_floor};
pub use upgrade::upgrade;
pub use voucher::use_voucher;

#[cfg(test)]
pub(crate) mod fixtures;
