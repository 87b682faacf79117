//! The daily run: the members filed as due (on the due-date index, sharded so no day is
//! one hot partition) get their lots expired, expiry warnings and tier reviews. It reads
//! only those members, never the whole table, and each member's due date moves forward in
//! the same transaction as its changes, so a retried run finds nothing left to do.

use loyalty::domain::operation::{self, DailyChange};
use loyalty::store::SnapshotRequest;
use loyalty::store::keys::DUE_SHARDS;
use loyalty::write::{Decision, execute};
use serde::Serialize;
use time::Duration;

use crate::update_error::UpdateError;
use crate::{TierContext, TierError};

/// Days looked back by default, so members of a day whose run failed are still processed.
pub const CATCH_UP_DAYS: i64 = 7;
/// The most a run may look back (`catchUpDays`), e.g. after an outage or on the dev stack.
pub const MAX_CATCH_UP_DAYS: i64 = 400;

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DailySummary {
    pub date: String,
    pub due: usize,
    pub processed: usize,
    pub lots_expired: usize,
    pub warnings: usize,
    pub tier_changes: usize,
    pub failed: usize,
}

pub async fn run(context: &TierContext, catch_up_days: i64) -> Result<DailySummary, TierError> {
    let now = context.base.clock.now();
    let mut summary = DailySummary {
        date: now.date().to_string(),
        ..Default::default()
    };
    for back in (0..catch_up_days.clamp(1, MAX_CATCH_UP_DAYS)).rev() {
        let day = (now - Duration::days(back)).date();
        for shard in 0..DUE_SHARDS {
            let members = context
                .base
                .store
                .due_members(day, shard)
                .await
                .map_err(|e| TierError::Daily(e.to_string()))?;
            summary.due += members.len();
            for member_id in members {
                let read = SnapshotRequest::member(&member_id);
                // Boxed: the loop's future inside this one is too deep a type to lay out.
                let done = Box::pin(execute(&context.base, read, |mut snapshot, now| {
                    let Some(member) = snapshot.member.take() else {
                        return Ok::<_, UpdateError>(Decision::Answer(None));
                    };
                    Ok(match operation::daily(member, &snapshot.program()?, now)? {
                        Some(DailyChange {
                            change,
                            lots_expired,
                            warnings,
                            tier_changed,
                        }) => Decision::Commit(
                            change,
                            Some((lots_expired, warnings, usize::from(tier_changed))),
                        ),
                        None => Decision::Answer(None),
                    })
                }))
                .await;
                match done {
                    Ok(Some((lots_expired, warnings, tier_changes))) => {
                        summary.processed += 1;
                        summary.lots_expired += lots_expired;
                        summary.warnings += warnings;
                        summary.tier_changes += tier_changes;
                    }
                    Ok(None) => {}
                    Err(error) => {
                        tracing::error!(member = member_id.as_str(), %error, "daily run failed for a member");
                        summary.failed += 1;
                    }
                }
            }
        }
    }
    tracing::info!(?summary, "daily run done");
    if summary.failed > 0 {
        return Err(TierError::Daily(format!(
            "{} members failed; the run is safe to retry",
            summary.failed
        )));
    }
    Ok(summary)
}
