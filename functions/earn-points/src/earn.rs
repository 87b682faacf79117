//! `POST /v1/members/{memberId}/earn`: a purchase earns points by the programme's rules.

use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::earn_rules::BreakdownLine;
use loyalty::domain::identifier::{ChallengeId, MemberId, RuleId, TransactionId};
use loyalty::domain::money::Money;
use loyalty::domain::operation::{self, Earned, PurchaseReport};
use loyalty::domain::points::Points;
use loyalty::domain::stamps::CardStamped;
use loyalty::domain::tier::TierName;
use loyalty::http::views::timestamp;
use loyalty::http::{ApiError, ApiRequest, Decision, Reply, Till, write};
use loyalty::idempotency::Idempotency;
use loyalty::store::SnapshotRequest;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct EarnRequest {
    transaction_id: TransactionId,
    amount: Money,
    category: Option<RuleId>,
    store_id: Option<RuleId>,
    #[serde(default, with = "loyalty::domain::rfc3339::option")]
    occurred_at: Option<OffsetDateTime>,
}

impl TryFrom<EarnRequest> for PurchaseReport {
    type Error = ApiError;

    fn try_from(body: EarnRequest) -> Result<Self, ApiError> {
        if body.amount.amount_minor() == 0 {
            return Err(ApiError::invalid("amount must be greater than zero"));
        }
        Ok(PurchaseReport {
            transaction_id: body.transaction_id,
            amount: body.amount,
            category: body.category,
            occurred_at: body.occurred_at,
        })
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct EarnView {
    entry_id: String,
    transaction_id: TransactionId,
    points: Points,
    balance: Points,
    tier: TierName,
    breakdown: Vec<BreakdownLine>,
    store_id: Option<RuleId>,
    /// When the points become spendable, if the programme's return window holds them.
    #[serde(skip_serializing_if = "Option::is_none", with = "timestamp::option")]
    available_at: Option<OffsetDateTime>,
    /// The stamp cards the purchase stamped (empty when none).
    stamps: Vec<CardStamped>,
    /// The challenges the purchase completed (empty when none).
    challenges_completed: Vec<ChallengeId>,
}

pub async fn earn(
    context: &Context,
    request: &ApiRequest,
    till: Till,
    member: MemberId,
) -> Result<Response<Body>, ApiError> {
    let (body, raw): (EarnRequest, _) = request.json()?;
    let store_id = body.store_id.clone();
    let report = PurchaseReport::try_from(body)?;
    let fingerprint = request.fingerprint(Some(&raw));
    let idempotency =
        Idempotency::purchase(member.as_str(), report.transaction_id.as_str(), fingerprint);
    let read = SnapshotRequest {
        catalogue: true,
        offers: true,
        ..SnapshotRequest::member(&member)
    };
    write(context, read, Some(idempotency), |mut snapshot, now| {
        let (member, program) = snapshot.member_and_program()?;
        let Earned {
            change,
            entry,
            tier,
            balance,
            stamps,
            challenges_completed,
        } = operation::earn(
            member,
            &program,
            &snapshot.catalogue,
            &snapshot.offers,
            &report,
            till.actor(),
            now,
        )?;
        let view = EarnView {
            entry_id: entry.entry_id,
            transaction_id: report.transaction_id.clone(),
            points: entry.points,
            balance,
            tier,
            breakdown: entry.breakdown.unwrap_or_default(),
            store_id: store_id.clone(),
            available_at: entry.available_at,
            stamps,
            challenges_completed,
        };
        Ok(Decision::Commit(change, Reply::created(view)))
    })
    .await
}
