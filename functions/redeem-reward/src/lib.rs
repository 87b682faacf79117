//! The redeem-reward function: the rewards catalogue, redemptions with their vouchers,
//! and the till's side of a voucher.
//!
//! Routes: `GET /v1/rewards`, `PUT /v1/rewards/{rewardId}` (operators),
//! `POST|GET /v1/members/me/redemptions`, `POST /v1/members/me/redemptions/{redemptionId}/cancel`,
//! `GET /v1/vouchers/{code}` and `POST /v1/vouchers/{code}/use` (tills).

mod cancel;
mod catalogue;
mod redeem;
mod redemptions;
mod view;
mod vouchers;

use std::convert::Infallible;

use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};
use loyalty::Context;
use loyalty::domain::identifier::{RedemptionId, RewardId};
use loyalty::domain::voucher_code::VoucherCode;
use loyalty::http::{ApiError, ApiRequest, serve};

pub async fn handle(context: &Context, request: Request) -> Result<Response<Body>, Infallible> {
    Ok(serve(context, request, |request| route(context, request)).await)
}

/// Each route: who may call it, and what it names.
async fn route(context: &Context, request: ApiRequest) -> Result<Response<Body>, ApiError> {
    let method = request.method().clone();
    let voucher = |code: &str| VoucherCode::try_from(code);
    match (method, request.segments().as_slice()) {
        (Method::GET, ["v1", "rewards"]) => catalogue::list(context, request.caller()?).await,
        (Method::PUT, ["v1", "rewards", reward]) => {
            let reward = RewardId::try_from(*reward)?;
            catalogue::put(context, &request, request.operator()?, reward).await
        }
        (Method::POST, ["v1", "members", "me", "redemptions"]) => {
            redeem::redeem(context, &request, request.member()?).await
        }
        (Method::GET, ["v1", "members", "me", "redemptions"]) => {
            redemptions::list(context, &request, request.member()?).await
        }
        (Method::POST, ["v1", "members", "me", "redemptions", redemption, "cancel"]) => {
            let redemption = RedemptionId::try_from(*redemption)?;
            cancel::cancel(context, &request, request.member()?, redemption).await
        }
        (Method::GET, ["v1", "vouchers", code]) => {
            vouchers::lookup(context, request.till()?, voucher(code)?).await
        }
        (Method::POST, ["v1", "vouchers", code, "use"]) => {
            vouchers::use_voucher(context, &request, request.till()?, voucher(code)?).await
        }
        _ => Err(ApiError::NotFound("no such route".into())),
    }
}
