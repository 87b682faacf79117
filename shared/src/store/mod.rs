//! The DynamoDB adapter: the only code that knows keys, items and expressions. Its API
//! speaks domain types; see `docs/data-model.md` for the single-table design.

mod client;
mod commit;
mod error;
mod items;
pub mod keys;
mod members;
mod program;
mod snapshot;
pub mod table;

pub use client::client_from_env;
pub use commit::{Commit, CommitError, PurchaseWrite};
pub use error::StoreError;
pub use members::ActivityPage;
pub use snapshot::{Snapshot, SnapshotRequest};

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

fn to_item<T: serde::Serialize>(value: &T) -> Result<Item, StoreError> {
    serde_dynamo::aws_sdk_dynamodb_1::to_item(value).map_err(StoreError::corrupt)
}

fn from_item<T: serde::de::DeserializeOwned>(item: Item) -> Result<T, StoreError> {
    serde_dynamo::aws_sdk_dynamodb_1::from_item(item).map_err(StoreError::corrupt)
}
