//! `POST /v1/members/me/redemptions`: points for a reward and a voucher for the till.
//!
//! Two DynamoDB calls, the fewest possible: one TransactGetItems reads the member, the
//! reward, the programme (for the tier ladder) and the idempotency record, because every
//! check needs them before anything is written; one TransactWriteItems then writes the
//! member (guarded by its version), the `redeem` ledger entry, the redemption and its
//! voucher, the stock decrement (guarded by the stock and the reward's terms) and the
//! idempotency record, so that all of it happens or none of it does.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::entry_id::new_entry_id;
use loyalty::domain::identifier::{RedemptionId, RewardId};
use loyalty::domain::ledger::{EntryFacts, EntryType, LedgerEntry};
use loyalty::domain::redemption::{Redemption, RedemptionStatus};
use loyalty::domain::reward::RedeemRefusal;
use loyalty::domain::voucher_code::VoucherCode;
use loyalty::http::{ApiError, ApiRequest, Idempotency, Planned, Refusal, execute_write};
use loyalty::store::{Commit, SnapshotRequest, Write};
use serde::Deserialize;
use serde_json::json;

use crate::view::redemption_view;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RedeemRequest {
    reward_id: RewardId,
}

pub async fn redeem(context: &Context, request: &ApiRequest) -> Result<Response<Body>, ApiError> {
    let caller = request.caller(context)?;
    let member_id = caller.member_id()?;
    let key = request
        .idempotency_key()?
        .ok_or_else(|| ApiError::invalid("an idempotency-key header is required to redeem"))?;
    let (body, raw): (RedeemRequest, _) = request.json()?;
    let idempotency = Idempotency::keyed("redeem", &member_id, &caller, &key, request, Some(&raw));
    let read = SnapshotRequest {
        member: Some(&member_id),
        program: true,
        reward: Some(&body.reward_id),
        ..Default::default()
    };

    execute_write(context, read, Some(idempotency), |snapshot, now| {
        let program = snapshot.program.ok_or_else(ApiError::program_missing)?;
        let mut member = snapshot
            .member
            .ok_or_else(|| ApiError::NotFound("enrol before redeeming".into()))?;
        let reward = snapshot
            .reward
            .ok_or_else(|| ApiError::NotFound("no reward with this id".into()))?;
        reward
            .check_redeemable(&member, &program, now)
            .map_err(refusal)?;

        let expected_revision = member.revision();
        let paid_from = member
            .redeem(reward.cost, &program)
            .map_err(|e| ApiError::refused(Refusal::InsufficientPoints, e.to_string()))?;
        let redemption_id = RedemptionId::try_from(new_entry_id(now, &mut rand::rng()))?;
        let redemption = Redemption {
            redemption_id: redemption_id.clone(),
            member_id: member_id.clone(),
            reward_id: reward.reward_id.clone(),
            reward_name: reward.name.clone(),
            code: VoucherCode::generate(&mut rand::rng()),
            points_spent: reward.cost,
            stock_taken: reward.stock.is_some(),
            paid_from,
            status: RedemptionStatus::Issued,
            created_at: now,
            closed_at: None,
            closed_by: None,
        };
        let entry = LedgerEntry::for_change(
            &member,
            EntryFacts {
                kind: EntryType::Redeem,
                points: reward.cost.negated(),
                occurred_at: now,
                reference: format!("redemption:{redemption_id}"),
                breakdown: None,
                amount: None,
                reason: Some(reward.name.clone()),
                actor: caller.subject().to_string(),
            },
            now,
        );
        let mut body = redemption_view(&redemption);
        if let Some(fields) = body.as_object_mut() {
            fields.insert("balance".into(), json!(member.balance()));
        }
        Ok(Planned {
            commit: Commit {
                member,
                expected_revision,
                entries: vec![entry],
                writes: vec![Write::NewRedemption(redemption), Write::TakeReward(reward)],
                idempotency: None,
                now,
            },
            status: StatusCode::CREATED,
            body,
        })
    })
    .await
}

fn refusal(refusal: RedeemRefusal) -> ApiError {
    let kind = match refusal {
        RedeemRefusal::Unavailable => Refusal::RewardUnavailable,
        RedeemRefusal::TierNotEligible(_) => Refusal::TierNotEligible,
        RedeemRefusal::OutOfStock => Refusal::OutOfStock,
        RedeemRefusal::InsufficientPoints { .. } => Refusal::InsufficientPoints,
    };
    ApiError::refused(kind, refusal.to_string())
}
