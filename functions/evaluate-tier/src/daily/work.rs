//! A worker's piece of the daily run: one page of the members filed as due on a day in one
//! shard, each reviewed (expiry, warnings, tier review) with a bounded number in flight, and
//! the rest of the partition handed on as the next piece.

use futures::StreamExt;
use loyalty::domain::identifier::MemberId;
use loyalty::domain::operation::{self, DailyChange};
use loyalty::store::SnapshotRequest;
use loyalty::write::{Decision, execute};

use super::{DailySummary, DueWork};
use crate::update_error::UpdateError;
use crate::{TierContext, TierError};

/// What one piece did, and the piece that continues its partition, if any.
#[derive(Debug)]
pub struct WorkOutcome {
    pub summary: DailySummary,
    pub next: Option<DueWork>,
}

/// Counts of one member's review.
type Reviewed = Option<(usize, usize, bool)>;

pub async fn process(context: &TierContext, work: &DueWork) -> Result<WorkOutcome, TierError> {
    let page = context
        .base
        .store
        .due_page(
            work.day,
            work.shard,
            work.after.as_ref(),
            context.daily.page_size,
        )
        .await
        .map_err(|e| TierError::Daily(e.to_string()))?;
    let mut summary = DailySummary {
        date: work.day.to_string(),
        due: page.members.len(),
        ..Default::default()
    };
    let reviews: Vec<(&MemberId, Result<Reviewed, UpdateError>)> =
        futures::stream::iter(&page.members)
            .map(|member| async move { (member, review(context, member).await) })
            .buffer_unordered(context.daily.concurrency)
            .collect()
            .await;
    for (member, review) in reviews {
        match review {
            Ok(Some((lots_expired, warnings, tier_changed))) => {
                summary.processed += 1;
                summary.lots_expired += lots_expired;
                summary.warnings += warnings;
                summary.tier_changes += usize::from(tier_changed);
            }
            // Not due any more: a repeated run, or one a concurrent run already did.
            Ok(None) => {}
            Err(error) => {
                tracing::error!(member = member.as_str(), %error, "daily review failed for a member");
                summary.failed += 1;
            }
        }
    }
    let next = page.next.map(|after| DueWork {
        after: Some(after),
        ..work.clone()
    });
    Ok(WorkOutcome { summary, next })
}

/// One member's daily review, through the one write loop.
async fn review(context: &TierContext, member: &MemberId) -> Result<Reviewed, UpdateError> {
    let read = SnapshotRequest::member(member);
    // Boxed: the loop's future inside the stream's is too deep a type to lay out otherwise.
    Box::pin(execute(&context.base, read, |mut snapshot, now| {
        let Some(member) = snapshot.member.take() else {
            return Ok::<_, UpdateError>(Decision::Answer(None));
        };
        Ok(match operation::daily(member, &snapshot.program()?, now)? {
            Some(DailyChange {
                change,
                lots_expired,
                warnings,
                tier_changed,
            }) => Decision::Commit(change, Some((lots_expired, warnings, tier_changed))),
            None => Decision::Answer(None),
        })
    }))
    .await
}
