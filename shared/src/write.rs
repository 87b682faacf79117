//! The one read-decide-commit loop behind every write, whatever asked for it (an HTTP
//! request, the table's stream, the daily run): read what the decision needs in one call,
//! decide in pure domain code, write the change in one transaction guarded by what was read
//! (and by the idempotency record, attached here and nowhere else). When another writer got
//! there first, the decision is made again from a fresh read, with one retry policy; a
//! retried request gets its first answer. Committed ledger entries are counted here, and
//! the programme's figures (`domain::metrics`) move with them.

use std::time::Duration;

use rand::Rng;
use time::OffsetDateTime;

use crate::Context;
use crate::domain::engagement::reactivation;
use crate::domain::identifier::MemberId;
use crate::domain::metrics::{Before, Movement};
use crate::domain::operation::{Change, Record};
use crate::idempotency::{Idempotency, IdempotencyRecord, StoredReply};
use crate::store::{CommitError, Snapshot, SnapshotRequest, StoreError};

/// Attempts before giving up on items that other writes keep moving. Each attempt loses
/// only to a write that committed, so this bounds how many writes to one member may queue
/// up at once (a hundred taps from one phone settle well inside it); with the backoff below
/// the worst case stays around two seconds, far inside any function's timeout.
const MAX_ATTEMPTS: u32 = 30;
/// Full-jitter exponential backoff: a random wait up to 4 ms, 8 ms, ... 128 ms.
const BACKOFF_BASE_MS: u64 = 4;
const BACKOFF_MAX_EXPONENT: u32 = 5;

/// What a decision produced.
#[derive(Debug)]
pub enum Decision<R> {
    /// Write the change; answer `R` once it has committed.
    Commit(Change, R),
    /// Answer `R` without writing anything (a duplicate acknowledged, nothing to do).
    Answer(R),
}

impl<R> Decision<R> {
    pub fn try_map<S, E>(self, f: impl FnOnce(R) -> Result<S, E>) -> Result<Decision<S>, E> {
        Ok(match self {
            Decision::Commit(change, reply) => Decision::Commit(change, f(reply)?),
            Decision::Answer(reply) => Decision::Answer(f(reply)?),
        })
    }
}

/// A guarded write's outcome: its own answer, or the first answer of the request it
/// repeats.
#[derive(Debug)]
pub enum Executed<R> {
    Fresh(R),
    Replayed(IdempotencyRecord),
}

/// Why the loop could not complete a write (the decision's own refusals are its own).
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Other writes kept moving the items; `key_in_flight` when the contended item was the
    /// idempotency record, i.e. the same request is being processed now.
    #[error("the items of the write kept changing")]
    Contended { key_in_flight: bool },
    /// The idempotency key was used by a different request.
    #[error("the idempotency key was used for another request")]
    KeyReused,
    /// The purchase or action was credited before (its idempotency record has expired).
    #[error("the purchase or action was recorded before")]
    AlreadyRecorded,
}

/// A write no retry of a client repeats: the stream, the daily run.
pub async fn execute<R, E>(
    context: &Context,
    read: SnapshotRequest<'_>,
    decide: impl FnMut(Snapshot, OffsetDateTime) -> Result<Decision<R>, E>,
) -> Result<R, E>
where
    E: From<WriteError>,
{
    match run(context, read, None, decide, |_, _, _| None).await? {
        Executed::Fresh(reply) => Ok(reply),
        // Without an idempotency record nothing can be replayed.
        Executed::Replayed(_) => Err(WriteError::KeyReused.into()),
    }
}

/// A write a client may retry: with `idempotency`, its first answer is remembered with it,
/// and a retry gets that answer back instead of writing again.
pub async fn execute_idempotent<E>(
    context: &Context,
    read: SnapshotRequest<'_>,
    idempotency: Option<&Idempotency>,
    decide: impl FnMut(Snapshot, OffsetDateTime) -> Result<Decision<StoredReply>, E>,
) -> Result<Executed<StoredReply>, E>
where
    E: From<WriteError>,
{
    run(context, read, idempotency, decide, |reply, person, now| {
        idempotency.map(|i| i.record(reply, person, now))
    })
    .await
}

async fn run<R, E>(
    context: &Context,
    read: SnapshotRequest<'_>,
    idempotency: Option<&Idempotency>,
    mut decide: impl FnMut(Snapshot, OffsetDateTime) -> Result<Decision<R>, E>,
    remember: impl Fn(&R, Option<&MemberId>, OffsetDateTime) -> Option<IdempotencyRecord>,
) -> Result<Executed<R>, E>
where
    E: From<WriteError>,
{
    let mut last = WriteError::Contended {
        key_in_flight: false,
    };
    for attempt in 0..MAX_ATTEMPTS {
        if attempt > 0 {
            backoff(attempt).await;
        }
        let read = SnapshotRequest {
            idempotency: idempotency.map(|i| &i.scope),
            ..read
        };
        let now = context.clock.now();
        let mut snapshot = match context.snapshot(read, now).await {
            Ok(snapshot) => snapshot,
            Err(StoreError::Busy) => continue,
            Err(other) => return Err(WriteError::from(other).into()),
        };
        let first = snapshot.idempotency.take();
        // The deliberately broken build (feature `broken-idempotency`) forgets first answers.
        if let (Some(record), Some(wanted), false) =
            (first, idempotency, cfg!(feature = "broken-idempotency"))
        {
            return replayed(record, wanted).map_err(E::from);
        }
        let before = snapshot.member.as_ref().map(Before::from);
        let (mut change, reply) = match decide(snapshot, now)? {
            Decision::Commit(change, reply) => (change, reply),
            Decision::Answer(reply) => return Ok(Executed::Fresh(reply)),
        };
        // Any change that ends an announced quiet spell announces its end with it.
        if let Some(event) = reactivation(before, change.member.as_deref(), now) {
            change.records.push(Record::Event(event));
        }
        let record = remember(&reply, change.person(), now);
        // The programme's figures move in the same transaction as what they count.
        let movement = Movement::of(before, change.member.as_deref(), &change.entries, now);
        match context
            .store
            .commit(&change, &movement, record.as_ref(), now)
            .await
        {
            Ok(()) => {
                crate::metrics::record_ledger(&change.entries);
                context.shared.budget_returned(&change.records);
                return Ok(Executed::Fresh(reply));
            }
            Err(CommitError::Replay(record)) => {
                if let Some(wanted) = idempotency {
                    return replayed(record, wanted).map_err(E::from);
                }
            }
            Err(CommitError::Contention { key_in_flight }) => {
                last = WriteError::Contended { key_in_flight };
                // A reward's guard may be what failed (its stock or terms changed since the
                // catalogue was kept): decide again from the catalogue as it is now.
                if read.catalogue {
                    context.shared.forget_catalogue();
                }
            }
            // A decision that read the purchase record decides again: it will see the
            // purchase that got there first.
            Err(CommitError::AlreadyRecorded) if read.purchase.is_some() => {}
            Err(CommitError::AlreadyRecorded) => return Err(WriteError::AlreadyRecorded.into()),
            // An offer's budget shard ran low: decide again without it.
            Err(CommitError::BudgetExhausted(shards)) => {
                context.shared.budget_exhausted(shards, now);
                continue;
            }
            Err(CommitError::Store(store)) => return Err(WriteError::from(store).into()),
        }
        tracing::debug!(attempt, "write contended; deciding again from a fresh read");
    }
    tracing::warn!("write gave up after {MAX_ATTEMPTS} contended attempts");
    Err(last.into())
}

fn replayed<R>(record: IdempotencyRecord, wanted: &Idempotency) -> Result<Executed<R>, WriteError> {
    if wanted.is_retry_of(&record) {
        Ok(Executed::Replayed(record))
    } else {
        Err(WriteError::KeyReused)
    }
}

pub(crate) async fn backoff(attempt: u32) {
    let ceiling = BACKOFF_BASE_MS << attempt.min(BACKOFF_MAX_EXPONENT);
    // Drawn before the await: the thread's RNG must not live across it (not Send).
    let wait = rand::rng().random_range(0..=ceiling);
    tokio::time::sleep(Duration::from_millis(wait)).await;
}
