//! The absolute floor: a bare lambda_runtime function that answers with its event. No SDK, no
//! logging setup, nothing at init but the tokio runtime and the Runtime API client.

use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    run(service_fn(|event: LambdaEvent<Value>| async move {
        Ok::<Value, Error>(event.payload)
    }))
    .await
}
