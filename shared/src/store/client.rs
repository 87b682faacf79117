//! The DynamoDB client, built once per execution environment, outside the handler.

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::Client;

/// Builds the client from the environment. `DYNAMODB_ENDPOINT` points it at DynamoDB
/// Local; in AWS it is unset. Timeouts and retries are bounded so a request always ends
/// well inside API Gateway's 30 seconds, even when DynamoDB does not answer.
pub async fn client_from_env() -> Client {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(1))
                .operation_attempt_timeout(Duration::from_secs(2))
                .operation_timeout(Duration::from_secs(6))
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(3));
    if let Ok(endpoint) = std::env::var("DYNAMODB_ENDPOINT") {
        loader = loader.endpoint_url(endpoint);
    }
    Client::new(&loader.load().await)
}
