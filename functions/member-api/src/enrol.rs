//! `POST /v1/members`: the signed-in user joins the programme. Enrolling twice is not an
//! error: the second call answers 200 with the member as it is.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::identifier::RuleId;
use loyalty::domain::member::Member;
use loyalty::http::{ApiError, ApiRequest, SignedInMember, json};
use loyalty::store::Missing;
use serde::Deserialize;

use crate::view::MemberView;

const MAX_DISPLAY_NAME_CHARS: usize = 100;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct EnrolRequest {
    display_name: Option<String>,
    /// Kept on the member for the referral programme; see the README's roadmap.
    referral_code: Option<RuleId>,
}

pub async fn enrol(
    context: &Context,
    request: &ApiRequest,
    me: SignedInMember,
) -> Result<Response<Body>, ApiError> {
    let (body, _): (EnrolRequest, _) = request.json_or_default()?;
    let display_name = body.display_name.map(|n| n.trim().to_string());
    let printable = |name: &String| {
        !name.is_empty()
            && name.chars().count() <= MAX_DISPLAY_NAME_CHARS
            && !name.chars().any(char::is_control)
    };
    if display_name.as_ref().is_some_and(|name| !printable(name)) {
        return Err(ApiError::invalid(
            "displayName must be 1 to 100 printable characters",
        ));
    }
    let now = context.clock.now();
    let program = context
        .shared
        .program(&context.store, now)
        .await?
        .ok_or(Missing::Program)?;
    let candidate = Member::enrol(
        me.id,
        display_name,
        body.referral_code.map(String::from),
        now,
        program.lowest_tier(),
    );
    let (member, created) = context.store.enrol(&candidate).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    json(status, &MemberView::new(&member, Some(&program), now))
}
