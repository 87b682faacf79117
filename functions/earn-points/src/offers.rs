//! `PUT /v1/offers/{offerId}` and `GET /v1/offers`: operators publish targeted offers and
//! watch what each has given against its budget.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::identifier::OfferId;
use loyalty::domain::targeted_offer::{MAX_OFFERS, OfferDocument, TargetedOffer};
use loyalty::http::{ApiError, ApiRequest, Operator, json};
use loyalty::store::Missing;
use serde::Serialize;

/// An offer as operators see it: as stored, with what its budget shards have given.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct OfferView<'a> {
    #[serde(flatten)]
    offer: &'a TargetedOffer,
    budget_used: i64,
}

#[derive(Debug, Serialize)]
struct OffersView<'a> {
    items: Vec<OfferView<'a>>,
}

pub async fn put(
    context: &Context,
    request: &ApiRequest,
    operator: Operator,
    offer_id: OfferId,
) -> Result<Response<Body>, ApiError> {
    let (document, _): (OfferDocument, _) = request.json()?;
    // Read through, not from the shared items: an audience is checked against the tiers
    // and an offer replaces what is stored now.
    let program = context.store.program().await?.ok_or(Missing::Program)?;
    let stored = context.store.offers().await?;
    let replaced = stored.iter().find(|s| s.offer.offer_id == offer_id);
    if replaced.is_none() && stored.len() >= MAX_OFFERS {
        return Err(ApiError::Conflict(format!(
            "the programme already has {MAX_OFFERS} offers, the most it may hold"
        )));
    }
    let offer =
        TargetedOffer::from_document(offer_id, document, &program, replaced.map(|s| &s.offer))?;
    let now = context.clock.now();
    context
        .shared
        .put_offer(&context.store, &offer, replaced, now, operator.actor())
        .await?;
    tracing::info!(actor = operator.actor(), offer = %offer.offer_id, "offer published");
    let used = context
        .store
        .budgets_used(std::slice::from_ref(&offer))
        .await?;
    let status = match replaced {
        Some(_) => StatusCode::OK,
        None => StatusCode::CREATED,
    };
    let view = OfferView {
        budget_used: used.get(&offer.offer_id).copied().unwrap_or(0),
        offer: &offer,
    };
    json(status, &view)
}

pub async fn list(context: &Context, _operator: Operator) -> Result<Response<Body>, ApiError> {
    let offers: Vec<TargetedOffer> = context
        .store
        .offers()
        .await?
        .into_iter()
        .map(|s| s.offer)
        .collect();
    let used = context.store.budgets_used(&offers).await?;
    let items = offers
        .iter()
        .map(|offer| OfferView {
            offer,
            budget_used: used.get(&offer.offer_id).copied().unwrap_or(0),
        })
        .collect();
    json(StatusCode::OK, &OffersView { items })
}
