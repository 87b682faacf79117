//! A batch from the daily run's queue: each message is a piece of work; the rest of its
//! partition goes back on the queue as the next piece. A piece with a member that failed is
//! reported as a failure (SQS delivers it again; members done meanwhile are not due any
//! more), and its continuation is sent only once it succeeds, so retries never fork a chain.

use aws_lambda_events::event::sqs::SqsEvent;
use serde_json::{Value, json};

use crate::TierContext;
use crate::daily::{DueWork, process};

pub async fn process_batch(context: &TierContext, payload: Value) -> Value {
    let event: SqsEvent = match serde_json::from_value(payload) {
        Ok(event) => event,
        Err(error) => {
            // Nothing can be acknowledged without message ids: fail the whole batch.
            tracing::error!(%error, "queue batch does not parse");
            return json!({"batchItemFailures": [{"itemIdentifier": ""}]});
        }
    };
    let mut failures = Vec::new();
    for message in event.records {
        let id = message.message_id.clone().unwrap_or_default();
        let work: Result<DueWork, _> =
            serde_json::from_str(message.body.as_deref().unwrap_or_default());
        let done = match work {
            Ok(work) => piece(context, &work).await,
            Err(error) => Err(format!("a message that is no piece of work: {error}")),
        };
        if let Err(error) = done {
            tracing::error!(message = id, error, "daily run piece failed");
            failures.push(json!({"itemIdentifier": id}));
        }
    }
    json!({ "batchItemFailures": failures })
}

async fn piece(context: &TierContext, work: &DueWork) -> Result<(), String> {
    let outcome = process(context, work).await.map_err(|e| e.to_string())?;
    tracing::info!(summary = ?outcome.summary, "daily run piece done");
    if outcome.summary.failed > 0 {
        return Err(format!("{} members failed", outcome.summary.failed));
    }
    let Some(next) = outcome.next else {
        return Ok(());
    };
    match &context.queue {
        Some(queue) => queue
            .send(std::slice::from_ref(&next))
            .await
            .map_err(|e| e.to_string()),
        // A queue message without a queue to answer on: finish the partition here.
        None => Box::pin(piece(context, &next)).await,
    }
}
