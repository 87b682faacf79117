//! Capacity per earn and per redeem: the read and write units DynamoDB charges for one
//! request, for a new member and for a member after a year of daily purchases.
//!
//! The handlers run in-process (the test kit's `invoke`, as the functions' binaries call
//! them) on a client with an interceptor that asks every call for `ReturnConsumedCapacity`
//! (`INDEXES`: the total, and what of it went to the index) and keeps what DynamoDB Local
//! answers. Next to that the harness sizes every item the call read or wrote (the request's
//! items, the transaction's answers, and the items it changed read back before and after)
//! and applies DynamoDB's documented rules, so the two can be set side by side.
//!
//! The year is simulated on a `ManualClock`, a day at a time: the daily run at 00:15 (the
//! schedule's time), a coffee at noon, then the member's profile change as the table's
//! stream delivers it to evaluate-tier (which upgrades the tier when it is earned), so the
//! member item is the one a year of real traffic leaves.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::{Context as _, Result, anyhow, bail};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::interceptors::{
    AfterDeserializationInterceptorContextRef, BeforeSerializationInterceptorContextMut,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use aws_sdk_dynamodb::operation::delete_item::{DeleteItemInput, DeleteItemOutput};
use aws_sdk_dynamodb::operation::get_item::{GetItemInput, GetItemOutput};
use aws_sdk_dynamodb::operation::put_item::{PutItemInput, PutItemOutput};
use aws_sdk_dynamodb::operation::query::{QueryInput, QueryOutput};
use aws_sdk_dynamodb::operation::transact_get_items::{
    TransactGetItemsInput, TransactGetItemsOutput,
};
use aws_sdk_dynamodb::operation::transact_write_items::{
    TransactWriteItemsInput, TransactWriteItemsOutput,
};
use aws_sdk_dynamodb::operation::update_item::{UpdateItemInput, UpdateItemOutput};
use aws_sdk_dynamodb::types::{
    AttributeValue, ConsumedCapacity, ReturnConsumedCapacity, TransactWriteItem,
};
use evaluate_tier::{RecordingPublisher, TierContext};
use loyalty::Context;
use loyalty::domain::clock::{Clock, ManualClock};
use loyalty::domain::identifier::MemberId;
use loyalty::domain::program::Program;
use loyalty::identity::AuthConfig;
use loyalty::shared_items::{DEFAULT_TTL, SharedItems};
use loyalty::store::{Store, keys};
use loyalty_tests::{Call, Function, demo_program_json, invoke, table_definition};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::item_size::{item_size, read_units, write_units};

type Item = HashMap<String, AttributeValue>;

/// The first day of the simulated year: inside the demo programme's winter promotion, so
/// the year sees it start and end. Both members are measured a year later, on the same day.
const START: OffsetDateTime = time::macros::datetime!(2026-11-23 00:00 UTC);
const YEAR_MEMBER: &str = "cap-year";
const NEW_MEMBER: &str = "cap-new";
const NEW_REDEEMER: &str = "cap-new-redeemer";
const REWARD: &str = crate::scenario::REWARD;
/// Days at which the year member's item size is recorded.
const SIZE_DAYS: [usize; 7] = [1, 7, 30, 90, 180, 270, 365];

/// What one DynamoDB call of a measured request cost.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CallCapacity {
    pub operation: String,
    /// `read` or `write` units.
    pub kind: String,
    /// `ConsumedCapacity.CapacityUnits` as DynamoDB Local answered (table and index).
    pub reported: Option<f64>,
    /// Of `reported`, what went to the index (`GlobalSecondaryIndexes`).
    pub reported_index: f64,
    /// By the documented rules from the sizes below (index writes included).
    pub computed: f64,
    pub computed_index: f64,
    pub items: Vec<ItemUnits>,
}

/// One item a call read or wrote, its size and its units by the documented rules.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ItemUnits {
    /// `Put member`, `Get idempotency record`, `ConditionCheck reward`...
    pub what: String,
    pub bytes: usize,
    pub units: f64,
}

/// One measured request.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CapacityRow {
    /// `earn` or `redeem`.
    pub op: String,
    /// `new` (enrolled that day) or `year` (after a year of daily purchases).
    pub member: String,
    pub member_bytes_before: usize,
    pub member_bytes_after: usize,
    pub calls: Vec<CallCapacity>,
}

impl CapacityRow {
    fn sum(&self, kind: &str, f: impl Fn(&CallCapacity) -> f64) -> f64 {
        self.calls.iter().filter(|c| c.kind == kind).map(f).sum()
    }
    /// Read units as DynamoDB Local reported them (None when it reported nothing).
    pub fn reported_read(&self) -> Option<f64> {
        self.all_reported()
            .then(|| self.sum("read", |c| c.reported.unwrap_or(0.0)))
    }
    pub fn reported_write(&self) -> Option<f64> {
        self.all_reported()
            .then(|| self.sum("write", |c| c.reported.unwrap_or(0.0)))
    }
    pub fn computed_read(&self) -> f64 {
        self.sum("read", |c| c.computed)
    }
    pub fn computed_write(&self) -> f64 {
        self.sum("write", |c| c.computed)
    }
    fn all_reported(&self) -> bool {
        !self.calls.is_empty() && self.calls.iter().all(|c| c.reported.is_some())
    }
    /// The units the goal and the cost are figured from: the documented rules. DynamoDB
    /// Local's answer for a TransactWriteItems is not per item (see `calibration`), so it is
    /// shown next to them, not used.
    pub fn read_units(&self) -> f64 {
        self.computed_read()
    }
    pub fn write_units(&self) -> f64 {
        self.computed_write()
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CapacityResult {
    /// Days of daily purchases before the `year` rows.
    pub days: usize,
    pub rows: Vec<CapacityRow>,
    /// The programme's own read (a strongly consistent GetItem): what every request paid
    /// before the programme was cached, and what `SHARED_ITEMS_TTL_SECONDS=0` pays.
    pub program_read: Option<CallCapacity>,
    /// One TransactWriteItems of three new 2,000-byte items, as DynamoDB Local reports it
    /// and by the rules (2 units per started KB of each item: 12).
    #[serde(default)]
    pub calibration: Option<CallCapacity>,
    /// The year member's item size along the year: (day, bytes).
    pub member_bytes_by_day: Vec<(usize, usize)>,
    /// The year member's tier at the end (upgrades came from the simulated stream).
    pub year_tier: String,
    /// The earn used throughout, e.g. `8.99 EUR coffee`.
    pub purchase: String,
    /// The functions' memory in infra/template.yaml (`Globals`), for the cost.
    #[serde(default)]
    pub memory_mb: Option<u32>,
    pub seconds: f64,
}

impl CapacityResult {
    pub fn row(&self, op: &str, member: &str) -> Option<&CapacityRow> {
        self.rows.iter().find(|r| r.op == op && r.member == member)
    }
}

// ------------------------------------------------------------------------------------------
// The interceptor.

/// One call as the probe saw it.
#[derive(Debug, Clone, Default)]
struct Probed {
    operation: &'static str,
    /// The keys a read named (TransactGetItems, GetItem), in order.
    reads: Vec<Item>,
    consistent: bool,
    /// A transaction's actions.
    writes: Vec<TransactWriteItem>,
    consumed: Vec<ConsumedCapacity>,
    /// What a read returned, per key (None: not found).
    returned: Vec<Option<Item>>,
    done: bool,
}

/// Asks every DynamoDB call for its consumed capacity and keeps what it was told.
#[derive(Clone, Default)]
pub struct CapacityProbe {
    calls: Arc<Mutex<Vec<Probed>>>,
}

impl CapacityProbe {
    /// `base` with this probe on every call.
    pub fn client(&self, base: &Client) -> Client {
        Client::from_conf(
            base.config()
                .to_builder()
                .interceptor(ProbeInterceptor {
                    calls: Arc::clone(&self.calls),
                })
                .build(),
        )
    }

    fn take(&self) -> Vec<Probed> {
        std::mem::take(&mut *self.calls.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

#[derive(Debug)]
struct ProbeInterceptor {
    calls: Arc<Mutex<Vec<Probed>>>,
}

impl std::fmt::Debug for CapacityProbe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CapacityProbe")
    }
}

impl Intercept for ProbeInterceptor {
    fn name(&self) -> &'static str {
        "CapacityProbe"
    }

    fn modify_before_serialization(
        &self,
        context: &mut BeforeSerializationInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let input = context.input_mut();
        let probed = if let Some(i) = input.downcast_mut::<TransactGetItemsInput>() {
            i.return_consumed_capacity = Some(ReturnConsumedCapacity::Indexes);
            Probed {
                operation: "TransactGetItems",
                reads: i
                    .transact_items
                    .iter()
                    .flatten()
                    .filter_map(|t| t.get.as_ref().map(|g| g.key.clone()))
                    .collect(),
                consistent: true,
                ..Probed::default()
            }
        } else if let Some(i) = input.downcast_mut::<TransactWriteItemsInput>() {
            i.return_consumed_capacity = Some(ReturnConsumedCapacity::Indexes);
            Probed {
                operation: "TransactWriteItems",
                writes: i.transact_items.clone().unwrap_or_default(),
                ..Probed::default()
            }
        } else if let Some(i) = input.downcast_mut::<GetItemInput>() {
            i.return_consumed_capacity = Some(ReturnConsumedCapacity::Indexes);
            Probed {
                operation: "GetItem",
                reads: i.key.clone().into_iter().collect(),
                consistent: i.consistent_read == Some(true),
                ..Probed::default()
            }
        } else if let Some(i) = input.downcast_mut::<PutItemInput>() {
            i.return_consumed_capacity = Some(ReturnConsumedCapacity::Indexes);
            Probed {
                operation: "PutItem",
                ..Probed::default()
            }
        } else if let Some(i) = input.downcast_mut::<QueryInput>() {
            i.return_consumed_capacity = Some(ReturnConsumedCapacity::Indexes);
            Probed {
                operation: "Query",
                ..Probed::default()
            }
        } else if let Some(i) = input.downcast_mut::<UpdateItemInput>() {
            i.return_consumed_capacity = Some(ReturnConsumedCapacity::Indexes);
            Probed {
                operation: "UpdateItem",
                ..Probed::default()
            }
        } else if let Some(i) = input.downcast_mut::<DeleteItemInput>() {
            i.return_consumed_capacity = Some(ReturnConsumedCapacity::Indexes);
            Probed {
                operation: "DeleteItem",
                ..Probed::default()
            }
        } else {
            return Ok(());
        };
        self.calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(probed);
        Ok(())
    }

    // Per attempt: a failed attempt leaves its call open for the retry to fill in.
    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Ok(output) = context.output_or_error() else {
            return Ok(());
        };
        let (operation, consumed, returned): (&str, Vec<ConsumedCapacity>, Vec<Option<Item>>) =
            if let Some(o) = output.downcast_ref::<TransactGetItemsOutput>() {
                (
                    "TransactGetItems",
                    o.consumed_capacity().to_vec(),
                    o.responses().iter().map(|r| r.item().cloned()).collect(),
                )
            } else if let Some(o) = output.downcast_ref::<TransactWriteItemsOutput>() {
                ("TransactWriteItems", o.consumed_capacity().to_vec(), vec![])
            } else if let Some(o) = output.downcast_ref::<GetItemOutput>() {
                (
                    "GetItem",
                    o.consumed_capacity().cloned().into_iter().collect(),
                    vec![o.item().cloned()],
                )
            } else if let Some(o) = output.downcast_ref::<PutItemOutput>() {
                (
                    "PutItem",
                    o.consumed_capacity().cloned().into_iter().collect(),
                    vec![],
                )
            } else if let Some(o) = output.downcast_ref::<QueryOutput>() {
                (
                    "Query",
                    o.consumed_capacity().cloned().into_iter().collect(),
                    vec![],
                )
            } else if let Some(o) = output.downcast_ref::<UpdateItemOutput>() {
                (
                    "UpdateItem",
                    o.consumed_capacity().cloned().into_iter().collect(),
                    vec![],
                )
            } else if let Some(o) = output.downcast_ref::<DeleteItemOutput>() {
                (
                    "DeleteItem",
                    o.consumed_capacity().cloned().into_iter().collect(),
                    vec![],
                )
            } else {
                return Ok(());
            };
        let mut calls = self.calls.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(call) = calls
            .iter_mut()
            .rev()
            .find(|c| c.operation == operation && !c.done)
        {
            call.consumed = consumed;
            call.returned = returned;
            call.done = true;
        }
        Ok(())
    }
}

// ------------------------------------------------------------------------------------------
// Sizing by the documented rules.

fn text<'a>(item: &'a Item, name: &str) -> &'a str {
    match item.get(name) {
        Some(AttributeValue::S(s)) => s.as_str(),
        _ => "",
    }
}

/// What an item is, from its key.
fn entity(key: &Item) -> &'static str {
    let (pk, sk) = (text(key, keys::PK), text(key, keys::SK));
    if sk == keys::PROFILE && pk.starts_with("MEMBER#") {
        "member"
    } else if sk.starts_with(keys::LEDGER_PREFIX) {
        "ledger entry"
    } else if sk.starts_with("PURCHASE#") {
        "purchase"
    } else if sk.starts_with(keys::REDEMPTION_PREFIX) {
        "redemption"
    } else if sk.starts_with("EVENT#") {
        "event"
    } else if sk.starts_with(keys::ACTION_PREFIX) && pk.starts_with("MEMBER#") {
        "action record"
    } else if pk.starts_with("VOUCHER#") {
        "voucher"
    } else if pk.starts_with("IDEMPOTENCY#") {
        "idempotency record"
    } else if pk == keys::CATALOGUE_PK {
        "reward"
    } else if pk == keys::PROGRAM_PK {
        "programme"
    } else if pk.starts_with("METRICS#") && sk == keys::METRICS_TOTAL_SK {
        "metrics totals"
    } else if pk.starts_with("METRICS#") && keys::metrics_day(sk).is_some() {
        "metrics day"
    } else if pk == keys::SCHEDULE_PK {
        "schedule"
    } else if pk.starts_with(keys::OFFER_PREFIX) && sk == keys::BUDGET_SK {
        "offer budget shard"
    } else {
        "item"
    }
}

fn table_key(item: &Item) -> (String, String) {
    (
        text(item, keys::PK).to_string(),
        text(item, keys::SK).to_string(),
    )
}

fn index_key(item: Option<&Item>) -> Option<(String, String)> {
    let item = item?;
    match (item.get("GSI1PK"), item.get("GSI1SK")) {
        (Some(AttributeValue::S(pk)), Some(AttributeValue::S(sk))) => {
            Some((pk.clone(), sk.clone()))
        }
        _ => None,
    }
}

/// Index writes a change makes (GSI1 projects keys only, so an entry is far below 1 KB):
/// one to add an entry, one to remove one, two to move one.
fn index_writes(old: Option<&Item>, new: Option<&Item>) -> f64 {
    match (index_key(old), index_key(new)) {
        (None, None) => 0.0,
        (Some(a), Some(b)) if a == b => 0.0,
        (Some(_), Some(_)) => 2.0,
        _ => 1.0,
    }
}

/// The units of one probed call by the documented rules: `before` holds the items the
/// request changed as they were, `after` as they are now (for updates and checks, whose new
/// image the request does not carry).
fn computed(
    call: &Probed,
    before: &HashMap<(String, String), Item>,
    after: &HashMap<(String, String), Item>,
) -> CallCapacity {
    let mut out = CallCapacity {
        operation: call.operation.to_string(),
        kind: "read".into(),
        ..CallCapacity::default()
    };
    let consumed_units: Option<f64> = (!call.consumed.is_empty()).then(|| {
        call.consumed
            .iter()
            .map(|c| c.capacity_units().unwrap_or(0.0))
            .sum()
    });
    out.reported = consumed_units;
    out.reported_index = call
        .consumed
        .iter()
        .flat_map(|c| c.global_secondary_indexes().into_iter().flatten())
        .map(|(_, cap)| cap.capacity_units().unwrap_or(0.0))
        .sum();
    match call.operation {
        "TransactGetItems" | "GetItem" => {
            let factor = match (call.operation, call.consistent) {
                ("TransactGetItems", _) => 2.0,
                (_, true) => 1.0,
                _ => 0.5,
            };
            for (k, key) in call.reads.iter().enumerate() {
                let found = call.returned.get(k).cloned().flatten();
                let bytes = found.as_ref().map_or(0, item_size);
                let units = factor * read_units(bytes);
                out.computed += units;
                out.items.push(ItemUnits {
                    what: format!(
                        "Get {}{}",
                        entity(key),
                        if found.is_none() { " (absent)" } else { "" }
                    ),
                    bytes,
                    units,
                });
            }
        }
        "TransactWriteItems" => {
            out.kind = "write".into();
            for action in &call.writes {
                let (what, key, new_item): (&str, Item, Option<Item>) =
                    if let Some(put) = &action.put {
                        let key = put
                            .item
                            .iter()
                            .filter(|(k, _)| *k == keys::PK || *k == keys::SK)
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect();
                        ("Put", key, Some(put.item.clone()))
                    } else if let Some(update) = &action.update {
                        let key = update.key.clone();
                        let new = after.get(&table_key(&key)).cloned();
                        ("Update", key, new)
                    } else if let Some(check) = &action.condition_check {
                        let key = check.key.clone();
                        let new = after.get(&table_key(&key)).cloned();
                        ("ConditionCheck", key, new)
                    } else if let Some(delete) = &action.delete {
                        ("Delete", delete.key.clone(), None)
                    } else {
                        continue;
                    };
                let old = before.get(&table_key(&key));
                let bytes = new_item
                    .as_ref()
                    .map_or(0, item_size)
                    .max(old.map_or(0, item_size));
                let units = 2.0 * write_units(bytes);
                let index = if what == "ConditionCheck" {
                    0.0
                } else {
                    index_writes(old, new_item.as_ref())
                };
                out.computed += units + index;
                out.computed_index += index;
                out.items.push(ItemUnits {
                    what: format!("{what} {}", entity(&key)),
                    bytes,
                    units,
                });
            }
        }
        other => {
            out.kind = if matches!(other, "Query") {
                "read"
            } else {
                "write"
            }
            .into();
        }
    }
    out
}

// ------------------------------------------------------------------------------------------
// The scenario.

fn till() -> Value {
    json!({"sub": "bench-till", "scope": "loyalty/earn"})
}

fn admin() -> Value {
    json!({"sub": "bench-operator", "scope": "loyalty/admin"})
}

fn coffee(transaction: &str, amount_minor: i64) -> Value {
    json!({"transactionId": transaction,
           "amount": {"amount": amount_minor, "currency": "EUR"}, "category": "coffee"})
}

fn expect_2xx(what: &str, response: &loyalty_tests::TestResponse) -> Result<()> {
    if response.status.is_success() {
        Ok(())
    } else {
        bail!("{what}: {} {}", response.status, response.body)
    }
}

/// A stream record of a member's profile, as the table's stream delivers it to
/// evaluate-tier (which reads the member again: the keys are all it uses).
fn profile_record(member: &str, sequence: usize) -> Value {
    json!({"Records": [{
        "eventID": format!("bench-{sequence}"),
        "eventName": "MODIFY",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "Keys": {"PK": {"S": format!("MEMBER#{member}")}, "SK": {"S": "PROFILE"}},
            "SequenceNumber": format!("{sequence:021}"),
            "SizeBytes": 100,
            "StreamViewType": "NEW_AND_OLD_IMAGES"
        },
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/bench/stream/2026-01-01T00:00:00.000"
    }]})
}

struct Sim {
    context: Context,
    tiers: TierContext,
    clock: ManualClock,
    probe: CapacityProbe,
    /// Unprobed, for reading items back.
    direct: Client,
    table: String,
}

/// Sizes what a request made through a probed client read and wrote, reading the items it
/// changed back straight from the table (unprobed).
#[derive(Clone, Copy)]
pub(crate) struct Meter<'a> {
    pub probe: &'a CapacityProbe,
    pub direct: &'a Client,
    pub table: &'a str,
}

impl Meter<'_> {
    async fn item(&self, key: &Item) -> Result<Option<Item>> {
        Ok(self
            .direct
            .get_item()
            .table_name(self.table)
            .set_key(Some(key.clone()))
            .consistent_read(true)
            .send()
            .await?
            .item)
    }

    /// The member item as stored now.
    pub(crate) async fn member_item(&self, member: &str) -> Result<Option<Item>> {
        self.item(&Sim::member_key(member)).await
    }

    /// The member item's size now (0 when there is none).
    pub(crate) async fn member_bytes(&self, member: &str) -> Result<usize> {
        Ok(self
            .item(&Sim::member_key(member))
            .await?
            .as_ref()
            .map_or(0, item_size))
    }

    /// Forgets what the probe saw so far (a warm-up's calls).
    pub(crate) fn forget(&self) {
        self.probe.take();
    }

    /// Runs `request` with the probe on, and sizes what it read and wrote: the member's and
    /// the reward's items as they were before (the items a request replaces whole), every
    /// item it updated or checked as it is after.
    pub(crate) async fn measure(
        &self,
        op: &str,
        member_kind: &str,
        member: &str,
        request: impl std::future::Future<Output = Result<()>>,
    ) -> Result<CapacityRow> {
        let mut before = HashMap::new();
        for key in [Sim::member_key(member), Sim::reward_key()] {
            if let Some(item) = self.item(&key).await? {
                before.insert(table_key(&key), item);
            }
        }
        let member_bytes_before = before
            .get(&table_key(&Sim::member_key(member)))
            .map_or(0, item_size);
        self.probe.take();
        request.await?;
        let probed = self.probe.take();
        let mut after = HashMap::new();
        for call in &probed {
            for action in &call.writes {
                let key = action
                    .update
                    .as_ref()
                    .map(|u| u.key.clone())
                    .or_else(|| action.condition_check.as_ref().map(|c| c.key.clone()));
                if let Some(key) = key
                    && let Some(item) = self.item(&key).await?
                {
                    after.insert(table_key(&key), item);
                }
            }
        }
        let calls = probed
            .iter()
            .map(|call| computed(call, &before, &after))
            .collect();
        Ok(CapacityRow {
            op: op.into(),
            member: member_kind.into(),
            member_bytes_before,
            member_bytes_after: self.member_bytes(member).await?,
            calls,
        })
    }
}

impl Sim {
    fn meter(&self) -> Meter<'_> {
        Meter {
            probe: &self.probe,
            direct: &self.direct,
            table: &self.table,
        }
    }

    fn member_key(member: &str) -> Item {
        HashMap::from([
            (
                keys::PK.to_string(),
                AttributeValue::S(keys::member_pk(member)),
            ),
            (
                keys::SK.to_string(),
                AttributeValue::S(keys::PROFILE.into()),
            ),
        ])
    }

    fn reward_key() -> Item {
        HashMap::from([
            (
                keys::PK.to_string(),
                AttributeValue::S(keys::CATALOGUE_PK.into()),
            ),
            (
                keys::SK.to_string(),
                AttributeValue::S(keys::reward_sk(REWARD)),
            ),
        ])
    }

    async fn member_bytes(&self, member: &str) -> Result<usize> {
        self.meter().member_bytes(member).await
    }

    async fn daily(&self, day: OffsetDateTime) -> Result<()> {
        self.clock
            .set(day.date().midnight().assume_utc() + time::Duration::minutes(15));
        evaluate_tier::handle(&self.tiers, json!({"kind": "daily"}))
            .await
            .map_err(|e| anyhow!("daily run on {}: {e}", day.date()))?;
        self.clock
            .set(day.date().midnight().assume_utc() + time::Duration::hours(12));
        Ok(())
    }

    async fn call(&self, function: Function, call: Call, what: &str) -> Result<Value> {
        let response = invoke(&self.context, function, call).await;
        expect_2xx(what, &response)?;
        Ok(response.body)
    }

    async fn enrol(&self, member: &str) -> Result<()> {
        self.call(
            Function::MemberApi,
            Call::new("POST", "/v1/members")
                .claims(crate::scenario::member(member))
                .json(&json!({"displayName": "Bench member"})),
            "enrol",
        )
        .await
        .map(|_| ())
    }

    async fn earn(&self, member: &str, body: &Value) -> Result<()> {
        self.call(
            Function::EarnPoints,
            Call::new("POST", format!("/v1/members/{member}/earn"))
                .claims(till())
                .json(body),
            "earn",
        )
        .await
        .map(|_| ())
    }

    async fn redeem(&self, member: &str, key: &str) -> Result<()> {
        self.call(
            Function::RedeemReward,
            Call::new("POST", "/v1/members/me/redemptions")
                .claims(crate::scenario::member(member))
                .header("idempotency-key", key)
                .json(&json!({"rewardId": REWARD})),
            "redeem",
        )
        .await
        .map(|_| ())
    }

    async fn stream(&self, member: &str, sequence: usize) -> Result<()> {
        let answer = evaluate_tier::handle(&self.tiers, profile_record(member, sequence))
            .await
            .map_err(|e| anyhow!("stream record: {e}"))?;
        crate::scenario::check_answer(
            Some(crate::scenario::Op::StreamBatch),
            &answer.to_string().into_bytes(),
        )
    }

    /// Three new 2,000-byte items in one TransactWriteItems: what DynamoDB Local reports
    /// for them, next to the documented rule's 3 x 2 x 2 = 12 write units.
    async fn calibrate(&self) -> Result<Option<CallCapacity>> {
        let writes: Vec<TransactWriteItem> = (0..3)
            .map(|i| {
                let item = HashMap::from([
                    (
                        keys::PK.to_string(),
                        AttributeValue::S(format!("BENCH#calibration-{i}")),
                    ),
                    (keys::SK.to_string(), AttributeValue::S("BENCH".into())),
                    ("pad".to_string(), AttributeValue::S("x".repeat(1_960))),
                ]);
                aws_sdk_dynamodb::types::Put::builder()
                    .table_name(&self.table)
                    .set_item(Some(item))
                    .build()
                    .map(|put| TransactWriteItem::builder().put(put).build())
            })
            .collect::<Result<_, _>>()?;
        self.probe.take();
        self.probe
            .client(&self.direct)
            .transact_write_items()
            .set_transact_items(Some(writes))
            .send()
            .await?;
        Ok(self
            .probe
            .take()
            .first()
            .map(|call| computed(call, &HashMap::new(), &HashMap::new())))
    }

    /// Runs `request` with the probe on, and sizes what it read and wrote.
    async fn measure(
        &self,
        op: &str,
        member_kind: &str,
        member: &str,
        request: impl std::future::Future<Output = Result<()>>,
    ) -> Result<CapacityRow> {
        self.meter().measure(op, member_kind, member, request).await
    }
}

/// A new table, the year simulated, the four requests measured.
pub async fn run(direct: Client, table: &str, days: usize) -> Result<CapacityResult> {
    let started = std::time::Instant::now();
    table_definition()
        .create(&direct, table)
        .await
        .context("creating the capacity table")?;
    crate::scenario::disable_stream(&direct, table).await?;
    let probe = CapacityProbe::default();
    let clock = ManualClock::at(START);
    let context = Context {
        store: Store::new(probe.client(&direct), table),
        clock: Arc::new(clock.clone()),
        auth: AuthConfig::authorizer_only(),
        shared: SharedItems::new(DEFAULT_TTL),
    };
    let program = Program::from_json(demo_program_json().as_bytes())
        .map_err(|e| anyhow!("demo programme: {e}"))?;
    context
        .store
        .put_program(&program, START, "bench")
        .await
        .map_err(|e| anyhow!("storing the programme: {e}"))?;
    let tiers = TierContext::new(context.clone(), Arc::new(RecordingPublisher::default()));
    let sim = Sim {
        context,
        tiers,
        clock,
        probe,
        direct,
        table: table.to_string(),
    };
    sim.call(
        Function::RedeemReward,
        Call::new("PUT", format!("/v1/rewards/{REWARD}"))
            .claims(admin())
            .json(&json!({"name": "Bench coffee", "cost": 100})),
        "reward",
    )
    .await?;
    sim.enrol(YEAR_MEMBER).await?;
    let calibration = sim.calibrate().await?;

    let mut member_bytes_by_day = Vec::new();
    for day in 0..days {
        let at = START + time::Duration::days(i64::try_from(day).unwrap_or(0));
        sim.daily(at).await?;
        sim.earn(YEAR_MEMBER, &coffee(&format!("y-{day}"), 899))
            .await?;
        sim.stream(YEAR_MEMBER, day).await?;
        if SIZE_DAYS.contains(&(day + 1)) {
            member_bytes_by_day.push((day + 1, sim.member_bytes(YEAR_MEMBER).await?));
        }
        if (day + 1) % 73 == 0 {
            eprintln!(
                "bench: capacity: day {}/{days} of daily purchases, member item {} bytes ({:.0}s)",
                day + 1,
                sim.member_bytes(YEAR_MEMBER).await?,
                started.elapsed().as_secs_f64()
            );
        }
    }
    sim.probe.take();

    // The day of the measurements: a year after the first purchase.
    let day = START + time::Duration::days(i64::try_from(days).unwrap_or(0));
    sim.daily(day).await?;
    sim.enrol(NEW_MEMBER).await?;
    sim.enrol(NEW_REDEEMER).await?;
    sim.earn(NEW_REDEEMER, &coffee("n-r-1", 6000)).await?;
    sim.stream(NEW_REDEEMER, days + 1).await?;
    // The programme, read once as a warm environment holds it; its own cost is kept.
    sim.context
        .shared
        .program(&sim.context.store, sim.clock.now())
        .await
        .map_err(|e| anyhow!("reading the programme: {e}"))?;
    sim.probe.take();
    let program_read = {
        sim.context
            .store
            .program()
            .await
            .map_err(|e| anyhow!("reading the programme: {e}"))?;
        let probed = sim.probe.take();
        probed
            .first()
            .map(|call| computed(call, &HashMap::new(), &HashMap::new()))
    };

    let mut rows = Vec::new();
    rows.push(
        sim.measure(
            "earn",
            "new",
            NEW_MEMBER,
            sim.earn(NEW_MEMBER, &coffee("n-1", 899)),
        )
        .await?,
    );
    rows.push(
        sim.measure(
            "earn",
            "year",
            YEAR_MEMBER,
            sim.earn(YEAR_MEMBER, &coffee(&format!("y-{days}"), 899)),
        )
        .await?,
    );
    rows.push(
        sim.measure(
            "redeem",
            "new",
            NEW_REDEEMER,
            sim.redeem(NEW_REDEEMER, "cap-new-r"),
        )
        .await?,
    );
    rows.push(
        sim.measure(
            "redeem",
            "year",
            YEAR_MEMBER,
            sim.redeem(YEAR_MEMBER, "cap-year-r"),
        )
        .await?,
    );
    // Through the store, as the functions read a member (not by an attribute's name).
    let year_id = MemberId::try_from(YEAR_MEMBER).map_err(|e| anyhow!("{e}"))?;
    let year_tier = Store::new(sim.direct.clone(), table)
        .member(&year_id)
        .await
        .map_err(|e| anyhow!("reading the year member: {e}"))?
        .map(|member| member.tier().name.clone())
        .ok_or_else(|| anyhow!("the year member is gone"))?;
    let result = CapacityResult {
        days,
        rows,
        program_read,
        member_bytes_by_day,
        year_tier,
        purchase: "8.99 EUR coffee".into(),
        memory_mb: crate::daily::template_value("\nGlobals:", "MemorySize:"),
        calibration,
        seconds: started.elapsed().as_secs_f64(),
    };
    for row in &result.rows {
        eprintln!(
            "bench: capacity: {} ({} member, item {} bytes): {} RCU + {} WCU reported, {} + {} by the documented rules",
            row.op,
            row.member,
            row.member_bytes_after,
            row.reported_read().map_or("n/a".into(), |v| v.to_string()),
            row.reported_write().map_or("n/a".into(), |v| v.to_string()),
            row.computed_read(),
            row.computed_write()
        );
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::types::{ConditionCheck, Put};

    fn s(v: &str) -> AttributeValue {
        AttributeValue::S(v.into())
    }

    fn member(gsi: Option<&str>, padding: usize) -> Item {
        let mut item = HashMap::from([
            ("PK".to_string(), s("MEMBER#m")),
            ("SK".to_string(), s("PROFILE")),
            ("pad".to_string(), s(&"x".repeat(padding))),
        ]);
        if let Some(day) = gsi {
            item.insert("GSI1PK".into(), s(day));
            item.insert("GSI1SK".into(), s("m"));
        }
        item
    }

    #[test]
    fn a_transaction_costs_two_units_per_started_kilobyte_of_each_item_and_its_index_moves() {
        let old = member(Some("DUE#2027-01-01#3"), 1500);
        let new = member(Some("DUE#2027-02-01#3"), 100);
        let reward = HashMap::from([
            ("PK".to_string(), s("CATALOGUE")),
            ("SK".to_string(), s("REWARD#r")),
        ]);
        let put = |item: Item| {
            TransactWriteItem::builder()
                .put(
                    Put::builder()
                        .table_name("t")
                        .set_item(Some(item))
                        .build()
                        .unwrap(),
                )
                .build()
        };
        let call = Probed {
            operation: "TransactWriteItems",
            writes: vec![
                put(new.clone()),
                put(HashMap::from([
                    ("PK".to_string(), s("MEMBER#m")),
                    ("SK".to_string(), s("LEDGER#00000000000000000001")),
                ])),
                TransactWriteItem::builder()
                    .condition_check(
                        ConditionCheck::builder()
                            .table_name("t")
                            .set_key(Some(reward.clone()))
                            .condition_expression("attribute_exists(PK)")
                            .build()
                            .unwrap(),
                    )
                    .build(),
            ],
            ..Probed::default()
        };
        let before = HashMap::from([(table_key(&old), old.clone())]);
        let after = HashMap::from([(table_key(&reward), reward.clone())]);
        let cost = computed(&call, &before, &after);
        // The member: the larger image (1.5 KB before) is 2 KB-blocks, x2; its index entry
        // moves (remove + add); the ledger entry 1 block x2; the check 1 block x2.
        assert_eq!(cost.computed, 4.0 + 2.0 + 2.0 + 2.0);
        assert_eq!(cost.computed_index, 2.0);
        assert_eq!(cost.kind, "write");
        assert_eq!(
            cost.items
                .iter()
                .map(|i| i.what.as_str())
                .collect::<Vec<_>>(),
            ["Put member", "Put ledger entry", "ConditionCheck reward"]
        );
        assert_eq!(cost.reported, None);
    }

    #[test]
    fn items_are_named_by_their_keys() {
        let key = |pk: &str, sk: &str| {
            HashMap::from([("PK".to_string(), s(pk)), ("SK".to_string(), s(sk))])
        };
        let day = time::macros::date!(2026 - 12 - 02);
        for (pk, sk, what) in [
            (keys::member_pk("m"), keys::PROFILE.to_string(), "member"),
            (keys::member_pk("m"), keys::ledger_sk(7), "ledger entry"),
            (
                keys::metrics_pk(7),
                keys::metrics_day_sk(day),
                "metrics day",
            ),
            (
                keys::metrics_pk(63),
                keys::METRICS_TOTAL_SK.to_string(),
                "metrics totals",
            ),
            (
                keys::CATALOGUE_PK.to_string(),
                keys::reward_sk("r"),
                "reward",
            ),
            (
                keys::SCHEDULE_PK.to_string(),
                keys::DAILY_SK.to_string(),
                "schedule",
            ),
            (
                keys::budget_pk("o-07", 3),
                keys::BUDGET_SK.to_string(),
                "offer budget shard",
            ),
            ("SOMETHING".to_string(), "ELSE".to_string(), "item"),
        ] {
            assert_eq!(entity(&key(&pk, &sk)), what, "{pk} {sk}");
        }
    }

    #[test]
    fn a_transactional_read_costs_two_units_per_item_found_or_not() {
        let call = Probed {
            operation: "TransactGetItems",
            reads: vec![
                member(None, 0),
                HashMap::from([
                    ("PK".to_string(), s("IDEMPOTENCY#earn#m#t")),
                    ("SK".to_string(), s("IDEMPOTENCY")),
                ]),
            ],
            returned: vec![Some(member(None, 5000)), None],
            consistent: true,
            ..Probed::default()
        };
        let cost = computed(&call, &HashMap::new(), &HashMap::new());
        assert_eq!(cost.computed, 2.0 * 2.0 + 2.0);
        assert_eq!(cost.items[1].what, "Get idempotency record (absent)");
    }
}
