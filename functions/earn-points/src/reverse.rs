//! `POST /v1/members/{memberId}/earn/{transactionId}/reverse`: a refund or partial
//! return takes back the points its purchase earned, in proportion, never more.
//!
//! Retries are safe by design: a full reversal of what is left can happen once (again, it is
//! `already_reversed`), and a partial refund must carry an `idempotency-key`, so that a retry
//! after a lost answer refunds once.

use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::identifier::{ChallengeId, MemberId, TransactionId};
use loyalty::domain::money::Money;
use loyalty::domain::operation::{self, Reversed};
use loyalty::domain::points::Points;
use loyalty::domain::purchase::PurchaseRef;
use loyalty::http::views::EntryReply;
use loyalty::http::{ApiError, ApiRequest, Decision, Reply, Till, write};
use loyalty::store::SnapshotRequest;
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ReverseRequest {
    /// The refunded amount; the whole remainder of the purchase when absent.
    amount: Option<Money>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ReversalFields {
    transaction_id: TransactionId,
    reversed_points: Points,
    remaining_points: Option<Points>,
    /// When the reversal took back a stamp that had completed a card: whether the card's
    /// reward stays (points credited, a voucher already used).
    #[serde(skip_serializing_if = "Option::is_none")]
    stamp_reward_kept: Option<bool>,
    /// Challenges the purchase had helped complete: a full reversal took its progress back,
    /// and their rewards stay.
    challenges_kept: Vec<ChallengeId>,
}

pub async fn reverse(
    context: &Context,
    request: &ApiRequest,
    till: Till,
    member: MemberId,
    transaction: TransactionId,
) -> Result<Response<Body>, ApiError> {
    let (body, raw): (ReverseRequest, _) = request.json_or_default()?;
    let (operation, caller) = ("reverse", till.caller());
    let idempotency = match body.amount {
        Some(_) => {
            Some(request.required_idempotency(operation, member.as_str(), caller, raw.as_ref())?)
        }
        None => request.idempotency(operation, member.as_str(), caller, raw.as_ref())?,
    };
    let purchase = PurchaseRef::Till(transaction.clone());
    let read = SnapshotRequest {
        purchase: Some(&purchase),
        stamp_vouchers: true,
        ..SnapshotRequest::member(&member)
    };
    write(context, read, idempotency, |mut snapshot, now| {
        let (member, program) = snapshot.member_and_program()?;
        let purchase = snapshot.purchase()?;
        let Reversed {
            change,
            entry,
            purchase,
            balance,
            stamp_reward_kept,
            challenges_kept,
        } = operation::reverse(
            member,
            &program,
            purchase,
            &snapshot.stamp_vouchers,
            body.amount.as_ref(),
            till.actor(),
            now,
        )?;
        let fields = ReversalFields {
            transaction_id: transaction.clone(),
            reversed_points: purchase.reversed,
            remaining_points: purchase.earned.checked_sub(purchase.reversed),
            stamp_reward_kept,
            challenges_kept,
        };
        let view = EntryReply::with(&entry, balance, fields);
        Ok(Decision::Commit(change, Reply::created(view)))
    })
    .await
}
