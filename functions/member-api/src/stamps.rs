//! `GET /v1/members/me/stamps`: the member's progress on each stamp card of the programme.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::identifier::MemberId;
use loyalty::domain::stamps::CardStatus;
use loyalty::http::{ApiError, json};
use loyalty::store::SnapshotRequest;
use serde::Serialize;

#[derive(Debug, Serialize)]
struct StampsView {
    cards: Vec<CardStatus>,
}

pub async fn stamps(context: &Context, member: &MemberId) -> Result<Response<Body>, ApiError> {
    let now = context.clock.now();
    let mut snapshot = context
        .snapshot(SnapshotRequest::member(member), now)
        .await?;
    let member = snapshot.member()?;
    // Without a programme there are no cards.
    let cards = snapshot
        .program
        .as_ref()
        .map(|program| member.card_statuses(program))
        .unwrap_or_default();
    json(StatusCode::OK, &StampsView { cards })
}
