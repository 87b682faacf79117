//! Referral items: the code that finds its member, the link a qualifying purchase writes
//! under the referred member, the referrer's award per referred member, and the referrer's
//! figures (updated with ADD, so enrolments never contend with the referrer's own writes).

use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};

use super::{Store, StoreError, key, keys, to_item};
use crate::domain::identifier::MemberId;
use crate::domain::member::Member;
use crate::domain::referral::{ReferralAward, ReferralLink, ReferralStats};
use crate::domain::referral_code::ReferralCode;

pub(super) const CODE_ENTITY: &str = "referral_code";
pub(super) const LINK_ENTITY: &str = "referral_link";
pub(super) const AWARD_ENTITY: &str = "referral_award";
pub(super) const STATS_ENTITY: &str = "referral_stats";

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReferralCodeItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub entity: String,
    pub member_id: MemberId,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReferralLinkItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub entity: String,
    #[serde(flatten)]
    pub link: ReferralLink,
}

impl From<&ReferralLink> for ReferralLinkItem {
    fn from(link: &ReferralLink) -> Self {
        Self {
            pk: keys::member_pk(link.referee.as_str()),
            sk: keys::REFERRAL_SK.to_string(),
            entity: LINK_ENTITY.to_string(),
            link: link.clone(),
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReferralAwardItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub entity: String,
    #[serde(flatten)]
    pub award: ReferralAward,
}

impl From<&ReferralAward> for ReferralAwardItem {
    fn from(award: &ReferralAward) -> Self {
        Self {
            pk: keys::member_pk(award.referrer.as_str()),
            sk: keys::referred_sk(award.referee.as_str()),
            entity: AWARD_ENTITY.to_string(),
            award: award.clone(),
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReferralStatsItem {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub entity: String,
    #[serde(flatten)]
    pub stats: ReferralStats,
}

fn stats_key(member: &MemberId) -> super::Item {
    key(keys::member_pk(member.as_str()), keys::REFERRALS_SK)
}

impl Store {
    /// The member whose referral code this is.
    pub async fn referrer(&self, code: &ReferralCode) -> Result<Option<MemberId>, StoreError> {
        let key = key(
            keys::referral_code_pk(code.as_str()),
            keys::REFERRAL_CODE_SK,
        );
        Ok(self
            .get::<ReferralCodeItem>(key)
            .await?
            .map(|item| item.member_id))
    }

    /// A referrer's figures (all zero before its first referral).
    pub async fn referral_stats(&self, member: &MemberId) -> Result<ReferralStats, StoreError> {
        Ok(self
            .get::<ReferralStatsItem>(stats_key(member))
            .await?
            .map(|item| item.stats)
            .unwrap_or_default())
    }

    /// What an enrolment writes besides the member: its code, unless another member has it
    /// (the enrolment then draws another), and one more referred member in its referrer's
    /// figures.
    pub(super) fn enrolment_referral_items(
        &self,
        member: &Member,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let mut items = Vec::new();
        if let Some(code) = member.referral_code() {
            let item = ReferralCodeItem {
                pk: keys::referral_code_pk(code.as_str()),
                sk: keys::REFERRAL_CODE_SK.to_string(),
                entity: CODE_ENTITY.to_string(),
                member_id: member.id().clone(),
            };
            let put = Put::builder()
                .table_name(&self.table)
                .set_item(Some(to_item(&item)?))
                .condition_expression("attribute_not_exists(PK)")
                .build()
                .map_err(|_| StoreError::Internal)?;
            items.push(TransactWriteItem::builder().put(put).build());
        }
        if let Some(referral) = member.referral() {
            items.push(self.stats_update(&referral.referrer, 1, 0, 0)?);
        }
        Ok(items)
    }

    /// Adds to a referrer's figures, creating them at the first.
    pub(super) fn stats_update(
        &self,
        referrer: &MemberId,
        referred: i64,
        rewarded: i64,
        points: i64,
    ) -> Result<TransactWriteItem, StoreError> {
        let number = |n: i64| AttributeValue::N(n.to_string());
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(stats_key(referrer)))
            .update_expression(
                "SET entity = :entity ADD referred :referred, rewarded :rewarded, pointsEarned :points",
            )
            .expression_attribute_values(":entity", AttributeValue::S(STATS_ENTITY.to_string()))
            .expression_attribute_values(":referred", number(referred))
            .expression_attribute_values(":rewarded", number(rewarded))
            .expression_attribute_values(":points", number(points))
            .build()
            .map_err(|_| StoreError::Internal)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }
}
