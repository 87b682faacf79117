//! Operators manage partners: create one (its first secret is shown once), rename,
//! suspend or reactivate it, add a second secret for rotation, retire an old one.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::identifier::PartnerId;
use loyalty::domain::operation::{self, PartnerChange};
use loyalty::domain::partner::{Partner, PartnerSecret, PartnerStatus, check_name};
use loyalty::http::{ApiError, ApiRequest, Decision, Operator, Reply, json, write};
use loyalty::store::SnapshotRequest;
use loyalty::webhook::secret::SigningKey;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::PartnerContext;
use crate::view::{CreatedView, NewSecretView, PartnerView};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PartnerRequest {
    name: String,
    status: Option<PartnerStatus>,
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
enum PutView {
    Created(CreatedView),
    Updated(PartnerView),
}

/// Creates the partner with its first secret, or renames, suspends or reactivates it.
pub async fn put(
    context: &PartnerContext,
    request: &ApiRequest,
    _operator: Operator,
    partner_id: PartnerId,
) -> Result<Response<Body>, ApiError> {
    let (body, _): (PartnerRequest, _) = request.json()?;
    check_name(&body.name)?;
    // Made before the loop, so a decision made again offers the same secret.
    let (secret, key) = new_secret(context, &partner_id, context.base.clock.now());
    let read = SnapshotRequest::partner(&partner_id);
    write(&context.base, read, None, |mut snapshot, now| {
        let Some(existing) = snapshot.partner.take() else {
            let PartnerChange { change, partner } = operation::create_partner(Partner {
                partner_id: partner_id.clone(),
                name: body.name.clone(),
                status: body.status.unwrap_or(PartnerStatus::Active),
                secrets: vec![secret.clone()],
                offers: Vec::new(),
                created_at: now,
                revision: 0,
            });
            let view = CreatedView {
                partner: PartnerView::from(&partner),
                secret: NewSecretView {
                    secret_id: secret.secret_id.clone(),
                    secret: key.to_secret(),
                },
            };
            return Ok(Decision::Commit(
                change,
                Reply::created(PutView::Created(view)),
            ));
        };
        let PartnerChange { change, partner } =
            operation::update_partner(existing, |p| p.rename(&body.name, body.status))?;
        let view = PutView::Updated(PartnerView::from(&partner));
        Ok(Decision::Commit(change, Reply::ok(view)))
    })
    .await
}

pub async fn get(
    context: &Context,
    _operator: Operator,
    partner_id: PartnerId,
) -> Result<Response<Body>, ApiError> {
    let read = SnapshotRequest::partner(&partner_id);
    let partner = context
        .store
        .snapshot(read, context.clock.now())
        .await?
        .partner()?;
    json(StatusCode::OK, &PartnerView::from(&partner))
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct AddedSecretView {
    partner_id: PartnerId,
    #[serde(flatten)]
    secret: NewSecretView,
}

/// A second secret, for rotation: both verify until the old one is retired.
pub async fn add_secret(
    context: &PartnerContext,
    _operator: Operator,
    partner_id: PartnerId,
) -> Result<Response<Body>, ApiError> {
    let (secret, key) = new_secret(context, &partner_id, context.base.clock.now());
    let read = SnapshotRequest::partner(&partner_id);
    write(&context.base, read, None, |mut snapshot, _| {
        let PartnerChange { change, .. } =
            operation::update_partner(snapshot.partner()?, |p| p.add_secret(secret.clone()))?;
        let view = AddedSecretView {
            partner_id: partner_id.clone(),
            secret: NewSecretView {
                secret_id: secret.secret_id.clone(),
                secret: key.to_secret(),
            },
        };
        Ok(Decision::Commit(change, Reply::created(view)))
    })
    .await
}

pub async fn retire_secret(
    context: &Context,
    _operator: Operator,
    partner_id: PartnerId,
    secret_id: &str,
) -> Result<Response<Body>, ApiError> {
    write(
        context,
        SnapshotRequest::partner(&partner_id),
        None,
        |mut snapshot, _| {
            let PartnerChange { change, partner } =
                operation::update_partner(snapshot.partner()?, |p| p.retire_secret(secret_id))?;
            Ok(Decision::Commit(
                change,
                Reply::ok(PartnerView::from(&partner)),
            ))
        },
    )
    .await
}

/// A fresh signing key and its sealed record. The key itself is returned only to be shown.
fn new_secret(
    context: &PartnerContext,
    partner: &PartnerId,
    now: OffsetDateTime,
) -> (PartnerSecret, SigningKey) {
    let key = SigningKey::generate();
    let secret_id = format!(
        "sec_{}",
        loyalty::domain::entry_id::new_entry_id(now, &mut rand::rng())
    );
    let sealed = context.cipher.seal(&key, &format!("{partner}:{secret_id}"));
    (
        PartnerSecret {
            secret_id,
            sealed,
            created_at: now,
        },
        key,
    )
}
