use lambda_http::{Error, run, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    loyalty::telemetry::init();
    let context = loyalty::Context::from_env().await?;
    run(service_fn(|request| {
        redeem_reward::handle(&context, request)
    }))
    .await
}
