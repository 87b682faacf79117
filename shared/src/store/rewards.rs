//! The catalogue, vouchers, and a member's redemptions.

use aws_sdk_dynamodb::types::AttributeValue;
use time::OffsetDateTime;

use super::items::{RedemptionItem, RewardItem};
use super::{Store, StoreError, from_item, key, keys, to_item};
use crate::domain::identifier::{MemberId, RedemptionId};
use crate::domain::redemption::Redemption;
use crate::domain::reward::Reward;
use crate::domain::voucher_code::VoucherCode;

/// The catalogue is read whole; this bounds the pages read for it.
const MAX_CATALOGUE_PAGES: usize = 20;

#[derive(Debug)]
pub struct RedemptionPage {
    pub redemptions: Vec<Redemption>,
    /// The redemption to continue after, when older ones remain.
    pub next_after: Option<RedemptionId>,
}

impl Store {
    /// Creates or replaces a reward. Replacing sets its stock to what the operator says.
    pub async fn put_reward(
        &self,
        reward: &Reward,
        now: OffsetDateTime,
        actor: &str,
    ) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item(&RewardItem::new(reward, now, actor))?))
            .send()
            .await
            .map_err(StoreError::from_sdk)?;
        Ok(())
    }

    /// Every reward, in id order: one Query (a page per MB of catalogue).
    pub async fn rewards(&self) -> Result<Vec<Reward>, StoreError> {
        let mut rewards = Vec::new();
        let mut start = None;
        for _ in 0..MAX_CATALOGUE_PAGES {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
                .expression_attribute_values(":pk", AttributeValue::S(keys::CATALOGUE_PK.into()))
                .expression_attribute_values(
                    ":prefix",
                    AttributeValue::S(keys::REWARD_PREFIX.into()),
                )
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(StoreError::from_sdk)?;
            for item in output.items.unwrap_or_default() {
                rewards.push(from_item::<RewardItem>(item)?.reward);
            }
            start = output.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
        Ok(rewards)
    }

    /// The redemption behind a voucher code, as the till sees it.
    pub async fn voucher(&self, code: &VoucherCode) -> Result<Option<Redemption>, StoreError> {
        let key = key(keys::voucher_pk(code.as_str()), keys::VOUCHER_SK);
        Ok(self.get::<RedemptionItem>(key).await?.map(Redemption::from))
    }

    /// A page of the member's redemptions, newest first, after `after` when given.
    pub async fn redemptions(
        &self,
        member: &MemberId,
        limit: u16,
        after: Option<&RedemptionId>,
    ) -> Result<RedemptionPage, StoreError> {
        let pk = keys::member_pk(member.as_str());
        let start = after.map(|id| key(pk.clone(), &keys::redemption_sk(id.as_str())));
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
            .expression_attribute_values(":pk", AttributeValue::S(pk))
            .expression_attribute_values(
                ":prefix",
                AttributeValue::S(keys::REDEMPTION_PREFIX.into()),
            )
            .scan_index_forward(false)
            .set_exclusive_start_key(start)
            .limit(i32::from(limit) + 1)
            .send()
            .await
            .map_err(StoreError::from_sdk)?;
        let mut redemptions = output
            .items
            .unwrap_or_default()
            .into_iter()
            .map(|item| from_item::<RedemptionItem>(item).map(Redemption::from))
            .collect::<Result<Vec<_>, _>>()?;
        let more = redemptions.len() > usize::from(limit);
        redemptions.truncate(usize::from(limit));
        let next_after = if more {
            redemptions.last().map(|r| r.redemption_id.clone())
        } else {
            None
        };
        Ok(RedemptionPage {
            redemptions,
            next_after,
        })
    }
}
