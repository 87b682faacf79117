//! The targeted offers and their budgets: the offer set in one partition, each budget in
//! shard items of their own (`budget_pk`), each holding `used`, `limited` (whether the offer
//! has a budget) and, with a budget, `left`.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, Put, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{Item, Store, StoreError, from_item, key, keys, to_item};
use crate::domain::identifier::{MemberId, OfferId};
use crate::domain::targeted_offer::{MAX_OFFERS, TargetedOffer};

/// The offer set is read whole; this bounds the pages read for it.
const MAX_OFFER_PAGES: usize = 20;
/// BatchGetItem's limit of keys per call.
const BATCH_KEYS: usize = 100;
/// Rounds of BatchGetItem for the keys DynamoDB left unprocessed.
const MAX_BATCH_ROUNDS: usize = 10;
/// Rounds of an erasure's audience clean-up that operators' edits may force.
const MAX_AUDIENCE_ROUNDS: usize = 5;

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OfferItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    entity: String,
    #[serde(flatten)]
    offer: TargetedOffer,
    /// Bumped by every write, which checks it: two operators cannot overwrite each other.
    revision: u64,
    #[serde(with = "crate::domain::rfc3339")]
    updated_at: OffsetDateTime,
    updated_by: String,
}

#[derive(Debug, Deserialize)]
struct BudgetItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(default)]
    used: i64,
}

/// An offer as stored, with the revision a replacement must match.
#[derive(Debug, Clone)]
pub struct StoredOffer {
    pub offer: TargetedOffer,
    pub revision: u64,
}

/// Why an offer could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OfferWriteError {
    #[error("the offer changed meanwhile")]
    Changed,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Store {
    /// Every offer, in id order: one Query (a page per MB).
    pub async fn offers(&self) -> Result<Vec<StoredOffer>, StoreError> {
        let mut offers = Vec::new();
        let mut start = None;
        for _ in 0..MAX_OFFER_PAGES {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
                .expression_attribute_values(":pk", AttributeValue::S(keys::OFFERS_PK.into()))
                .expression_attribute_values(
                    ":prefix",
                    AttributeValue::S(keys::OFFER_PREFIX.into()),
                )
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(StoreError::from_sdk)?;
            for item in output.items.unwrap_or_default() {
                let item = from_item::<OfferItem>(item)?;
                offers.push(StoredOffer {
                    offer: item.offer,
                    revision: item.revision,
                });
            }
            start = output.last_evaluated_key;
            if start.is_none() || offers.len() >= MAX_OFFERS {
                break;
            }
        }
        Ok(offers)
    }

    /// Writes `offer` over `replaced` (none: a new offer) and sets each budget shard to the
    /// new budget in the same transaction: `left` is the shard's allotment less what it has
    /// given, or gone when the offer has no budget.
    pub async fn put_offer(
        &self,
        offer: &TargetedOffer,
        replaced: Option<&StoredOffer>,
        now: OffsetDateTime,
        actor: &str,
    ) -> Result<(), OfferWriteError> {
        let item = OfferItem {
            pk: keys::OFFERS_PK.to_string(),
            sk: keys::offer_sk(offer.offer_id.as_str()),
            entity: "offer".to_string(),
            offer: offer.clone(),
            revision: replaced.map_or(1, |r| r.revision + 1),
            updated_at: now,
            updated_by: actor.to_string(),
        };
        let mut items = vec![self.offer_put(&item, replaced.map(|r| r.revision))?];
        for shard in 0..offer.budget_shards {
            let pk = keys::budget_pk(offer.offer_id.as_str(), shard);
            let mut update = Update::builder()
                .table_name(&self.table)
                .set_key(Some(key(pk, keys::BUDGET_SK)))
                .expression_attribute_names("#left", "left")
                .expression_attribute_names("#limited", "limited")
                .expression_attribute_values(":zero", AttributeValue::N("0".into()))
                .expression_attribute_values(
                    ":limited",
                    AttributeValue::Bool(offer.budget_points.is_some()),
                );
            update = match offer.allotment(shard) {
                Some(allotment) => update
                    .update_expression(
                        "SET used = if_not_exists(used, :zero), #limited = :limited, \
                         #left = :allotment - if_not_exists(used, :zero)",
                    )
                    .expression_attribute_values(
                        ":allotment",
                        AttributeValue::N(allotment.value().to_string()),
                    ),
                None => update.update_expression(
                    "SET used = if_not_exists(used, :zero), #limited = :limited REMOVE #left",
                ),
            };
            let update = update.build().map_err(|_| StoreError::Internal)?;
            items.push(TransactWriteItem::builder().update(update).build());
        }
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(service))
                if matches!(
                    service.err(),
                    TransactWriteItemsError::TransactionCanceledException(_)
                ) =>
            {
                Err(OfferWriteError::Changed)
            }
            Err(other) => Err(StoreError::from_sdk(other).into()),
        }
    }

    fn offer_put(
        &self,
        item: &OfferItem,
        expected: Option<u64>,
    ) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(to_item(item)?));
        let put = match expected {
            Some(revision) => put
                .condition_expression("revision = :expected")
                .expression_attribute_values(":expected", AttributeValue::N(revision.to_string())),
            None => put.condition_expression("attribute_not_exists(PK)"),
        };
        let put = put.build().map_err(|_| StoreError::Internal)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// What each offer has given so far: the sum of its shards' `used`.
    pub async fn budgets_used(
        &self,
        offers: &[TargetedOffer],
    ) -> Result<HashMap<OfferId, i64>, StoreError> {
        let mut owner = HashMap::new();
        let mut keys_left: Vec<Item> = Vec::new();
        for offer in offers {
            for shard in 0..offer.budget_shards {
                let pk = keys::budget_pk(offer.offer_id.as_str(), shard);
                owner.insert(pk.clone(), offer.offer_id.clone());
                keys_left.push(key(pk, keys::BUDGET_SK));
            }
        }
        let mut used: HashMap<OfferId, i64> =
            offers.iter().map(|o| (o.offer_id.clone(), 0)).collect();
        for _ in 0..MAX_BATCH_ROUNDS {
            if keys_left.is_empty() {
                break;
            }
            let batch: Vec<Item> = keys_left.drain(..keys_left.len().min(BATCH_KEYS)).collect();
            let request = KeysAndAttributes::builder()
                .set_keys(Some(batch))
                .consistent_read(true)
                .build()
                .map_err(|_| StoreError::Internal)?;
            let output = self
                .client
                .batch_get_item()
                .request_items(&self.table, request)
                .send()
                .await
                .map_err(StoreError::from_sdk)?;
            for item in output
                .responses
                .and_then(|mut r| r.remove(&self.table))
                .unwrap_or_default()
            {
                let shard = from_item::<BudgetItem>(item)?;
                if let Some(offer) = owner.get(&shard.pk) {
                    *used.entry(offer.clone()).or_default() += shard.used;
                }
            }
            if let Some(unprocessed) = output
                .unprocessed_keys
                .and_then(|mut u| u.remove(&self.table))
            {
                keys_left.extend(unprocessed.keys);
            }
        }
        if !keys_left.is_empty() {
            return Err(StoreError::Throttled);
        }
        Ok(used)
    }

    /// Takes an erased member's id out of every audience that names it. Each offer is
    /// rewritten at the revision it was read at; one an operator changed meanwhile is read
    /// and cleaned again.
    pub(super) async fn forget_in_audiences(
        &self,
        member: &MemberId,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        for _ in 0..MAX_AUDIENCE_ROUNDS {
            let mut changed_meanwhile = false;
            for stored in self.offers().await? {
                let mut offer = stored.offer.clone();
                if !offer.audience.as_mut().is_some_and(|a| a.forget(member)) {
                    continue;
                }
                let item = OfferItem {
                    pk: keys::OFFERS_PK.to_string(),
                    sk: keys::offer_sk(offer.offer_id.as_str()),
                    entity: "offer".to_string(),
                    offer,
                    revision: stored.revision + 1,
                    updated_at: now,
                    updated_by: "erasure".to_string(),
                };
                let result = self
                    .client
                    .put_item()
                    .table_name(&self.table)
                    .set_item(Some(to_item(&item)?))
                    .condition_expression("revision = :expected")
                    .expression_attribute_values(
                        ":expected",
                        AttributeValue::N(stored.revision.to_string()),
                    )
                    .send()
                    .await;
                match result {
                    Ok(_) => {}
                    Err(SdkError::ServiceError(service))
                        if service.err().is_conditional_check_failed_exception() =>
                    {
                        changed_meanwhile = true;
                    }
                    Err(other) => return Err(StoreError::from_sdk(other)),
                }
            }
            if !changed_meanwhile {
                return Ok(());
            }
        }
        Err(StoreError::Busy)
    }
}
