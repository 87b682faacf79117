//! The daily run at scale: 100,000 members due on one day, run by one worker, against the
//! same DynamoDB calls made by the harness alone; then the projection to 1,000,000 due
//! members on AWS (in `projection`).
//!
//! The members are built and written as in the growth scenario (`growth::Members`): each
//! holds a lot whose expiry warning falls on the run's day. The run is
//! `evaluate_tier::handle(.., {"kind": "daily"})` in the harness on a client straight to
//! DynamoDB Local: with no queue (the local stack), the planner runs every piece (day x
//! shard, a page of `page_size` members each) itself, one after the other, with the same
//! worker code as in AWS, `concurrency` members in flight: that is one worker. Its CPU time
//! is the harness process's (nothing else runs in it meanwhile).
//!
//! The floor: the same calls for a sample of the members, made by the harness with the SDK,
//! at the same concurrency and page size. The sample's members are written twice, to the
//! run's table and to a floor table; an interceptor keeps the bodies of the calls the
//! function made for them (TransactGetItems, TransactWriteItems), and the floor makes those
//! calls again on the floor table (where the members are as they were), a page of the
//! floor table's due partitions (one Query) at a time.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use anyhow::{Context as _, Result, anyhow, bail};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use aws_sdk_dynamodb::types::{AttributeValue, Select};
use evaluate_tier::{DailySettings, RecordingPublisher, TierContext};
use futures::StreamExt;
use loyalty::Context;
use loyalty::domain::clock::ManualClock;
use loyalty::identity::AuthConfig;
use loyalty::shared_items::SharedItems;
use loyalty::store::{Store, keys};
use loyalty_bench::replay::{self, Call};
use loyalty_tests::table_definition;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::growth::{Members, seed_in_chunks};

/// One pass of the daily run (or of its floor).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DailyPass {
    /// Pieces the planner made (0 for the floor).
    pub planned: usize,
    pub due: usize,
    pub processed: usize,
    pub failed: usize,
    pub warnings: usize,
    pub wall_s: f64,
    /// CPU time of the harness process (user + system) during the pass.
    pub cpu_s: f64,
    pub calls_by_operation: BTreeMap<String, usize>,
}

impl DailyPass {
    pub fn members_per_s(&self) -> f64 {
        self.processed as f64 / self.wall_s
    }
    /// CPU time per member reviewed, in ms.
    pub fn cpu_ms_per_member(&self) -> f64 {
        self.cpu_s * 1000.0 / self.processed as f64
    }
    pub fn calls(&self, operation: &str) -> usize {
        self.calls_by_operation.get(operation).copied().unwrap_or(0)
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DailyResult {
    /// Members seeded due on the run's day.
    pub due: usize,
    pub page_size: i32,
    pub concurrency: usize,
    pub seed_s: f64,
    pub run: DailyPass,
    /// Members still filed as due on the run's day afterwards (a COUNT Query of each shard).
    pub remaining_due: usize,
    /// The same run again.
    pub rerun: DailyPass,
    /// The harness making the same calls for a sample of the members.
    pub floor: DailyPass,
    /// From infra/template.yaml: the daily queue's MaximumConcurrency and the function's
    /// memory (None when the template could not be read).
    pub workers: Option<usize>,
    pub memory_mb: Option<u32>,
    pub timeout_s: Option<u32>,
}

/// Counts calls by operation and keeps the bodies of those that name a floor member.
#[derive(Debug)]
struct Tap {
    counts: Arc<Mutex<BTreeMap<String, usize>>>,
    writes: Arc<AtomicUsize>,
    captured: Arc<Mutex<HashMap<String, Vec<Call>>>>,
}

const FLOOR_PREFIX: &str = "fl-";

impl Intercept for Tap {
    fn name(&self) -> &'static str {
        "DailyTap"
    }

    // Once per attempt: a retried call shows as two (none are expected).
    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request();
        let operation = request
            .headers()
            .get("x-amz-target")
            .and_then(|t| t.split('.').next_back())
            .unwrap_or("<unknown>")
            .to_string();
        if operation == "TransactWriteItems" {
            self.writes.fetch_add(1, Ordering::Relaxed);
        }
        *self
            .counts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(operation.clone())
            .or_default() += 1;
        if !matches!(
            operation.as_str(),
            "TransactGetItems" | "TransactWriteItems"
        ) {
            return Ok(());
        }
        let Some(body) = request.body().bytes() else {
            return Ok(());
        };
        let marker = format!("\"MEMBER#{FLOOR_PREFIX}");
        let text = String::from_utf8_lossy(body);
        let Some(at) = text.find(&marker) else {
            return Ok(());
        };
        let member: String = text[at + "\"MEMBER#".len()..]
            .chars()
            .take_while(|c| *c != '"')
            .collect();
        let request: Value = serde_json::from_slice(body)?;
        self.captured
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(member)
            .or_default()
            .push(Call { operation, request });
        Ok(())
    }
}

/// User + system CPU time of this process so far, in seconds (`/proc/self/stat`, clock
/// ticks of 1/100 s).
pub fn process_cpu_s() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    // Fields 14 and 15 of stat(5); `rest` starts at field 3.
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// Prints how far a pass has got every 15 seconds, until dropped.
struct Ticker(tokio::task::JoinHandle<()>);

impl Ticker {
    fn start(label: &'static str, total: usize, done: Arc<AtomicUsize>) -> Self {
        let started = Instant::now();
        Self(tokio::spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_secs(15)).await;
                let n = done.load(Ordering::Relaxed);
                eprintln!(
                    "bench: {label}: {n}/{total} members reviewed ({:.0}s, {:.0}/s)",
                    started.elapsed().as_secs_f64(),
                    n as f64 / started.elapsed().as_secs_f64()
                );
            }
        }))
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn usize_of(v: &Value) -> usize {
    usize::try_from(v.as_u64().unwrap_or(0)).unwrap_or(0)
}

/// A value of infra/template.yaml, read as text: the first `key` after `anchor`.
pub fn template_value<T: std::str::FromStr>(anchor: &str, key: &str) -> Option<T> {
    let text = std::fs::read_to_string(loyalty_tests::template_path()).ok()?;
    let from = text.find(anchor)?;
    text[from..]
        .lines()
        .find_map(|l| l.trim().strip_prefix(key).map(|v| v.trim().to_string()))?
        .parse()
        .ok()
}

/// The daily queue's `MaximumConcurrency`, and the evaluate-tier function's memory and
/// timeout, as infra/template.yaml declares them.
pub fn template_settings() -> (Option<usize>, Option<u32>, Option<u32>) {
    (
        template_value("DailyRunPieces:", "MaximumConcurrency:"),
        template_value("\n  EvaluateTierFunction:", "MemorySize:"),
        template_value("\n  EvaluateTierFunction:", "Timeout:"),
    )
}

/// Members filed as due on `day` in `table`, every shard (COUNT Queries of the index).
async fn count_due(client: &Client, table: &str, day: time::Date) -> Result<usize> {
    let mut total = 0usize;
    for shard in 0..keys::DUE_SHARDS {
        let mut start = None;
        loop {
            let page = client
                .query()
                .table_name(table)
                .index_name(keys::DUE_INDEX)
                .key_condition_expression("GSI1PK = :due")
                .expression_attribute_values(
                    ":due",
                    AttributeValue::S(keys::due_partition(day, shard)),
                )
                .select(Select::Count)
                .set_exclusive_start_key(start)
                .send()
                .await?;
            total += usize::try_from(page.count).unwrap_or(0);
            start = page.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
    }
    Ok(total)
}

fn retable(value: &mut Value, from: &str, to: &str) {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if k == "TableName" && v.as_str() == Some(from) {
                    *v = Value::String(to.to_string());
                } else {
                    retable(v, from, to);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| retable(v, from, to)),
        _ => {}
    }
}

/// Seeds `due` members due on one day (and `floor` of them again in a floor table), runs the
/// daily run, checks it left none behind and that a second run does nothing, and makes the
/// floor's calls.
pub async fn run(
    direct: Client,
    endpoint: &str,
    table: &str,
    floor_table: &str,
    due: usize,
    floor: usize,
) -> Result<DailyResult> {
    let floor = floor.min(due);
    let settings = DailySettings::default();
    let (workers, memory_mb, timeout_s) = template_settings();
    for t in [table, floor_table] {
        table_definition().create(&direct, t).await?;
        crate::scenario::disable_stream(&direct, t).await?;
    }
    let members = Members::new()?;
    let store = Store::new(direct.clone(), table);
    let floor_store = Store::new(direct.clone(), floor_table);
    members.put_program(&store).await?;
    members.put_program(&floor_store).await?;
    let started = Instant::now();
    let mut batch = Vec::with_capacity(due);
    for i in 0..due {
        let id = if i < floor {
            format!("{FLOOR_PREFIX}{i}")
        } else {
            format!("d-{i}")
        };
        batch.push(members.due(&id)?);
    }
    let floor_batch = batch[..floor].to_vec();
    seed_in_chunks(&store, batch, "daily run").await?;
    seed_in_chunks(&floor_store, floor_batch, "daily run floor").await?;
    let seed_s = started.elapsed().as_secs_f64();
    eprintln!(
        "bench: daily run: {due} members due on one day seeded (and {floor} in the floor's table) in {seed_s:.0}s"
    );

    let counts = Arc::new(Mutex::new(BTreeMap::new()));
    let writes = Arc::new(AtomicUsize::new(0));
    let captured = Arc::new(Mutex::new(HashMap::new()));
    let tapped = Client::from_conf(
        direct
            .config()
            .to_builder()
            .interceptor(Tap {
                counts: Arc::clone(&counts),
                writes: Arc::clone(&writes),
                captured: Arc::clone(&captured),
            })
            .build(),
    );
    let tiers = TierContext::new(
        Context {
            store: Store::new(tapped, table),
            clock: Arc::new(ManualClock::at(members.run_at)),
            auth: AuthConfig::authorizer_only(),
            shared: SharedItems::from_env(),
        },
        Arc::new(RecordingPublisher::default()),
    );
    let pass = |label: &'static str, expected: usize| {
        let counts = Arc::clone(&counts);
        let writes = Arc::clone(&writes);
        let tiers = &tiers;
        async move {
            counts
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clear();
            writes.store(0, Ordering::Relaxed);
            let ticker = Ticker::start(label, expected, Arc::clone(&writes));
            let cpu = process_cpu_s();
            let t0 = Instant::now();
            let summary = evaluate_tier::handle(tiers, json!({"kind": "daily"}))
                .await
                .map_err(|e| anyhow!("daily run: {e}"))?;
            let wall_s = t0.elapsed().as_secs_f64();
            let cpu_s = process_cpu_s() - cpu;
            drop(ticker);
            Ok::<_, anyhow::Error>(DailyPass {
                planned: usize_of(&summary["planned"]),
                due: usize_of(&summary["due"]),
                processed: usize_of(&summary["processed"]),
                failed: usize_of(&summary["failed"]),
                warnings: usize_of(&summary["warnings"]),
                wall_s,
                cpu_s,
                calls_by_operation: counts
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .clone(),
            })
        }
    };
    let run = pass("daily run", due).await?;
    eprintln!(
        "bench: daily run: {} of {} due processed in {:.1}s ({:.0} members/s, {:.3} ms CPU each), {:?}",
        run.processed,
        run.due,
        run.wall_s,
        run.members_per_s(),
        run.cpu_ms_per_member(),
        run.calls_by_operation
    );
    let remaining_due = count_due(&direct, table, members.run_at.date()).await?;
    let rerun = pass("daily run again", 0).await?;
    eprintln!(
        "bench: daily run: {remaining_due} still filed as due; run again: {} pieces, {} due, {} processed, {:?}",
        rerun.planned, rerun.due, rerun.processed, rerun.calls_by_operation
    );

    let captured = std::mem::take(&mut *captured.lock().unwrap_or_else(PoisonError::into_inner));
    let floor_pass = floor_calls(
        endpoint,
        floor_table,
        table,
        members.run_at.date(),
        captured,
        settings,
        floor,
    )
    .await?;
    eprintln!(
        "bench: daily run floor: {} members in {:.1}s ({:.0} members/s, {:.3} ms CPU each), {:?}",
        floor_pass.processed,
        floor_pass.wall_s,
        floor_pass.members_per_s(),
        floor_pass.cpu_ms_per_member(),
        floor_pass.calls_by_operation
    );
    Ok(DailyResult {
        due,
        page_size: settings.page_size,
        concurrency: settings.concurrency,
        seed_s,
        run,
        remaining_due,
        rerun,
        floor: floor_pass,
        workers,
        memory_mb,
        timeout_s,
    })
}

/// The harness alone: the floor table's due partitions a page at a time (one Query), and
/// for each member of a page the calls the function made for it, `concurrency` at once.
async fn floor_calls(
    endpoint: &str,
    floor_table: &str,
    table: &str,
    day: time::Date,
    mut captured: HashMap<String, Vec<Call>>,
    settings: DailySettings,
    expected: usize,
) -> Result<DailyPass> {
    for calls in captured.values_mut() {
        for call in calls {
            retable(&mut call.request, table, floor_table);
        }
    }
    if captured.len() != expected {
        bail!(
            "the function's calls were captured for {} of the {expected} floor members",
            captured.len()
        );
    }
    let client = replay::plain_client(Some(endpoint)).await;
    let done = Arc::new(AtomicUsize::new(0));
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let ticker = Ticker::start("daily run floor", expected, Arc::clone(&done));
    let cpu = process_cpu_s();
    let t0 = Instant::now();
    for shard in 0..keys::DUE_SHARDS {
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        loop {
            let page = client
                .query()
                .table_name(floor_table)
                .index_name(keys::DUE_INDEX)
                .key_condition_expression("GSI1PK = :due")
                .expression_attribute_values(
                    ":due",
                    AttributeValue::S(keys::due_partition(day, shard)),
                )
                .projection_expression("GSI1SK")
                .set_exclusive_start_key(start.take())
                .limit(settings.page_size)
                .send()
                .await?;
            *counts.entry("Query".into()).or_default() += 1;
            let ids: Vec<String> = page
                .items()
                .iter()
                .filter_map(|item| match item.get("GSI1SK") {
                    Some(AttributeValue::S(id)) => Some(id.clone()),
                    _ => None,
                })
                .collect();
            let made: Vec<Result<Vec<String>>> = futures::stream::iter(ids)
                .map(|id| {
                    let calls = captured.get(&id).cloned();
                    let client = &client;
                    let done = &done;
                    async move {
                        let calls =
                            calls.ok_or_else(|| anyhow!("no captured calls for member {id}"))?;
                        for call in &calls {
                            replay::make(client, call)
                                .await
                                .with_context(|| format!("floor: {} for {id}", call.operation))?;
                        }
                        done.fetch_add(1, Ordering::Relaxed);
                        Ok(calls.into_iter().map(|c| c.operation).collect())
                    }
                })
                .buffer_unordered(settings.concurrency)
                .collect()
                .await;
            for operations in made {
                for operation in operations? {
                    *counts.entry(operation).or_default() += 1;
                }
            }
            start = page.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
    }
    let wall_s = t0.elapsed().as_secs_f64();
    let cpu_s = process_cpu_s() - cpu;
    drop(ticker);
    let processed = done.load(Ordering::Relaxed);
    Ok(DailyPass {
        planned: 0,
        due: expected,
        processed,
        failed: expected.saturating_sub(processed),
        warnings: 0,
        wall_s,
        cpu_s,
        calls_by_operation: counts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_declares_the_workers_memory_and_timeout() {
        let (workers, memory, timeout) = template_settings();
        assert!(workers.is_some_and(|w| w >= 1), "{workers:?}");
        assert!(memory.is_some_and(|m| m >= 128), "{memory:?}");
        assert!(timeout.is_some_and(|t| t >= 1), "{timeout:?}");
    }

    #[test]
    fn table_names_are_replaced_everywhere_in_a_request() {
        let mut request = json!({"TransactItems": [
            {"Put": {"TableName": "a", "Item": {"TableName": {"S": "a"}}}},
            {"ConditionCheck": {"TableName": "a"}}
        ]});
        retable(&mut request, "a", "b");
        assert_eq!(request["TransactItems"][0]["Put"]["TableName"], "b");
        assert_eq!(
            request["TransactItems"][1]["ConditionCheck"]["TableName"],
            "b"
        );
        // An attribute that happens to be called TableName keeps its value.
        assert_eq!(
            request["TransactItems"][0]["Put"]["Item"]["TableName"],
            json!({"S": "a"})
        );
    }

    #[test]
    fn cpu_time_of_this_process_is_read() {
        let before = process_cpu_s();
        let mut x = 0u64;
        for i in 0..20_000_000u64 {
            x = x.wrapping_add(i * i);
        }
        assert!(x > 0);
        assert!(process_cpu_s() >= before);
    }
}
