//! What can go wrong talking to DynamoDB, as the rest of the code needs to know it.
//! The SDK's own message is logged here and never travels further.

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("DynamoDB throttled the request")]
    Throttled,
    #[error("DynamoDB could not be reached in time")]
    Unavailable,
    /// A read met a transaction committing on the same items; reading again will succeed.
    #[error("a transaction on the items was in progress")]
    Busy,
    #[error("a stored item could not be read: {0}")]
    Corrupt(String),
    #[error("DynamoDB failed the request")]
    Internal,
}

const THROTTLING_CODES: [&str; 4] = [
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "LimitExceededException",
];

impl StoreError {
    pub(crate) fn from_sdk<E, R>(error: SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        let classified = match &error {
            SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => StoreError::Unavailable,
            // DynamoDB's own failure, still there after the SDK's retries: transient by its
            // documentation, so the caller is told to retry (503), not that the request is bad.
            SdkError::ServiceError(service)
                if service.err().code() == Some("InternalServerError") =>
            {
                StoreError::Unavailable
            }
            SdkError::ServiceError(service)
                if THROTTLING_CODES.contains(&service.err().code().unwrap_or_default()) =>
            {
                StoreError::Throttled
            }
            _ => StoreError::Internal,
        };
        tracing::error!(error = %DisplayErrorContext(&error), kind = ?classified, "dynamodb call failed");
        classified
    }

    pub(crate) fn corrupt(what: impl std::fmt::Display) -> Self {
        let message = what.to_string();
        tracing::error!(error = %message, "stored item does not decode");
        StoreError::Corrupt(message)
    }
}
