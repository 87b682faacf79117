//! Enrolment and the member's history.

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
};
use rand::Rng;

use super::items::{LedgerItem, MemberItem};
use super::{Store, StoreError, from_item, key, keys, to_item};
use crate::domain::identifier::MemberId;
use crate::domain::ledger::LedgerEntry;
use crate::domain::member::Member;
use crate::domain::metrics::Movement;
use time::OffsetDateTime;

/// Attempts at an enrolment that meets other transactions on its figures shard.
const ENROL_ATTEMPTS: u32 = 8;

/// How one attempt at an enrolment ended.
enum Enrolment {
    /// The member as stored, and whether this attempt created it.
    Done(Box<Member>, bool),
    /// It met another transaction: try again.
    Contended,
    /// Another member has the code drawn: draw another.
    CodeTaken,
}

#[derive(Debug)]
pub struct ActivityPage {
    pub entries: Vec<LedgerEntry>,
    /// The sequence number to continue below, when older entries remain.
    pub next_before: Option<u64>,
}

impl Store {
    /// Creates the member unless it exists, counting it in the programme's figures in the
    /// same transaction, on the day it enrolled. Returns the member as stored and whether
    /// this call created it.
    pub async fn enrol(&self, member: &Member) -> Result<(Member, bool), StoreError> {
        self.create(member, &[], member.enrolled_at()).await
    }

    /// Creates an imported member with its `import` ledger entries unless the member exists
    /// (then nothing is written and `false` comes back), in one TransactWriteItems: the
    /// member, its referral code, the entries and what they add to the figures, all or
    /// nothing. The caller keeps the entries within one transaction's items
    /// ([`crate::domain::import::MAX_IMPORT_ENTRIES`]).
    pub async fn import_member(
        &self,
        member: &Member,
        entries: &[LedgerEntry],
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        Ok(self.create(member, entries, now).await?.1)
    }

    /// A new member (and its entries, if any), counted in the figures of `now`'s day.
    async fn create(
        &self,
        member: &Member,
        entries: &[LedgerEntry],
        now: OffsetDateTime,
    ) -> Result<(Member, bool), StoreError> {
        let mut member = member.clone();
        // A conflict is another transaction on the same figures shard (or the same member's
        // enrolment): each attempt draws a shard again.
        for attempt in 0..ENROL_ATTEMPTS {
            if attempt > 0 {
                let wait = rand::rng().random_range(0..=4_u64 << attempt);
                tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
            }
            match self.try_create(&member, entries, now).await? {
                Enrolment::Done(member, created) => return Ok((*member, created)),
                Enrolment::Contended => continue,
                Enrolment::CodeTaken => member.draw_referral_code(),
            }
        }
        Err(StoreError::Busy)
    }

    /// One attempt.
    async fn try_create(
        &self,
        member: &Member,
        entries: &[LedgerEntry],
        now: OffsetDateTime,
    ) -> Result<Enrolment, StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(to_item(&MemberItem::from(member))?))
            .condition_expression("attribute_not_exists(PK)")
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(|_| StoreError::Internal)?;
        let mut items = vec![TransactWriteItem::builder().put(put).build()];
        // The member's code is the second item, if it has one.
        items.extend(self.enrolment_referral_items(member)?);
        // Not while an erasure of the same id is still sweeping (it would take the items).
        items.push(super::erasure::no_erasure_running(self, member.id())?);
        for entry in entries {
            let put = Put::builder()
                .table_name(&self.table)
                .set_item(Some(to_item(&LedgerItem::new(member.id(), entry))?))
                .condition_expression("attribute_not_exists(PK)")
                .build()
                .map_err(|_| StoreError::Internal)?;
            items.push(TransactWriteItem::builder().put(put).build());
        }
        items.extend(self.metrics_updates(&Movement::of(None, Some(member), entries, now))?);
        let error = match self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
        {
            Ok(_) => return Ok(Enrolment::Done(Box::new(member.clone()), true)),
            Err(error) => error,
        };
        let reasons = match &error {
            SdkError::ServiceError(service) => match service.err() {
                TransactWriteItemsError::TransactionCanceledException(cancelled) => {
                    cancelled.cancellation_reasons().to_vec()
                }
                _ => return Err(StoreError::from_sdk(error)),
            },
            _ => return Err(StoreError::from_sdk(error)),
        };
        let code = |reason: &aws_sdk_dynamodb::types::CancellationReason| {
            reason.code().unwrap_or_default().to_string()
        };
        if let Some(existing) = reasons
            .first()
            .filter(|r| code(r) == "ConditionalCheckFailed")
        {
            let existing = match existing.item().cloned() {
                Some(item) => member_from(item)?,
                None => self
                    .member(member.id())
                    .await?
                    .ok_or(StoreError::Internal)?,
            };
            return Ok(Enrolment::Done(Box::new(existing), false));
        }
        if member.referral_code().is_some()
            && reasons
                .get(1)
                .is_some_and(|r| code(r) == "ConditionalCheckFailed")
        {
            return Ok(Enrolment::CodeTaken);
        }
        if reasons.iter().any(|r| code(r) == "TransactionConflict") {
            return Ok(Enrolment::Contended);
        }
        if reasons.iter().any(|r| {
            matches!(
                code(r).as_str(),
                "ThrottlingError" | "ProvisionedThroughputExceeded"
            )
        }) {
            return Err(StoreError::Throttled);
        }
        Err(StoreError::from_sdk(error))
    }

    pub async fn member(&self, id: &MemberId) -> Result<Option<Member>, StoreError> {
        let key = key(keys::member_pk(id.as_str()), keys::PROFILE);
        self.get::<MemberItem>(key)
            .await?
            .map(|m| Member::try_from(m).map_err(StoreError::corrupt))
            .transpose()
    }

    /// One page of the member's ledger, newest first, strictly older than `before` when
    /// given. Entries are append-only and keyed by sequence number, so pages never skip
    /// or repeat an entry, whatever is written while a client pages.
    pub async fn activity(
        &self,
        id: &MemberId,
        limit: u16,
        before: Option<u64>,
    ) -> Result<ActivityPage, StoreError> {
        // Sequence numbers start at 1, so the newest entry below `before` is `before - 1`.
        let upper = keys::ledger_sk(before.map(|b| b.saturating_sub(1)).unwrap_or(u64::MAX / 10));
        // One more than asked tells whether another page exists without a second query.
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk AND SK BETWEEN :from AND :to")
            .expression_attribute_values(":pk", AttributeValue::S(keys::member_pk(id.as_str())))
            .expression_attribute_values(":from", AttributeValue::S(keys::ledger_sk(0)))
            .expression_attribute_values(":to", AttributeValue::S(upper))
            .scan_index_forward(false)
            .limit(i32::from(limit) + 1)
            .send()
            .await
            .map_err(StoreError::from_sdk)?;
        let mut entries = Vec::with_capacity(usize::from(limit) + 1);
        for item in output.items.unwrap_or_default() {
            let stored: LedgerItem = from_item(item)?;
            entries.push(stored.entry);
        }
        let more = entries.len() > usize::from(limit);
        entries.truncate(usize::from(limit));
        let next_before = if more {
            entries.last().map(|e| e.seq)
        } else {
            None
        };
        Ok(ActivityPage {
            entries,
            next_before,
        })
    }
}

fn member_from(item: super::Item) -> Result<Member, StoreError> {
    let stored: MemberItem = from_item(item)?;
    Member::try_from(stored).map_err(StoreError::corrupt)
}
