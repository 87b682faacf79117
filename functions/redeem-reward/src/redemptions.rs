//! `GET /v1/members/me/redemptions`: the member's redemptions, newest first, with codes.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::identifier::RedemptionId;
use loyalty::http::{ApiError, ApiRequest, json};
use serde_json::{Value, json};

use crate::view::redemption_view;

const DEFAULT_LIMIT: u16 = 20;
const MAX_LIMIT: u16 = 100;

pub async fn list(context: &Context, request: &ApiRequest) -> Result<Response<Body>, ApiError> {
    let member_id = request.caller(context)?.member_id()?;
    let limit = request.limit(DEFAULT_LIMIT, MAX_LIMIT)?;
    let after = request
        .query("cursor")
        .map(|c| RedemptionId::try_from(c.as_str()))
        .transpose()?;
    let page = context
        .store
        .redemptions(&member_id, limit, after.as_ref())
        .await?;
    let items: Vec<Value> = page.redemptions.iter().map(redemption_view).collect();
    json(
        StatusCode::OK,
        &json!({"items": items, "nextCursor": page.next_after}),
    )
}
