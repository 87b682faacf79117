use lambda_runtime::{Error, LambdaEvent, run, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    loyalty::telemetry::init();
    let context = evaluate_tier::TierContext::from_env().await?;
    run(service_fn(|event: LambdaEvent<serde_json::Value>| async {
        evaluate_tier::handle(&context, event.payload)
            .await
            .map_err(Error::from)
    }))
    .await
}
