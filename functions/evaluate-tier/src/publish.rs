//! Where events go: EventBridge in AWS, the log locally, a list in tests.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use loyalty::domain::event::DomainEvent;

/// EventBridge's source for every event of this service.
pub const SOURCE: &str = "loyalty.tiers";
/// PutEvents takes at most ten entries.
const BATCH: usize = 10;

#[derive(Debug, thiserror::Error)]
#[error("events could not be published: {0}")]
pub struct PublishError(pub String);

pub type PublishFuture<'a> = Pin<Box<dyn Future<Output = Result<(), PublishError>> + Send + 'a>>;

pub trait Publisher: Send + Sync {
    fn publish<'a>(&'a self, events: &'a [DomainEvent]) -> PublishFuture<'a>;
}

pub struct EventBridgePublisher {
    client: aws_sdk_eventbridge::Client,
    bus: String,
}

impl EventBridgePublisher {
    pub async fn from_env(bus: String) -> Self {
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        Self {
            client: aws_sdk_eventbridge::Client::new(&config),
            bus,
        }
    }
}

impl Publisher for EventBridgePublisher {
    fn publish<'a>(&'a self, events: &'a [DomainEvent]) -> PublishFuture<'a> {
        Box::pin(async move {
            for chunk in events.chunks(BATCH) {
                let mut request = self.client.put_events();
                for event in chunk {
                    let detail =
                        serde_json::to_string(event).map_err(|e| PublishError(e.to_string()))?;
                    request = request.entries(
                        aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
                            .event_bus_name(&self.bus)
                            .source(SOURCE)
                            .detail_type(event.kind.detail_type())
                            .detail(detail)
                            .build(),
                    );
                }
                let output = request.send().await.map_err(|e| {
                    tracing::error!(error = %aws_sdk_eventbridge::error::DisplayErrorContext(&e), "PutEvents failed");
                    PublishError("PutEvents failed".into())
                })?;
                if output.failed_entry_count() > 0 {
                    return Err(PublishError(format!(
                        "{} entries failed",
                        output.failed_entry_count()
                    )));
                }
            }
            Ok(())
        })
    }
}

/// The local stack has no bus: events are logged, where a developer sees them.
pub struct LogPublisher;

impl Publisher for LogPublisher {
    fn publish<'a>(&'a self, events: &'a [DomainEvent]) -> PublishFuture<'a> {
        Box::pin(async move {
            for event in events {
                let detail = serde_json::to_string(event).unwrap_or_default();
                tracing::info!(
                    detail_type = event.kind.detail_type(),
                    detail,
                    "event published"
                );
            }
            Ok(())
        })
    }
}

/// Keeps what was published, for tests to read.
#[derive(Clone, Default)]
pub struct RecordingPublisher {
    events: Arc<Mutex<Vec<DomainEvent>>>,
}

impl RecordingPublisher {
    pub fn events(&self) -> Vec<DomainEvent> {
        self.events.lock().map(|e| e.clone()).unwrap_or_default()
    }
}

impl Publisher for RecordingPublisher {
    fn publish<'a>(&'a self, events: &'a [DomainEvent]) -> PublishFuture<'a> {
        Box::pin(async move {
            let mut recorded = self
                .events
                .lock()
                .map_err(|_| PublishError("poisoned".into()))?;
            recorded.extend_from_slice(events);
            Ok(())
        })
    }
}
