//! A member's events (the outbox items under its partition), newest first, a page at a
//! time: what operators read to see what a member was told. The stream has published them;
//! TTL removes them a week after they occurred.

use aws_sdk_dynamodb::types::AttributeValue;
use time::OffsetDateTime;

use super::items::EventItem;
use super::{Store, StoreError, from_item, key, keys};
use crate::domain::event::DomainEvent;
use crate::domain::identifier::MemberId;

#[derive(Debug)]
pub struct EventPage {
    pub events: Vec<DomainEvent>,
    /// The event to continue after (older ones), when there may be more.
    pub next_after: Option<String>,
}

impl Store {
    /// Up to `limit` of the member's events older than `after` (the newest when `None`):
    /// one Query. Events past their TTL that DynamoDB has not removed yet are left out.
    pub async fn events(
        &self,
        id: &MemberId,
        limit: u16,
        after: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<EventPage, StoreError> {
        let pk = keys::member_pk(id.as_str());
        let start = after.map(|event_id| key(pk.clone(), &keys::event_sk(event_id)));
        // One more than asked tells whether another page exists without a second query.
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk AND begins_with(SK, :events)")
            .expression_attribute_values(":pk", AttributeValue::S(pk))
            .expression_attribute_values(":events", AttributeValue::S(keys::event_sk("")))
            .set_exclusive_start_key(start)
            .scan_index_forward(false)
            .limit(i32::from(limit) + 1)
            .send()
            .await
            .map_err(StoreError::from_sdk)?;
        let mut items = output
            .items
            .unwrap_or_default()
            .into_iter()
            .map(from_item::<EventItem>)
            .collect::<Result<Vec<_>, _>>()?;
        let more = items.len() > usize::from(limit);
        items.truncate(usize::from(limit));
        let next_after = more
            .then(|| items.last().map(|item| item.event.event_id.clone()))
            .flatten();
        let now = now.unix_timestamp();
        Ok(EventPage {
            events: items
                .into_iter()
                .filter(|item| item.expires_at > now)
                .map(|item| item.event)
                .collect(),
            next_after,
        })
    }
}
