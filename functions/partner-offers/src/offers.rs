//! `offer.upserted` and `offer.withdrawn`: the partner's offers, kept on its record, and
//! the read-modify-write every change to that record goes through.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use loyalty::domain::identifier::{OfferId, PartnerId};
use loyalty::domain::offer::{Offer, OfferDocument};
use loyalty::domain::partner::Partner;
use loyalty::http::{ApiError, Idempotency, json};
use loyalty::store::{CommitError, SnapshotRequest, Write};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::PartnerContext;
use crate::admin::partner_error;

/// Changes to one partner's record race only with other changes to it.
const MAX_ATTEMPTS: u32 = 8;

pub async fn upsert(
    context: &PartnerContext,
    partner_id: &PartnerId,
    idempotency: &Idempotency,
    document: OfferDocument,
) -> Result<Response<Body>, ApiError> {
    let offer = Offer::try_from(document).map_err(|e| ApiError::invalid(e.to_string()))?;
    modify_partner(
        context,
        partner_id,
        Some(idempotency),
        StatusCode::OK,
        |partner, _| {
            partner.upsert_offer(offer.clone()).map_err(partner_error)?;
            Ok(json!({"status": "processed", "offerId": offer.offer_id}))
        },
    )
    .await
}

pub async fn withdraw(
    context: &PartnerContext,
    partner_id: &PartnerId,
    idempotency: &Idempotency,
    offer_id: OfferId,
) -> Result<Response<Body>, ApiError> {
    modify_partner(
        context,
        partner_id,
        Some(idempotency),
        StatusCode::OK,
        |partner, _| {
            if !partner.withdraw_offer(&offer_id) {
                return Err(ApiError::NotFound(format!(
                    "no offer {offer_id} for this partner"
                )));
            }
            Ok(json!({"status": "processed", "offerId": offer_id}))
        },
    )
    .await
}

/// Reads the partner, applies `change`, and writes it back if nobody changed it meanwhile
/// (with the idempotency record, when a webhook asked), answering `change`'s body.
pub async fn modify_partner(
    context: &PartnerContext,
    partner_id: &PartnerId,
    idempotency: Option<&Idempotency>,
    status: StatusCode,
    mut change: impl FnMut(&mut Partner, OffsetDateTime) -> Result<Value, ApiError>,
) -> Result<Response<Body>, ApiError> {
    let store = &context.base.store;
    for _ in 0..MAX_ATTEMPTS {
        let now = context.base.clock.now();
        let read = SnapshotRequest {
            partner: Some(partner_id),
            ..Default::default()
        };
        let mut partner = store
            .snapshot(read, now)
            .await?
            .partner
            .ok_or_else(|| ApiError::NotFound("no partner with this id".into()))?;
        let expected_revision = Some(partner.revision);
        let body = change(&mut partner, now)?;
        partner.revision += 1;
        let record = idempotency.map(|i| i.record(status, &body, now));
        match store
            .commit_writes(
                &[Write::Partner {
                    partner,
                    expected_revision,
                }],
                record.as_ref(),
                now,
            )
            .await
        {
            Ok(()) => return json(status, &body),
            Err(CommitError::Replay(record)) => {
                if let Some(idempotency) = idempotency {
                    return idempotency.replay(&record);
                }
            }
            Err(CommitError::Contention { .. }) => {}
            Err(other) => return Err(other.into()),
        }
    }
    Err(ApiError::Conflict("the partner is changing; retry".into()))
}
