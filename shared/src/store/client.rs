//! The DynamoDB client, built once per execution environment, outside the handler.

use aws_sdk_dynamodb::Client;

/// Builds the client from the environment, with the bounded timeouts and retries of every
/// client (`crate::sdk`). `DYNAMODB_ENDPOINT` points it at DynamoDB Local; in AWS it is unset.
pub async fn client_from_env() -> Client {
    let mut loader = crate::sdk::bounded();
    if let Ok(endpoint) = std::env::var("DYNAMODB_ENDPOINT") {
        loader = loader.endpoint_url(endpoint);
    }
    Client::new(&loader.load().await)
}
