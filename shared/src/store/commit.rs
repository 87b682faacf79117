//! The one write behind every change: the member (guarded by its revision), the ledger
//! entries, the records the change touches (purchase, redemption and voucher, reward stock,
//! partner, events) and the idempotency record, in one TransactWriteItems. All of it lands
//! or none of it does.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
    Update,
};
use time::OffsetDateTime;

use super::items::{
    ActionItem, EventItem, IdempotencyItem, LedgerItem, MemberItem, PartnerIssueItem, PartnerItem,
    PurchaseItem, RedemptionItem,
};
use super::referrals::{ReferralAwardItem, ReferralLinkItem};
use super::{Item, Store, StoreError, from_item, key, keys, to_item};
use crate::domain::identifier::OfferId;
use crate::domain::metrics::Movement;
use crate::domain::operation::{Change, Record};
use crate::domain::redemption::Redemption;
use crate::domain::targeted_offer::ShardPoints;
use crate::idempotency::IdempotencyRecord;

#[derive(Debug, thiserror::Error)]
pub enum CommitError {
    /// The idempotency key was used first by a write that has committed: its response.
    #[error("idempotency key already used")]
    Replay(IdempotencyRecord),
    /// Another transaction on the same items is in flight, or something the decision read
    /// has changed since: read again and decide again. `key_in_flight` when the contended
    /// item was the idempotency record, i.e. the same request is being processed now.
    #[error("contention on the items of the write")]
    Contention { key_in_flight: bool },
    /// The purchase or action was already credited (its idempotency record has expired).
    #[error("purchase or action already recorded")]
    AlreadyRecorded,
    /// These budget shards could not cover their draws: decide again without them.
    #[error("offer budget exhausted")]
    BudgetExhausted(Vec<(OfferId, u8)>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Role {
    Other,
    /// A record written once ever (a purchase, an action): its key is the request's own.
    Once,
    Idempotency,
    /// A draw from an offer's budget shard.
    Budget(OfferId, u8),
}

/// Items of one transaction, with the role of each for reading cancellation reasons.
#[derive(Default)]
struct Transaction {
    items: Vec<TransactWriteItem>,
    roles: Vec<Role>,
}

type Values<'a> = &'a [(&'a str, AttributeValue)];

/// The condition on a record written once ever, and on an idempotency record. The deliberately
/// broken build (feature `broken-idempotency`, for the correctness checker's own test) lets
/// duplicates through.
const ONCE: &str = if cfg!(feature = "broken-idempotency") {
    "attribute_exists(PK) OR attribute_not_exists(PK)"
} else {
    "attribute_not_exists(PK)"
};
const FRESH_KEY: &str = if cfg!(feature = "broken-idempotency") {
    "attribute_exists(PK) OR attribute_not_exists(PK) OR expiresAt < :now"
} else {
    "attribute_not_exists(PK) OR expiresAt < :now"
};

impl Store {
    /// Writes `change` in one TransactWriteItems: the member if it is still at the revision
    /// it was read at (written with the next), its ledger entries if new, each record
    /// guarded by what the decision read, what it adds to the programme's figures
    /// (`movement`), and the idempotency record when there is one.
    pub async fn commit(
        &self,
        change: &Change,
        movement: &Movement,
        idempotency: Option<&IdempotencyRecord>,
        now: OffsetDateTime,
    ) -> Result<(), CommitError> {
        let mut tx = Transaction::default();
        match &change.member {
            Some(member) => {
                let expected = [(":expected", number(member.revision()))];
                let mut item = MemberItem::from(member.as_ref());
                item.revision = member.revision() + 1;
                tx.put(
                    self,
                    to_item(&item)?,
                    "revision = :expected",
                    &expected,
                    Role::Other,
                )?;
                for entry in &change.entries {
                    let item = to_item(&LedgerItem::new(member.id(), entry))?;
                    tx.put(self, item, "attribute_not_exists(PK)", &[], Role::Other)?;
                }
            }
            // Entries explain a member's change; without the member they would be orphans.
            None if !change.entries.is_empty() => return Err(StoreError::Internal.into()),
            None => {}
        }
        for record in &change.records {
            tx.record(self, record)?;
        }
        for update in self.metrics_updates(movement)? {
            tx.push(update, Role::Other);
        }
        if let Some(record) = idempotency {
            tx.idempotency(self, record, now)?;
        }
        self.transact(tx).await
    }

    async fn transact(&self, tx: Transaction) -> Result<(), CommitError> {
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(tx.items))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(error) => Err(classify(error, &tx.roles)),
        }
    }
}

impl Transaction {
    fn record(&mut self, store: &Store, record: &Record) -> Result<(), StoreError> {
        let issued = [(":issued", AttributeValue::S("issued".into()))];
        match record {
            Record::NewPurchase(purchase) => {
                let item = to_item(&PurchaseItem::from(purchase))?;
                self.put(store, item, ONCE, &[], Role::Once)
            }
            Record::NewAction(action) => {
                let item = to_item(&ActionItem::from(action))?;
                self.put(store, item, ONCE, &[], Role::Once)
            }
            Record::Purchase(purchase) => {
                let item = to_item(&PurchaseItem::from(purchase))?;
                self.put(store, item, "attribute_exists(PK)", &[], Role::Other)
            }
            // The voucher's key is its code: a (vanishingly rare) duplicate code fails here
            // and the decision is made again with a new one.
            Record::NewRedemption(redemption) => {
                self.put_redemption(store, redemption, "attribute_not_exists(PK)", &[])
            }
            Record::CloseRedemption(redemption) => {
                self.put_redemption(store, redemption, "#status = :issued", &issued)
            }
            Record::TakeReward(reward) => {
                let values = [
                    (":true", AttributeValue::Bool(true)),
                    (":cost", number(reward.cost.value())),
                    (":one", number(1)),
                ];
                let key = key(
                    keys::CATALOGUE_PK.to_string(),
                    &keys::reward_sk(reward.reward_id.as_str()),
                );
                let unchanged = "active = :true AND cost = :cost";
                if reward.stock.is_some() {
                    let update = Update::builder()
                        .table_name(&store.table)
                        .set_key(Some(key))
                        .update_expression("SET stock = stock - :one")
                        .condition_expression(format!("{unchanged} AND stock >= :one"))
                        .set_expression_attribute_values(Some(values_map(&values)))
                        .build()
                        .map_err(|_| StoreError::Internal)?;
                    self.push(
                        TransactWriteItem::builder().update(update).build(),
                        Role::Other,
                    );
                } else {
                    let check = ConditionCheck::builder()
                        .table_name(&store.table)
                        .set_key(Some(key))
                        .condition_expression(format!(
                            "{unchanged} AND attribute_not_exists(stock)"
                        ))
                        .set_expression_attribute_values(Some(values_map(&values[..2])))
                        .build()
                        .map_err(|_| StoreError::Internal)?;
                    self.push(
                        TransactWriteItem::builder().condition_check(check).build(),
                        Role::Other,
                    );
                }
                Ok(())
            }
            Record::NewPartner(partner) => {
                let mut item = PartnerItem::from(partner);
                item.revision = partner.revision + 1;
                self.put(
                    store,
                    to_item(&item)?,
                    "attribute_not_exists(PK)",
                    &[],
                    Role::Other,
                )
            }
            Record::Partner(partner) => {
                let expected = [(":expected", number(partner.revision))];
                let mut item = PartnerItem::from(partner);
                item.revision = partner.revision + 1;
                self.put(
                    store,
                    to_item(&item)?,
                    "revision = :expected",
                    &expected,
                    Role::Other,
                )
            }
            Record::Event(event) => {
                let item = to_item(&EventItem::from(event))?;
                self.put(store, item, "attribute_not_exists(PK)", &[], Role::Other)
            }
            Record::PartnerIssued(issue) => {
                let item = to_item(&PartnerIssueItem::from(issue))?;
                self.put(store, item, "attribute_not_exists(PK)", &[], Role::Other)
            }
            Record::ReferralLink(link) => {
                // A withdrawal replaces the link its purchase wrote.
                let condition = if link.withdrawn {
                    "attribute_exists(PK)"
                } else {
                    "attribute_not_exists(PK)"
                };
                let item = to_item(&ReferralLinkItem::from(link))?;
                self.put(store, item, condition, &[], Role::Other)
            }
            Record::ReferralAward {
                award,
                new,
                rewarded,
                points,
            } => {
                // Created once per referred member: a redelivered stream record that got
                // past the read fails here and is decided again.
                let condition = if *new {
                    "attribute_not_exists(PK)"
                } else {
                    "attribute_exists(PK)"
                };
                let item = to_item(&ReferralAwardItem::from(award))?;
                self.put(store, item, condition, &[], Role::Other)?;
                if *new {
                    // Only while the referred member's link is there: an erasure that took
                    // it since the read must not see the member's id written again.
                    let check = ConditionCheck::builder()
                        .table_name(&store.table)
                        .set_key(Some(key(
                            keys::member_pk(award.referee.as_str()),
                            keys::REFERRAL_SK,
                        )))
                        .condition_expression("attribute_exists(PK)")
                        .build()
                        .map_err(|_| StoreError::Internal)?;
                    self.push(
                        TransactWriteItem::builder().condition_check(check).build(),
                        Role::Other,
                    );
                }
                if *rewarded != 0 || *points != 0 {
                    let update = store.stats_update(&award.referrer, 0, *rewarded, *points)?;
                    self.push(update, Role::Other);
                }
                Ok(())
            }
            Record::DrawBudget { draw, limited } => {
                let points = [
                    (":points", number(draw.points.value())),
                    (":limited", AttributeValue::Bool(*limited)),
                ];
                let update = if *limited {
                    // Only while the shard still holds the points: never past the budget.
                    Update::builder()
                        .update_expression("SET used = used + :points, #left = #left - :points")
                        .condition_expression("#limited = :limited AND #left >= :points")
                        .expression_attribute_names("#left", "left")
                        .expression_attribute_names("#limited", "limited")
                } else {
                    // Without a budget the shard only counts. If the offer was given one
                    // since this environment read it, the draw is decided again under it.
                    Update::builder()
                        .update_expression("ADD used :points")
                        .condition_expression("#limited = :limited")
                        .expression_attribute_names("#limited", "limited")
                };
                let update = update
                    .table_name(&store.table)
                    .set_key(Some(shard_key(draw)))
                    .set_expression_attribute_values(Some(values_map(&points)))
                    .build()
                    .map_err(|_| StoreError::Internal)?;
                self.push(
                    TransactWriteItem::builder().update(update).build(),
                    Role::Budget(draw.offer_id.clone(), draw.shard),
                );
                Ok(())
            }
            // Unconditional: the points go back where they were counted. `left` moves too;
            // on the shard of an offer without a budget it means nothing (the draws there
            // check `limited`), and a PUT that gives the offer a budget sets it afresh.
            Record::ReturnBudget(returned) => {
                let values = [
                    (":points", number(returned.points.value())),
                    (":minus", number(-returned.points.value())),
                ];
                let update = Update::builder()
                    .table_name(&store.table)
                    .set_key(Some(shard_key(returned)))
                    .update_expression("ADD used :minus, #left :points")
                    .expression_attribute_names("#left", "left")
                    .set_expression_attribute_values(Some(values_map(&values)))
                    .build()
                    .map_err(|_| StoreError::Internal)?;
                self.push(
                    TransactWriteItem::builder().update(update).build(),
                    Role::Other,
                );
                Ok(())
            }
            Record::ReturnReward(reward_id) => {
                let update = Update::builder()
                    .table_name(&store.table)
                    .set_key(Some(key(
                        keys::CATALOGUE_PK.to_string(),
                        &keys::reward_sk(reward_id.as_str()),
                    )))
                    .update_expression("SET stock = stock + :one")
                    .condition_expression("attribute_exists(stock)")
                    .set_expression_attribute_values(Some(values_map(&[(":one", number(1))])))
                    .build()
                    .map_err(|_| StoreError::Internal)?;
                self.push(
                    TransactWriteItem::builder().update(update).build(),
                    Role::Other,
                );
                Ok(())
            }
        }
    }

    fn put(
        &mut self,
        store: &Store,
        item: Item,
        condition: &str,
        values: Values,
        role: Role,
    ) -> Result<(), StoreError> {
        let mut put = Put::builder()
            .table_name(&store.table)
            .set_item(Some(item))
            .condition_expression(condition);
        if !values.is_empty() {
            put = put.set_expression_attribute_values(Some(values_map(values)));
        }
        if condition.contains("#status") {
            put = put.expression_attribute_names("#status", "status");
        }
        if role == Role::Idempotency {
            put = put.return_values_on_condition_check_failure(
                ReturnValuesOnConditionCheckFailure::AllOld,
            );
        }
        let put = put.build().map_err(|_| StoreError::Internal)?;
        self.push(TransactWriteItem::builder().put(put).build(), role);
        Ok(())
    }

    fn idempotency(
        &mut self,
        store: &Store,
        record: &IdempotencyRecord,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let now = [(":now", number(now.unix_timestamp()))];
        self.put(
            store,
            to_item(&IdempotencyItem::from(record))?,
            FRESH_KEY,
            &now,
            Role::Idempotency,
        )
    }

    /// Both copies of a redemption (under its member and under its voucher code).
    fn put_redemption(
        &mut self,
        store: &Store,
        redemption: &Redemption,
        condition: &str,
        values: Values,
    ) -> Result<(), StoreError> {
        for item in [
            RedemptionItem::record(redemption),
            RedemptionItem::voucher(redemption),
        ] {
            self.put(store, to_item(&item)?, condition, values, Role::Other)?;
        }
        Ok(())
    }

    fn push(&mut self, item: TransactWriteItem, role: Role) {
        self.items.push(item);
        self.roles.push(role);
    }
}

fn shard_key(shard: &ShardPoints) -> Item {
    key(
        keys::budget_pk(shard.offer_id.as_str(), shard.shard),
        keys::BUDGET_SK,
    )
}

fn number(n: impl ToString) -> AttributeValue {
    AttributeValue::N(n.to_string())
}

fn values_map(values: Values) -> HashMap<String, AttributeValue> {
    values
        .iter()
        .map(|(name, value)| ((*name).to_string(), value.clone()))
        .collect()
}

fn classify<R: std::fmt::Debug>(
    error: SdkError<TransactWriteItemsError, R>,
    roles: &[Role],
) -> CommitError {
    let reasons = match &error {
        SdkError::ServiceError(service) => match service.err() {
            TransactWriteItemsError::TransactionCanceledException(cancelled) => {
                cancelled.cancellation_reasons()
            }
            // The outcome is not known: the SDK's retry met the first attempt still running,
            // or DynamoDB failed inside it. Decide again from a fresh read: the idempotency
            // record (a replay) or the member's revision shows an attempt that did land.
            TransactWriteItemsError::TransactionInProgressException(_)
            | TransactWriteItemsError::InternalServerError(_) => {
                tracing::warn!("transaction outcome unknown; deciding again from a fresh read");
                return CommitError::Contention {
                    key_in_flight: false,
                };
            }
            _ => return StoreError::from_sdk(error).into(),
        },
        _ => return StoreError::from_sdk(error).into(),
    };
    let failed = |role: Role, code: &str| {
        reasons
            .iter()
            .zip(roles)
            .find(|(reason, r)| **r == role && reason.code() == Some(code))
            .map(|(reason, _)| reason)
    };
    if let Some(reason) = failed(Role::Idempotency, "ConditionalCheckFailed") {
        // With ALL_OLD the winner's record comes back with the failure; without it (older
        // DynamoDB Local), a fresh read finds it.
        return match reason.item().cloned().map(from_item::<IdempotencyItem>) {
            Some(Ok(item)) => CommitError::Replay(item.into_record()),
            _ => CommitError::Contention {
                key_in_flight: true,
            },
        };
    }
    if failed(Role::Once, "ConditionalCheckFailed").is_some() {
        return CommitError::AlreadyRecorded;
    }
    // A replay or a duplicate purchase above outranks a budget: nothing is to be drawn.
    let exhausted: Vec<(OfferId, u8)> = reasons
        .iter()
        .zip(roles)
        .filter_map(|(reason, role)| match role {
            Role::Budget(offer, shard) if reason.code() == Some("ConditionalCheckFailed") => {
                Some((offer.clone(), *shard))
            }
            _ => None,
        })
        .collect();
    if !exhausted.is_empty() {
        return CommitError::BudgetExhausted(exhausted);
    }
    let contended = reasons.iter().any(|r| {
        matches!(
            r.code(),
            Some("TransactionConflict" | "ConditionalCheckFailed")
        )
    });
    if contended {
        let key_in_flight = failed(Role::Idempotency, "TransactionConflict").is_some();
        return CommitError::Contention { key_in_flight };
    }
    let throttled = reasons.iter().any(|r| {
        matches!(
            r.code(),
            Some("ThrottlingError" | "ProvisionedThroughputExceeded")
        )
    });
    if throttled {
        return StoreError::Throttled.into();
    }
    StoreError::from_sdk(error).into()
}
