//! `POST /v1/partners/{partnerId}/webhooks`: Standard Webhooks signatures over the raw
//! body, checked against the partner's active secrets in constant time; each `webhook-id`
//! processed at most once (its idempotency record is written in the same transaction as
//! the event's effect, so a redelivery answers 200 and changes nothing).

use lambda_http::{Body, Response};
use loyalty::domain::identifier::{OfferId, PartnerId};
use loyalty::domain::offer::{Offer, OfferDocument};
use loyalty::domain::partner::{Partner, PartnerStatus};
use loyalty::http::{ApiError, ApiRequest};
use loyalty::idempotency::{Idempotency, IdempotencyScope, fingerprint};
use loyalty::metrics::{Metric, emit};
use loyalty::store::SnapshotRequest;
use loyalty::webhook::secret::SigningKey;
use loyalty::webhook::signature::{VerifyError, WebhookHeaders, check_envelope, verify};
use serde::Deserialize;

use crate::PartnerContext;
use crate::offers;
use crate::purchase::{self, PartnerPurchase};

/// An event as partners send it: its `type` and the `data` that type describes (other
/// top-level fields, such as Standard Webhooks' `timestamp`, are ignored). The `data` is
/// decoded once the type is known, like any request body: serde's adjacently tagged enums
/// buffer it first, and would then take a struct written as an array of its fields.
#[derive(Debug, Deserialize)]
struct WebhookEvent {
    #[serde(rename = "type")]
    kind: String,
    data: serde_json::Value,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct OfferWithdrawn {
    offer_id: OfferId,
}

pub async fn receive(
    context: &PartnerContext,
    request: &ApiRequest,
    partner: &str,
) -> Result<Response<Body>, ApiError> {
    let body = request.body_bytes()?;
    let partner_id = PartnerId::try_from(partner).map_err(|_| unknown_or_unsigned())?;
    let headers = WebhookHeaders {
        id: request.header("webhook-id").unwrap_or_default(),
        timestamp: request.header("webhook-timestamp").unwrap_or_default(),
        signature: request.header("webhook-signature").unwrap_or_default(),
    };
    let now = context.base.clock.now();
    // Known and unknown partners get the same answer, and what needs no key is checked
    // before anything is read, so probing learns nothing and costs the table nothing.
    check_envelope(&headers, now).map_err(|e| refused(&partner_id, &e))?;
    let scope = IdempotencyScope::keyed(
        "webhook",
        partner_id.as_str(),
        partner_id.as_str(),
        headers.id,
    );
    // One read: the partner (its secrets, status and offers) and whether this webhook-id
    // was processed already.
    let read = SnapshotRequest {
        partner: Some(&partner_id),
        idempotency: Some(&scope),
        ..Default::default()
    };
    let snapshot = context.base.store.snapshot(read, now).await?;
    let partner = snapshot.partner.ok_or_else(|| {
        rejected(&partner_id, "unknown_partner");
        unknown_or_unsigned()
    })?;
    check_signature(context, &partner, &headers, body, now)?;
    if partner.status == PartnerStatus::Suspended {
        rejected(&partner_id, "suspended");
        return Err(ApiError::Forbidden("this partner is suspended".into()));
    }

    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::invalid(format!("the body is not valid JSON: {e}")))?;
    // A webhook-id names one event: a redelivery answers 200 with the first response and
    // changes nothing, whatever body it carries (Standard Webhooks), so the body is not part
    // of the fingerprint.
    let idempotency = Idempotency::new(scope, fingerprint("POST", request.path(), None));
    if let Some(record) = &snapshot.idempotency {
        return redelivered(&idempotency, record);
    }
    let event = ApiRequest::decode::<WebhookEvent>(value)?;
    let base = &context.base;
    match event.kind.as_str() {
        "offer.upserted" => {
            let offer = Offer::try_from(ApiRequest::decode::<OfferDocument>(event.data)?)?;
            offers::upsert(base, &partner_id, idempotency, offer).await
        }
        "offer.withdrawn" => {
            let withdrawn: OfferWithdrawn = ApiRequest::decode(event.data)?;
            offers::withdraw(base, &partner_id, idempotency, withdrawn.offer_id).await
        }
        "purchase.completed" => {
            let reported: PartnerPurchase = ApiRequest::decode(event.data)?;
            purchase::complete(base, &partner, idempotency, reported).await
        }
        _ => Err(ApiError::invalid(
            "unknown event type: expected offer.upserted, offer.withdrawn or purchase.completed",
        )),
    }
}

/// The signature against each of the partner's secrets (two during a rotation), opened with
/// the sealing key.
fn check_signature(
    context: &PartnerContext,
    partner: &Partner,
    headers: &WebhookHeaders<'_>,
    body: &[u8],
    now: time::OffsetDateTime,
) -> Result<(), ApiError> {
    let keys = partner
        .secrets
        .iter()
        .map(|s| {
            let bound_to = format!("{}:{}", partner.partner_id, s.secret_id);
            context.cipher.open(&s.sealed, &bound_to)
        })
        .collect::<Result<Vec<SigningKey>, _>>()
        .map_err(|_| {
            tracing::error!(
                partner = partner.partner_id.as_str(),
                "a partner secret does not decrypt with the sealing key"
            );
            ApiError::Internal
        })?;
    let key_refs: Vec<&SigningKey> = keys.iter().collect();
    verify(headers, body, &key_refs, now).map_err(|e| refused(&partner.partner_id, &e))
}

/// A webhook-id names one event: a redelivery gets the first answer, whatever it carries.
fn redelivered(
    idempotency: &Idempotency,
    record: &loyalty::idempotency::IdempotencyRecord,
) -> Result<Response<Body>, ApiError> {
    if idempotency.is_retry_of(record) {
        loyalty::http::replay(record)
    } else {
        Err(ApiError::IdempotencyConflict)
    }
}

/// The one answer to a call that does not prove it comes from the partner, whatever the
/// reason (logged and counted).
fn refused(partner: &PartnerId, error: &VerifyError) -> ApiError {
    let reason = match error {
        VerifyError::MissingHeader(_) => "missing_header",
        VerifyError::MalformedHeader(_) => "malformed_header",
        VerifyError::StaleTimestamp => "stale_timestamp",
        VerifyError::FutureTimestamp => "future_timestamp",
        VerifyError::NoValidSignature => "bad_signature",
    };
    rejected(partner, reason);
    unknown_or_unsigned()
}

fn unknown_or_unsigned() -> ApiError {
    ApiError::Unauthorized("unknown partner or invalid signature".into())
}

/// Logged and counted (metric `WebhookRejected` by reason); never the signature itself.
fn rejected(partner: &PartnerId, reason: &str) {
    tracing::info!(partner = partner.as_str(), reason, "webhook rejected");
    emit(Metric::WebhookRejected, 1, &[("Reason", reason)]);
}
