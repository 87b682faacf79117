//! Where events go: EventBridge in AWS, the log locally, a list in tests. A publisher says
//! which events it could not deliver, one by one, so only their stream records are retried:
//! an event EventBridge accepted is never sent again because another in its batch failed.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use loyalty::domain::event::DomainEvent;

/// EventBridge's source for every event of this service.
pub const SOURCE: &str = "loyalty.tiers";
/// PutEvents takes at most ten entries.
const BATCH: usize = 10;

/// The positions (in the slice given) of the events that were not delivered.
pub type PublishFuture<'a> = Pin<Box<dyn Future<Output = Vec<usize>> + Send + 'a>>;

pub trait Publisher: Send + Sync {
    fn publish<'a>(&'a self, events: &'a [DomainEvent]) -> PublishFuture<'a>;
}

pub struct EventBridgePublisher {
    client: aws_sdk_eventbridge::Client,
    bus: String,
}

impl EventBridgePublisher {
    /// `config` is the bounded one (`loyalty::sdk`): a hung PutEvents ends in seconds, not at
    /// the function's timeout with its shard stalled.
    pub fn new(config: &aws_config::SdkConfig, bus: String) -> Self {
        Self::with_client(aws_sdk_eventbridge::Client::new(config), bus)
    }

    pub fn with_client(client: aws_sdk_eventbridge::Client, bus: String) -> Self {
        Self { client, bus }
    }

    /// Publishes up to ten events; the positions of those not accepted.
    async fn put(&self, chunk: &[DomainEvent]) -> Vec<usize> {
        let mut entries = Vec::with_capacity(chunk.len());
        for event in chunk {
            let detail = serde_json::to_string(event).unwrap_or_default();
            entries.push(
                PutEventsRequestEntry::builder()
                    .event_bus_name(&self.bus)
                    .source(SOURCE)
                    .detail_type(event.kind.detail_type())
                    .detail(detail)
                    .build(),
            );
        }
        let all = || (0..chunk.len()).collect();
        match self
            .client
            .put_events()
            .set_entries(Some(entries))
            .send()
            .await
        {
            // Results come back in the order of the entries; one with an error code failed.
            Ok(output) => {
                let results = output.entries();
                if results.len() != chunk.len() {
                    return all();
                }
                results
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.error_code().is_some())
                    .map(|(i, r)| {
                        tracing::warn!(code = r.error_code(), "an event was not accepted");
                        i
                    })
                    .collect()
            }
            Err(error) => {
                tracing::error!(error = %aws_sdk_eventbridge::error::DisplayErrorContext(&error), "PutEvents failed");
                all()
            }
        }
    }
}

impl Publisher for EventBridgePublisher {
    fn publish<'a>(&'a self, events: &'a [DomainEvent]) -> PublishFuture<'a> {
        Box::pin(async move {
            let mut failed = Vec::new();
            for (n, chunk) in events.chunks(BATCH).enumerate() {
                failed.extend(self.put(chunk).await.into_iter().map(|i| n * BATCH + i));
            }
            failed
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
            Vec::new()
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
            match self.events.lock() {
                Ok(mut recorded) => {
                    recorded.extend_from_slice(events);
                    Vec::new()
                }
                Err(_) => (0..events.len()).collect(),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_eventbridge::Client;
    use aws_sdk_eventbridge::operation::put_events::PutEventsOutput;
    use aws_sdk_eventbridge::types::PutEventsResultEntry;
    use aws_smithy_mocks::{RuleMode, mock, mock_client};
    use loyalty::domain::event::EventKind;
    use loyalty::domain::identifier::MemberId;
    use time::macros::datetime;

    fn events(n: usize) -> Vec<DomainEvent> {
        (0..n)
            .map(|i| DomainEvent {
                event_id: format!("e-{i}"),
                kind: EventKind::TierChanged,
                member_id: MemberId::try_from(format!("m-{i}")).unwrap(),
                occurred_at: datetime!(2026-11-23 12:00 UTC),
                detail: serde_json::json!({}),
            })
            .collect()
    }

    #[tokio::test]
    async fn only_the_events_eventbridge_refused_are_reported_across_batches() {
        // 12 events: a batch of ten whose fourth is refused, then a batch of two whose
        // second is refused.
        let ok = || PutEventsResultEntry::builder().event_id("x").build();
        let refused = || {
            PutEventsResultEntry::builder()
                .error_code("InternalFailure")
                .build()
        };
        let first = mock!(Client::put_events).then_output(move || {
            let mut entries: Vec<_> = (0..10).map(|_| ok()).collect();
            entries[3] = refused();
            PutEventsOutput::builder()
                .failed_entry_count(1)
                .set_entries(Some(entries))
                .build()
        });
        let second = mock!(Client::put_events).then_output(move || {
            PutEventsOutput::builder()
                .failed_entry_count(1)
                .set_entries(Some(vec![ok(), refused()]))
                .build()
        });
        let client = mock_client!(aws_sdk_eventbridge, RuleMode::Sequential, [&first, &second]);
        let publisher = EventBridgePublisher::with_client(client, "bus".into());
        assert_eq!(publisher.publish(&events(12)).await, vec![3, 11]);
    }

    #[tokio::test]
    async fn a_call_that_fails_reports_its_whole_batch() {
        let down = mock!(Client::put_events).then_error(|| {
            aws_sdk_eventbridge::operation::put_events::PutEventsError::unhandled("down")
        });
        let client = mock_client!(aws_sdk_eventbridge, [&down]);
        let publisher = EventBridgePublisher::with_client(client, "bus".into());
        assert_eq!(publisher.publish(&events(3)).await, vec![0, 1, 2]);
    }
}
