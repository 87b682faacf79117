//! Reading the table's change stream: which records matter to the tier function, and the
//! daily run's due-date index.

use aws_sdk_dynamodb::types::AttributeValue;
use time::Date;

use super::items::EventItem;
use super::{Store, StoreError, keys};
use crate::domain::event::DomainEvent;
use crate::domain::identifier::MemberId;

/// What a stream record is about, as far as tiers and notifications go.
#[derive(Debug)]
pub enum StreamChange {
    /// A member's profile was written: its tier may need to change.
    Member(MemberId),
    /// An outbox event was written: it is to be published.
    Event(Box<DomainEvent>),
    /// Anything else (ledger entries, purchases, rewards, ...).
    Other,
}

/// Classifies a stream record from its keys and, for events, its new image.
pub fn classify(
    keys_image: &serde_dynamo::Item,
    new_image: Option<&serde_dynamo::Item>,
) -> Result<StreamChange, StoreError> {
    let text = |name: &str| match keys_image.get(name) {
        Some(serde_dynamo::AttributeValue::S(s)) => Some(s.as_str()),
        _ => None,
    };
    let (Some(pk), Some(sk)) = (text(keys::PK), text(keys::SK)) else {
        return Ok(StreamChange::Other);
    };
    if sk == keys::PROFILE
        && let Some(member) = pk.strip_prefix("MEMBER#")
    {
        return MemberId::try_from(member)
            .map(StreamChange::Member)
            .map_err(StoreError::corrupt);
    }
    if sk.starts_with("EVENT#") {
        let Some(image) = new_image else {
            return Ok(StreamChange::Other);
        };
        let item: EventItem =
            serde_dynamo::from_item(image.clone()).map_err(StoreError::corrupt)?;
        return Ok(StreamChange::Event(Box::new(item.event)));
    }
    Ok(StreamChange::Other)
}

impl Store {
    /// The members filed as due on `day` in one shard of the due-date index (GSI1): one
    /// Query per page, reading only the member ids.
    pub async fn due_members(&self, day: Date, shard: u32) -> Result<Vec<MemberId>, StoreError> {
        let mut members = Vec::new();
        let mut start = None;
        loop {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(keys::DUE_INDEX)
                .key_condition_expression("GSI1PK = :due")
                .expression_attribute_values(
                    ":due",
                    AttributeValue::S(keys::due_partition(day, shard)),
                )
                .projection_expression("GSI1SK")
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(StoreError::from_sdk)?;
            for item in output.items.unwrap_or_default() {
                if let Some(AttributeValue::S(id)) = item.get("GSI1SK") {
                    members.push(MemberId::try_from(id.as_str()).map_err(StoreError::corrupt)?);
                }
            }
            start = output.last_evaluated_key;
            if start.is_none() {
                return Ok(members);
            }
        }
    }
}
