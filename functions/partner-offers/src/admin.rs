//! Operators manage partners: create one (its first secret is shown once), rename,
//! suspend or reactivate it, add a second secret for rotation, retire an old one.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use loyalty::domain::entry_id::new_entry_id;
use loyalty::domain::identifier::PartnerId;
use loyalty::domain::partner::{Partner, PartnerError, PartnerSecret, PartnerStatus, check_name};
use loyalty::http::{ApiError, ApiRequest, Caller, Scope, json};
use loyalty::store::{CommitError, SnapshotRequest, Write};
use loyalty::webhook::secret::SigningKey;
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::PartnerContext;
use crate::offers::modify_partner;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PartnerRequest {
    name: String,
    status: Option<PartnerStatus>,
}

fn operator(context: &PartnerContext, request: &ApiRequest) -> Result<Caller, ApiError> {
    let caller = request.caller(&context.base)?;
    caller.require(Scope::Admin)?;
    Ok(caller)
}

pub async fn put(
    context: &PartnerContext,
    request: &ApiRequest,
    partner: &str,
) -> Result<Response<Body>, ApiError> {
    operator(context, request)?;
    let partner_id = PartnerId::try_from(partner)?;
    let (body, _): (PartnerRequest, _) = request.json()?;
    check_name(&body.name).map_err(partner_error)?;
    let now = context.base.clock.now();
    let read = SnapshotRequest {
        partner: Some(&partner_id),
        ..Default::default()
    };
    if context
        .base
        .store
        .snapshot(read, now)
        .await?
        .partner
        .is_none()
    {
        let (secret, key) = new_secret(context, &partner_id, now);
        let partner = Partner {
            partner_id: partner_id.clone(),
            name: body.name.clone(),
            status: body.status.unwrap_or(PartnerStatus::Active),
            secrets: vec![secret.clone()],
            offers: Vec::new(),
            created_at: now,
            revision: 1,
        };
        let created = context
            .base
            .store
            .commit_writes(
                &[Write::Partner {
                    partner: partner.clone(),
                    expected_revision: None,
                }],
                None,
                now,
            )
            .await;
        match created {
            Ok(()) => {
                tracing::info!(partner = partner_id.as_str(), "partner created");
                let mut view = partner_view(&partner);
                if let Some(fields) = view.as_object_mut() {
                    fields.insert("secretId".into(), json!(secret.secret_id));
                    // Shown once: only the sealed form is kept.
                    fields.insert("secret".into(), json!(key.to_secret()));
                }
                return json(StatusCode::CREATED, &view);
            }
            // Created by someone else meanwhile: fall through to an update of it.
            Err(CommitError::Contention { .. }) => {}
            Err(other) => return Err(other.into()),
        }
    }
    modify_partner(context, &partner_id, None, StatusCode::OK, |partner, _| {
        partner.name = body.name.clone();
        if let Some(status) = body.status {
            partner.status = status;
        }
        Ok(partner_view(partner))
    })
    .await
}

pub async fn get(
    context: &PartnerContext,
    request: &ApiRequest,
    partner: &str,
) -> Result<Response<Body>, ApiError> {
    operator(context, request)?;
    let partner_id = PartnerId::try_from(partner)?;
    let read = SnapshotRequest {
        partner: Some(&partner_id),
        ..Default::default()
    };
    let partner = context
        .base
        .store
        .snapshot(read, context.base.clock.now())
        .await?
        .partner;
    let partner = partner.ok_or_else(|| ApiError::NotFound("no partner with this id".into()))?;
    json(StatusCode::OK, &partner_view(&partner))
}

/// A second secret, for rotation: both verify until the old one is retired.
pub async fn add_secret(
    context: &PartnerContext,
    request: &ApiRequest,
    partner: &str,
) -> Result<Response<Body>, ApiError> {
    operator(context, request)?;
    let partner_id = PartnerId::try_from(partner)?;
    let now = context.base.clock.now();
    let (secret, key) = new_secret(context, &partner_id, now);
    let shown =
        json!({"partnerId": partner_id, "secretId": secret.secret_id, "secret": key.to_secret()});
    modify_partner(
        context,
        &partner_id,
        None,
        StatusCode::CREATED,
        |partner, _| {
            partner.add_secret(secret.clone()).map_err(partner_error)?;
            Ok(shown.clone())
        },
    )
    .await
}

pub async fn retire_secret(
    context: &PartnerContext,
    request: &ApiRequest,
    partner: &str,
    secret: &str,
) -> Result<Response<Body>, ApiError> {
    operator(context, request)?;
    let partner_id = PartnerId::try_from(partner)?;
    modify_partner(context, &partner_id, None, StatusCode::OK, |partner, _| {
        partner.retire_secret(secret).map_err(partner_error)?;
        Ok(partner_view(partner))
    })
    .await
}

/// A fresh signing key and its sealed record. The key itself is returned only to be shown.
fn new_secret(
    context: &PartnerContext,
    partner: &PartnerId,
    now: OffsetDateTime,
) -> (PartnerSecret, SigningKey) {
    let key = SigningKey::generate();
    let secret_id = format!("sec_{}", new_entry_id(now, &mut rand::rng()));
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

/// A partner as operators see it: never a secret, only the ids of the active ones.
pub fn partner_view(partner: &Partner) -> Value {
    let secrets: Vec<Value> = partner
        .secrets
        .iter()
        .map(|s| json!({"secretId": s.secret_id, "createdAt": s.created_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()}))
        .collect();
    json!({
        "partnerId": partner.partner_id,
        "name": partner.name,
        "status": partner.status,
        "secrets": secrets,
        "offers": partner.offers,
    })
}

pub fn partner_error(error: PartnerError) -> ApiError {
    match error {
        PartnerError::Name => ApiError::invalid(error.to_string()),
        PartnerError::UnknownSecret | PartnerError::UnknownOffer(_) => {
            ApiError::NotFound(error.to_string())
        }
        PartnerError::TooManySecrets | PartnerError::LastSecret | PartnerError::TooManyOffers => {
            ApiError::Conflict(error.to_string())
        }
    }
}
