//! `POST /v1/members/{memberId}/actions`: the business's backend reports an action it has
//! verified (a review, a survey, a completed profile), and the programme's rule for it
//! credits points. The `actionId` is the idempotency key: a retry gets the first answer,
//! and an action is credited once per member, ever.

use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::identifier::{ActionId, ActionName, ChallengeId, MemberId};
use loyalty::domain::operation::{self, ActionCredited, ActionReport};
use loyalty::domain::points::Points;
use loyalty::http::{ApiError, ApiRequest, Decision, Reply, Till, write};
use loyalty::idempotency::Idempotency;
use loyalty::store::SnapshotRequest;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ActionRequest {
    action_id: ActionId,
    action: ActionName,
    #[serde(default, with = "loyalty::domain::rfc3339::option")]
    occurred_at: Option<OffsetDateTime>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ActionView {
    entry_id: String,
    action_id: ActionId,
    action: ActionName,
    points: Points,
    balance: Points,
    /// The challenges the action completed (empty when none).
    challenges_completed: Vec<ChallengeId>,
}

pub async fn report(
    context: &Context,
    request: &ApiRequest,
    till: Till,
    member: MemberId,
) -> Result<Response<Body>, ApiError> {
    let (body, raw): (ActionRequest, _) = request.json()?;
    let idempotency = Idempotency::action(
        member.as_str(),
        body.action_id.as_str(),
        request.fingerprint(Some(&raw)),
    );
    let report = ActionReport {
        action_id: body.action_id,
        action: body.action,
        occurred_at: body.occurred_at,
    };
    write(
        context,
        SnapshotRequest::member(&member),
        Some(idempotency),
        |mut snapshot, now| {
            let (member, program) = snapshot.member_and_program()?;
            let ActionCredited {
                change,
                entry,
                balance,
                completed,
            } = operation::credit_action(member, &program, &report, till.actor(), now)?;
            let view = ActionView {
                entry_id: entry.entry_id,
                action_id: report.action_id.clone(),
                action: report.action.clone(),
                points: entry.points,
                balance,
                challenges_completed: completed,
            };
            Ok(Decision::Commit(change, Reply::created(view)))
        },
    )
    .await
}
