//! Erasing a member from the table, and reading back everything held about one. Erasure is
//! three steps, each safe to repeat: the member item goes (guarded by its revision, so no
//! write that read it can commit after) with the erasure's record and its figures, in one
//! transaction; a sweep removes or pseudonymises every other item that names the member;
//! the record is marked done. A retried erasure finds the record and finishes the sweep.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, DeleteRequest, Put, TransactWriteItem, Update,
    WriteRequest,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::items::{IdempotencyItem, LedgerItem, PurchaseItem, RedemptionItem};
use super::referrals::{AWARD_ENTITY, ReferralAwardItem};
use super::{Item, Store, StoreError, from_item, key, keys, to_item};
use crate::domain::erasure::{Erasure, Pseudonym, pseudonymise_json};
use crate::domain::identifier::MemberId;
use crate::domain::ledger::EntryType;
use crate::domain::operation::Erased;
use crate::domain::redemption::RedemptionStatus;

const ERASURE_ENTITY: &str = "erasure";
/// BatchWriteItem takes at most 25 requests.
const BATCH: usize = 25;
/// Rounds of BatchWriteItem retrying what DynamoDB left unprocessed, before giving up.
const BATCH_ROUNDS: u32 = 8;
/// BatchWriteItem calls of one sweep at once.
const DELETES_IN_FLIGHT: usize = 8;

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ErasureItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    entity: String,
    #[serde(flatten)]
    erasure: Erasure,
}

impl From<&Erasure> for ErasureItem {
    fn from(erasure: &Erasure) -> Self {
        Self {
            pk: keys::erased_pk(erasure.pseudonym.as_str()),
            sk: keys::ERASED_SK.to_string(),
            entity: ERASURE_ENTITY.to_string(),
            erasure: erasure.clone(),
        }
    }
}

/// The guard enrolment adds to its transaction: no member is created under an id whose
/// erasure is still sweeping (the sweep would take its items).
pub(super) fn no_erasure_running(
    store: &Store,
    member: &MemberId,
) -> Result<TransactWriteItem, StoreError> {
    let check = ConditionCheck::builder()
        .table_name(&store.table)
        .set_key(Some(erasure_key(&Pseudonym::of(member))))
        .condition_expression("attribute_not_exists(sweep)")
        .build()
        .map_err(|_| StoreError::Internal)?;
    Ok(TransactWriteItem::builder().condition_check(check).build())
}

fn erasure_key(pseudonym: &Pseudonym) -> Item {
    key(keys::erased_pk(pseudonym.as_str()), keys::ERASED_SK)
}

impl Store {
    /// The record of the member's erasure, if it was erased (and not enrolled again since).
    pub async fn erasure(&self, member: &MemberId) -> Result<Option<Erasure>, StoreError> {
        Ok(self
            .get::<ErasureItem>(erasure_key(&Pseudonym::of(member)))
            .await?
            .map(|item| item.erasure))
    }

    /// Step one: the member item goes if still at the revision the decision read, with the
    /// erasure's record and its movement of the figures. `false`: another write got there
    /// first; decide again.
    pub async fn begin_erasure(
        &self,
        member: &MemberId,
        erased: &Erased,
    ) -> Result<bool, StoreError> {
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key(keys::member_pk(member.as_str()), keys::PROFILE)))
            .condition_expression("revision = :expected")
            .expression_attribute_values(
                ":expected",
                AttributeValue::N(erased.revision.to_string()),
            )
            .build()
            .map_err(|_| StoreError::Internal)?;
        // A record of an earlier erasure of the same id (enrolled again since) is replaced.
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(to_item(&ErasureItem::from(&erased.erasure))?))
            .condition_expression("attribute_not_exists(sweep)")
            .build()
            .map_err(|_| StoreError::Internal)?;
        let mut items = vec![
            TransactWriteItem::builder().delete(delete).build(),
            TransactWriteItem::builder().put(put).build(),
        ];
        items.extend(self.metrics_updates(&erased.movement)?);
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(SdkError::ServiceError(service))
                if matches!(
                    service.err(),
                    TransactWriteItemsError::TransactionCanceledException(_)
                ) =>
            {
                Ok(false)
            }
            Err(error) => Err(StoreError::from_sdk(error)),
        }
    }

    /// Step two: every other item that names the member is deleted, or (where another party
    /// keeps it) made to name the pseudonym. Unused vouchers stop working and give back the
    /// stock they took. Safe to repeat: each part finds only what is left.
    pub async fn sweep_erased(
        &self,
        member: &MemberId,
        erasure: &Erasure,
    ) -> Result<(), StoreError> {
        let pseudonym = &erasure.pseudonym;
        let items = self.partition(member).await?;
        let mut doomed = Vec::with_capacity(items.len());
        let mut recorded_at: HashMap<String, OffsetDateTime> = HashMap::new();
        let mut partner_purchases = Vec::new();
        for item in items {
            let entity = entity(&item);
            match entity.as_str() {
                "redemption" => {
                    let redemption: RedemptionItem = from_item(item.clone())?;
                    self.retire_voucher(&redemption).await?;
                }
                "ledger" => {
                    let entry: LedgerItem = from_item(item.clone())?;
                    if entry.entry.kind == EntryType::PartnerBonus {
                        recorded_at.insert(entry.entry.entry_id.clone(), entry.entry.recorded_at);
                    }
                }
                "purchase" => {
                    let purchase: PurchaseItem = from_item(item.clone())?;
                    if let Some(partner) = purchase.partner_id {
                        partner_purchases.push((partner, purchase.earn_entry_id));
                    }
                }
                _ => {}
            }
            doomed.push(key_of(&item)?);
        }
        // A partner's statement keeps its lines (it settles from them), naming the pseudonym.
        for (partner, entry_id) in partner_purchases {
            if let Some(at) = recorded_at.get(&entry_id) {
                self.rename_in(
                    key(
                        keys::partner_pk(partner.as_str()),
                        &keys::partner_issue_sk(*at, &entry_id),
                    ),
                    "memberId",
                    pseudonym.as_str(),
                )
                .await?;
            }
        }
        self.delete_all(doomed).await?;
        if let Some(sweep) = &erasure.sweep {
            if let Some(code) = &sweep.referral_code {
                self.delete_if_names(
                    key(
                        keys::referral_code_pk(code.as_str()),
                        keys::REFERRAL_CODE_SK,
                    ),
                    member,
                )
                .await?;
            }
            if let Some(referrer) = &sweep.referrer {
                self.pseudonymise_award(referrer, member, pseudonym).await?;
            }
        }
        // An offer's audience may list the member by id.
        self.forget_in_audiences(member, erasure.erased_at).await?;
        // Last, so that the index has caught up with the writes before step one.
        self.sweep_idempotency(member, pseudonym).await
    }

    /// Step three: the sweep is done; only the pseudonym and the answer stay.
    pub async fn finish_erasure(&self, erasure: &Erasure) -> Result<Erasure, StoreError> {
        let done = erasure.clone().done();
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item(&ErasureItem::from(&done))?))
            .send()
            .await;
        put.map_err(StoreError::from_sdk)?;
        Ok(done)
    }

    /// Every item under the member's partition, in key order.
    pub async fn partition(&self, member: &MemberId) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("PK = :pk")
                .expression_attribute_values(
                    ":pk",
                    AttributeValue::S(keys::member_pk(member.as_str())),
                )
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(StoreError::from_sdk)?;
            items.extend(output.items.unwrap_or_default());
            match output.last_evaluated_key {
                Some(last) if !last.is_empty() => start = Some(last),
                _ => return Ok(items),
            }
        }
    }

    /// An unused voucher stops working and gives its stock back, as a cancellation would;
    /// used or cancelled ones just go.
    async fn retire_voucher(&self, redemption: &RedemptionItem) -> Result<(), StoreError> {
        let voucher = key(keys::voucher_pk(redemption.code.as_str()), keys::VOUCHER_SK);
        if redemption.status == RedemptionStatus::Issued && redemption.stock_taken {
            let delete = Delete::builder()
                .table_name(&self.table)
                .set_key(Some(voucher.clone()))
                .condition_expression("#status = :issued")
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":issued", AttributeValue::S("issued".into()))
                .build()
                .map_err(|_| StoreError::Internal)?;
            let stock = Update::builder()
                .table_name(&self.table)
                .set_key(Some(key(
                    keys::CATALOGUE_PK.to_string(),
                    &keys::reward_sk(redemption.reward_id.as_str()),
                )))
                .update_expression("SET stock = stock + :one")
                .condition_expression("attribute_exists(stock)")
                .expression_attribute_values(":one", AttributeValue::N("1".into()))
                .build()
                .map_err(|_| StoreError::Internal)?;
            let returned = self
                .client
                .transact_write_items()
                .transact_items(TransactWriteItem::builder().delete(delete).build())
                .transact_items(TransactWriteItem::builder().update(stock).build())
                .send()
                .await;
            match returned {
                Ok(_) => return Ok(()),
                // Used meanwhile, or the reward keeps no stock any more: just remove it.
                Err(SdkError::ServiceError(service))
                    if matches!(
                        service.err(),
                        TransactWriteItemsError::TransactionCanceledException(_)
                    ) => {}
                Err(error) => return Err(StoreError::from_sdk(error)),
            }
        }
        self.delete_all(vec![voucher]).await
    }

    /// Sets `field` of the item at `key` to `value`, if the item exists.
    async fn rename_in(&self, key: Item, field: &str, value: &str) -> Result<(), StoreError> {
        let updated = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .update_expression("SET #field = :value")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_names("#field", field)
            .expression_attribute_values(":value", AttributeValue::S(value.to_string()))
            .send()
            .await;
        ignore_condition(updated.map(|_| ()))
    }

    async fn delete_if_names(&self, key: Item, member: &MemberId) -> Result<(), StoreError> {
        let deleted = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .condition_expression("memberId = :member")
            .expression_attribute_values(":member", AttributeValue::S(member.as_str().to_string()))
            .send()
            .await;
        ignore_condition(deleted.map(|_| ()))
    }

    /// The referrer keeps its award (its figures count it), under the pseudonym.
    async fn pseudonymise_award(
        &self,
        referrer: &MemberId,
        member: &MemberId,
        pseudonym: &Pseudonym,
    ) -> Result<(), StoreError> {
        let old = key(
            keys::member_pk(referrer.as_str()),
            &keys::referred_sk(member.as_str()),
        );
        let Some(item) = self.get::<ReferralAwardItem>(old.clone()).await? else {
            return Ok(());
        };
        let mut award = item.award;
        award.referee = MemberId::try_from(pseudonym.as_str()).map_err(StoreError::corrupt)?;
        let renamed = ReferralAwardItem::from(&award);
        debug_assert_eq!(renamed.entity, AWARD_ENTITY);
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(to_item(&renamed)?))
            .build()
            .map_err(|_| StoreError::Internal)?;
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(old))
            .build()
            .map_err(|_| StoreError::Internal)?;
        self.client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(put).build())
            .transact_items(TransactWriteItem::builder().delete(delete).build())
            .send()
            .await
            .map_err(StoreError::from_sdk)?;
        Ok(())
    }

    /// Idempotency records written for the member: those whose key names it go; those
    /// another party's retry may still need (a partner's webhook, a till's voucher use) keep
    /// their answer, naming the pseudonym, and leave the index.
    async fn sweep_idempotency(
        &self,
        member: &MemberId,
        pseudonym: &Pseudonym,
    ) -> Result<(), StoreError> {
        let mut start: Option<Item> = None;
        let mut doomed = Vec::new();
        loop {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(keys::PERSON_INDEX)
                .key_condition_expression("GSI3PK = :person")
                .expression_attribute_values(
                    ":person",
                    AttributeValue::S(keys::person_pk(member.as_str())),
                )
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(StoreError::from_sdk)?;
            for found in output.items.unwrap_or_default() {
                let key = key_of(&found)?;
                let Some(record) = self.get::<IdempotencyItem>(key.clone()).await? else {
                    continue;
                };
                if names_member(&record.scope, member) {
                    doomed.push(key);
                } else {
                    let body = pseudonymise_json(&record.body, member, pseudonym);
                    let updated = self
                        .client
                        .update_item()
                        .table_name(&self.table)
                        .set_key(Some(key))
                        .update_expression("SET body = :body REMOVE GSI3PK")
                        .condition_expression("attribute_exists(PK)")
                        .expression_attribute_values(":body", AttributeValue::S(body))
                        .send()
                        .await;
                    ignore_condition(updated.map(|_| ()))?;
                }
            }
            match output.last_evaluated_key {
                Some(last) if !last.is_empty() => start = Some(last),
                _ => break,
            }
        }
        self.delete_all(doomed).await
    }

    /// Deletes the items at `keys`, 25 a call and `DELETES_IN_FLIGHT` calls at once (a member
    /// with a long ledger must go within one invocation), retrying what DynamoDB leaves
    /// unprocessed.
    async fn delete_all(&self, keys: Vec<Item>) -> Result<(), StoreError> {
        for group in keys.chunks(BATCH * DELETES_IN_FLIGHT) {
            let batches = group
                .chunks(BATCH)
                .map(|batch| self.delete_batch(batch.to_vec()));
            futures::future::try_join_all(batches).await?;
        }
        Ok(())
    }

    async fn delete_batch(&self, keys: Vec<Item>) -> Result<(), StoreError> {
        let mut requests: Vec<WriteRequest> = keys
            .iter()
            .map(|key| {
                DeleteRequest::builder()
                    .set_key(Some(key.clone()))
                    .build()
                    .map(|delete| WriteRequest::builder().delete_request(delete).build())
            })
            .collect::<Result<_, _>>()
            .map_err(|_| StoreError::Internal)?;
        for round in 0..BATCH_ROUNDS {
            if requests.is_empty() {
                return Ok(());
            }
            if round > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(20 << round)).await;
            }
            let output = self
                .client
                .batch_write_item()
                .request_items(&self.table, requests)
                .send()
                .await
                .map_err(StoreError::from_sdk)?;
            requests = output
                .unprocessed_items
                .and_then(|mut left| left.remove(&self.table))
                .unwrap_or_default();
        }
        if requests.is_empty() {
            Ok(())
        } else {
            Err(StoreError::Throttled)
        }
    }
}

/// A scope `<operation>#<memberId>#...` names the member in its key (every member write's
/// does; a webhook's or a voucher use's names the partner or the code).
fn names_member(scope: &str, member: &MemberId) -> bool {
    scope.split('#').nth(1) == Some(member.as_str())
}

fn entity(item: &Item) -> String {
    item.get("entity")
        .and_then(|v| v.as_s().ok())
        .cloned()
        .unwrap_or_default()
}

fn key_of(item: &Item) -> Result<Item, StoreError> {
    let part = |name: &str| {
        item.get(name)
            .cloned()
            .map(|value| (name.to_string(), value))
            .ok_or_else(|| StoreError::corrupt(format!("an item without {name}")))
    };
    Ok(HashMap::from([part(keys::PK)?, part(keys::SK)?]))
}

/// A conditional write whose item has gone (or changed) meanwhile has nothing left to do.
fn ignore_condition<E>(
    result: Result<(), SdkError<E, aws_sdk_dynamodb::config::http::HttpResponse>>,
) -> Result<(), StoreError>
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    match result {
        Ok(()) => Ok(()),
        Err(SdkError::ServiceError(service))
            if service.err().code() == Some("ConditionalCheckFailedException") =>
        {
            Ok(())
        }
        Err(error) => Err(StoreError::from_sdk(error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_scopes_keyed_by_the_member_name_it() {
        let member = MemberId::try_from("m-1").unwrap();
        assert!(names_member("earn#m-1#t-9", &member));
        assert!(names_member("adjust#m-1#ops#key-1", &member));
        assert!(!names_member("earn#m-10#t-9", &member));
        assert!(!names_member("webhook#p-1#p-1#msg_1", &member));
        assert!(!names_member("voucher-use#ABCD#till-1#k", &member));
    }
}
