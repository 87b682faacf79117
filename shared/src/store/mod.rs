//! The DynamoDB adapter: the only code that knows keys, items and expressions. Its API
//! speaks domain types; see `docs/data-model.md` for the single-table design.

mod client;
mod commit;
mod due;
mod erasure;
mod error;
mod events;
mod export;
mod items;
pub mod keys;
mod members;
mod metrics;
mod offers;
mod partners;
mod program;
mod reconcile;
mod referrals;
mod rewards;
mod snapshot;
pub mod stream;
pub mod table;

pub use client::client_from_env;
pub use commit::CommitError;
pub use due::DuePage;
pub use error::StoreError;
pub use events::EventPage;
pub use export::MemberRecords;
pub use members::ActivityPage;
pub use offers::{OfferWriteError, StoredOffer};
pub use reconcile::BalancePage;
pub use rewards::RedemptionPage;
pub use snapshot::{Missing, Snapshot, SnapshotRequest};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;

type Item = HashMap<String, AttributeValue>;

#[derive(Debug, Clone)]
pub struct Store {
    client: Client,
    table: String,
}

impl Store {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }
}

fn key(pk: String, sk: &str) -> Item {
    HashMap::from([
        (keys::PK.to_string(), AttributeValue::S(pk)),
        (keys::SK.to_string(), AttributeValue::S(sk.to_string())),
    ])
}

impl Store {
    /// One item by key, read consistently, decoded as `T`.
    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        key: Item,
    ) -> Result<Option<T>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(StoreError::from_sdk)?;
        output.item.map(from_item).transpose()
    }
}

fn to_item<T: serde::Serialize>(value: &T) -> Result<Item, StoreError> {
    serde_dynamo::aws_sdk_dynamodb_1::to_item(value).map_err(StoreError::corrupt)
}

fn from_item<T: serde::de::DeserializeOwned>(item: Item) -> Result<T, StoreError> {
    serde_dynamo::aws_sdk_dynamodb_1::from_item(item).map_err(StoreError::corrupt)
}
