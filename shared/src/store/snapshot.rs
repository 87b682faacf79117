//! Everything a write needs to decide, read in one consistent TransactGetItems, and the one
//! answer for each thing a decision needs that is not there.

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_get_items::TransactGetItemsError;
use aws_sdk_dynamodb::types::{Get, TransactGetItem};
use time::OffsetDateTime;

use super::items::{
    IdempotencyItem, MemberItem, PartnerItem, PurchaseItem, RedemptionItem, RewardItem,
};
use super::referrals::{self, ReferralAwardItem, ReferralStatsItem};
use super::{Item, Store, StoreError, from_item, key, keys};
use std::sync::Arc;

use crate::domain::identifier::{MemberId, PartnerId, RedemptionId, RewardId};
use crate::domain::member::Member;
use crate::domain::operation::StampVouchers;
use crate::domain::partner::Partner;
use crate::domain::program::Program;
use crate::domain::purchase::{Purchase, PurchaseRef};
use crate::domain::redemption::Redemption;
use crate::domain::referral::{ReferralAward, ReferralStats};
use crate::domain::reward::Reward;
use crate::domain::stamps::Completion;
use crate::domain::targeted_offer::OfferSet;
use crate::domain::voucher_code::VoucherCode;
use crate::idempotency::{IdempotencyRecord, IdempotencyScope};

/// What a decision reads. The store reads the member's own items, a reward, a partner, a
/// voucher and the idempotency record in one TransactGetItems; `program` comes from the
/// context's shared items (`Context::snapshot`). A reward is read fresh, not from the shared
/// catalogue: its stock and terms decide a redemption, and a stale copy could oversell.
#[derive(Debug, Default, Clone, Copy)]
pub struct SnapshotRequest<'a> {
    pub member: Option<&'a MemberId>,
    pub program: bool,
    pub purchase: Option<&'a PurchaseRef>,
    pub redemption: Option<&'a RedemptionId>,
    /// With `redemption`: also the reward it took stock of, when it took stock.
    pub redemption_reward: bool,
    pub reward: Option<&'a RewardId>,
    /// With `program`: the rewards catalogue too (from the shared items, like the
    /// programme), when the programme's stamp cards can issue vouchers.
    pub catalogue: bool,
    /// With `purchase`: the vouchers its stamps gave and their rewards, for a reversal.
    pub stamp_vouchers: bool,
    pub partner: Option<&'a PartnerId>,
    pub voucher: Option<&'a VoucherCode>,
    pub idempotency: Option<&'a IdempotencyScope>,
    /// With `member` (a referrer): its award for this referred member, and its figures.
    pub referred: Option<&'a MemberId>,
    /// The targeted offers (from the shared items, like the programme).
    pub offers: bool,
}

impl<'a> SnapshotRequest<'a> {
    /// A member and the programme: what every balance change needs.
    pub fn member(member: &'a MemberId) -> Self {
        Self {
            member: Some(member),
            program: true,
            ..Default::default()
        }
    }

    pub fn partner(partner: &'a PartnerId) -> Self {
        Self {
            partner: Some(partner),
            ..Default::default()
        }
    }

    pub fn voucher(code: &'a VoucherCode) -> Self {
        Self {
            voucher: Some(code),
            ..Default::default()
        }
    }
}

#[derive(Debug, Default)]
pub struct Snapshot {
    pub member: Option<Member>,
    pub program: Option<Program>,
    pub purchase: Option<Purchase>,
    pub redemption: Option<Redemption>,
    pub reward: Option<Reward>,
    pub catalogue: Arc<Vec<Reward>>,
    pub offers: OfferSet,
    pub stamp_vouchers: StampVouchers,
    pub partner: Option<Partner>,
    pub voucher: Option<Redemption>,
    pub idempotency: Option<IdempotencyRecord>,
    pub referral_award: Option<ReferralAward>,
    /// All zero when the member has none (or they were not asked for).
    pub referral_stats: ReferralStats,
    /// With `referred`: whether the referred member's link is still there (an erasure takes
    /// it, and then nothing is to be awarded for that member any more).
    pub referee_linked: bool,
}

/// Something a decision needs that the table does not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Missing {
    #[error("no member with this id; enrol first")]
    Member,
    #[error("no programme has been configured")]
    Program,
    #[error("no purchase with this transactionId for this member")]
    Purchase,
    #[error("no redemption with this id")]
    Redemption,
    #[error("no reward with this id")]
    Reward,
    #[error("no partner with this id")]
    Partner,
    #[error("no voucher with this code")]
    Voucher,
}

impl Snapshot {
    /// What every balance change needs: the programme (503 until one is configured, for
    /// any member), then the member.
    pub fn member_and_program(&mut self) -> Result<(Member, Program), Missing> {
        let program = self.program()?;
        Ok((self.member()?, program))
    }

    pub fn member(&mut self) -> Result<Member, Missing> {
        self.member.take().ok_or(Missing::Member)
    }
    pub fn program(&mut self) -> Result<Program, Missing> {
        self.program.take().ok_or(Missing::Program)
    }
    pub fn purchase(&mut self) -> Result<Purchase, Missing> {
        self.purchase.take().ok_or(Missing::Purchase)
    }
    pub fn redemption(&mut self) -> Result<Redemption, Missing> {
        self.redemption.take().ok_or(Missing::Redemption)
    }
    pub fn reward(&mut self) -> Result<Reward, Missing> {
        self.reward.take().ok_or(Missing::Reward)
    }
    pub fn partner(&mut self) -> Result<Partner, Missing> {
        self.partner.take().ok_or(Missing::Partner)
    }
    pub fn voucher(&mut self) -> Result<Redemption, Missing> {
        self.voucher.take().ok_or(Missing::Voucher)
    }
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
                wanted.push(key(pk(), &keys::purchase_sk(purchase)));
            }
            if let Some(redemption) = request.redemption {
                wanted.push(key(pk(), &keys::redemption_sk(redemption.as_str())));
            }
            if let Some(referee) = request.referred {
                wanted.push(key(pk(), &keys::referred_sk(referee.as_str())));
                wanted.push(key(pk(), keys::REFERRALS_SK));
                wanted.push(key(keys::member_pk(referee.as_str()), keys::REFERRAL_SK));
            }
        }
        if let Some(reward) = request.reward {
            wanted.push(key(
                keys::CATALOGUE_PK.to_string(),
                &keys::reward_sk(reward.as_str()),
            ));
        }
        if let Some(partner) = request.partner {
            wanted.push(key(keys::partner_pk(partner.as_str()), keys::PROFILE));
        }
        if let Some(code) = request.voucher {
            wanted.push(key(keys::voucher_pk(code.as_str()), keys::VOUCHER_SK));
        }
        if let Some(scope) = request.idempotency {
            wanted.push(key(
                keys::idempotency_pk(scope.as_str()),
                keys::IDEMPOTENCY_SK,
            ));
        }
        let mut snapshot = Snapshot::default();
        for item in self.transact_get(wanted).await? {
            snapshot.absorb(item, now)?;
        }
        // A redemption names its reward, so the reward cannot be in the same read. It is
        // needed only to put stock back; the write's condition on the reward's stock guards
        // against it changing in between.
        if request.redemption_reward
            && let Some(redemption) = snapshot.redemption.as_ref().filter(|r| r.stock_taken)
        {
            let reward_key = key(
                keys::CATALOGUE_PK.to_string(),
                &keys::reward_sk(redemption.reward_id.as_str()),
            );
            snapshot.reward = self
                .get::<RewardItem>(reward_key)
                .await?
                .map(|item| item.reward);
        }
        if request.stamp_vouchers
            && let (Some(member), Some(purchase)) = (request.member, snapshot.purchase.as_ref())
        {
            // Boxed: a rare second read need not make every snapshot's future larger.
            snapshot.stamp_vouchers = Box::pin(self.stamp_vouchers(member, purchase)).await?;
        }
        Ok(snapshot)
    }

    /// The vouchers a purchase's stamps gave, and their rewards, in one more
    /// TransactGetItems (a purchase names them, so they cannot be in the first); none read
    /// when it gave none. The write's conditions guard them from changing in between.
    async fn stamp_vouchers(
        &self,
        member: &MemberId,
        purchase: &Purchase,
    ) -> Result<StampVouchers, StoreError> {
        let mut wanted: Vec<Item> = Vec::new();
        for stamp in &purchase.stamps {
            if let Some(Completion::Voucher {
                redemption_id,
                reward_id,
            }) = &stamp.completed
            {
                wanted.push(key(
                    keys::member_pk(member.as_str()),
                    &keys::redemption_sk(redemption_id.as_str()),
                ));
                let reward = key(
                    keys::CATALOGUE_PK.to_string(),
                    &keys::reward_sk(reward_id.as_str()),
                );
                if !wanted.contains(&reward) {
                    wanted.push(reward);
                }
            }
        }
        let mut vouchers = StampVouchers::default();
        for item in self.transact_get(wanted).await? {
            match item
                .get("entity")
                .and_then(|v| v.as_s().ok())
                .map(String::as_str)
            {
                Some("redemption") => vouchers
                    .redemptions
                    .push(from_item::<RedemptionItem>(item)?.into()),
                Some("reward") => vouchers.rewards.push(from_item::<RewardItem>(item)?.reward),
                other => {
                    return Err(StoreError::corrupt(format!("unexpected entity {other:?}")));
                }
            }
        }
        Ok(vouchers)
    }

    /// One TransactGetItems: serialisable with the transactions that write these items, so
    /// a decision never sees half of another write (a purchase without its idempotency
    /// record, a member without its ledger entry). BatchGetItem would be cheaper but gives
    /// no such guarantee across items.
    async fn transact_get(&self, keys: Vec<Item>) -> Result<Vec<Item>, StoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let gets = keys
            .into_iter()
            .map(|key| {
                let get = Get::builder()
                    .table_name(&self.table)
                    .set_key(Some(key))
                    .build();
                get.map(|get| TransactGetItem::builder().get(get).build())
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| StoreError::Internal)?;
        let output = self
            .client
            .transact_get_items()
            .set_transact_items(Some(gets))
            .send()
            .await;
        match output {
            Ok(output) => Ok(output
                .responses
                .unwrap_or_default()
                .into_iter()
                .filter_map(|r| r.item)
                .collect()),
            // A transaction on these items is committing right now: read again shortly. An
            // InternalServerError left after the SDK's own retries is read again too: DynamoDB
            // documents it as transient, and DynamoDB Local answers with it a read that waited
            // too long for the lock of a committing transaction.
            Err(SdkError::ServiceError(service))
                if matches!(
                    service.err(),
                    TransactGetItemsError::TransactionCanceledException(_)
                        | TransactGetItemsError::InternalServerError(_)
                ) =>
            {
                Err(StoreError::Busy)
            }
            Err(error) => Err(StoreError::from_sdk(error)),
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
            "purchase" => {
                let stored: PurchaseItem = from_item(item)?;
                self.purchase = Some(Purchase::try_from(stored).map_err(StoreError::corrupt)?);
            }
            "reward" => self.reward = Some(from_item::<RewardItem>(item)?.reward),
            "redemption" => self.redemption = Some(from_item::<RedemptionItem>(item)?.into()),
            "voucher" => self.voucher = Some(from_item::<RedemptionItem>(item)?.into()),
            "partner" => self.partner = Some(from_item::<PartnerItem>(item)?.into()),
            referrals::AWARD_ENTITY => {
                self.referral_award = Some(from_item::<ReferralAwardItem>(item)?.award);
            }
            referrals::LINK_ENTITY => self.referee_linked = true,
            referrals::STATS_ENTITY => {
                self.referral_stats = from_item::<ReferralStatsItem>(item)?.stats;
            }
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
