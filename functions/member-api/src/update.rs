//! `PATCH /v1/members/me`: the member changes its display name and/or birthday. Unknown
//! fields and a body with nothing to change are refused; an `idempotency-key` makes a retry
//! answer as the first call did. [`write_profile`] is the write of every change the member
//! makes to its own profile (this one and its consents).

use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::birthday::Birthday;
use loyalty::domain::member::Member;
use loyalty::domain::operation::{self, OperationError, ProfileUpdated};
use loyalty::domain::program::Program;
use loyalty::http::{ApiError, ApiRequest, Decision, Reply, SignedInMember, write};
use loyalty::store::SnapshotRequest;
use serde::Deserialize;
use time::OffsetDateTime;

use crate::display_name::display_name;
use crate::view::MemberView;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ProfileRequest {
    display_name: Option<String>,
    birthday: Option<Birthday>,
}

pub async fn update(
    context: &Context,
    request: &ApiRequest,
    me: SignedInMember,
) -> Result<Response<Body>, ApiError> {
    let (body, raw): (ProfileRequest, _) = request.json()?;
    let name = display_name(body.display_name)?;
    if name.is_none() && body.birthday.is_none() {
        return Err(ApiError::invalid(
            "nothing to change: give displayName, birthday or both",
        ));
    }
    write_profile(
        context,
        request,
        &me,
        "profile",
        &raw,
        |member, program, now| {
            operation::update_profile(member, program, name.clone(), body.birthday, now)
        },
    )
    .await
}

/// Writes the member's change to its own profile (`operation`, idempotent under `kind`) and
/// answers with the member after it.
pub async fn write_profile(
    context: &Context,
    request: &ApiRequest,
    me: &SignedInMember,
    kind: &str,
    raw: &serde_json::Value,
    operation: impl Fn(Member, &Program, OffsetDateTime) -> Result<ProfileUpdated, OperationError>,
) -> Result<Response<Body>, ApiError> {
    let idempotency = request.idempotency(kind, me.id.as_str(), me.caller(), Some(raw))?;
    write(
        context,
        SnapshotRequest::member(&me.id),
        idempotency,
        |mut snapshot, now| {
            let (member, program) = snapshot.member_and_program()?;
            let ProfileUpdated { change, member } = operation(member, &program, now)?;
            let view = MemberView::new(&member, Some(&program), now);
            Ok(Decision::Commit(change, Reply::ok(view)))
        },
    )
    .await
}
