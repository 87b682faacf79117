//! `GET /v1/members/me/offers` and `POST /v1/members/me/offers/{offerId}/activate`: the
//! targeted offers the member is offered now, and clipping one.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::identifier::{MemberId, OfferId};
use loyalty::domain::operation;
use loyalty::domain::targeted_offer::{MemberOffer, offers_for};
use loyalty::http::{ApiError, Decision, Reply, json, write};
use loyalty::store::SnapshotRequest;
use serde::Serialize;

#[derive(Debug, Serialize)]
struct MemberOffersView {
    items: Vec<MemberOffer>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ActivatedView {
    offer_id: OfferId,
    activated: bool,
}

pub async fn list(context: &Context, member: &MemberId) -> Result<Response<Body>, ApiError> {
    let now = context.clock.now();
    let read = SnapshotRequest {
        offers: true,
        ..SnapshotRequest::member(member)
    };
    let mut snapshot = context.snapshot(read, now).await?;
    let (member, program) = snapshot.member_and_program()?;
    let member = member.as_of(&program, now);
    let items = offers_for(&member, &program, &snapshot.offers.offers, now);
    json(StatusCode::OK, &MemberOffersView { items })
}

/// Idempotent: activating an activated offer answers the same and writes nothing.
pub async fn activate(
    context: &Context,
    member: &MemberId,
    offer: OfferId,
) -> Result<Response<Body>, ApiError> {
    let read = SnapshotRequest {
        offers: true,
        ..SnapshotRequest::member(member)
    };
    write(context, read, None, |mut snapshot, now| {
        let (member, program) = snapshot.member_and_program()?;
        let view = ActivatedView {
            offer_id: offer.clone(),
            activated: true,
        };
        Ok(
            match operation::activate_offer(member, &program, &snapshot.offers, &offer, now)? {
                Some(change) => Decision::Commit(change, Reply::ok(view)),
                None => Decision::Answer(Reply::ok(view)),
            },
        )
    })
    .await
}
