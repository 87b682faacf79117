//! Recording what a function touches in DynamoDB as IAM sees it: each item-level action
//! (`dynamodb:GetItem`, `dynamodb:PutItem`, ...) with the partition key it names, so a test
//! can hold the code to the least-privilege policies in `infra/template.yaml`.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::interceptors::BeforeSerializationInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::operation::batch_get_item::BatchGetItemInput;
use aws_sdk_dynamodb::operation::batch_write_item::BatchWriteItemInput;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemInput;
use aws_sdk_dynamodb::operation::get_item::GetItemInput;
use aws_sdk_dynamodb::operation::put_item::PutItemInput;
use aws_sdk_dynamodb::operation::query::QueryInput;
use aws_sdk_dynamodb::operation::transact_get_items::TransactGetItemsInput;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsInput;
use aws_sdk_dynamodb::operation::update_item::UpdateItemInput;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_runtime_api::box_error::BoxError;

/// One access: the IAM action, the index a Query used (None for the table), the partition
/// key value it named (what `dynamodb:LeadingKeys` is matched against), and the kind of item
/// (its sort key up to the first `#`; empty for a Query), to tell which record was written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Access {
    pub action: String,
    pub index: Option<String>,
    pub partition: String,
    pub item: String,
}

/// Collects the accesses of every client it made. Clones share what they collected.
#[derive(Clone, Default)]
pub struct AccessRecorder {
    accesses: Arc<Mutex<BTreeSet<Access>>>,
}

impl AccessRecorder {
    /// `base` with this recorder added to its interceptors.
    pub fn client(&self, base: &Client) -> Client {
        let config = base
            .config()
            .to_builder()
            .interceptor(RecordingInterceptor {
                accesses: Arc::clone(&self.accesses),
            })
            .build();
        Client::from_conf(config)
    }

    pub fn accesses(&self) -> BTreeSet<Access> {
        self.accesses
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

#[derive(Debug)]
struct RecordingInterceptor {
    accesses: Arc<Mutex<BTreeSet<Access>>>,
}

fn partition(key: Option<&HashMap<String, AttributeValue>>) -> String {
    key.and_then(|k| k.get("PK"))
        .and_then(|v| v.as_s().ok())
        .cloned()
        .unwrap_or_else(|| "<no PK>".into())
}

fn item_kind(key: Option<&HashMap<String, AttributeValue>>) -> String {
    key.and_then(|k| k.get("SK"))
        .and_then(|v| v.as_s().ok())
        .map(|sk| sk.split('#').next().unwrap_or_default().to_string())
        .unwrap_or_default()
}

fn table_access(action: &str, key: Option<&HashMap<String, AttributeValue>>) -> Access {
    Access {
        action: format!("dynamodb:{action}"),
        index: None,
        partition: partition(key),
        item: item_kind(key),
    }
}

/// A Query's partition key value: the placeholder in `<attribute> = :<name> ...`.
fn query_access(input: &QueryInput) -> Access {
    let value = input
        .key_condition_expression()
        .and_then(|e| e.split_whitespace().nth(2))
        .and_then(|name| input.expression_attribute_values()?.get(name))
        .and_then(|v| v.as_s().ok())
        .cloned()
        .unwrap_or_else(|| "<unparsed key condition>".into());
    Access {
        action: "dynamodb:Query".into(),
        index: input.index_name().map(str::to_string),
        partition: value,
        item: String::new(),
    }
}

/// What IAM checks for one call: transactions are checked item by item, as the item
/// actions they contain.
fn accesses_of(
    input: &aws_smithy_runtime_api::client::interceptors::context::Input,
) -> Vec<Access> {
    if let Some(i) = input.downcast_ref::<GetItemInput>() {
        return vec![table_access("GetItem", i.key())];
    }
    if let Some(i) = input.downcast_ref::<PutItemInput>() {
        return vec![table_access("PutItem", i.item())];
    }
    if let Some(i) = input.downcast_ref::<UpdateItemInput>() {
        return vec![table_access("UpdateItem", i.key())];
    }
    if let Some(i) = input.downcast_ref::<DeleteItemInput>() {
        return vec![table_access("DeleteItem", i.key())];
    }
    if let Some(i) = input.downcast_ref::<QueryInput>() {
        return vec![query_access(i)];
    }
    if let Some(i) = input.downcast_ref::<BatchWriteItemInput>() {
        return i
            .request_items()
            .into_iter()
            .flat_map(|requests| requests.values().flatten())
            .flat_map(|r| {
                [
                    r.delete_request()
                        .map(|d| table_access("BatchWriteItem", Some(d.key()))),
                    r.put_request()
                        .map(|p| table_access("BatchWriteItem", Some(p.item()))),
                ]
            })
            .flatten()
            .collect();
    }
    if let Some(i) = input.downcast_ref::<BatchGetItemInput>() {
        return i
            .request_items()
            .into_iter()
            .flat_map(|requests| requests.values())
            .flat_map(|r| r.keys())
            .map(|k| table_access("BatchGetItem", Some(k)))
            .collect();
    }
    if let Some(i) = input.downcast_ref::<TransactGetItemsInput>() {
        return i
            .transact_items()
            .iter()
            .filter_map(|t| t.get())
            .map(|g| table_access("GetItem", Some(g.key())))
            .collect();
    }
    if let Some(i) = input.downcast_ref::<TransactWriteItemsInput>() {
        return i
            .transact_items()
            .iter()
            .flat_map(|t| {
                [
                    t.put().map(|p| table_access("PutItem", Some(p.item()))),
                    t.update()
                        .map(|u| table_access("UpdateItem", Some(u.key()))),
                    t.delete()
                        .map(|d| table_access("DeleteItem", Some(d.key()))),
                    t.condition_check()
                        .map(|c| table_access("ConditionCheckItem", Some(c.key()))),
                ]
            })
            .flatten()
            .collect();
    }
    vec![Access {
        action: "<an operation the recorder does not know>".into(),
        index: None,
        partition: String::new(),
        item: String::new(),
    }]
}

impl Intercept for RecordingInterceptor {
    fn name(&self) -> &'static str {
        "AccessRecorder"
    }

    fn read_before_serialization(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let accesses = accesses_of(context.input());
        self.accesses
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(accesses);
        Ok(())
    }
}
