//! The partner-offers function: partner businesses managed by operators, and the signed
//! webhooks in which partners publish offers and report their customers' purchases.
//!
//! Routes: `PUT|GET /v1/partners/{partnerId}`, `POST /v1/partners/{partnerId}/secrets`,
//! `DELETE /v1/partners/{partnerId}/secrets/{secretId}`, `GET /v1/partners/{partnerId}/statement`
//! (operators), and `POST /v1/partners/{partnerId}/webhooks` (partners, signed).

mod admin;
mod offers;
mod purchase;
mod sealing_key;
mod statement;
mod view;
mod webhooks;

use std::convert::Infallible;

use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};
use loyalty::Context;
use loyalty::domain::identifier::PartnerId;
use loyalty::http::{ApiError, ApiRequest, serve};
use loyalty::webhook::cipher::SecretCipher;

/// The shared context plus the key that seals partners' secrets at rest.
pub struct PartnerContext {
    pub base: Context,
    pub cipher: SecretCipher,
}

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Context(#[from] loyalty::MissingSetting),
    #[error(transparent)]
    Cipher(#[from] loyalty::webhook::cipher::CipherError),
    #[error("neither LOYALTY_SECRETS_KEY_ARN nor LOYALTY_SECRETS_KEY is set")]
    NoSecretsKey,
    #[error("the sealing key could not be read from Secrets Manager")]
    SecretUnavailable,
}

impl PartnerContext {
    /// The sealing key from Secrets Manager when `LOYALTY_SECRETS_KEY_ARN` names it (AWS),
    /// else from `LOYALTY_SECRETS_KEY` (the local stack).
    pub async fn from_env() -> Result<Self, SetupError> {
        let base = Context::from_env().await?;
        let cipher = match std::env::var(sealing_key::KEY_ARN_ENV) {
            Ok(arn) => {
                let client = aws_sdk_secretsmanager::Client::new(&loyalty::sdk::config().await);
                sealing_key::from_secrets_manager(&client, &arn).await?
            }
            Err(_) => SecretCipher::from_env()?.ok_or(SetupError::NoSecretsKey)?,
        };
        Ok(Self { base, cipher })
    }
}

pub async fn handle(
    context: &PartnerContext,
    request: Request,
) -> Result<Response<Body>, Infallible> {
    Ok(serve(&context.base, request, |request| route(context, request)).await)
}

/// Each route: who may call it (operators, or a partner's signature), and which partner.
async fn route(context: &PartnerContext, request: ApiRequest) -> Result<Response<Body>, ApiError> {
    let method = request.method().clone();
    let partner = |id: &str| PartnerId::try_from(id);
    match (method, request.segments().as_slice()) {
        (Method::POST, ["v1", "partners", id, "webhooks"]) => {
            webhooks::receive(context, &request, id).await
        }
        (Method::PUT, ["v1", "partners", id]) => {
            admin::put(context, &request, request.operator()?, partner(id)?).await
        }
        (Method::GET, ["v1", "partners", id]) => {
            admin::get(&context.base, request.operator()?, partner(id)?).await
        }
        (Method::POST, ["v1", "partners", id, "secrets"]) => {
            admin::add_secret(context, request.operator()?, partner(id)?).await
        }
        (Method::DELETE, ["v1", "partners", id, "secrets", secret]) => {
            admin::retire_secret(&context.base, request.operator()?, partner(id)?, secret).await
        }
        (Method::GET, ["v1", "partners", id, "statement"]) => {
            statement::get(&context.base, &request, request.operator()?, partner(id)?).await
        }
        _ => Err(ApiError::NotFound("no such route".into())),
    }
}
