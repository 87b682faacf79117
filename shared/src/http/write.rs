//! Writes as HTTP answers: a decision's typed view becomes the JSON body (and the record a
//! retry gets back), the one loop (`crate::write`) runs the write, and a replay is answered
//! as the first request was.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use serde::Serialize;
use time::OffsetDateTime;

use super::error::ApiError;
use super::response;
use crate::Context;
use crate::idempotency::{Idempotency, StoredReply};
use crate::store::{Snapshot, SnapshotRequest};
use crate::write::{Decision, Executed, execute_idempotent};

/// A view and the status it is answered with.
#[derive(Debug)]
pub struct Reply<V> {
    status: StatusCode,
    view: V,
}

impl<V: Serialize> Reply<V> {
    pub fn ok(view: V) -> Self {
        Self {
            status: StatusCode::OK,
            view,
        }
    }

    pub fn created(view: V) -> Self {
        Self {
            status: StatusCode::CREATED,
            view,
        }
    }

    fn stored(self) -> Result<StoredReply, ApiError> {
        Ok(StoredReply {
            status: self.status.as_u16(),
            body: serde_json::to_string(&self.view).map_err(|_| ApiError::Internal)?,
        })
    }
}

/// Reads `read`, lets `decide` decide, commits its change (with the idempotency record
/// when the caller sent a key) and answers with its reply; a retry gets the first answer.
pub async fn write<V: Serialize>(
    context: &Context,
    read: SnapshotRequest<'_>,
    idempotency: Option<Idempotency>,
    mut decide: impl FnMut(Snapshot, OffsetDateTime) -> Result<Decision<Reply<V>>, ApiError>,
) -> Result<Response<Body>, ApiError> {
    let executed = execute_idempotent(context, read, idempotency.as_ref(), |snapshot, now| {
        decide(snapshot, now)?.try_map(Reply::stored)
    })
    .await?;
    match executed {
        Executed::Fresh(reply) => response::stored(&reply),
        Executed::Replayed(record) => response::replay(&record),
    }
}
