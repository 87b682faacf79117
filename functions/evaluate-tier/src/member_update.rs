//! A change to one member outside HTTP (stream, daily run): read, decide, commit guarded
//! by the member's revision, and decide again from a fresh read if another write got there
//! first.

use std::time::Duration;

use loyalty::Context;
use loyalty::domain::identifier::MemberId;
use loyalty::domain::ledger::LedgerEntry;
use loyalty::domain::member::Member;
use loyalty::domain::program::Program;
use loyalty::store::{Commit, CommitError, SnapshotRequest, StoreError, Write};
use time::OffsetDateTime;

const MAX_ATTEMPTS: u32 = 20;

#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no programme is configured")]
    NoProgram,
    #[error("the member kept changing; gave up after {MAX_ATTEMPTS} attempts")]
    Contended,
    #[error("the change does not apply: {0}")]
    Domain(String),
}

/// What a decision wants written: ledger entries and other records (events).
pub type Changes = (Vec<LedgerEntry>, Vec<Write>);

/// Applies `decide` to the member; `Ok(false)` when it decided there was nothing to do
/// (or there is no such member).
pub async fn update_member<F>(
    context: &Context,
    member_id: &MemberId,
    mut decide: F,
) -> Result<bool, UpdateError>
where
    F: FnMut(&mut Member, &Program, OffsetDateTime) -> Result<Option<Changes>, UpdateError>,
{
    let read = SnapshotRequest {
        member: Some(member_id),
        program: true,
        ..Default::default()
    };
    for attempt in 0..MAX_ATTEMPTS {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(u64::from(attempt.min(8)) * 5)).await;
        }
        let now = context.clock.now();
        let snapshot = match context.store.snapshot(read, now).await {
            Ok(snapshot) => snapshot,
            Err(StoreError::Busy) => continue,
            Err(other) => return Err(other.into()),
        };
        let Some(mut member) = snapshot.member else {
            return Ok(false);
        };
        let program = snapshot.program.ok_or(UpdateError::NoProgram)?;
        let expected_revision = member.revision();
        let Some((entries, writes)) = decide(&mut member, &program, now)? else {
            return Ok(false);
        };
        let recorded = entries.clone();
        let commit = Commit {
            member,
            expected_revision,
            entries,
            writes,
            idempotency: None,
            now,
        };
        match context.store.commit(commit).await {
            Ok(()) => {
                loyalty::metrics::record_ledger(&recorded);
                return Ok(true);
            }
            Err(CommitError::Contention { .. }) => continue,
            Err(CommitError::Store(store)) => return Err(store.into()),
            Err(other) => return Err(UpdateError::Domain(other.to_string())),
        }
    }
    Err(UpdateError::Contended)
}
