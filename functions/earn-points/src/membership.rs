//! `PUT` and `DELETE /v1/members/{memberId}/membership`: the business's billing system
//! starts, renews or changes a member's paid membership, or ends it now. While it runs the
//! member's tier is at least the plan's; it ends at `until` without any job.

use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::identifier::{MemberId, PlanId};
use loyalty::domain::membership::BillingReference;
use loyalty::domain::operation::{self, MembershipChanged};
use loyalty::http::views::MembershipView;
use loyalty::http::{ApiError, ApiRequest, Decision, Operator, Reply, write};
use loyalty::store::SnapshotRequest;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct MembershipRequest {
    plan_id: PlanId,
    #[serde(with = "loyalty::domain::rfc3339")]
    until: OffsetDateTime,
    reference: BillingReference,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct MembershipReply {
    member_id: MemberId,
    tier: String,
    membership: Option<MembershipView>,
    /// For an end: whether a membership was running.
    #[serde(skip_serializing_if = "Option::is_none")]
    ended: Option<bool>,
}

pub async fn put(
    context: &Context,
    request: &ApiRequest,
    operator: Operator,
    member_id: MemberId,
) -> Result<Response<Body>, ApiError> {
    let (body, raw): (MembershipRequest, _) = request.json()?;
    let idempotency = request.idempotency(
        "membership",
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
            let MembershipChanged {
                change,
                tier,
                membership,
                ..
            } = operation::start_membership(
                member,
                &program,
                &body.plan_id,
                body.until,
                body.reference.clone(),
                operator.actor(),
                now,
            )?;
            let view = MembershipReply {
                member_id: member_id.clone(),
                tier,
                membership: membership.and_then(|m| MembershipView::new(&m, &program)),
                ended: None,
            };
            Ok(Decision::Commit(change, Reply::ok(view)))
        },
    )
    .await
}

pub async fn delete(
    context: &Context,
    request: &ApiRequest,
    operator: Operator,
    member_id: MemberId,
) -> Result<Response<Body>, ApiError> {
    let idempotency =
        request.idempotency("membership", member_id.as_str(), operator.caller(), None)?;
    write(
        context,
        SnapshotRequest::member(&member_id),
        idempotency,
        |mut snapshot, now| {
            let (member, program) = snapshot.member_and_program()?;
            let tier = member.current_tier(&program, now).name().to_string();
            let reply = |tier: String, ended: bool| MembershipReply {
                member_id: member_id.clone(),
                tier,
                membership: None,
                ended: Some(ended),
            };
            Ok(match operation::end_membership(member, &program, now)? {
                Some(ended) => {
                    Decision::Commit(ended.change, Reply::ok(reply(ended.tier, ended.ended)))
                }
                None => Decision::Answer(Reply::ok(reply(tier, false))),
            })
        },
    )
    .await
}
