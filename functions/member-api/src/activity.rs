//! `GET /v1/members/me/activity`: the ledger, newest first, a page at a time.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::identifier::MemberId;
use loyalty::http::views::EntryView;
use loyalty::http::{ApiError, ApiRequest, json};
use loyalty::store::Missing;
use serde::Serialize;

use crate::cursor;

const DEFAULT_LIMIT: u16 = 20;
const MAX_LIMIT: u16 = 100;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ActivityPage {
    items: Vec<EntryView>,
    next_cursor: Option<String>,
}

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
        return Err(Missing::Member.into());
    }
    let page = ActivityPage {
        items: page.entries.iter().map(EntryView::from).collect(),
        next_cursor: page.next_before.map(cursor::encode),
    };
    json(StatusCode::OK, &page)
}
