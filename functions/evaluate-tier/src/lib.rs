//! The evaluate-tier function. It runs from the table's change stream (upgrades within
//! seconds of an earn; outbox events published) and from a daily schedule (expiring lots,
//! expiry warnings, downgrades at review dates), reading only the members due that day.

mod daily;
mod publish;
mod stream;
mod update_error;

use std::sync::Arc;

use loyalty::Context;
use serde_json::Value;

pub use daily::DailySummary;
pub use publish::{EventBridgePublisher, LogPublisher, Publisher, RecordingPublisher};

pub struct TierContext {
    pub base: Context,
    pub publisher: Arc<dyn Publisher>,
}

#[derive(Debug, thiserror::Error)]
pub enum TierError {
    #[error(transparent)]
    Setup(#[from] loyalty::MissingSetting),
    #[error("the invocation is neither a stream batch nor a daily run: {0}")]
    UnknownEvent(String),
    #[error("the daily run failed: {0}")]
    Daily(String),
}

impl TierContext {
    /// In AWS, events go to the bus named by `EVENT_BUS_NAME`; without it (the local stack)
    /// they are logged.
    pub async fn from_env() -> Result<Self, TierError> {
        let base = Context::from_env().await?;
        let publisher: Arc<dyn Publisher> = match std::env::var("EVENT_BUS_NAME") {
            Ok(bus) => Arc::new(EventBridgePublisher::from_env(bus).await),
            Err(_) => Arc::new(LogPublisher),
        };
        Ok(Self { base, publisher })
    }
}

/// A stream batch (`{"Records": [...]}`) answers with the records that failed, so one bad
/// record does not block its shard; a daily run (`{"kind": "daily"}`, optionally with
/// `"catchUpDays"`, or an EventBridge scheduled event) answers with what it did.
pub async fn handle(context: &TierContext, payload: Value) -> Result<Value, TierError> {
    if payload.get("Records").is_some() {
        return Ok(stream::process(context, payload).await);
    }
    let scheduled = payload.get("detail-type").and_then(Value::as_str) == Some("Scheduled Event");
    if payload.get("kind").and_then(Value::as_str) == Some("daily") || scheduled {
        let catch_up = payload
            .get("catchUpDays")
            .and_then(Value::as_i64)
            .unwrap_or(daily::CATCH_UP_DAYS);
        let summary = daily::run(context, catch_up).await?;
        return serde_json::to_value(summary).map_err(|e| TierError::Daily(e.to_string()));
    }
    Err(TierError::UnknownEvent(
        payload.to_string().chars().take(200).collect(),
    ))
}
