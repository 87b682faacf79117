//! `GET /v1/members/me/redemptions`: the member's redemptions, newest first, with codes.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::identifier::RedemptionId;
use loyalty::http::{ApiError, ApiRequest, SignedInMember, json};
use serde::Serialize;

use crate::view::RedemptionView;

const DEFAULT_LIMIT: u16 = 20;
const MAX_LIMIT: u16 = 100;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct RedemptionList {
    items: Vec<RedemptionView>,
    next_cursor: Option<RedemptionId>,
}

pub async fn list(
    context: &Context,
    request: &ApiRequest,
    me: SignedInMember,
) -> Result<Response<Body>, ApiError> {
    let limit = request.limit(DEFAULT_LIMIT, MAX_LIMIT)?;
    let after = request
        .query("cursor")
        .map(|c| RedemptionId::try_from(c.as_str()))
        .transpose()?;
    let page = context
        .store
        .redemptions(&me.id, limit, after.as_ref())
        .await?;
    let list = RedemptionList {
        items: page.redemptions.iter().map(RedemptionView::from).collect(),
        next_cursor: page.next_after,
    };
    json(StatusCode::OK, &list)
}
