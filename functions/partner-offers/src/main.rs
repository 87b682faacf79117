use lambda_http::{Error, run, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    loyalty::telemetry::init();
    let context = partner_offers::PartnerContext::from_env().await?;
    run(service_fn(|request| {
        partner_offers::handle(&context, request)
    }))
    .await
}
