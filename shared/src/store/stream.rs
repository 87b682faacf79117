//! Reading the table's change stream: which records matter to the tier function.

use super::items::EventItem;
use super::referrals::ReferralLinkItem;
use super::{StoreError, keys};
use crate::domain::event::DomainEvent;
use crate::domain::identifier::MemberId;
use crate::domain::referral::ReferralLink;

/// What a stream record is about, as far as tiers and notifications go.
#[derive(Debug)]
pub enum StreamChange {
    /// A member's profile was written: its tier may need to change.
    Member(MemberId),
    /// An outbox event was written: it is to be published.
    Event(Box<DomainEvent>),
    /// A referred member's purchase qualified (or was withdrawn): the referrer's part.
    Referral(Box<ReferralLink>),
    /// Anything else (ledger entries, purchases, rewards, ...).
    Other,
}

/// Classifies a stream record from its keys and, for events, its new image.
pub fn classify(
    keys_image: &serde_dynamo::Item,
    new_image: Option<&serde_dynamo::Item>,
) -> Result<StreamChange, StoreError> {
    let text = |name: &str| match keys_image.get(name) {
        Some(serde_dynamo::AttributeValue::S(s)) => Some(s.as_str()),
        _ => None,
    };
    let (Some(pk), Some(sk)) = (text(keys::PK), text(keys::SK)) else {
        return Ok(StreamChange::Other);
    };
    if sk == keys::PROFILE
        && let Some(member) = pk.strip_prefix("MEMBER#")
    {
        return MemberId::try_from(member)
            .map(StreamChange::Member)
            .map_err(StoreError::corrupt);
    }
    if sk == keys::REFERRAL_SK && pk.starts_with("MEMBER#") {
        let Some(image) = new_image else {
            return Ok(StreamChange::Other);
        };
        let item: ReferralLinkItem =
            serde_dynamo::from_item(image.clone()).map_err(StoreError::corrupt)?;
        return Ok(StreamChange::Referral(Box::new(item.link)));
    }
    if sk.starts_with("EVENT#") {
        let Some(image) = new_image else {
            return Ok(StreamChange::Other);
        };
        let item: EventItem =
            serde_dynamo::from_item(image.clone()).map_err(StoreError::corrupt)?;
        return Ok(StreamChange::Event(Box::new(item.event)));
    }
    Ok(StreamChange::Other)
}
