//! The operator's reconciliation reads every member's balance (pending points included: the
//! programme owes them too), walking the members index
//! (`GSI2`, keys only, one partition per member shard) a page at a time: no Scan, and a cost
//! that follows the members walked. It only reads.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, Get, TransactGetItem};
use serde::Deserialize;

use super::items::{PendingItem, pending};
use super::{Item, Store, StoreError, from_item, key, keys};
use crate::domain::identifier::MemberId;
use crate::domain::points::Points;

/// TransactGetItems reads at most this many items a call.
const READ_BATCH: usize = 100;

/// One page of a member shard: each member's balance with its pending points, and the member to continue after when
/// the shard holds more.
#[derive(Debug)]
pub struct BalancePage {
    pub balances: Vec<(MemberId, Points)>,
    pub next_after: Option<MemberId>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BalanceItem {
    member_id: MemberId,
    balance: Points,
    #[serde(default)]
    pending: Vec<PendingItem>,
}

impl Store {
    /// Up to `limit` members of shard `shard`, after `after`, with their balances read
    /// consistently.
    pub async fn member_balances(
        &self,
        shard: u32,
        after: Option<&MemberId>,
        limit: u16,
    ) -> Result<BalancePage, StoreError> {
        let partition = keys::members_partition(shard);
        let start = after.map(|member| {
            let mut start = key(keys::member_pk(member.as_str()), keys::PROFILE);
            start.insert(keys::GSI2PK.into(), AttributeValue::S(partition.clone()));
            start.insert(keys::GSI2SK.into(), AttributeValue::S(member.to_string()));
            start
        });
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(keys::MEMBERS_INDEX)
            .key_condition_expression("GSI2PK = :pk")
            .expression_attribute_values(":pk", AttributeValue::S(partition))
            .set_exclusive_start_key(start)
            .limit(i32::from(limit))
            .send()
            .await
            .map_err(StoreError::from_sdk)?;
        let ids: Vec<String> = output
            .items
            .unwrap_or_default()
            .into_iter()
            .filter_map(|item| match item.get(keys::GSI2SK) {
                Some(AttributeValue::S(id)) => Some(id.clone()),
                _ => None,
            })
            .collect();
        let mut balances = Vec::with_capacity(ids.len());
        for batch in ids.chunks(READ_BATCH) {
            balances.extend(self.balances(batch).await?);
        }
        let next_after = match output.last_evaluated_key {
            Some(_) => balances.last().map(|(id, _)| id.clone()),
            None => None,
        };
        Ok(BalancePage {
            balances,
            next_after,
        })
    }

    async fn balances(&self, ids: &[String]) -> Result<Vec<(MemberId, Points)>, StoreError> {
        let mut gets = Vec::with_capacity(ids.len());
        for id in ids {
            let get = Get::builder()
                .table_name(&self.table)
                .set_key(Some(key(keys::member_pk(id), keys::PROFILE)))
                .projection_expression("memberId, balance, pending")
                .build()
                .map_err(|_| StoreError::Internal)?;
            gets.push(TransactGetItem::builder().get(get).build());
        }
        let output = self
            .client
            .transact_get_items()
            .set_transact_items(Some(gets))
            .send()
            .await
            .map_err(StoreError::from_sdk)?;
        let mut balances = Vec::with_capacity(ids.len());
        for response in output.responses.unwrap_or_default() {
            let item: Option<Item> = response.item.filter(|i: &HashMap<_, _>| !i.is_empty());
            if let Some(item) = item {
                let read: BalanceItem = from_item(item)?;
                let held = pending(read.pending)
                    .map_err(StoreError::corrupt)?
                    .total()
                    .and_then(|pending| read.balance.checked_add(pending))
                    .ok_or_else(|| StoreError::corrupt("the points held overflow"))?;
                balances.push((read.member_id, held));
            }
        }
        Ok(balances)
    }
}
