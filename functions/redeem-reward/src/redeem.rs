//! `POST /v1/members/me/redemptions`: points for a reward and a voucher for the till.
//!
//! Two DynamoDB calls, the fewest possible: one TransactGetItems reads the member, the
//! reward, the programme (for the tier ladder) and the idempotency record, because every
//! check needs them before anything is written; one TransactWriteItems then writes the
//! member (guarded by its revision), the `redeem` ledger entry, the redemption and its
//! voucher, the stock decrement (guarded by the stock and the reward's terms) and the
//! idempotency record, so that all of it happens or none of it does.

use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::identifier::RewardId;
use loyalty::domain::operation::{self, Redeemed};
use loyalty::http::{ApiError, ApiRequest, Decision, Reply, SignedInMember, write};
use loyalty::store::SnapshotRequest;
use serde::Deserialize;

use crate::view::{BalanceView, RedemptionView};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RedeemRequest {
    reward_id: RewardId,
}

pub async fn redeem(
    context: &Context,
    request: &ApiRequest,
    me: SignedInMember,
) -> Result<Response<Body>, ApiError> {
    let (body, raw): (RedeemRequest, _) = request.json()?;
    let idempotency =
        request.required_idempotency("redeem", me.id.as_str(), me.caller(), Some(&raw))?;
    let read = SnapshotRequest {
        reward: Some(&body.reward_id),
        ..SnapshotRequest::member(&me.id)
    };
    write(context, read, Some(idempotency), |mut snapshot, now| {
        let (member, program) = snapshot.member_and_program()?;
        let reward = snapshot.reward()?;
        let Redeemed {
            change,
            redemption,
            balance,
        } = operation::redeem(member, &program, reward, me.actor(), now)?;
        let view = BalanceView {
            redemption: RedemptionView::from(&redemption),
            balance,
            points_refunded: None,
        };
        Ok(Decision::Commit(change, Reply::created(view)))
    })
    .await
}
