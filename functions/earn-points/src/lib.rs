//! The earn-points function: points that tills, commerce backends and operators move,
//! and the programme whose rules decide how many.
//!
//! Routes: `POST /v1/members/{memberId}/earn`, `POST /v1/members/{memberId}/earn/{transactionId}/reverse`,
//! `POST /v1/members/{memberId}/adjustments`, `PUT /v1/members/{memberId}/tier-floor`,
//! `GET|PUT /v1/program`.

mod adjust;
mod earn;
mod program;
mod reverse;
mod tier_floor;

use std::convert::Infallible;

use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};
use loyalty::Context;
use loyalty::http::{ApiError, ApiRequest, serve};

pub async fn handle(context: &Context, request: Request) -> Result<Response<Body>, Infallible> {
    Ok(serve(request, |request| route(context, request)).await)
}

async fn route(context: &Context, request: ApiRequest) -> Result<Response<Body>, ApiError> {
    let method = request.method().clone();
    match (method, request.segments().as_slice()) {
        (Method::POST, ["v1", "members", member, "earn"]) => {
            earn::earn(context, &request, member).await
        }
        (Method::POST, ["v1", "members", member, "earn", transaction, "reverse"]) => {
            reverse::reverse(context, &request, member, transaction).await
        }
        (Method::POST, ["v1", "members", member, "adjustments"]) => {
            adjust::adjust(context, &request, member).await
        }
        (Method::PUT, ["v1", "members", member, "tier-floor"]) => {
            tier_floor::put(context, &request, member).await
        }
        (Method::GET, ["v1", "program"]) => program::get(context, &request).await,
        (Method::PUT, ["v1", "program"]) => program::put(context, &request).await,
        _ => Err(ApiError::NotFound("no such route".into())),
    }
}
