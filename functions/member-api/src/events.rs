//! `GET /v1/members/{memberId}/events` (operators): what the member was told, newest first,
//! a page at a time, with the consent each event carried.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::event::DomainEvent;
use loyalty::domain::identifier::MemberId;
use loyalty::http::views::timestamp;
use loyalty::http::{ApiError, ApiRequest, json};
use loyalty::store::Missing;
use serde::Serialize;
use time::OffsetDateTime;

use crate::cursor;

const DEFAULT_LIMIT: u16 = 20;
const MAX_LIMIT: u16 = 100;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct EventsPage {
    items: Vec<EventView>,
    next_cursor: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct EventView {
    event_id: String,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(with = "timestamp")]
    occurred_at: OffsetDateTime,
    detail: serde_json::Value,
}

impl From<DomainEvent> for EventView {
    fn from(event: DomainEvent) -> Self {
        Self {
            event_id: event.event_id,
            kind: event.kind.detail_type(),
            occurred_at: event.occurred_at,
            detail: event.detail,
        }
    }
}

pub async fn events(
    context: &Context,
    request: &ApiRequest,
    member: &MemberId,
) -> Result<Response<Body>, ApiError> {
    let limit = request.limit(DEFAULT_LIMIT, MAX_LIMIT)?;
    let after = request
        .query("cursor")
        .map(|c| cursor::decode_event(&c))
        .transpose()?;
    let now = context.clock.now();
    let page = context
        .store
        .events(member, limit, after.as_deref(), now)
        .await?;
    if page.events.is_empty() && after.is_none() && context.store.member(member).await?.is_none() {
        return Err(Missing::Member.into());
    }
    let page = EventsPage {
        items: page.events.into_iter().map(EventView::from).collect(),
        next_cursor: page.next_after.as_deref().map(cursor::encode_event),
    };
    json(StatusCode::OK, &page)
}
