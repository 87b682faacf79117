//! `POST /v1/members/{memberId}/adjustments`: an operator's manual correction, with a
//! reason that stays on the ledger for audit. The `idempotency-key` is required: a retry
//! of an adjustment whose answer was lost (a timeout may come after the commit) must not
//! adjust twice.

use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::identifier::MemberId;
use loyalty::domain::operation::{self, Adjusted};
use loyalty::domain::points::Points;
use loyalty::domain::reason::Reason;
use loyalty::http::views::EntryReply;
use loyalty::http::{ApiError, ApiRequest, Decision, Operator, Reply, write};
use loyalty::store::SnapshotRequest;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AdjustmentRequest {
    points: i64,
    reason: Reason,
}

pub async fn adjust(
    context: &Context,
    request: &ApiRequest,
    operator: Operator,
    member: MemberId,
) -> Result<Response<Body>, ApiError> {
    let (body, raw): (AdjustmentRequest, _) = request.json()?;
    let points = Points::new(body.points)
        .filter(|p| *p != Points::ZERO)
        .ok_or_else(|| ApiError::invalid("points must be a non-zero whole number within ±10^12"))?;
    let idempotency =
        request.required_idempotency("adjust", member.as_str(), operator.caller(), Some(&raw))?;
    let reference = format!("adjustment:{}", idempotency.key());
    write(
        context,
        SnapshotRequest::member(&member),
        Some(idempotency),
        |mut snapshot, now| {
            let (member, program) = snapshot.member_and_program()?;
            let Adjusted {
                change,
                entry,
                balance,
            } = operation::adjust(
                member,
                &program,
                points,
                &body.reason,
                reference.clone(),
                operator.actor(),
                now,
            )?;
            Ok(Decision::Commit(
                change,
                Reply::created(EntryReply::new(&entry, balance)),
            ))
        },
    )
    .await
}
