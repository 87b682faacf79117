//! `GET /v1/members/me` (and `/v1/members/{memberId}`): balance, tier and progress, and
//! points about to expire.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::identifier::MemberId;
use loyalty::http::{ApiError, json};
use loyalty::store::SnapshotRequest;

use crate::view::MemberView;

pub async fn profile(context: &Context, member: &MemberId) -> Result<Response<Body>, ApiError> {
    let now = context.clock.now();
    let mut snapshot = context
        .snapshot(SnapshotRequest::member(member), now)
        .await?;
    let member = snapshot.member()?;
    let program = snapshot.program.as_ref();
    // Expired lots are never shown, whether or not anything has recorded their expiry yet.
    let member = match program {
        Some(program) => member.as_of(program, now),
        None => member,
    };
    json(StatusCode::OK, &MemberView::new(&member, program, now))
}
