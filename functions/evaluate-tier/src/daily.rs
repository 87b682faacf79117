//! The daily run: the members filed as due (on the due-date index, sharded so no day is
//! one hot partition) get their lots expired, expiry warnings and tier reviews. It reads
//! only those members, never the whole table, and each member's due date moves forward in
//! the same transaction as its changes, so a retried run finds nothing left to do.

use loyalty::domain::event::DomainEvent;
use loyalty::store::Write;
use loyalty::store::keys::DUE_SHARDS;
use serde::Serialize;
use time::Duration;

use crate::member_update::update_member;
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
                let mut counts = (0, 0, 0);
                let result = update_member(&context.base, &member_id, |member, program, now| {
                    // A retried run, or a member a concurrent run already did: not due any more.
                    if member.due_at().is_none_or(|due| due > now) {
                        return Ok(None);
                    }
                    let outcome = member
                        .run_daily(program, now)
                        .map_err(|e| crate::member_update::UpdateError::Domain(e.to_string()))?;
                    counts = (
                        outcome.expired.len(),
                        outcome.warnings.len(),
                        usize::from(outcome.tier_change.is_some()),
                    );
                    let entries = outcome
                        .expired
                        .iter()
                        .map(|lot| lot.ledger_entry(now))
                        .collect();
                    let mut writes: Vec<Write> = outcome
                        .warnings
                        .iter()
                        .map(|w| Write::Event(DomainEvent::points_expiring(member, w, now)))
                        .collect();
                    if let Some(change) = &outcome.tier_change {
                        writes.push(Write::Event(DomainEvent::tier_changed(member, change)));
                    }
                    Ok(Some((entries, writes)))
                })
                .await;
                match result {
                    Ok(true) => {
                        summary.processed += 1;
                        summary.lots_expired += counts.0;
                        summary.warnings += counts.1;
                        summary.tier_changes += counts.2;
                    }
                    Ok(false) => {}
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
