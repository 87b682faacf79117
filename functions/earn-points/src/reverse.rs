//! `POST /v1/members/{memberId}/earn/{transactionId}/reverse`: a refund or partial
//! return takes back the points its purchase earned, in proportion, never more.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::identifier::{MemberId, TransactionId};
use loyalty::domain::ledger::{EntryFacts, EntryType, LedgerEntry};
use loyalty::domain::money::Money;
use loyalty::domain::purchase::ReversalError;
use loyalty::http::views::entry_response;
use loyalty::http::{ApiError, ApiRequest, Idempotency, Planned, Refusal, Scope, execute_write};
use loyalty::store::{Commit, SnapshotRequest, Write};
use serde::Deserialize;
use serde_json::json;

use crate::earn::balance_error;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ReverseRequest {
    /// The refunded amount; the whole remainder of the purchase when absent.
    amount: Option<Money>,
}

pub async fn reverse(
    context: &Context,
    request: &ApiRequest,
    member: &str,
    transaction: &str,
) -> Result<Response<Body>, ApiError> {
    let caller = request.caller(context)?;
    caller.require(Scope::Earn)?;
    let member_id = MemberId::try_from(member)?;
    let transaction_id = TransactionId::try_from(transaction)?;
    let (body, raw): (ReverseRequest, _) = request.json_or_default()?;
    let idempotency = request
        .idempotency_key()?
        .map(|key| Idempotency::keyed("reverse", &member_id, &caller, &key, request, raw.as_ref()));
    let read = SnapshotRequest {
        member: Some(&member_id),
        program: true,
        purchase: Some(&transaction_id),
        ..Default::default()
    };

    execute_write(context, read, idempotency, |snapshot, now| {
        let program = snapshot.program.ok_or_else(ApiError::program_missing)?;
        let mut member = snapshot
            .member
            .ok_or_else(|| ApiError::NotFound("no member with this id".into()))?;
        let mut purchase = snapshot.purchase.ok_or_else(|| {
            ApiError::NotFound("no purchase with this transactionId for this member".into())
        })?;
        let reversal = purchase
            .reversal(body.amount.as_ref())
            .map_err(|e| match e {
                ReversalError::AlreadyReversed => {
                    ApiError::refused(Refusal::AlreadyReversed, e.to_string())
                }
                other => ApiError::invalid(other.to_string()),
            })?;

        let refunded_now = reversal.refunded_minor_after - purchase.refunded_minor;
        let expected_revision = member.revision();
        // Less than the proportional points when the purchase's lot has already expired.
        let taken = member
            .take_back_purchase(reversal.points, purchase.placement, now, &program)
            .map_err(balance_error)?;
        purchase.refunded_minor = reversal.refunded_minor_after;
        purchase.reversed = purchase
            .reversed
            .checked_add(reversal.points)
            .ok_or(ApiError::Internal)?;
        let entry = LedgerEntry::for_change(
            &member,
            EntryFacts {
                kind: EntryType::Reverse,
                points: taken.negated(),
                occurred_at: now,
                reference: transaction_id.to_string(),
                breakdown: None,
                amount: Money::new(refunded_now, purchase.amount.currency()).ok(),
                reason: None,
                actor: caller.subject().to_string(),
            },
            now,
        );
        let response = entry_response(
            &entry,
            member.balance(),
            &[
                ("transactionId", json!(transaction_id)),
                ("reversedPoints", json!(purchase.reversed)),
                (
                    "remainingPoints",
                    json!(purchase.earned.checked_sub(purchase.reversed)),
                ),
            ],
        )?;
        Ok(Planned {
            commit: Commit {
                member,
                expected_revision,
                entries: vec![entry],
                writes: vec![Write::Purchase(purchase)],
                idempotency: None,
                now,
            },
            status: StatusCode::CREATED,
            body: response,
        })
    })
    .await
}
