//! Where the daily run's pieces of work go in AWS: an SQS queue the same function consumes
//! (partial batch failures, a dead-letter queue with an alarm).

use std::future::Future;
use std::pin::Pin;

use aws_sdk_sqs::types::SendMessageBatchRequestEntry;

use crate::TierError;
use crate::daily::DueWork;

/// SendMessageBatch takes at most ten messages.
const BATCH: usize = 10;

pub type QueueFuture<'a> = Pin<Box<dyn Future<Output = Result<(), TierError>> + Send + 'a>>;

pub trait WorkQueue: Send + Sync {
    fn send<'a>(&'a self, work: &'a [DueWork]) -> QueueFuture<'a>;
}

pub struct SqsQueue {
    client: aws_sdk_sqs::Client,
    url: String,
}

impl SqsQueue {
    pub fn new(client: aws_sdk_sqs::Client, url: String) -> Self {
        Self { client, url }
    }
}

impl WorkQueue for SqsQueue {
    fn send<'a>(&'a self, work: &'a [DueWork]) -> QueueFuture<'a> {
        Box::pin(async move {
            for chunk in work.chunks(BATCH) {
                let mut request = self.client.send_message_batch().queue_url(&self.url);
                for (i, piece) in chunk.iter().enumerate() {
                    let body = serde_json::to_string(piece)
                        .map_err(|e| TierError::Daily(e.to_string()))?;
                    let entry = SendMessageBatchRequestEntry::builder()
                        .id(i.to_string())
                        .message_body(body)
                        .build()
                        .map_err(|e| TierError::Daily(e.to_string()))?;
                    request = request.entries(entry);
                }
                let output = request.send().await.map_err(|e| {
                    tracing::error!(error = %aws_sdk_sqs::error::DisplayErrorContext(&e), "SendMessageBatch failed");
                    TierError::Daily("the daily run's queue refused its work".into())
                })?;
                // A piece that was not queued fails the whole send: a repeated plan or
                // piece only does again what is still due.
                if !output.failed().is_empty() {
                    return Err(TierError::Daily(format!(
                        "{} pieces of the daily run were not queued",
                        output.failed().len()
                    )));
                }
            }
            Ok(())
        })
    }
}
