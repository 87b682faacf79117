//! Erasing a member, the way `write` runs every other change: read, decide (a pure
//! operation), then write guarded by what was read, deciding again when another write got
//! there first. Erasure writes in three steps (see `store::erasure`), each safe to repeat, so
//! a retry, or a second erasure racing the first, ends with the same record and answer.

use crate::Context;
use crate::domain::erasure::{ErasedBy, Erasure};
use crate::domain::identifier::MemberId;
use crate::domain::operation::{self, OperationError};
use crate::store::{Missing, SnapshotRequest, StoreError};
use crate::write::{WriteError, backoff};

/// As for any write of one member (`write::MAX_ATTEMPTS`).
const MAX_ATTEMPTS: u32 = 30;

/// Erases `member`, or finishes and answers an erasure begun or done before. `Missing`
/// when no such member was ever erased or is enrolled now.
pub async fn erase<E>(context: &Context, member: &MemberId, by: &ErasedBy) -> Result<Erasure, E>
where
    E: From<WriteError> + From<OperationError> + From<Missing> + From<StoreError>,
{
    for attempt in 0..MAX_ATTEMPTS {
        if attempt > 0 {
            backoff(attempt).await;
        }
        let now = context.clock.now();
        let mut snapshot = match context.snapshot(SnapshotRequest::member(member), now).await {
            Ok(snapshot) => snapshot,
            Err(StoreError::Busy) => continue,
            Err(other) => return Err(other.into()),
        };
        let Some(current) = snapshot.member.take() else {
            return match context.store.erasure(member).await? {
                Some(erasure) if erasure.is_done() => Ok(erasure),
                Some(erasure) => Ok(Box::pin(finish(context, member, erasure)).await?),
                None => Err(Missing::Member.into()),
            };
        };
        let program = snapshot.program()?;
        let erased = operation::erase(current, &program, by, now)?;
        if context.store.begin_erasure(member, &erased).await? {
            // The pseudonym, never the id: logs outlive the erasure.
            tracing::info!(
                pseudonym = erased.erasure.pseudonym.as_str(),
                points = erased.erasure.points_forfeited.value(),
                "member erased"
            );
            return Ok(Box::pin(finish(context, member, erased.erasure)).await?);
        }
        tracing::debug!(
            attempt,
            "erasure contended; deciding again from a fresh read"
        );
    }
    Err(WriteError::Contended {
        key_in_flight: false,
    }
    .into())
}

/// Boxed by its callers: the sweep's future is large, and a request's stack is not.
async fn finish(
    context: &Context,
    member: &MemberId,
    erasure: Erasure,
) -> Result<Erasure, StoreError> {
    context.store.sweep_erased(member, &erasure).await?;
    context.store.finish_erasure(&erasure).await
}
