//! `PATCH /v1/members/me`: the member changes its display name and/or birthday. Unknown
//! fields and a body with nothing to change are refused; an `idempotency-key` makes a retry
//! answer as the first call did.

use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::birthday::Birthday;
use loyalty::domain::operation::{self, ProfileUpdated};
use loyalty::http::{ApiError, ApiRequest, Decision, Reply, SignedInMember, write};
use loyalty::store::SnapshotRequest;
use serde::Deserialize;

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
    let idempotency = request.idempotency("profile", me.id.as_str(), me.caller(), Some(&raw))?;
    write(
        context,
        SnapshotRequest::member(&me.id),
        idempotency,
        |mut snapshot, now| {
            let (member, program) = snapshot.member_and_program()?;
            let ProfileUpdated { change, member } =
                operation::update_profile(member, &program, name.clone(), body.birthday, now)?;
            let view = MemberView::new(&member, Some(&program), now);
            Ok(Decision::Commit(change, Reply::ok(view)))
        },
    )
    .await
}
