//! The member-api function: what the mobile app needs about the member it signs in as.
//!
//! Routes: `POST /v1/members` (enrol), `GET /v1/members/me`, `GET /v1/members/me/activity`,
//! and for operators (or the member itself) `GET /v1/members/{memberId}` and
//! `GET /v1/members/{memberId}/activity`.

mod activity;
mod cursor;
mod enrol;
mod profile;

use std::convert::Infallible;

use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};
use loyalty::Context;
use loyalty::domain::identifier::MemberId;
use loyalty::http::{ApiError, ApiRequest, serve};

pub async fn handle(context: &Context, request: Request) -> Result<Response<Body>, Infallible> {
    Ok(serve(request, |request| route(context, request)).await)
}

async fn route(context: &Context, request: ApiRequest) -> Result<Response<Body>, ApiError> {
    let method = request.method().clone();
    match (method, request.segments().as_slice()) {
        (Method::POST, ["v1", "members"]) => enrol::enrol(context, &request).await,
        (Method::GET, ["v1", "members", "me"]) => {
            profile::profile(context, &request, &own_id(context, &request)?).await
        }
        (Method::GET, ["v1", "members", "me", "activity"]) => {
            activity::activity(context, &request, &own_id(context, &request)?).await
        }
        (Method::GET, ["v1", "members", member]) => {
            profile::profile(context, &request, &readable_id(context, &request, member)?).await
        }
        (Method::GET, ["v1", "members", member, "activity"]) => {
            activity::activity(context, &request, &readable_id(context, &request, member)?).await
        }
        _ => Err(ApiError::NotFound("no such route".into())),
    }
}

/// The signed-in member.
fn own_id(context: &Context, request: &ApiRequest) -> Result<MemberId, ApiError> {
    request.caller(context)?.member_id()
}

/// A member named in the path, if the caller may read it: itself, or an operator.
fn readable_id(
    context: &Context,
    request: &ApiRequest,
    member: &str,
) -> Result<MemberId, ApiError> {
    let caller = request.caller(context)?;
    let member = MemberId::try_from(member)?;
    caller.may_read(&member)?;
    Ok(member)
}
