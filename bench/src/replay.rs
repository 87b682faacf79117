//! DynamoDB calls as the wire carries them (the operation name and the JSON request body the
//! SDK sent), made again with the SDK: the harness records a function's calls through its
//! proxy, and the floors (`floor-sdk`, and the harness alone) make exactly those calls.
//!
//! Conversion is strict: a request field this module does not know is an error rather than
//! silently dropped, so a floor never makes a lighter call than the function made. The one
//! field left out is `ClientRequestToken`, which the SDK generates afresh for every
//! TransactWriteItems (as it did for the function).

use std::collections::HashMap;

use anyhow::{Context as _, Result, anyhow, bail};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, Get, Put, ReturnValue,
    ReturnValuesOnConditionCheckFailure, Select, TransactGetItem, TransactWriteItem, Update,
};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One DynamoDB call: the operation (`"TransactGetItems"`...) and its request body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Call {
    pub operation: String,
    pub request: Value,
}

/// The calls one invocation of an operation made, in order.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Plan {
    pub calls: Vec<Call>,
    /// The function made these calls all at once (independent reads, such as the programme
    /// figures' query of every shard), so the floors make them at once too.
    #[serde(default)]
    pub concurrent: bool,
}

/// A DynamoDB client as plain as a Lambda function can have: the default configuration
/// chain (credentials and region from the environment), pointed at `endpoint` when given.
pub async fn plain_client(endpoint: Option<&str>) -> Client {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    if let Some(endpoint) = endpoint {
        loader = loader.endpoint_url(endpoint);
    }
    Client::new(&loader.load().await)
}

/// Makes every call of `plan` as the function did: one after the other, or all at once.
pub async fn run(client: &Client, plan: &Plan) -> Result<()> {
    if plan.concurrent {
        futures::future::try_join_all(plan.calls.iter().map(|call| async move {
            make(client, call)
                .await
                .with_context(|| format!("replaying {}", call.operation))
        }))
        .await?;
        return Ok(());
    }
    for call in &plan.calls {
        make(client, call)
            .await
            .with_context(|| format!("replaying {}", call.operation))?;
    }
    Ok(())
}

/// Makes one call with the SDK.
pub async fn make(client: &Client, call: &Call) -> Result<()> {
    let r = Fields::new(&call.request)?;
    match call.operation.as_str() {
        "TransactGetItems" => {
            r.only(&["TransactItems", "ReturnConsumedCapacity"])?;
            let mut items = Vec::new();
            for entry in r.array("TransactItems")? {
                let entry = Fields::new(entry)?;
                entry.only(&["Get"])?;
                let get = Fields::new(entry.req("Get")?)?;
                get.only(&[
                    "TableName",
                    "Key",
                    "ProjectionExpression",
                    "ExpressionAttributeNames",
                ])?;
                items.push(
                    TransactGetItem::builder()
                        .get(
                            Get::builder()
                                .table_name(get.string("TableName")?)
                                .set_key(Some(item(get.req("Key")?)?))
                                .set_projection_expression(get.opt_string("ProjectionExpression")?)
                                .set_expression_attribute_names(names(&get)?)
                                .build()?,
                        )
                        .build(),
                );
            }
            check_capacity(&r)?;
            client
                .transact_get_items()
                .set_transact_items(Some(items))
                .send()
                .await?;
        }
        "TransactWriteItems" => {
            r.only(&[
                "TransactItems",
                "ClientRequestToken",
                "ReturnConsumedCapacity",
                "ReturnItemCollectionMetrics",
            ])?;
            if r.get("ReturnItemCollectionMetrics").is_some() {
                bail!("ReturnItemCollectionMetrics is not replayed");
            }
            check_capacity(&r)?;
            let mut items = Vec::new();
            for entry in r.array("TransactItems")? {
                items.push(transact_write_item(entry)?);
            }
            client
                .transact_write_items()
                .set_transact_items(Some(items))
                .send()
                .await?;
        }
        "GetItem" => {
            r.only(&[
                "TableName",
                "Key",
                "ConsistentRead",
                "ProjectionExpression",
                "ExpressionAttributeNames",
                "ReturnConsumedCapacity",
            ])?;
            check_capacity(&r)?;
            client
                .get_item()
                .table_name(r.string("TableName")?)
                .set_key(Some(item(r.req("Key")?)?))
                .set_consistent_read(r.opt_bool("ConsistentRead")?)
                .set_projection_expression(r.opt_string("ProjectionExpression")?)
                .set_expression_attribute_names(names(&r)?)
                .send()
                .await?;
        }
        "PutItem" => {
            r.only(&[
                "TableName",
                "Item",
                "ConditionExpression",
                "ExpressionAttributeNames",
                "ExpressionAttributeValues",
                "ReturnValues",
                "ReturnValuesOnConditionCheckFailure",
                "ReturnConsumedCapacity",
            ])?;
            check_capacity(&r)?;
            client
                .put_item()
                .table_name(r.string("TableName")?)
                .set_item(Some(item(r.req("Item")?)?))
                .set_condition_expression(r.opt_string("ConditionExpression")?)
                .set_expression_attribute_names(names(&r)?)
                .set_expression_attribute_values(values(&r)?)
                .set_return_values(
                    r.opt_string("ReturnValues")?
                        .map(|v| ReturnValue::from(v.as_str())),
                )
                .set_return_values_on_condition_check_failure(on_failure(&r)?)
                .send()
                .await?;
        }
        "DeleteItem" => {
            r.only(&[
                "TableName",
                "Key",
                "ConditionExpression",
                "ExpressionAttributeNames",
                "ExpressionAttributeValues",
                "ReturnValues",
                "ReturnValuesOnConditionCheckFailure",
                "ReturnConsumedCapacity",
            ])?;
            check_capacity(&r)?;
            client
                .delete_item()
                .table_name(r.string("TableName")?)
                .set_key(Some(item(r.req("Key")?)?))
                .set_condition_expression(r.opt_string("ConditionExpression")?)
                .set_expression_attribute_names(names(&r)?)
                .set_expression_attribute_values(values(&r)?)
                .set_return_values(
                    r.opt_string("ReturnValues")?
                        .map(|v| ReturnValue::from(v.as_str())),
                )
                .set_return_values_on_condition_check_failure(on_failure(&r)?)
                .send()
                .await?;
        }
        "Query" => {
            r.only(&[
                "TableName",
                "IndexName",
                "KeyConditionExpression",
                "FilterExpression",
                "ProjectionExpression",
                "ExpressionAttributeNames",
                "ExpressionAttributeValues",
                "Limit",
                "ScanIndexForward",
                "ExclusiveStartKey",
                "ConsistentRead",
                "Select",
                "ReturnConsumedCapacity",
            ])?;
            check_capacity(&r)?;
            let limit = match r.get("Limit") {
                Some(limit) => Some(
                    limit
                        .as_i64()
                        .and_then(|l| i32::try_from(l).ok())
                        .ok_or_else(|| anyhow!("Limit is not a number"))?,
                ),
                None => None,
            };
            let start = match r.get("ExclusiveStartKey") {
                Some(key) => Some(item(key)?),
                None => None,
            };
            client
                .query()
                .table_name(r.string("TableName")?)
                .set_index_name(r.opt_string("IndexName")?)
                .set_key_condition_expression(r.opt_string("KeyConditionExpression")?)
                .set_filter_expression(r.opt_string("FilterExpression")?)
                .set_projection_expression(r.opt_string("ProjectionExpression")?)
                .set_expression_attribute_names(names(&r)?)
                .set_expression_attribute_values(values(&r)?)
                .set_limit(limit)
                .set_scan_index_forward(r.opt_bool("ScanIndexForward")?)
                .set_exclusive_start_key(start)
                .set_consistent_read(r.opt_bool("ConsistentRead")?)
                .set_select(r.opt_string("Select")?.map(|s| Select::from(s.as_str())))
                .send()
                .await?;
        }
        other => bail!("replaying {other} is not supported"),
    }
    Ok(())
}

fn transact_write_item(entry: &Value) -> Result<TransactWriteItem> {
    let entry = Fields::new(entry)?;
    entry.only(&["Put", "Update", "Delete", "ConditionCheck"])?;
    let common = [
        "TableName",
        "ConditionExpression",
        "ExpressionAttributeNames",
        "ExpressionAttributeValues",
        "ReturnValuesOnConditionCheckFailure",
    ];
    let with = |extra: &[&'static str]| -> Vec<&'static str> {
        common
            .iter()
            .copied()
            .chain(extra.iter().copied())
            .collect()
    };
    let builder = TransactWriteItem::builder();
    if let Some(put) = entry.get("Put") {
        let put = Fields::new(put)?;
        put.only(&with(&["Item"]))?;
        return Ok(builder
            .put(
                Put::builder()
                    .table_name(put.string("TableName")?)
                    .set_item(Some(item(put.req("Item")?)?))
                    .set_condition_expression(put.opt_string("ConditionExpression")?)
                    .set_expression_attribute_names(names(&put)?)
                    .set_expression_attribute_values(values(&put)?)
                    .set_return_values_on_condition_check_failure(on_failure(&put)?)
                    .build()?,
            )
            .build());
    }
    if let Some(update) = entry.get("Update") {
        let update = Fields::new(update)?;
        update.only(&with(&["Key", "UpdateExpression"]))?;
        return Ok(builder
            .update(
                Update::builder()
                    .table_name(update.string("TableName")?)
                    .set_key(Some(item(update.req("Key")?)?))
                    .update_expression(update.string("UpdateExpression")?)
                    .set_condition_expression(update.opt_string("ConditionExpression")?)
                    .set_expression_attribute_names(names(&update)?)
                    .set_expression_attribute_values(values(&update)?)
                    .set_return_values_on_condition_check_failure(on_failure(&update)?)
                    .build()?,
            )
            .build());
    }
    if let Some(delete) = entry.get("Delete") {
        let delete = Fields::new(delete)?;
        delete.only(&with(&["Key"]))?;
        return Ok(builder
            .delete(
                Delete::builder()
                    .table_name(delete.string("TableName")?)
                    .set_key(Some(item(delete.req("Key")?)?))
                    .set_condition_expression(delete.opt_string("ConditionExpression")?)
                    .set_expression_attribute_names(names(&delete)?)
                    .set_expression_attribute_values(values(&delete)?)
                    .set_return_values_on_condition_check_failure(on_failure(&delete)?)
                    .build()?,
            )
            .build());
    }
    let check = Fields::new(entry.req("ConditionCheck")?)?;
    check.only(&with(&["Key"]))?;
    Ok(builder
        .condition_check(
            ConditionCheck::builder()
                .table_name(check.string("TableName")?)
                .set_key(Some(item(check.req("Key")?)?))
                .condition_expression(check.string("ConditionExpression")?)
                .set_expression_attribute_names(names(&check)?)
                .set_expression_attribute_values(values(&check)?)
                .set_return_values_on_condition_check_failure(on_failure(&check)?)
                .build()?,
        )
        .build())
}

/// `ReturnConsumedCapacity` other than `NONE` changes the answer; it is not replayed.
fn check_capacity(r: &Fields<'_>) -> Result<()> {
    match r.opt_string("ReturnConsumedCapacity")?.as_deref() {
        None | Some("NONE") => Ok(()),
        Some(other) => bail!("ReturnConsumedCapacity {other} is not replayed"),
    }
}

fn on_failure(r: &Fields<'_>) -> Result<Option<ReturnValuesOnConditionCheckFailure>> {
    Ok(r.opt_string("ReturnValuesOnConditionCheckFailure")?
        .map(|v| ReturnValuesOnConditionCheckFailure::from(v.as_str())))
}

fn names(r: &Fields<'_>) -> Result<Option<HashMap<String, String>>> {
    let Some(names) = r.get("ExpressionAttributeNames") else {
        return Ok(None);
    };
    let names = names
        .as_object()
        .ok_or_else(|| anyhow!("ExpressionAttributeNames is not an object"))?;
    names
        .iter()
        .map(|(k, v)| {
            v.as_str()
                .map(|v| (k.clone(), v.to_string()))
                .ok_or_else(|| anyhow!("attribute name {k} is not a string"))
        })
        .collect::<Result<_>>()
        .map(Some)
}

fn values(r: &Fields<'_>) -> Result<Option<HashMap<String, AttributeValue>>> {
    r.get("ExpressionAttributeValues").map(item).transpose()
}

/// An item (or key, or expression values) in DynamoDB's JSON: `{"PK": {"S": "MEMBER#a"}}`.
pub fn item(value: &Value) -> Result<HashMap<String, AttributeValue>> {
    value
        .as_object()
        .ok_or_else(|| anyhow!("an item is not an object"))?
        .iter()
        .map(|(name, v)| Ok((name.clone(), attribute(v).with_context(|| name.clone())?)))
        .collect()
}

/// One attribute value in DynamoDB's JSON (`{"S": "x"}`, `{"N": "1"}`, `{"M": {...}}`...).
pub fn attribute(value: &Value) -> Result<AttributeValue> {
    let object = value
        .as_object()
        .filter(|o| o.len() == 1)
        .ok_or_else(|| anyhow!("an attribute value is an object with one type key"))?;
    let Some((kind, inner)) = object.iter().next() else {
        bail!("empty attribute value");
    };
    let text = || {
        inner
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| anyhow!("{kind} value is not a string"))
    };
    let texts = || -> Result<Vec<String>> {
        inner
            .as_array()
            .ok_or_else(|| anyhow!("{kind} value is not an array"))?
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| anyhow!("{kind} element is not a string"))
            })
            .collect()
    };
    let blob = |b64: &str| -> Result<Blob> { Ok(Blob::new(STANDARD.decode(b64)?)) };
    Ok(match kind.as_str() {
        "S" => AttributeValue::S(text()?),
        "N" => AttributeValue::N(text()?),
        "B" => AttributeValue::B(blob(&text()?)?),
        "BOOL" => AttributeValue::Bool(
            inner
                .as_bool()
                .ok_or_else(|| anyhow!("BOOL value is not a boolean"))?,
        ),
        "NULL" => AttributeValue::Null(true),
        "SS" => AttributeValue::Ss(texts()?),
        "NS" => AttributeValue::Ns(texts()?),
        "BS" => AttributeValue::Bs(texts()?.iter().map(|b| blob(b)).collect::<Result<_>>()?),
        "M" => AttributeValue::M(item(inner)?),
        "L" => AttributeValue::L(
            inner
                .as_array()
                .ok_or_else(|| anyhow!("L value is not an array"))?
                .iter()
                .map(attribute)
                .collect::<Result<_>>()?,
        ),
        other => bail!("unknown attribute type {other}"),
    })
}

/// The fields of a request object, read strictly.
struct Fields<'a>(&'a Map<String, Value>);

impl<'a> Fields<'a> {
    fn new(value: &'a Value) -> Result<Self> {
        value
            .as_object()
            .map(Fields)
            .ok_or_else(|| anyhow!("a request part is not an object"))
    }

    /// Fails on any field not in `known`.
    fn only(&self, known: &[&str]) -> Result<()> {
        match self.0.keys().find(|k| !known.contains(&k.as_str())) {
            Some(unknown) => bail!("the recorded request has {unknown}, which is not replayed"),
            None => Ok(()),
        }
    }

    fn get(&self, name: &str) -> Option<&'a Value> {
        self.0.get(name)
    }

    fn req(&self, name: &str) -> Result<&'a Value> {
        self.get(name).ok_or_else(|| anyhow!("{name} is missing"))
    }

    fn array(&self, name: &str) -> Result<&'a Vec<Value>> {
        self.req(name)?
            .as_array()
            .ok_or_else(|| anyhow!("{name} is not an array"))
    }

    fn string(&self, name: &str) -> Result<String> {
        self.opt_string(name)?
            .ok_or_else(|| anyhow!("{name} is missing"))
    }

    fn opt_string(&self, name: &str) -> Result<Option<String>> {
        self.get(name)
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| anyhow!("{name} is not a string"))
            })
            .transpose()
    }

    fn opt_bool(&self, name: &str) -> Result<Option<bool>> {
        self.get(name)
            .map(|v| {
                v.as_bool()
                    .ok_or_else(|| anyhow!("{name} is not a boolean"))
            })
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn attribute_values_convert_from_dynamodb_json() {
        let converted = item(&json!({
            "PK": {"S": "MEMBER#a"},
            "n": {"N": "12"},
            "flag": {"BOOL": true},
            "nothing": {"NULL": true},
            "map": {"M": {"inner": {"L": [{"S": "x"}, {"N": "1"}]}}},
            "set": {"SS": ["a", "b"]},
            "bytes": {"B": "aGk="}
        }))
        .unwrap();
        assert_eq!(converted["PK"], AttributeValue::S("MEMBER#a".into()));
        assert_eq!(converted["n"], AttributeValue::N("12".into()));
        assert_eq!(converted["flag"], AttributeValue::Bool(true));
        assert_eq!(
            converted["bytes"],
            AttributeValue::B(Blob::new(b"hi".to_vec()))
        );
        assert_eq!(
            converted["map"],
            AttributeValue::M(HashMap::from([(
                "inner".to_string(),
                AttributeValue::L(vec![
                    AttributeValue::S("x".into()),
                    AttributeValue::N("1".into())
                ])
            )]))
        );
        assert!(attribute(&json!({"S": "a", "N": "1"})).is_err());
        assert!(attribute(&json!({"X": "a"})).is_err());
    }

    #[test]
    fn unknown_request_fields_are_refused() {
        let transact_item = json!({"Put": {"TableName": "t", "Item": {}, "Surprise": 1}});
        assert!(transact_write_item(&transact_item).is_err());
        let transact_item = json!({"Put": {"TableName": "t", "Item": {"PK": {"S": "a"}},
            "ConditionExpression": "attribute_not_exists(PK)"}});
        assert!(transact_write_item(&transact_item).is_ok());
    }
}
