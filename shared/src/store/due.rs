//! The daily run's side of the table: the due-date index (GSI1), read a page at a time, and
//! the checkpoint that says which days have been planned, so a failed or skipped run is
//! caught up whatever its age.

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use super::{Store, StoreError, key, keys, to_item};
use crate::domain::identifier::MemberId;

/// One page of the members filed as due on a day in one shard.
#[derive(Debug)]
pub struct DuePage {
    pub members: Vec<MemberId>,
    /// The member to continue after, when the partition holds more.
    pub next: Option<MemberId>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CheckpointItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    entity: String,
    /// The last day whose due members were all handed to the workers.
    planned_through: String,
    #[serde(with = "crate::domain::rfc3339")]
    updated_at: OffsetDateTime,
}

impl Store {
    /// Up to `limit` members filed as due on `day` in `shard`, after `after` when given: one
    /// Query of the index, which holds only keys.
    pub async fn due_page(
        &self,
        day: Date,
        shard: u32,
        after: Option<&MemberId>,
        limit: i32,
    ) -> Result<DuePage, StoreError> {
        let partition = keys::due_partition(day, shard);
        // A member's index entry is its table key and its index key; the member id names all
        // four.
        let start = after.map(|member| {
            let mut start = key(keys::member_pk(member.as_str()), keys::PROFILE);
            start.insert("GSI1PK".into(), AttributeValue::S(partition.clone()));
            start.insert("GSI1SK".into(), AttributeValue::S(member.to_string()));
            start
        });
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(keys::DUE_INDEX)
            .key_condition_expression("GSI1PK = :due")
            .expression_attribute_values(":due", AttributeValue::S(partition))
            .projection_expression("GSI1SK")
            .set_exclusive_start_key(start)
            .limit(limit)
            .send()
            .await
            .map_err(StoreError::from_sdk)?;
        let mut members = Vec::new();
        for item in output.items.unwrap_or_default() {
            if let Some(AttributeValue::S(id)) = item.get("GSI1SK") {
                members.push(MemberId::try_from(id.as_str()).map_err(StoreError::corrupt)?);
            }
        }
        let next = match output.last_evaluated_key {
            Some(_) => members.last().cloned(),
            None => None,
        };
        Ok(DuePage { members, next })
    }

    /// The last day the daily run has planned, if it ever ran.
    pub async fn planned_through(&self) -> Result<Option<Date>, StoreError> {
        let key = key(keys::SCHEDULE_PK.to_string(), keys::DAILY_SK);
        let Some(item) = self.get::<CheckpointItem>(key).await? else {
            return Ok(None);
        };
        Date::parse(&item.planned_through, keys::DAY_FORMAT)
            .map(Some)
            .map_err(StoreError::corrupt)
    }

    /// Records that every day up to `day` has been planned.
    pub async fn set_planned_through(
        &self,
        day: Date,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let item = CheckpointItem {
            pk: keys::SCHEDULE_PK.to_string(),
            sk: keys::DAILY_SK.to_string(),
            entity: "schedule".to_string(),
            planned_through: day.format(keys::DAY_FORMAT).map_err(StoreError::corrupt)?,
            updated_at: now,
        };
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item(&item)?))
            .send()
            .await
            .map_err(StoreError::from_sdk)?;
        Ok(())
    }
}
