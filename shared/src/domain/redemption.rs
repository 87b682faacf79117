//! A redemption: points spent on a reward, and the voucher the member shows at the till.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::identifier::{MemberId, RedemptionId, RewardId};
use super::lots::ExpiryMonth;
use super::points::Points;
use super::reward::Reward;
use super::voucher_code::VoucherCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RedemptionStatus {
    /// The voucher can be used at the till, or the redemption cancelled.
    Issued,
    Used,
    Cancelled,
}

impl std::fmt::Display for RedemptionStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RedemptionStatus::Issued => "issued",
            RedemptionStatus::Used => "used",
            RedemptionStatus::Cancelled => "cancelled",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redemption {
    pub redemption_id: RedemptionId,
    pub member_id: MemberId,
    pub reward_id: RewardId,
    pub reward_name: String,
    pub code: VoucherCode,
    pub points_spent: Points,
    /// Whether a unit of the reward's stock was taken, to be put back on cancellation.
    pub stock_taken: bool,
    /// Which lots paid, so a cancellation puts the points back where they were.
    pub paid_from: Vec<(ExpiryMonth, Points)>,
    pub status: RedemptionStatus,
    pub created_at: OffsetDateTime,
    /// When the voucher was used or the redemption cancelled, and by whom.
    pub closed_at: Option<OffsetDateTime>,
    pub closed_by: Option<String>,
}

impl Redemption {
    /// A new redemption of `reward` by `member`, paid with `points_spent` from `paid_from`,
    /// with a new voucher code; it takes a unit of the reward's stock when it counts stock.
    pub fn issue(
        redemption_id: RedemptionId,
        member_id: MemberId,
        reward: &Reward,
        points_spent: Points,
        paid_from: Vec<(ExpiryMonth, Points)>,
        now: OffsetDateTime,
    ) -> Self {
        Self {
            redemption_id,
            member_id,
            reward_id: reward.reward_id.clone(),
            reward_name: reward.name.clone(),
            code: VoucherCode::generate(&mut rand::rng()),
            points_spent,
            stock_taken: reward.stock.is_some(),
            paid_from,
            status: RedemptionStatus::Issued,
            created_at: now,
            closed_at: None,
            closed_by: None,
        }
    }

    /// Marks the redemption used or cancelled; only an issued one can be either.
    pub fn close(&mut self, status: RedemptionStatus, at: OffsetDateTime, by: &str) -> bool {
        if self.status != RedemptionStatus::Issued || status == RedemptionStatus::Issued {
            return false;
        }
        self.status = status;
        self.closed_at = Some(at);
        self.closed_by = Some(by.to_string());
        true
    }
}
