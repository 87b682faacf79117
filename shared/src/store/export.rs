//! Everything the member's partition holds, as plain JSON for an export: every stored field
//! of every item, so an export cannot fall behind a new field. Keys, index keys and storage
//! bookkeeping are left out; copies kept elsewhere for other readers (a voucher under its
//! code, a partner's statement line, the answers remembered for retries) repeat what is
//! here.

use serde::Serialize;
use serde_json::Value;

use super::{Item, Store, StoreError, keys};
use crate::domain::identifier::MemberId;

/// Attributes that are how the table stores an item, not what it says about the member.
const STORAGE_FIELDS: [&str; 8] = [
    keys::PK,
    keys::SK,
    "GSI1PK",
    "GSI1SK",
    keys::GSI2PK,
    keys::GSI2SK,
    "entity",
    "expiresAt",
];

/// The member's items, by kind, oldest first where they have an order.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberRecords {
    /// The member item as stored (lots, pending groups, tier, stamp cards, referral, ...).
    pub stored_profile: Value,
    pub ledger: Vec<Value>,
    pub purchases: Vec<Value>,
    pub redemptions: Vec<Value>,
    /// Actions the business reported and the programme credited.
    pub actions: Vec<Value>,
    /// Notifications written for the member (kept 7 days after they are published).
    pub events: Vec<Value>,
    /// As a referred member: the purchase that qualified it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referral_link: Option<Value>,
    /// As a referrer: its figures, and what it had for each member it referred.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referral_figures: Option<Value>,
    pub referral_awards: Vec<Value>,
}

impl Store {
    /// Every item under the member's partition, sorted into [`MemberRecords`].
    pub async fn member_records(&self, member: &MemberId) -> Result<MemberRecords, StoreError> {
        let mut records = MemberRecords::default();
        for item in self.partition(member).await? {
            let sk = item
                .get(keys::SK)
                .and_then(|v| v.as_s().ok())
                .cloned()
                .unwrap_or_default();
            let value = plain(item)?;
            match sk.as_str() {
                keys::PROFILE => records.stored_profile = value,
                keys::REFERRAL_SK => records.referral_link = Some(value),
                keys::REFERRALS_SK => records.referral_figures = Some(value),
                sk if sk.starts_with(keys::LEDGER_PREFIX) => records.ledger.push(value),
                sk if sk.starts_with("PURCHASE#") || sk.starts_with("PARTNER-PURCHASE#") => {
                    records.purchases.push(value);
                }
                sk if sk.starts_with(keys::REDEMPTION_PREFIX) => records.redemptions.push(value),
                sk if sk.starts_with(keys::ACTION_PREFIX) => records.actions.push(value),
                sk if sk.starts_with("EVENT#") => records.events.push(value),
                sk if sk.starts_with("REFERRED#") => records.referral_awards.push(value),
                other => {
                    return Err(StoreError::corrupt(format!(
                        "an item of unknown kind under a member: {other}"
                    )));
                }
            }
        }
        Ok(records)
    }
}

fn plain(mut item: Item) -> Result<Value, StoreError> {
    for field in STORAGE_FIELDS {
        item.remove(field);
    }
    serde_dynamo::aws_sdk_dynamodb_1::from_item(item).map_err(StoreError::corrupt)
}
