//! `GET /v1/members/me/referrals`: the member's code, and what it has brought.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::identifier::MemberId;
use loyalty::domain::referral_code::ReferralCode;
use loyalty::http::{ApiError, json};
use loyalty::store::Missing;
use serde::Serialize;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ReferralsView {
    referral_code: Option<ReferralCode>,
    /// Members who enrolled with the code.
    referred: u64,
    /// Of them, those whose bonus the member holds.
    rewarded: u64,
    points_earned: i64,
}

pub async fn referrals(context: &Context, member: &MemberId) -> Result<Response<Body>, ApiError> {
    let (stored, stats) = tokio::try_join!(
        context.store.member(member),
        context.store.referral_stats(member)
    )?;
    let code = stored.ok_or(Missing::Member)?.referral_code().cloned();
    json(
        StatusCode::OK,
        &ReferralsView {
            referral_code: code,
            referred: stats.referred,
            rewarded: stats.rewarded,
            points_earned: stats.points_earned,
        },
    )
}
