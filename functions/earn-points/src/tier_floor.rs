//! `PUT /v1/members/{memberId}/tier-floor`: an operator guarantees a member at least a tier
//! until a date, with a reason (a service recovery, a status match). A floor above the
//! current tier upgrades at once; the floor holds at reviews until it ends.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::event::DomainEvent;
use loyalty::domain::identifier::MemberId;
use loyalty::domain::member::TierFloor;
use loyalty::http::{ApiError, ApiRequest, Idempotency, Planned, Scope, execute_write};
use loyalty::store::{Commit, SnapshotRequest, Write};
use serde::Deserialize;
use serde_json::json;
use time::OffsetDateTime;

const MAX_REASON_CHARS: usize = 500;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FloorRequest {
    tier: String,
    #[serde(with = "time::serde::rfc3339")]
    until: OffsetDateTime,
    reason: String,
}

pub async fn put(
    context: &Context,
    request: &ApiRequest,
    member: &str,
) -> Result<Response<Body>, ApiError> {
    let caller = request.caller(context)?;
    caller.require(Scope::Admin)?;
    let member_id = MemberId::try_from(member)?;
    let (body, raw): (FloorRequest, _) = request.json()?;
    let reason = body.reason.trim().to_string();
    if reason.is_empty()
        || reason.chars().count() > MAX_REASON_CHARS
        || reason.chars().any(char::is_control)
    {
        return Err(ApiError::invalid(
            "reason must be 1 to 500 printable characters",
        ));
    }
    let idempotency = request.idempotency_key()?.map(|key| {
        Idempotency::keyed("tier-floor", &member_id, &caller, &key, request, Some(&raw))
    });
    let read = SnapshotRequest {
        member: Some(&member_id),
        program: true,
        ..Default::default()
    };
    execute_write(context, read, idempotency, |snapshot, now| {
        let program = snapshot.program.ok_or_else(ApiError::program_missing)?;
        let mut member = snapshot
            .member
            .ok_or_else(|| ApiError::NotFound("no member with this id".into()))?;
        if program.tier_rank(&body.tier).is_none() {
            return Err(ApiError::invalid(format!(
                "tier {:?} is not a tier of the programme",
                body.tier
            )));
        }
        if body.until <= now {
            return Err(ApiError::invalid("until must be in the future"));
        }
        let expected_revision = member.revision();
        let floor = TierFloor {
            tier: body.tier.clone(),
            until: body.until,
            reason: reason.clone(),
            set_by: caller.subject().to_string(),
        };
        let change = member.set_floor(floor, &program, now);
        let writes = change
            .as_ref()
            .map(|c| vec![Write::Event(DomainEvent::tier_changed(&member, c))])
            .unwrap_or_default();
        let response = json!({
            "memberId": member_id,
            "tier": member.tier().name,
            "floor": member.floor(),
            "upgraded": change.is_some(),
        });
        Ok(Planned {
            commit: Commit {
                member,
                expected_revision,
                entries: Vec::new(),
                writes,
                idempotency: None,
                now,
            },
            status: StatusCode::OK,
            body: response,
        })
    })
    .await
}
