//! A redemption as members and tills see it.

use loyalty::domain::identifier::{MemberId, RedemptionId, RewardId};
use loyalty::domain::points::Points;
use loyalty::domain::redemption::{Redemption, RedemptionStatus};
use loyalty::http::views::timestamp;
use serde::Serialize;
use time::OffsetDateTime;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RedemptionView {
    redemption_id: RedemptionId,
    reward_id: RewardId,
    reward_name: String,
    code: String,
    points_spent: Points,
    status: RedemptionStatus,
    #[serde(with = "timestamp")]
    created_at: OffsetDateTime,
    #[serde(with = "timestamp::option")]
    closed_at: Option<OffsetDateTime>,
}

impl From<&Redemption> for RedemptionView {
    fn from(r: &Redemption) -> Self {
        Self {
            redemption_id: r.redemption_id.clone(),
            reward_id: r.reward_id.clone(),
            reward_name: r.reward_name.clone(),
            code: r.code.display(),
            points_spent: r.points_spent,
            status: r.status,
            created_at: r.created_at,
            closed_at: r.closed_at,
        }
    }
}

/// A redemption with the member's balance after it (redeem, cancel).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BalanceView {
    #[serde(flatten)]
    pub redemption: RedemptionView,
    pub balance: Points,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub points_refunded: Option<Points>,
}

/// A voucher as the till sees it: whose it is, and whether it can be used.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TillView {
    #[serde(flatten)]
    redemption: RedemptionView,
    member_id: MemberId,
    usable: bool,
}

impl From<&Redemption> for TillView {
    fn from(r: &Redemption) -> Self {
        Self {
            redemption: RedemptionView::from(r),
            member_id: r.member_id.clone(),
            usable: r.status == RedemptionStatus::Issued,
        }
    }
}
