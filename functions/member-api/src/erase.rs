//! `DELETE /v1/members/me` (the member's own request) and `DELETE /v1/members/{memberId}`
//! (an operator, with a reason): the member is erased, its unused vouchers stop working, and
//! what it held leaves the figures as an `erase` movement. A retry answers the same.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::erasure::{ErasedBy, Erasure};
use loyalty::domain::identifier::MemberId;
use loyalty::domain::points::Points;
use loyalty::domain::reason::Reason;
use loyalty::http::{ApiError, ApiRequest, Operator, SignedInMember, json};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ErasureRequest {
    reason: Reason,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Erased {
    erased: bool,
    points_forfeited: Points,
}

pub async fn erase_self(
    context: &Context,
    request: &ApiRequest,
    member: SignedInMember,
) -> Result<Response<Body>, ApiError> {
    // Accepted like on every write (and checked); the erasure's own record makes any retry
    // answer the same.
    request.idempotency_key()?;
    answer(loyalty::erasure::erase::<ApiError>(context, &member.id, &ErasedBy::Member).await?)
}

pub async fn erase_member(
    context: &Context,
    request: &ApiRequest,
    operator: Operator,
    member: &str,
) -> Result<Response<Body>, ApiError> {
    let member = MemberId::try_from(member)?;
    let (body, _): (ErasureRequest, _) = request.json()?;
    request.idempotency_key()?;
    let by = ErasedBy::Operator {
        subject: operator.actor().to_string(),
        reason: body.reason,
    };
    answer(loyalty::erasure::erase::<ApiError>(context, &member, &by).await?)
}

fn answer(erasure: Erasure) -> Result<Response<Body>, ApiError> {
    json(
        StatusCode::OK,
        &Erased {
            erased: true,
            points_forfeited: erasure.points_forfeited,
        },
    )
}
