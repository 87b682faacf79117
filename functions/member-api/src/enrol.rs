//! `POST /v1/members`: the signed-in user joins the programme. Enrolling twice is not an
//! error: the second call answers 200 with the member as it is.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::birthday::Birthday;
use loyalty::domain::member::Member;
use loyalty::domain::referral_code::{ReferralCode, UnknownReferralCode};
use loyalty::http::{ApiError, ApiRequest, SignedInMember, json};
use loyalty::store::Missing;
use serde::Deserialize;

use crate::display_name::display_name;
use crate::view::MemberView;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct EnrolRequest {
    display_name: Option<String>,
    /// Another member's code: who referred this one.
    referral_code: Option<ReferralCode>,
    birthday: Option<Birthday>,
}

pub async fn enrol(
    context: &Context,
    request: &ApiRequest,
    me: SignedInMember,
) -> Result<Response<Body>, ApiError> {
    let (body, _): (EnrolRequest, _) = request.json_or_default()?;
    let display_name = display_name(body.display_name)?;
    let now = context.clock.now();
    let program = context
        .shared
        .program(&context.store, now)
        .await?
        .ok_or(Missing::Program)?;
    // An unknown code is refused before anything is written: the member is not enrolled.
    let referrer = match body.referral_code {
        Some(code) => Some(
            context
                .store
                .referrer(&code)
                .await?
                .ok_or(UnknownReferralCode(code))?,
        ),
        None => None,
    };
    let mut candidate = Member::enrol(me.id, display_name, referrer, now, program.lowest_tier());
    if let Some(birthday) = body.birthday {
        candidate.set_birthday(birthday, &program, now);
    }
    // Filed for the daily run from the start: a member who never comes back is announced
    // as quiet like one who stopped.
    candidate.reschedule(&program, now);
    let (member, created) = context.store.enrol(&candidate).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    json(status, &MemberView::new(&member, Some(&program), now))
}
