//! `GET|PUT /v1/program`: operators read and replace the earn rules and tier ladder.
//! A configuration that does not validate is refused with its reason; the old one stays.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::program::{Program, ProgramDocument};
use loyalty::http::{ApiError, ApiRequest, Operator, json};

pub async fn get(context: &Context, _operator: Operator) -> Result<Response<Body>, ApiError> {
    // Read through, not from the shared items: operators see what is stored.
    let program = context
        .store
        .program()
        .await?
        .ok_or_else(|| ApiError::NotFound("no programme has been configured yet".into()))?;
    json(StatusCode::OK, &program)
}

pub async fn put(
    context: &Context,
    request: &ApiRequest,
    operator: Operator,
) -> Result<Response<Body>, ApiError> {
    // Decoded like every other body (objects only, no Rust names in messages), then checked.
    let (document, _): (ProgramDocument, _) = request.json()?;
    let program = Program::try_from(document)?;
    // A stamp card's reward must be in the catalogue, as it is now (read through).
    if program.stamp_reward_ids().next().is_some() {
        program.check_stamp_rewards(&context.store.rewards().await?)?;
    }
    context
        .shared
        .replace_program(
            &context.store,
            &program,
            context.clock.now(),
            operator.actor(),
        )
        .await?;
    tracing::info!(actor = operator.actor(), "programme replaced");
    json(StatusCode::OK, &program)
}
