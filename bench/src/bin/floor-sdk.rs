//! The SDK floor: the least a lambda_http function that talks to DynamoDB can be. At init it
//! loads aws-config and builds the DynamoDB client (pointed at `DYNAMODB_ENDPOINT` when set);
//! each invocation makes the DynamoDB calls in its request body (a [`Plan`] the harness
//! recorded from a real function's invocation) and answers 200. No logging, no domain code.

use lambda_http::{Body, Error, Request, Response, run, service_fn};
use loyalty_bench::replay::{self, Plan};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let endpoint = std::env::var("DYNAMODB_ENDPOINT").ok();
    let client = replay::plain_client(endpoint.as_deref()).await;
    run(service_fn(|request: Request| {
        let client = &client;
        async move {
            let plan: Plan = serde_json::from_slice(request.body().as_ref())?;
            replay::run(client, &plan).await?;
            Ok::<_, Error>(
                Response::builder()
                    .status(200)
                    .header("content-type", "application/json")
                    .body(Body::from(r#"{"ok":true}"#))?,
            )
        }
    }))
    .await
}
