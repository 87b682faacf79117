//! Everything a write needs to decide, read in one consistent BatchGetItem.

use aws_sdk_dynamodb::types::KeysAndAttributes;
use time::OffsetDateTime;

use super::items::{
    IdempotencyItem, MemberItem, ProgramItem, PurchaseItem, RedemptionItem, RewardItem,
};
use super::{Item, Store, StoreError, from_item, key, keys};
use crate::domain::identifier::{MemberId, RedemptionId, RewardId, TransactionId};
use crate::domain::member::Member;
use crate::domain::program::Program;
use crate::domain::purchase::Purchase;
use crate::domain::redemption::Redemption;
use crate::domain::reward::Reward;
use crate::idempotency::{IdempotencyRecord, IdempotencyScope};

/// BatchGetItem may leave keys unprocessed under load; they are asked for again a few times.
const BATCH_ROUNDS: usize = 4;

#[derive(Debug, Default, Clone, Copy)]
pub struct SnapshotRequest<'a> {
    pub member: Option<&'a MemberId>,
    pub program: bool,
    pub purchase: Option<&'a TransactionId>,
    pub redemption: Option<&'a RedemptionId>,
    pub reward: Option<&'a RewardId>,
    pub idempotency: Option<&'a IdempotencyScope>,
}

#[derive(Debug, Default)]
pub struct Snapshot {
    pub member: Option<Member>,
    pub program: Option<Program>,
    pub purchase: Option<Purchase>,
    pub redemption: Option<Redemption>,
    pub reward: Option<Reward>,
    pub idempotency: Option<IdempotencyRecord>,
}

impl Store {
    pub async fn snapshot(
        &self,
        request: SnapshotRequest<'_>,
        now: OffsetDateTime,
    ) -> Result<Snapshot, StoreError> {
        let mut wanted: Vec<Item> = Vec::with_capacity(4);
        if let Some(member) = request.member {
            wanted.push(key(keys::member_pk(member.as_str()), keys::PROFILE));
            let pk = || keys::member_pk(member.as_str());
            if let Some(purchase) = request.purchase {
                wanted.push(key(pk(), &keys::purchase_sk(purchase.as_str())));
            }
            if let Some(redemption) = request.redemption {
                wanted.push(key(pk(), &keys::redemption_sk(redemption.as_str())));
            }
        }
        if let Some(reward) = request.reward {
            wanted.push(key(
                keys::CATALOGUE_PK.to_string(),
                &keys::reward_sk(reward.as_str()),
            ));
        }
        if request.program {
            wanted.push(key(keys::PROGRAM_PK.to_string(), keys::PROGRAM_SK));
        }
        if let Some(scope) = request.idempotency {
            wanted.push(key(
                keys::idempotency_pk(scope.as_str()),
                keys::IDEMPOTENCY_SK,
            ));
        }
        let mut snapshot = Snapshot::default();
        for item in self.batch_get(wanted).await? {
            snapshot.absorb(item, now)?;
        }
        Ok(snapshot)
    }

    async fn batch_get(&self, keys: Vec<Item>) -> Result<Vec<Item>, StoreError> {
        let mut found = Vec::with_capacity(keys.len());
        let mut pending = keys;
        for round in 0..BATCH_ROUNDS {
            if pending.is_empty() {
                return Ok(found);
            }
            if round > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(10 << round)).await;
            }
            let request = KeysAndAttributes::builder()
                .set_keys(Some(std::mem::take(&mut pending)))
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
            if let Some(mut responses) = output.responses {
                found.extend(responses.remove(&self.table).unwrap_or_default());
            }
            if let Some(mut unprocessed) = output.unprocessed_keys {
                pending = unprocessed
                    .remove(&self.table)
                    .map(|k| k.keys)
                    .unwrap_or_default();
            }
        }
        if pending.is_empty() {
            Ok(found)
        } else {
            Err(StoreError::Throttled)
        }
    }
}

impl Snapshot {
    fn absorb(&mut self, item: Item, now: OffsetDateTime) -> Result<(), StoreError> {
        let entity = item
            .get("entity")
            .and_then(|v| v.as_s().ok())
            .cloned()
            .unwrap_or_default();
        match entity.as_str() {
            "member" => {
                let stored: MemberItem = from_item(item)?;
                self.member = Some(Member::try_from(stored).map_err(StoreError::corrupt)?);
            }
            "program" => self.program = Some(from_item::<ProgramItem>(item)?.program),
            "purchase" => {
                let stored: PurchaseItem = from_item(item)?;
                self.purchase = Some(Purchase::try_from(stored).map_err(StoreError::corrupt)?);
            }
            "reward" => self.reward = Some(from_item::<RewardItem>(item)?.reward),
            "redemption" => self.redemption = Some(from_item::<RedemptionItem>(item)?.into()),
            "idempotency" => {
                let stored: IdempotencyItem = from_item(item)?;
                // DynamoDB deletes expired items lazily; an expired key is as good as gone.
                if stored.expires_at > now.unix_timestamp() {
                    self.idempotency = Some(stored.into_record());
                }
            }
            other => return Err(StoreError::corrupt(format!("unexpected entity {other:?}"))),
        }
        Ok(())
    }
}
