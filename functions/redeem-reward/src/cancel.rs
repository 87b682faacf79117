//! `POST /v1/members/me/redemptions/{redemptionId}/cancel`: the points go back to the lots
//! that paid, the stock back to the reward, once; a used voucher cannot be cancelled.
//!
//! Three DynamoDB calls: the redemption names its reward, so it is read first (GetItem
//! through the snapshot), then the member, redemption, reward and idempotency record are
//! read together, and one transaction writes the refund.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::identifier::RedemptionId;
use loyalty::domain::ledger::{EntryFacts, EntryType, LedgerEntry};
use loyalty::domain::redemption::RedemptionStatus;
use loyalty::http::{ApiError, ApiRequest, Idempotency, Planned, Refusal, execute_write};
use loyalty::store::{Commit, SnapshotRequest, Write};
use serde_json::json;

use crate::view::redemption_view;

pub async fn cancel(
    context: &Context,
    request: &ApiRequest,
    redemption: &str,
) -> Result<Response<Body>, ApiError> {
    let caller = request.caller(context)?;
    let member_id = caller.member_id()?;
    let redemption_id = RedemptionId::try_from(redemption)?;
    let idempotency = request
        .idempotency_key()?
        .map(|key| Idempotency::keyed("cancel", &member_id, &caller, &key, request, None));
    let first = SnapshotRequest {
        member: Some(&member_id),
        redemption: Some(&redemption_id),
        ..Default::default()
    };
    let found = context.store.snapshot(first, context.clock.now()).await?;
    let reward_id = found
        .redemption
        .map(|r| r.reward_id)
        .ok_or_else(|| ApiError::NotFound("no redemption with this id".into()))?;
    let read = SnapshotRequest {
        member: Some(&member_id),
        redemption: Some(&redemption_id),
        reward: Some(&reward_id),
        program: true,
        ..Default::default()
    };

    execute_write(context, read, idempotency, |snapshot, now| {
        let program = snapshot.program.ok_or_else(ApiError::program_missing)?;
        let mut member = snapshot
            .member
            .ok_or_else(|| ApiError::NotFound("no member with this id".into()))?;
        let mut redemption = snapshot
            .redemption
            .ok_or_else(|| ApiError::NotFound("no redemption with this id".into()))?;
        if !redemption.close(RedemptionStatus::Cancelled, now, caller.subject()) {
            let status = serde_json::to_value(redemption.status).unwrap_or_default();
            return Err(ApiError::refused(
                Refusal::NotCancellable,
                format!(
                    "a redemption that is {} cannot be cancelled",
                    status.as_str().unwrap_or("closed")
                ),
            ));
        }
        let expected_revision = member.revision();
        let refunded = member
            .refund(&redemption.paid_from, &program, now)
            .map_err(|e| ApiError::invalid(e.to_string()))?;
        let entry = LedgerEntry::for_change(
            &member,
            EntryFacts {
                kind: EntryType::Refund,
                points: refunded,
                occurred_at: now,
                reference: format!("redemption:{}", redemption.redemption_id),
                breakdown: None,
                amount: None,
                reason: Some(format!("cancelled: {}", redemption.reward_name)),
                actor: caller.subject().to_string(),
            },
            now,
        );
        let mut writes = Vec::with_capacity(2);
        // Stock goes back only to a reward that still counts stock.
        if redemption.stock_taken && snapshot.reward.as_ref().is_some_and(|r| r.stock.is_some()) {
            writes.push(Write::ReturnReward(redemption.reward_id.clone()));
        }
        let mut body = redemption_view(&redemption);
        if let Some(fields) = body.as_object_mut() {
            fields.insert("balance".into(), json!(member.balance()));
            fields.insert("pointsRefunded".into(), json!(refunded));
        }
        writes.push(Write::CloseRedemption(redemption));
        Ok(Planned {
            commit: Commit {
                member,
                expected_revision,
                entries: vec![entry],
                writes,
                idempotency: None,
                now,
            },
            status: StatusCode::OK,
            body,
        })
    })
    .await
}
