//! `POST /v1/members/{memberId}/earn`: a purchase earns points by the programme's rules.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::earn_rules::Purchase as PricedPurchase;
use loyalty::domain::identifier::{MemberId, RuleId, TransactionId};
use loyalty::domain::ledger::{EntryFacts, EntryType, LedgerEntry};
use loyalty::domain::member::BalanceError;
use loyalty::domain::money::Money;
use loyalty::domain::purchase::Purchase;
use loyalty::http::{ApiError, ApiRequest, Idempotency, Planned, Refusal, Scope, execute_write};
use loyalty::idempotency::{IdempotencyScope, fingerprint};
use loyalty::store::{Commit, SnapshotRequest, Write};
use serde::Deserialize;
use serde_json::json;
use time::{Duration, OffsetDateTime};

/// Till clocks drift; a purchase a little in the future is accepted, more is a mistake.
const MAX_CLOCK_SKEW: Duration = Duration::minutes(5);
/// Tills that were offline post late; older purchases are refused rather than credited
/// into lots that may already have expired.
const MAX_PURCHASE_AGE: Duration = Duration::days(90);

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct EarnRequest {
    transaction_id: TransactionId,
    amount: Money,
    category: Option<RuleId>,
    store_id: Option<RuleId>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    occurred_at: Option<OffsetDateTime>,
}

pub async fn earn(
    context: &Context,
    request: &ApiRequest,
    member: &str,
) -> Result<Response<Body>, ApiError> {
    let caller = request.caller(context)?;
    caller.require(Scope::Earn)?;
    let member_id = MemberId::try_from(member)?;
    let (body, raw): (EarnRequest, _) = request.json()?;
    if body.amount.amount_minor() == 0 {
        return Err(ApiError::invalid("amount must be greater than zero"));
    }
    let idempotency = Idempotency {
        scope: IdempotencyScope::purchase(member_id.as_str(), body.transaction_id.as_str()),
        fingerprint: fingerprint("POST", request.path(), Some(&raw)),
    };
    let read = SnapshotRequest {
        member: Some(&member_id),
        program: true,
        ..Default::default()
    };

    execute_write(context, read, Some(idempotency), |snapshot, now| {
        let occurred_at = body.occurred_at.unwrap_or(now);
        if occurred_at > now + MAX_CLOCK_SKEW {
            return Err(ApiError::invalid("occurredAt is in the future"));
        }
        if occurred_at < now - MAX_PURCHASE_AGE {
            return Err(ApiError::invalid(
                "occurredAt is more than 90 days in the past",
            ));
        }
        let program = snapshot.program.ok_or_else(ApiError::program_missing)?;
        let mut member = snapshot
            .member
            .ok_or_else(|| ApiError::NotFound("no member with this id".into()))?;
        let tier = member.current_tier(&program).clone();
        let priced = PricedPurchase {
            amount: body.amount.clone(),
            category: body.category.as_ref(),
            occurred_at,
        };
        let earning = program
            .evaluate_earn(&priced, &tier, member.earned_today(now))
            .map_err(|e| ApiError::invalid(e.to_string()))?;

        let expected_revision = member.revision();
        let placement = member
            .credit_purchase(earning.points(), occurred_at, now, &program)
            .map_err(balance_error)?;
        let entry = LedgerEntry::for_change(
            &member,
            EntryFacts {
                kind: EntryType::Earn,
                points: earning.points(),
                occurred_at,
                reference: body.transaction_id.to_string(),
                breakdown: Some(earning.breakdown().to_vec()),
                amount: Some(body.amount.clone()),
                reason: None,
                actor: caller.subject().to_string(),
            },
            now,
        );
        let purchase = Purchase {
            transaction_id: body.transaction_id.clone(),
            member_id: member_id.clone(),
            amount: body.amount.clone(),
            occurred_at,
            earned: earning.points(),
            earn_entry_id: entry.entry_id.clone(),
            placement,
            refunded_minor: 0,
            reversed: Default::default(),
        };
        let response = json!({
            "entryId": entry.entry_id,
            "transactionId": body.transaction_id,
            "points": earning.points(),
            "balance": member.balance(),
            "tier": tier.name(),
            "breakdown": earning.breakdown(),
            "storeId": body.store_id,
        });
        Ok(Planned {
            commit: Commit {
                member,
                expected_revision,
                entries: vec![entry],
                writes: vec![Write::NewPurchase(purchase)],
                idempotency: None,
                now,
            },
            status: StatusCode::CREATED,
            body: response,
        })
    })
    .await
}

pub(crate) fn balance_error(error: BalanceError) -> ApiError {
    match error {
        BalanceError::InsufficientPoints { .. } => {
            ApiError::refused(Refusal::InsufficientPoints, error.to_string())
        }
        BalanceError::Overflow => ApiError::invalid(error.to_string()),
    }
}
