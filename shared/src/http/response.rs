//! JSON responses, fresh or replayed from an idempotency record.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};

use super::error::ApiError;
use crate::idempotency::{IdempotencyRecord, StoredReply};

pub fn json(status: StatusCode, body: &impl serde::Serialize) -> Result<Response<Body>, ApiError> {
    let text = serde_json::to_string(body).map_err(|_| ApiError::Internal)?;
    raw(status, text, false)
}

/// A write's answer, as it is also remembered for retries.
pub fn stored(reply: &StoredReply) -> Result<Response<Body>, ApiError> {
    let status = StatusCode::from_u16(reply.status).map_err(|_| ApiError::Internal)?;
    raw(status, reply.body.clone(), false)
}

/// The first response to an idempotent write, sent again with `idempotent-replayed: true`.
pub fn replay(record: &IdempotencyRecord) -> Result<Response<Body>, ApiError> {
    let status = StatusCode::from_u16(record.status).map_err(|_| ApiError::Internal)?;
    raw(status, record.body.clone(), true)
}

fn raw(status: StatusCode, body: String, replayed: bool) -> Result<Response<Body>, ApiError> {
    let mut builder = Response::builder()
        .status(status)
        .header("content-type", "application/json");
    if replayed {
        builder = builder.header("idempotent-replayed", "true");
    }
    builder
        .body(Body::Text(body))
        .map_err(|_| ApiError::Internal)
}
