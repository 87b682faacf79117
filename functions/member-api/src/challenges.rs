//! `GET /v1/members/me/challenges`: the programme's running challenges, with the member's
//! progress on each.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::challenge::{ChallengeStatus, statuses};
use loyalty::domain::identifier::MemberId;
use loyalty::http::{ApiError, json};
use loyalty::store::SnapshotRequest;
use serde::Serialize;

#[derive(Debug, Serialize)]
struct ChallengesView {
    items: Vec<ChallengeStatus>,
}

pub async fn challenges(context: &Context, member: &MemberId) -> Result<Response<Body>, ApiError> {
    let now = context.clock.now();
    let mut snapshot = context
        .snapshot(SnapshotRequest::member(member), now)
        .await?;
    let member = snapshot.member()?;
    // Without a programme there are no challenges.
    let items = snapshot
        .program
        .as_ref()
        .map(|program| statuses(program.challenges(), member.challenge_progress(), now))
        .unwrap_or_default();
    json(StatusCode::OK, &ChallengesView { items })
}
