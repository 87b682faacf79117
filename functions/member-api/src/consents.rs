//! `PUT /v1/members/me/consents`: the member gives or withdraws its consent to marketing.
//! Every event written afterwards carries it; an `idempotency-key` makes a retry answer as
//! the first call did.

use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::operation;
use loyalty::http::{ApiError, ApiRequest, SignedInMember};
use serde::Deserialize;

use crate::update::write_profile;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsentsRequest {
    marketing: bool,
}

pub async fn set_consents(
    context: &Context,
    request: &ApiRequest,
    me: SignedInMember,
) -> Result<Response<Body>, ApiError> {
    let (body, raw): (ConsentsRequest, _) = request.json()?;
    write_profile(
        context,
        request,
        &me,
        "consents",
        &raw,
        |member, program, now| operation::set_consents(member, program, body.marketing, now),
    )
    .await
}
