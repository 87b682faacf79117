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
        .store
        .snapshot(SnapshotRequest::member(member), now)
        .await?;
    let member = snapshot.member()?;
    json(
        StatusCode::OK,
        &MemberView::new(&member, snapshot.program.as_ref(), now),
    )
}
