//! The planner: every day from the checkpoint to today, times every shard, becomes a piece
//! of work. The checkpoint day itself is planned again, because members whose due time came
//! after that day's run are still filed under it.

use std::collections::VecDeque;

use loyalty::store::keys::DUE_SHARDS;
use time::{Date, Duration};

use super::{DailySummary, DueWork, process};
use crate::{TierContext, TierError};

/// How far back the first run ever (no checkpoint yet) looks.
const CATCH_UP_DAYS: i64 = 7;
/// The most days one run plans, whatever the checkpoint or `catchUpDays` say.
const MAX_CATCH_UP_DAYS: i64 = 3650;

/// Plans the run at the clock's `now`; with `catch_up_days`, reaches at least that far back
/// (an operator's override after restoring a backup, say).
pub async fn plan(
    context: &TierContext,
    catch_up_days: Option<i64>,
) -> Result<DailySummary, TierError> {
    let store = &context.base.store;
    let now = context.base.clock.now();
    let today = now.date();
    let failed = |e: loyalty::store::StoreError| TierError::Daily(e.to_string());
    let checkpoint = store.planned_through().await.map_err(failed)?;
    let back = |days: i64| today - Duration::days(days.clamp(1, MAX_CATCH_UP_DAYS) - 1);
    let mut first = checkpoint.unwrap_or_else(|| back(CATCH_UP_DAYS));
    if let Some(days) = catch_up_days {
        first = first.min(back(days));
    }
    let first = first.clamp(back(MAX_CATCH_UP_DAYS), today);
    let pieces = pieces(first, today);
    let mut summary = DailySummary {
        date: today.to_string(),
        planned: pieces.len(),
        ..Default::default()
    };
    let mut planned_through = today;
    match &context.queue {
        Some(queue) => queue.send(&pieces).await?,
        None => {
            // No queue (the local stack): the same workers, here, one piece at a time.
            let mut pending = VecDeque::from(pieces);
            while let Some(work) = pending.pop_front() {
                let outcome = process(context, &work).await?;
                if outcome.summary.failed > 0 {
                    // Tomorrow's run starts again from this day.
                    planned_through = planned_through.min(work.day);
                }
                summary.add(&outcome.summary);
                pending.extend(outcome.next);
            }
        }
    }
    store
        .set_planned_through(planned_through, now)
        .await
        .map_err(failed)?;
    tracing::info!(?summary, "daily run planned");
    if summary.failed > 0 {
        return Err(TierError::Daily(format!(
            "{} members failed; the next run takes them up again",
            summary.failed
        )));
    }
    Ok(summary)
}

fn pieces(first: Date, last: Date) -> Vec<DueWork> {
    let mut pieces = Vec::new();
    let mut day = first;
    while day <= last {
        pieces.extend((0..DUE_SHARDS).map(|shard| DueWork {
            day,
            shard,
            after: None,
        }));
        match day.next_day() {
            Some(next) => day = next,
            None => break,
        }
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn every_day_from_the_checkpoint_to_today_times_every_shard() {
        let planned = pieces(date!(2026 - 11 - 29), date!(2026 - 12 - 01));
        assert_eq!(planned.len(), 3 * DUE_SHARDS as usize);
        assert_eq!(planned[0].day, date!(2026 - 11 - 29));
        assert_eq!(planned.last().unwrap().day, date!(2026 - 12 - 01));
        assert!(planned.iter().all(|p| p.after.is_none()));
        assert_eq!(
            pieces(date!(2026 - 12 - 01), date!(2026 - 12 - 01)).len(),
            DUE_SHARDS as usize
        );
    }
}
