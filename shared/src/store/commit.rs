//! The one write behind every balance change: the member (guarded by its version), the
//! ledger entries, the purchase record and the idempotency record, in one
//! TransactWriteItems. All of it lands or none of it does.

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
};
use time::OffsetDateTime;

use super::items::{IdempotencyItem, LedgerItem, MemberItem, PurchaseItem};
use super::{Item, Store, StoreError, from_item, to_item};
use crate::domain::ledger::LedgerEntry;
use crate::domain::member::Member;
use crate::domain::purchase::Purchase;
use crate::idempotency::IdempotencyRecord;

#[derive(Debug)]
pub struct PurchaseWrite {
    pub purchase: Purchase,
    /// An earn creates the record and must fail if the purchase was credited before.
    pub must_be_new: bool,
}

#[derive(Debug)]
pub struct Commit {
    /// The member after the change; `expected_version` is the version it was read at.
    pub member: Member,
    pub expected_version: u64,
    pub entries: Vec<LedgerEntry>,
    pub purchase: Option<PurchaseWrite>,
    pub idempotency: Option<IdempotencyRecord>,
    pub now: OffsetDateTime,
}

#[derive(Debug, thiserror::Error)]
pub enum CommitError {
    /// The idempotency key was used first by a write that has committed: its response.
    #[error("idempotency key already used")]
    Replay(IdempotencyRecord),
    /// Another transaction on the same items is in flight, or the member moved on since
    /// it was read: read again and retry. `key_in_flight` when the contended item was the
    /// idempotency record, i.e. the same request is being processed right now.
    #[error("contention on the member's items")]
    Contention { key_in_flight: bool },
    /// The purchase was already credited (with an idempotency key that has expired).
    #[error("purchase already recorded")]
    PurchaseExists,
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Member,
    Entry,
    Purchase,
    Idempotency,
}

impl Store {
    pub async fn commit(&self, commit: Commit) -> Result<(), CommitError> {
        let mut items = Vec::with_capacity(3 + commit.entries.len());
        let mut roles = Vec::with_capacity(items.capacity());

        items.push(self.put(
            to_item(&MemberItem::from(&commit.member))?,
            "version = :expected",
            &[(
                ":expected",
                AttributeValue::N(commit.expected_version.to_string()),
            )],
            false,
        )?);
        roles.push(Role::Member);
        for entry in &commit.entries {
            items.push(self.put(
                to_item(&LedgerItem::new(commit.member.id(), entry))?,
                "attribute_not_exists(PK)",
                &[],
                false,
            )?);
            roles.push(Role::Entry);
        }
        if let Some(write) = &commit.purchase {
            let condition = if write.must_be_new {
                "attribute_not_exists(PK)"
            } else {
                "attribute_exists(PK)"
            };
            items.push(self.put(
                to_item(&PurchaseItem::from(&write.purchase))?,
                condition,
                &[],
                false,
            )?);
            roles.push(Role::Purchase);
        }
        if let Some(record) = &commit.idempotency {
            items.push(self.put(
                to_item(&IdempotencyItem::from(record))?,
                "attribute_not_exists(PK) OR expiresAt < :now",
                &[(
                    ":now",
                    AttributeValue::N(commit.now.unix_timestamp().to_string()),
                )],
                true,
            )?);
            roles.push(Role::Idempotency);
        }

        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(error) => Err(classify(error, &roles)),
        }
    }

    fn put(
        &self,
        item: Item,
        condition: &str,
        values: &[(&str, AttributeValue)],
        return_old_on_failure: bool,
    ) -> Result<TransactWriteItem, StoreError> {
        let mut put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(condition);
        for (name, value) in values {
            put = put.expression_attribute_values(*name, value.clone());
        }
        if return_old_on_failure {
            put = put.return_values_on_condition_check_failure(
                ReturnValuesOnConditionCheckFailure::AllOld,
            );
        }
        let put = put.build().map_err(|_| StoreError::Internal)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }
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
    if failed(Role::Purchase, "ConditionalCheckFailed").is_some() {
        return CommitError::PurchaseExists;
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
