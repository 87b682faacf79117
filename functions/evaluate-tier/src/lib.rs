//! The evaluate-tier function. It runs from the table's change stream (upgrades within
//! seconds of an earn; outbox events published), from a daily schedule (the planner of the
//! daily run: expiring lots, expiry warnings, downgrades at review dates), and from the
//! daily run's queue (its workers), reading only the members due, never the whole table.

mod daily;
mod publish;
mod queue;
mod stream;
mod update_error;
mod work_queue;

use std::sync::Arc;

use loyalty::Context;
use serde_json::Value;

pub use daily::{DailySettings, DailySummary, DueWork};
pub use publish::{EventBridgePublisher, LogPublisher, Publisher, RecordingPublisher};
pub use queue::{QueueFuture, SqsQueue, WorkQueue};

pub struct TierContext {
    pub base: Context,
    pub publisher: Arc<dyn Publisher>,
    /// Where the daily run's pieces go; `None` runs them in-process (the local stack).
    pub queue: Option<Arc<dyn WorkQueue>>,
    pub daily: DailySettings,
}

#[derive(Debug, thiserror::Error)]
pub enum TierError {
    #[error(transparent)]
    Setup(#[from] loyalty::MissingSetting),
    #[error("the invocation is neither a stream batch, a queue batch nor a daily run: {0}")]
    UnknownEvent(String),
    #[error("the daily run failed: {0}")]
    Daily(String),
}

impl TierContext {
    /// Events logged, the daily run in-process: the local stack and tests.
    pub fn new(base: Context, publisher: Arc<dyn Publisher>) -> Self {
        Self {
            base,
            publisher,
            queue: None,
            daily: DailySettings::default(),
        }
    }

    /// In AWS, events go to the bus named by `EVENT_BUS_NAME` and the daily run's pieces to
    /// the queue at `DAILY_QUEUE_URL`; without them (the local stack) events are logged and
    /// the daily run runs in-process.
    pub async fn from_env() -> Result<Self, TierError> {
        let base = Context::from_env().await?;
        let config = loyalty::sdk::config().await;
        let publisher: Arc<dyn Publisher> = match std::env::var("EVENT_BUS_NAME") {
            Ok(bus) => Arc::new(EventBridgePublisher::new(&config, bus)),
            Err(_) => Arc::new(LogPublisher),
        };
        let queue = std::env::var("DAILY_QUEUE_URL").ok().map(|url| {
            Arc::new(SqsQueue::new(aws_sdk_sqs::Client::new(&config), url)) as Arc<dyn WorkQueue>
        });
        Ok(Self {
            base,
            publisher,
            queue,
            daily: DailySettings::default(),
        })
    }
}

/// A stream batch answers with the records that failed, so one bad record does not block its
/// shard; so does a batch from the daily run's queue, so only its failed pieces come back; a
/// daily run (`{"kind": "daily"}`, optionally with `"catchUpDays"`, or an EventBridge
/// scheduled event) plans the run and answers with what it did.
pub async fn handle(context: &TierContext, payload: Value) -> Result<Value, TierError> {
    let source = payload
        .pointer("/Records/0/eventSource")
        .and_then(Value::as_str);
    if source == Some("aws:sqs") {
        return Ok(work_queue::process_batch(context, payload).await);
    }
    if payload.get("Records").is_some() {
        return Ok(stream::process(context, payload).await);
    }
    let scheduled = payload.get("detail-type").and_then(Value::as_str) == Some("Scheduled Event");
    if payload.get("kind").and_then(Value::as_str) == Some("daily") || scheduled {
        let catch_up = payload.get("catchUpDays").and_then(Value::as_i64);
        let summary = daily::plan(context, catch_up).await?;
        return serde_json::to_value(summary).map_err(|e| TierError::Daily(e.to_string()));
    }
    Err(TierError::UnknownEvent(
        payload.to_string().chars().take(200).collect(),
    ))
}
