//! `offer.upserted` and `offer.withdrawn`: the partner's offers, kept on its record.

use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::identifier::{OfferId, PartnerId};
use loyalty::domain::offer::Offer;
use loyalty::domain::operation::{self, PartnerChange};
use loyalty::domain::partner::PartnerError;
use loyalty::http::{ApiError, Decision, Reply, write};
use loyalty::idempotency::Idempotency;
use loyalty::store::SnapshotRequest;
use serde::Serialize;

use crate::view::Processed;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct OfferFields {
    offer_id: OfferId,
}

pub async fn upsert(
    context: &Context,
    partner_id: &PartnerId,
    idempotency: Idempotency,
    offer: Offer,
) -> Result<Response<Body>, ApiError> {
    let offer_id = offer.offer_id.clone();
    change(context, partner_id, idempotency, offer_id, |partner| {
        partner.upsert_offer(offer.clone())
    })
    .await
}

pub async fn withdraw(
    context: &Context,
    partner_id: &PartnerId,
    idempotency: Idempotency,
    offer_id: OfferId,
) -> Result<Response<Body>, ApiError> {
    let withdrawn = offer_id.clone();
    change(context, partner_id, idempotency, offer_id, |partner| {
        partner.withdraw_offer(&withdrawn)
    })
    .await
}

async fn change(
    context: &Context,
    partner_id: &PartnerId,
    idempotency: Idempotency,
    offer_id: OfferId,
    edit: impl Fn(&mut loyalty::domain::partner::Partner) -> Result<(), PartnerError>,
) -> Result<Response<Body>, ApiError> {
    let read = SnapshotRequest::partner(partner_id);
    write(context, read, Some(idempotency), |mut snapshot, _| {
        let PartnerChange { change, .. } = operation::update_partner(snapshot.partner()?, &edit)?;
        let view = Processed {
            status: "processed",
            fields: OfferFields {
                offer_id: offer_id.clone(),
            },
        };
        Ok(Decision::Commit(change, Reply::ok(view)))
    })
    .await
}
