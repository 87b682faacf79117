//! `POST /v1/members/{memberId}/adjustments`: an operator's manual correction, with a
//! reason that stays on the ledger for audit.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::identifier::MemberId;
use loyalty::domain::ledger::{EntryFacts, EntryType, LedgerEntry};
use loyalty::domain::points::Points;
use loyalty::http::views::entry_response;
use loyalty::http::{ApiError, ApiRequest, Idempotency, Planned, Scope, execute_write};
use loyalty::store::{Commit, SnapshotRequest};
use serde::Deserialize;

use crate::earn::balance_error;

const MAX_REASON_CHARS: usize = 500;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AdjustmentRequest {
    points: i64,
    reason: String,
}

pub async fn adjust(
    context: &Context,
    request: &ApiRequest,
    member: &str,
) -> Result<Response<Body>, ApiError> {
    let caller = request.caller(context)?;
    caller.require(Scope::Admin)?;
    let member_id = MemberId::try_from(member)?;
    let (body, raw): (AdjustmentRequest, _) = request.json()?;
    let points = Points::new(body.points)
        .filter(|p| *p != Points::ZERO)
        .ok_or_else(|| ApiError::invalid("points must be a non-zero whole number within ±10^12"))?;
    let reason = body.reason.trim().to_string();
    if reason.is_empty()
        || reason.chars().count() > MAX_REASON_CHARS
        || reason.chars().any(char::is_control)
    {
        return Err(ApiError::invalid(
            "reason must be 1 to 500 printable characters",
        ));
    }
    let key = request.idempotency_key()?;
    let reference = key
        .as_ref()
        .map(|k| format!("adjustment:{k}"))
        .unwrap_or_else(|| "adjustment".to_string());
    let idempotency =
        key.map(|key| Idempotency::keyed("adjust", &member_id, &caller, &key, request, Some(&raw)));
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
        let expected_revision = member.revision();
        member
            .adjust(points, now, &program)
            .map_err(balance_error)?;
        let entry = LedgerEntry::for_change(
            &member,
            EntryFacts {
                kind: EntryType::Adjust,
                points,
                occurred_at: now,
                reference: reference.clone(),
                breakdown: None,
                amount: None,
                reason: Some(reason.clone()),
                actor: caller.subject().to_string(),
            },
            now,
        );
        let response = entry_response(&entry, member.balance(), &[])?;
        Ok(Planned {
            commit: Commit {
                member,
                expected_revision,
                entries: vec![entry],
                writes: Vec::new(),
                idempotency: None,
                now,
            },
            status: StatusCode::CREATED,
            body: response,
        })
    })
    .await
}
