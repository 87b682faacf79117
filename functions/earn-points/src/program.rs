//! `GET|PUT /v1/program`: operators read and replace the earn rules and tier ladder.
//! A configuration that does not validate is refused with its reason; the old one stays.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::program::{Program, ProgramDocument};
use loyalty::http::{ApiError, ApiRequest, Scope, json};

pub async fn get(context: &Context, request: &ApiRequest) -> Result<Response<Body>, ApiError> {
    request.caller(context)?.require(Scope::Admin)?;
    let program = context
        .store
        .program()
        .await?
        .ok_or_else(|| ApiError::NotFound("no programme has been configured yet".into()))?;
    json(StatusCode::OK, &program)
}

pub async fn put(context: &Context, request: &ApiRequest) -> Result<Response<Body>, ApiError> {
    let caller = request.caller(context)?;
    caller.require(Scope::Admin)?;
    // Decoded like every other body (objects only, no Rust names in messages), then checked.
    let (document, _): (ProgramDocument, _) = request.json()?;
    let program = Program::try_from(document).map_err(|e| ApiError::invalid(e.to_string()))?;
    context
        .store
        .put_program(&program, context.clock.now(), caller.subject())
        .await?;
    tracing::info!(actor = caller.subject(), "programme replaced");
    json(StatusCode::OK, &program)
}
