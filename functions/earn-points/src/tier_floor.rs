//! `PUT /v1/members/{memberId}/tier-floor`: an operator guarantees a member at least a tier
//! until a date, with a reason (a service recovery, a status match). A floor above the
//! current tier upgrades at once; the floor holds at reviews until it ends.

use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::identifier::MemberId;
use loyalty::domain::member::TierFloor;
use loyalty::domain::operation::{self, FloorSet};
use loyalty::domain::reason::Reason;
use loyalty::http::{ApiError, ApiRequest, Decision, Operator, Reply, write};
use loyalty::store::SnapshotRequest;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FloorRequest {
    tier: String,
    #[serde(with = "loyalty::domain::rfc3339")]
    until: OffsetDateTime,
    reason: Reason,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct FloorView {
    member_id: MemberId,
    tier: String,
    floor: TierFloor,
    upgraded: bool,
}

pub async fn put(
    context: &Context,
    request: &ApiRequest,
    operator: Operator,
    member_id: MemberId,
) -> Result<Response<Body>, ApiError> {
    let (body, raw): (FloorRequest, _) = request.json()?;
    let idempotency = request.idempotency(
        "tier-floor",
        member_id.as_str(),
        operator.caller(),
        Some(&raw),
    )?;
    write(
        context,
        SnapshotRequest::member(&member_id),
        idempotency,
        |mut snapshot, now| {
            let (member, program) = snapshot.member_and_program()?;
            let FloorSet {
                change,
                tier,
                floor,
                upgraded,
            } = operation::set_tier_floor(
                member,
                &program,
                &body.tier,
                body.until,
                &body.reason,
                operator.actor(),
                now,
            )?;
            let view = FloorView {
                member_id: member_id.clone(),
                tier,
                floor,
                upgraded,
            };
            Ok(Decision::Commit(change, Reply::ok(view)))
        },
    )
    .await
}
