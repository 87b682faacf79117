//! `POST /v1/members/me/redemptions/{redemptionId}/cancel`: the points go back to the lots
//! that paid, the stock back to the reward, once; a used voucher cannot be cancelled.
//!
//! Two DynamoDB calls for a reward without stock (the member, redemption, programme and
//! idempotency record read together, then one transaction), three when the redemption
//! took stock: its reward is read too, to know whether it still counts stock.

use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::identifier::RedemptionId;
use loyalty::domain::operation::{self, Cancelled};
use loyalty::http::{ApiError, ApiRequest, Decision, Reply, SignedInMember, write};
use loyalty::store::SnapshotRequest;

use crate::view::{BalanceView, RedemptionView};

pub async fn cancel(
    context: &Context,
    request: &ApiRequest,
    me: SignedInMember,
    redemption_id: RedemptionId,
) -> Result<Response<Body>, ApiError> {
    let idempotency = request.idempotency("cancel", me.id.as_str(), me.caller(), None)?;
    let read = SnapshotRequest {
        redemption: Some(&redemption_id),
        redemption_reward: true,
        ..SnapshotRequest::member(&me.id)
    };
    write(context, read, idempotency, |mut snapshot, now| {
        let (member, program) = snapshot.member_and_program()?;
        let redemption = snapshot.redemption()?;
        let reward = snapshot.reward.take();
        let Cancelled {
            change,
            redemption,
            refunded,
            balance,
        } = operation::cancel(
            member,
            &program,
            redemption,
            reward.as_ref(),
            me.actor(),
            now,
        )?;
        let view = BalanceView {
            redemption: RedemptionView::from(&redemption),
            balance,
            points_refunded: Some(refunded),
        };
        Ok(Decision::Commit(change, Reply::ok(view)))
    })
    .await
}
