//! The AWS SDK configuration every client of every function is built from, once per
//! execution environment: timeouts and retries bounded, so a call to any AWS service that
//! does not answer ends in seconds (a request inside API Gateway's 30, a stream batch long
//! before the function's timeout) instead of stalling.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, ConfigLoader, SdkConfig};

/// 1 s to connect, 2 s an attempt, 3 attempts, 6 s in all.
pub fn bounded() -> ConfigLoader {
    aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(1))
                .operation_attempt_timeout(Duration::from_secs(2))
                .operation_timeout(Duration::from_secs(6))
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(3))
}

/// The bounded configuration, from the environment.
pub async fn config() -> SdkConfig {
    bounded().load().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_client_gets_bounded_timeouts_and_retries() {
        let config = bounded()
            .region(aws_config::Region::new("us-east-1"))
            .load()
            .await;
        let timeouts = config.timeout_config().unwrap();
        assert_eq!(timeouts.connect_timeout(), Some(Duration::from_secs(1)));
        assert_eq!(
            timeouts.operation_attempt_timeout(),
            Some(Duration::from_secs(2))
        );
        assert_eq!(timeouts.operation_timeout(), Some(Duration::from_secs(6)));
        assert_eq!(config.retry_config().unwrap().max_attempts(), 3);
    }
}
