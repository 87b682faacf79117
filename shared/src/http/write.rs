//! The shape every balance-changing request shares: read what the decision needs in one
//! call, decide in pure domain code, write everything in one transaction guarded by the
//! member's version and the idempotency record. When another writer got there first the
//! decision is made again from a fresh read; a retried request gets its first response.

use std::time::Duration;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use rand::Rng;
use time::OffsetDateTime;

use super::error::ApiError;
use super::identity::Caller;
use super::request::ApiRequest;
use super::response;
use crate::Context;
use crate::domain::identifier::{IdempotencyKey, MemberId};
use crate::idempotency::{IdempotencyRecord, IdempotencyScope, fingerprint};
use crate::store::{Commit, CommitError, Snapshot, SnapshotRequest, StoreError};

/// Attempts before giving up on a member that other writes keep moving. Each attempt
/// loses only to a write that committed, so this bounds how many writes to one member may
/// queue up at once (a hundred taps from one phone settle well inside it); with the
/// backoff below the worst case stays around two seconds, far inside the function timeout.
const MAX_ATTEMPTS: u32 = 30;
/// Full-jitter exponential backoff: a random wait up to 4 ms, 8 ms, ... 128 ms.
const BACKOFF_BASE_MS: u64 = 4;
const BACKOFF_MAX_EXPONENT: u32 = 5;

pub struct Idempotency {
    pub scope: IdempotencyScope,
    pub fingerprint: String,
}

impl Idempotency {
    /// The stored response if `record` is this request's, 422 if the key was used for
    /// another request.
    pub fn replay(&self, record: &IdempotencyRecord) -> Result<Response<Body>, ApiError> {
        replay_or_conflict(record, self)
    }

    /// The record that remembers `body` as this request's response.
    pub fn record(
        &self,
        status: StatusCode,
        body: &serde_json::Value,
        now: OffsetDateTime,
    ) -> IdempotencyRecord {
        IdempotencyRecord {
            scope: self.scope.clone(),
            fingerprint: self.fingerprint.clone(),
            status: status.as_u16(),
            body: body.to_string(),
            created_at: now,
        }
    }

    /// A write keyed by the caller's `idempotency-key`, fingerprinted by its path and body.
    pub fn keyed(
        operation: &str,
        member: &MemberId,
        caller: &Caller,
        key: &IdempotencyKey,
        request: &ApiRequest,
        body: Option<&serde_json::Value>,
    ) -> Self {
        Self {
            scope: IdempotencyScope::keyed(
                operation,
                member.as_str(),
                caller.subject(),
                key.as_str(),
            ),
            fingerprint: fingerprint(request.method().as_str(), request.path(), body),
        }
    }
}

/// What a decision produced: the write, and the response it answers with once committed.
pub struct Planned {
    pub commit: Commit,
    pub status: StatusCode,
    pub body: serde_json::Value,
}

/// A decision: write and answer, or answer without writing anything (a duplicate that
/// is acknowledged, a purchase that earns nothing).
pub enum Decision {
    Write(Box<Planned>),
    Answer {
        status: StatusCode,
        body: serde_json::Value,
    },
}

impl From<Planned> for Decision {
    fn from(planned: Planned) -> Self {
        Decision::Write(Box::new(planned))
    }
}

pub async fn execute_write<F, D>(
    context: &Context,
    read: SnapshotRequest<'_>,
    idempotency: Option<Idempotency>,
    mut decide: F,
) -> Result<Response<Body>, ApiError>
where
    F: FnMut(Snapshot, OffsetDateTime) -> Result<D, ApiError>,
    D: Into<Decision>,
{
    let read = SnapshotRequest {
        idempotency: idempotency.as_ref().map(|i| &i.scope),
        ..read
    };
    let mut last_contention = CommitError::Contention {
        key_in_flight: false,
    };
    for attempt in 0..MAX_ATTEMPTS {
        if attempt > 0 {
            let ceiling = BACKOFF_BASE_MS << attempt.min(BACKOFF_MAX_EXPONENT);
            // Drawn before the await: the thread's RNG must not live across it (not Send).
            let wait = rand::rng().random_range(0..=ceiling);
            tokio::time::sleep(Duration::from_millis(wait)).await;
        }
        let now = context.clock.now();
        let mut snapshot = match context.store.snapshot(read, now).await {
            Ok(snapshot) => snapshot,
            Err(StoreError::Busy) => continue,
            Err(other) => return Err(other.into()),
        };
        if let (Some(record), Some(wanted)) = (snapshot.idempotency.take(), &idempotency) {
            return replay_or_conflict(&record, wanted);
        }
        let Planned {
            mut commit,
            status,
            body,
        } = match decide(snapshot, now)?.into() {
            Decision::Write(planned) => *planned,
            Decision::Answer { status, body } => return response::json(status, &body),
        };
        commit.idempotency = idempotency.as_ref().map(|i| i.record(status, &body, now));
        let entries = commit.entries.clone();
        match context.store.commit(commit).await {
            Ok(()) => {
                crate::metrics::record_ledger(&entries);
                return response::json(status, &body);
            }
            Err(CommitError::Replay(record)) => {
                if let Some(wanted) = &idempotency {
                    return replay_or_conflict(&record, wanted);
                }
            }
            Err(contention @ CommitError::Contention { .. }) => last_contention = contention,
            // A decision that read the purchase record decides again: it will see the
            // purchase that got there first.
            Err(CommitError::PurchaseExists) if read.purchase.is_some() => {}
            Err(other) => return Err(other.into()),
        }
        tracing::debug!(attempt, "write contended; deciding again from a fresh read");
    }
    tracing::warn!("write gave up after {MAX_ATTEMPTS} contended attempts");
    Err(last_contention.into())
}

fn replay_or_conflict(
    record: &IdempotencyRecord,
    wanted: &Idempotency,
) -> Result<Response<Body>, ApiError> {
    if record.fingerprint == wanted.fingerprint {
        response::replay(record)
    } else {
        Err(ApiError::IdempotencyConflict)
    }
}
