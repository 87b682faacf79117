//! `GET /v1/members/me/activity`: the ledger, newest first, a page at a time.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::identifier::MemberId;
use loyalty::http::views::EntryView;
use loyalty::http::{ApiError, ApiRequest, json};
use serde_json::json;

use crate::cursor;

const DEFAULT_LIMIT: u16 = 20;
const MAX_LIMIT: u16 = 100;

pub async fn activity(
    context: &Context,
    request: &ApiRequest,
    member: &MemberId,
) -> Result<Response<Body>, ApiError> {
    let limit = request.limit(DEFAULT_LIMIT, MAX_LIMIT)?;
    let before = request
        .query("cursor")
        .map(|c| cursor::decode(&c))
        .transpose()?;
    let page = context.store.activity(member, limit, before).await?;
    if page.entries.is_empty() && before.is_none() && context.store.member(member).await?.is_none()
    {
        return Err(ApiError::NotFound("no member with this id".into()));
    }
    let items: Vec<EntryView> = page.entries.iter().map(EntryView::from).collect();
    json(
        StatusCode::OK,
        &json!({"items": items, "nextCursor": page.next_before.map(cursor::encode)}),
    )
}
