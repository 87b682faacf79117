//! `make bench`: every function measured against its physical floor, in one run.
//!
//! - Cold start: each function's release binary, and two floor binaries (`floor-echo`, a bare
//!   lambda_runtime echo; `floor-sdk`, lambda_http + aws-config + the DynamoDB client making
//!   the same DynamoDB calls), started against the harness's own Lambda Runtime API.
//! - Warm: each operation driven through the function binaries by concurrent clients, next to
//!   the same DynamoDB calls made by the harness alone (and by `floor-sdk`), with every
//!   DynamoDB call counted and timed by a proxy in front of DynamoDB Local.
//! - Memory and size, growth of the daily run, the earn-rule engine's throughput.
//! - The daily run with 100,000 members due on one day, next to the same calls made by the
//!   harness (`daily`), and its projection to 1,000,000 on AWS (`projection`).
//! - Capacity units per earn and per redeem, new member and after a year (`capacity`), and
//!   what a million of each costs on AWS.
//! - Earn and redeem with the programme cached and read on every request
//!   (`SHARED_ITEMS_TTL_SECONDS=0`), side by side.
//! - Earn with no targeted offer, with 50 that do not match the purchase and with 50 that do
//!   (40 applied), side by side (`offers`).
//! - Earn on the demo programme and with 50 running challenges and a paid membership, side by
//!   side; the member item at its documented worst case (`gamification`).
//!
//! Writes BENCHMARKS.md and an SVG chart; prints one line per figure. Run by
//! `scripts/bench.sh`, which builds the binaries and starts DynamoDB Local.

mod capacity;
mod chart;
mod daily;
mod figures;
mod gamification;
mod growth;
mod import;
mod item_size;
mod offers;
mod projection;
mod proxy;
mod report;
mod runtime_api;
mod scenario;
mod slot;
mod stats;

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, anyhow, bail};
use aws_sdk_dynamodb::Client;
use bytes::Bytes;
use loyalty_bench::replay::{self, Plan};
use loyalty_tests::Call;
use serde::{Deserialize, Serialize};

use crate::proxy::{Before, Proxy};
use crate::scenario::{FUNCTIONS, Op, Prep, Scenario, api_gateway_event, check_answer};
use crate::slot::{Launcher, Slot};

/// The share of the serial warm requests a year's figures read gets (each reads every
/// shard).
const FIGURES_REQUEST_SHARE: usize = 10;

/// Members each client of the warm benchmark spreads its requests over.
const MEMBERS_PER_CLIENT: usize = 20;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    pub quick: bool,
    pub cold_runs: usize,
    pub concurrency: usize,
    pub requests: usize,
    pub serial_requests: usize,
    pub warmup: usize,
    pub stream_batch: usize,
    pub growth_sizes: Vec<usize>,
    pub growth_due: usize,
    /// Members due on one day for the daily run at scale (0 skips it).
    #[serde(default)]
    pub daily_due: usize,
    /// Of those, how many the floor makes the same calls for.
    #[serde(default)]
    pub daily_floor: usize,
    /// Days of daily purchases before the capacity of a year-old member is measured (0 skips
    /// the capacity measurements).
    #[serde(default)]
    pub capacity_days: usize,
    /// Whether the programme figures are measured (a year's read, their share of an earn).
    #[serde(default)]
    pub figures: bool,
    /// Members `loyalty-cli import` sends for the import throughput (0 skips it).
    #[serde(default)]
    pub import_members: usize,
    /// Timed earns per case of the targeted offers' comparison (0 skips it).
    #[serde(default)]
    pub offers_earns: usize,
    /// Timed earns per case of the challenges and memberships' comparison (0 skips it).
    #[serde(default)]
    pub gamification_earns: usize,
    pub ops: Vec<Op>,
    #[serde(default)]
    pub bin_dir: PathBuf,
    #[serde(default)]
    pub upstream: String,
    #[serde(default = "default_out")]
    pub out: PathBuf,
    #[serde(default = "default_chart")]
    pub chart: PathBuf,
    #[serde(default)]
    pub log_dir: PathBuf,
    #[serde(default = "default_zip_dir")]
    pub zip_dir: PathBuf,
    pub zip_arch: String,
    #[serde(default)]
    pub criterion_dir: PathBuf,
}

fn default_out() -> PathBuf {
    PathBuf::from("BENCHMARKS.md")
}
fn default_chart() -> PathBuf {
    PathBuf::from("docs/bench/latency.svg")
}
fn default_zip_dir() -> PathBuf {
    PathBuf::from("target/lambda")
}

fn env_usize(name: &str, default: usize) -> Result<usize> {
    match std::env::var(name) {
        Ok(v) if !v.is_empty() => v
            .parse()
            .with_context(|| format!("{name} must be a whole number, got {v:?}")),
        _ => Ok(default),
    }
}

fn env_path(name: &str, default: &str) -> PathBuf {
    PathBuf::from(std::env::var(name).unwrap_or_else(|_| default.to_string()))
}

impl Config {
    fn from_env() -> Result<Self> {
        let quick = std::env::var("BENCH_QUICK").is_ok_and(|v| v == "1");
        let endpoint = std::env::var("DYNAMODB_ENDPOINT")
            .context("DYNAMODB_ENDPOINT must point at DynamoDB Local (scripts/bench.sh sets it)")?;
        let upstream = endpoint
            .strip_prefix("http://")
            .ok_or_else(|| anyhow!("DYNAMODB_ENDPOINT must be http://host:port"))?
            .trim_end_matches('/')
            .to_string();
        let cap = env_usize("BENCH_MEMBERS", if quick { 10_000 } else { 100_000 })?;
        let mut growth_sizes: Vec<usize> = [1_000, 10_000, 100_000]
            .into_iter()
            .filter(|s| *s <= cap)
            .collect();
        if growth_sizes.last() != Some(&cap) && cap > 0 {
            growth_sizes.push(cap);
        }
        let ops = match std::env::var("BENCH_OPS") {
            Ok(list) if !list.is_empty() => list
                .split(',')
                .map(|name| {
                    Op::ALL
                        .into_iter()
                        .find(|op| op.name().replace(' ', "-") == name.trim())
                        .ok_or_else(|| anyhow!("BENCH_OPS: unknown operation {name:?}"))
                })
                .collect::<Result<_>>()?,
            _ => Op::ALL.to_vec(),
        };
        let cold_runs = env_usize("BENCH_COLD_RUNS", if quick { 5 } else { 30 })?;
        let config = Self {
            quick,
            cold_runs,
            concurrency: env_usize("BENCH_CONCURRENCY", 4)?.max(1),
            requests: env_usize("BENCH_REQUESTS", if quick { 200 } else { 1000 })?,
            serial_requests: env_usize("BENCH_SERIAL_REQUESTS", if quick { 60 } else { 300 })?,
            warmup: env_usize("BENCH_WARMUP", 10)?,
            stream_batch: env_usize("BENCH_STREAM_BATCH", 25)?.max(1),
            growth_sizes,
            growth_due: env_usize("BENCH_DUE", 100)?,
            daily_due: env_usize("BENCH_DAILY_DUE", if quick { 2_000 } else { 100_000 })?,
            daily_floor: env_usize("BENCH_DAILY_FLOOR", if quick { 400 } else { 10_000 })?,
            capacity_days: env_usize("BENCH_CAPACITY_DAYS", 365)?,
            figures: env_usize("BENCH_FIGURES", 1)? != 0,
            import_members: env_usize("BENCH_IMPORT", if quick { 2_000 } else { 10_000 })?,
            offers_earns: env_usize("BENCH_OFFERS", if quick { 100 } else { 300 })?,
            gamification_earns: env_usize("BENCH_GAMIFICATION", if quick { 100 } else { 300 })?,
            ops,
            bin_dir: env_path("BENCH_BIN_DIR", "target/release"),
            upstream,
            out: env_path("BENCH_OUT", "BENCHMARKS.md"),
            chart: env_path("BENCH_CHART", "docs/bench/latency.svg"),
            log_dir: env_path("BENCH_LOG_DIR", ".local/bench"),
            zip_dir: env_path("BENCH_ZIP_DIR", "target/lambda"),
            zip_arch: std::env::var("BENCH_ZIP_ARCH").unwrap_or_else(|_| "arm64".into()),
            criterion_dir: env_path("BENCH_CRITERION_DIR", "target/criterion"),
        };
        Ok(config)
    }

    /// Recorded invocations each floor client replays, one per floor member: enough for a
    /// round (and the warm-up) without making any of them twice, so the items they write are
    /// put back between rounds only, never while a timed request is in flight.
    pub fn plans_per_client(&self) -> usize {
        let per_round =
            |requests: usize, clients: usize| requests.div_ceil(clients).div_ceil(ROUNDS);
        self.warmup
            .max(per_round(self.requests, self.concurrency))
            .max(per_round(self.serial_requests, 1))
            .max(1)
    }

    /// Requests per op for the stream batch, which makes `stream_batch` calls each.
    fn requests_for(&self, op: Op, serial: bool) -> usize {
        let n = if serial {
            self.serial_requests
        } else {
            self.requests
        };
        match op {
            Op::StreamBatch => (n / 4).max(20),
            Op::Figures => (self.serial_requests / FIGURES_REQUEST_SHARE).max(10),
            _ => n,
        }
    }
}

/// The calls of one recorded invocation, and the items to put back before making them again.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub plan: Plan,
    pub before: Vec<Before>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ColdResult {
    pub label: String,
    pub binary: String,
    pub function: Option<String>,
    pub op: Option<Op>,
    pub init_ms: Vec<f64>,
    pub first_ms: Vec<f64>,
    pub dynamodb_ms: Vec<f64>,
    pub rss_kib: Vec<u64>,
    pub calls: Vec<usize>,
    pub errors: usize,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Phase {
    pub concurrency: usize,
    pub total_ms: Vec<f64>,
    pub dynamodb_ms: Vec<f64>,
    pub calls: Vec<usize>,
    pub operations: BTreeMap<String, usize>,
    pub errors: usize,
    pub rss_kib: Vec<u64>,
    /// The function's own duration per request (event handed over to answer received: what
    /// Lambda bills); empty for the harness floor.
    #[serde(default)]
    pub own_ms: Vec<f64>,
    pub wall_s: f64,
    /// Time with a request in flight, summed over the clients (warm-up included).
    pub busy_ms: f64,
}

impl Phase {
    /// Requests in flight on average: busy time over wall time.
    pub fn effective_concurrency(&self) -> f64 {
        self.busy_ms / (self.wall_s * 1000.0)
    }

    pub fn outside_ms(&self) -> Vec<f64> {
        self.total_ms
            .iter()
            .zip(&self.dynamodb_ms)
            .map(|(t, d)| t - d)
            .collect()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OpResult {
    pub op: Op,
    pub function: String,
    pub plan: Vec<String>,
    pub function_concurrent: Phase,
    pub function_serial: Phase,
    pub floor_concurrent: Phase,
    pub floor_serial: Phase,
    pub floor_sdk_concurrent: Phase,
    pub floor_sdk_serial: Phase,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Size {
    pub binary: String,
    pub zip_bytes: Option<u64>,
    pub binary_bytes: Option<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RuleEngine {
    pub ns_per_iteration: f64,
    pub evaluations_per_iteration: u64,
    pub evaluations_per_second: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Results {
    pub config: Config,
    pub machine: BTreeMap<String, String>,
    pub cold: Vec<ColdResult>,
    pub warm: Vec<OpResult>,
    pub sizes: Vec<Size>,
    pub growth: Vec<growth::GrowthStep>,
    pub rule_engine: Option<RuleEngine>,
    pub proxy_hop: Option<ProxyHop>,
    /// The daily run with many members due on one day, and its floor.
    #[serde(default)]
    pub daily: Option<daily::DailyResult>,
    /// Capacity units per earn and per redeem.
    #[serde(default)]
    pub capacity: Option<capacity::CapacityResult>,
    /// Earn and redeem with the programme cached, and read on every request.
    #[serde(default)]
    pub cache: Vec<CacheResult>,
    /// The programme figures: a year's read, and what they add to an earn.
    #[serde(default)]
    pub figures: Option<figures::FiguresResult>,
    /// Members imported per second through loyalty-cli.
    #[serde(default)]
    pub import: Option<import::ImportResult>,
    /// Earn with 0 targeted offers, with 50 not matching and with 50 matching.
    #[serde(default)]
    pub offers: Option<offers::OffersResult>,
    /// Earn on the demo programme and with 50 challenges and a running plan; the member item
    /// at its worst case.
    #[serde(default)]
    pub gamification: Option<gamification::GamificationResult>,
    pub total_s: f64,
}

/// `SHARED_ITEMS_TTL_SECONDS`: unset (the default, cached) or 0 (read on every request).
pub const TTL_ZERO: [(&str, &str); 1] = [("SHARED_ITEMS_TTL_SECONDS", "0")];

/// One operation with the programme cached and with it read on every request, each next to
/// the harness making the calls it made, at one concurrency.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CacheSides {
    pub cached: Phase,
    pub ttl0: Phase,
    pub floor_cached: Phase,
    pub floor_ttl0: Phase,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CacheResult {
    pub op: Op,
    /// The calls of one request, as recorded: cached, and with `SHARED_ITEMS_TTL_SECONDS=0`.
    pub plan_cached: Vec<String>,
    pub plan_ttl0: Vec<String>,
    pub concurrent: CacheSides,
    pub serial: CacheSides,
}

/// What the timing proxy itself costs a call: the same read made by the harness straight to
/// DynamoDB Local and through the proxy, alternately, one at a time.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProxyHop {
    pub samples: usize,
    /// Client-side time of the call made directly, p50.
    pub direct_ms: f64,
    /// Client-side time of the call made through the proxy, p50.
    pub proxied_ms: f64,
    /// The proxy's own figure for the same proxied calls (what counts as "in DynamoDB"), p50.
    pub inside_ms: f64,
    /// What the hop adds to a call: the median of the paired differences (through the proxy
    /// minus direct, the two made back to back, in alternating order).
    #[serde(default)]
    pub hop_ms: f64,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

struct Bench {
    config: Config,
    launcher: Launcher,
    scenario: Scenario,
    /// Straight to DynamoDB Local: setup, recording and putting items back; never timed.
    direct: Client,
    /// Per floor client: how many of its recorded invocations were made again since their
    /// items were last put back (the harness floor and floor-sdk share the floor members).
    dirty: std::sync::Mutex<BTreeMap<usize, usize>>,
}

impl Bench {
    fn warm_member(c: usize, k: usize) -> String {
        format!("w{c}-{}", k % MEMBERS_PER_CLIENT)
    }

    /// A floor member: `f...` for the recordings of the warm comparison, `z...` for those
    /// made with the programme read on every request.
    fn floor_member(prefix: &str, c: usize, k: usize) -> String {
        format!("{prefix}{c}-{k}")
    }

    /// The floor member whose invocation is recorded first, on a process that has just
    /// started: the calls of a cold start (the programme is read then).
    fn cold_floor_member(prefix: &str) -> String {
        format!("{prefix}cold")
    }

    /// Invocations of the function on the floor members, through a recording proxy: the
    /// calls the floors will make. First the process's first invocation (a cold start's
    /// calls), then, on the process now warm, `[client][k]`. Read-only operations need one
    /// per client.
    async fn record(&self, op: Op) -> Result<(Recorded, Vec<Vec<Recorded>>)> {
        self.record_with(op, &[], "f").await
    }

    /// As `record`, with the function's process given `env` and the floor members named
    /// with `prefix`.
    async fn record_with(
        &self,
        op: Op,
        env: &[(&str, &str)],
        prefix: &str,
    ) -> Result<(Recorded, Vec<Vec<Recorded>>)> {
        let slot = self
            .launcher
            .start_with(op.function(), op.function(), Some(self.direct.clone()), env)
            .await?;
        let cold = self
            .record_one(op, &slot, &Self::cold_floor_member(prefix))
            .await?;
        let mut plans = Vec::new();
        for c in 0..self.config.concurrency {
            let mut lane = Vec::new();
            for k in 0..self.config.plans_per_client() {
                lane.push(
                    self.record_one(op, &slot, &Self::floor_member(prefix, c, k))
                        .await?,
                );
                if lane.iter().all(|r| r.before.is_empty()) {
                    break; // nothing to put back: one recording serves every repetition
                }
            }
            plans.push(lane);
        }
        slot.stop().await;
        Ok((cold, plans))
    }

    async fn record_one(&self, op: Op, slot: &Slot, member: &str) -> Result<Recorded> {
        for _attempt in 0..3 {
            let prep = self.scenario.prepare(op, member).await?;
            let event = Bytes::from(serde_json::to_vec(&self.scenario.event(&prep))?);
            let invocation = slot.invoke(event).await?;
            check_answer(Some(op), &invocation.outcome.body)
                .with_context(|| format!("recording {}", op.name()))?;
            if invocation.calls.iter().any(|c| c.status != 200) {
                continue; // a retried call (contention): record a clean one
            }
            let mut seen = HashSet::new();
            let before = invocation
                .calls
                .iter()
                .flat_map(|c| c.before.iter().cloned())
                .filter(|b| seen.insert(format!("{}{:?}", b.table, sorted_key(&b.key))))
                .collect();
            let calls = invocation
                .calls
                .iter()
                .map(|c| {
                    c.as_call()
                        .ok_or_else(|| anyhow!("a call was not recorded"))
                })
                .collect::<Result<_>>()?;
            return Ok(Recorded {
                plan: Plan {
                    calls,
                    concurrent: op.concurrent_calls(),
                },
                before,
            });
        }
        Err(anyhow!("no clean recording of {}", op.name()))
    }

    fn dirty_lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<usize, usize>> {
        self.dirty
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Puts the items a recorded invocation wrote back as they were before it.
    async fn restore(&self, before: &[Before]) -> Result<()> {
        for b in before {
            match &b.item {
                Some(item) => {
                    self.direct
                        .put_item()
                        .table_name(&b.table)
                        .set_item(Some(item.clone()))
                        .send()
                        .await?;
                }
                None => {
                    self.direct
                        .delete_item()
                        .table_name(&b.table)
                        .set_key(Some(b.key.clone()))
                        .send()
                        .await?;
                }
            }
        }
        Ok(())
    }

    async fn calibrate_proxy(&self, plan: &Plan, samples: usize) -> Result<ProxyHop> {
        let proxy = Proxy::start(&self.config.upstream, None).await?;
        let proxied = replay::plain_client(Some(&proxy.url())).await;
        let direct = replay::plain_client(Some(&format!("http://{}", self.config.upstream))).await;
        let (mut direct_ms, mut proxied_ms, mut inside_ms, mut hop_ms) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for k in 0..samples + 20 {
            let mut d = Duration::ZERO;
            let mut p = Duration::ZERO;
            let mut inside = Duration::ZERO;
            for proxied_first in [k % 2 == 0, k % 2 != 0] {
                if proxied_first {
                    proxy.take();
                    let t0 = Instant::now();
                    replay::run(&proxied, plan).await?;
                    p = t0.elapsed();
                    inside = proxy.take().iter().map(proxy::ProxyCall::duration).sum();
                } else {
                    let t0 = Instant::now();
                    replay::run(&direct, plan).await?;
                    d = t0.elapsed();
                }
            }
            if k >= 20 {
                direct_ms.push(ms(d));
                proxied_ms.push(ms(p));
                inside_ms.push(ms(inside));
                hop_ms.push(ms(p) - ms(d));
            }
        }
        Ok(ProxyHop {
            samples,
            direct_ms: stats::summarize(direct_ms).p50,
            proxied_ms: stats::summarize(proxied_ms).p50,
            inside_ms: stats::summarize(inside_ms).p50,
            hop_ms: stats::percentile(&stats::sorted(hop_ms), 0.5),
        })
    }

    fn floor_event(plan: &Plan) -> Result<Bytes> {
        let call = Call::new("POST", "/floor").raw_body(serde_json::to_string(plan)?);
        Ok(Bytes::from(serde_json::to_vec(&api_gateway_event(&call))?))
    }

    /// Starts `binary`, hands it `event` at once, and measures init and first invocation.
    async fn cold_once(
        &self,
        binary: &str,
        function: &str,
        event: Bytes,
        op: Option<Op>,
        result: &mut ColdResult,
    ) -> Result<()> {
        let slot = self.launcher.start(binary, function, None).await?;
        let invocation = slot.invoke(event).await;
        let rss = slot.peak_rss_kib();
        let first_poll = slot.runtime.first_poll();
        let spawned = slot.spawned;
        slot.stop().await;
        let invocation = invocation?;
        let checked = match binary {
            "floor-echo" => Ok(()),
            "floor-sdk" => check_answer(None, &invocation.outcome.body),
            _ => check_answer(op, &invocation.outcome.body),
        };
        if let Err(error) = checked {
            result.errors += 1;
            eprintln!("bench: cold {binary}: {error:#}");
            return Ok(());
        }
        let first_poll = first_poll.ok_or_else(|| anyhow!("{binary} never polled"))?;
        result
            .init_ms
            .push(ms(first_poll.saturating_duration_since(spawned)));
        result.first_ms.push(ms(invocation
            .outcome
            .completed
            .saturating_duration_since(spawned)));
        result.dynamodb_ms.push(ms(invocation.dynamodb_time()));
        result.calls.push(invocation.calls.len());
        result.rss_kib.push(rss?);
        Ok(())
    }

    async fn cold(&self, plans: &BTreeMap<Op, Recorded>) -> Result<Vec<ColdResult>> {
        let mut echo = ColdResult {
            label: "floor-echo".into(),
            binary: "floor-echo".into(),
            ..Default::default()
        };
        let mut rows: Vec<(ColdResult, ColdResult)> = Vec::new();
        for (function, op) in FUNCTIONS {
            if !self.config.ops.contains(&op) || !plans.contains_key(&op) {
                continue;
            }
            rows.push((
                ColdResult {
                    label: format!("floor-sdk ({} calls)", op.name()),
                    binary: "floor-sdk".into(),
                    function: Some(function.into()),
                    op: Some(op),
                    ..Default::default()
                },
                ColdResult {
                    label: function.into(),
                    binary: function.into(),
                    function: Some(function.into()),
                    op: Some(op),
                    ..Default::default()
                },
            ));
        }
        let echo_event = Bytes::from_static(br#"{"hello":"floor"}"#);
        for run in 0..self.config.cold_runs {
            self.cold_once(
                "floor-echo",
                "floor-echo",
                echo_event.clone(),
                None,
                &mut echo,
            )
            .await?;
            for (floor, function) in &mut rows {
                let Some(op) = function.op else { continue };
                let recorded = plans
                    .get(&op)
                    .ok_or_else(|| anyhow!("no plan for {}", op.name()))?;
                self.restore(&recorded.before).await?;
                let event = Self::floor_event(&recorded.plan)?;
                self.cold_once("floor-sdk", "floor-sdk", event, Some(op), floor)
                    .await?;
                let prep = self.scenario.prepare(op, "cold").await?;
                let event = Bytes::from(serde_json::to_vec(&self.scenario.event(&prep))?);
                let binary = function.binary.clone();
                self.cold_once(&binary, &binary, event, Some(op), function)
                    .await?;
            }
            if run == 0 || (run + 1) % 10 == 0 {
                eprintln!(
                    "bench: cold start run {}/{}",
                    run + 1,
                    self.config.cold_runs
                );
            }
        }
        let mut all = vec![echo];
        for (floor, function) in rows {
            all.push(floor);
            all.push(function);
        }
        Ok(all)
    }

    /// One side of the comparison at one concurrency: `clients` function processes, or the
    /// harness's SDK clients, or floor-sdk processes, each with its recorded calls.
    async fn start_side(&self, side: Side<'_>, op: Op, clients: usize) -> Result<Vec<Lane>> {
        let mut lanes = Vec::new();
        for c in 0..clients {
            let floor = match side {
                Side::Function(_) => None,
                Side::Floor(plans, first) | Side::FloorSdk(plans, first) => {
                    let recorded = plans
                        .get(c)
                        .ok_or_else(|| anyhow!("no recordings for floor client {c}"))?;
                    // As they were before they were recorded (or last made again).
                    for r in recorded {
                        self.restore(&r.before).await?;
                    }
                    self.dirty_lock().insert(first + c, 0);
                    Some((recorded, first + c))
                }
            };
            let lane = match (side, floor) {
                (Side::Function(env), _) => {
                    let slot = self
                        .launcher
                        .start_with(op.function(), op.function(), None, env)
                        .await?;
                    let mut preps = VecDeque::new();
                    let per_client = self.config.requests_for(op, clients == 1).div_ceil(clients);
                    for k in 0..self.config.warmup + per_client {
                        preps.push_back(self.scenario.prepare(op, &Self::warm_member(c, k)).await?);
                    }
                    Lane::Function { slot, preps }
                }
                (Side::Floor(..), Some((recorded, index))) => {
                    let proxy = Proxy::start(&self.config.upstream, None).await?;
                    let client = replay::plain_client(Some(&proxy.url())).await;
                    Lane::Floor {
                        proxy,
                        client,
                        recorded: recorded.clone(),
                        next: 0,
                        index,
                    }
                }
                (Side::FloorSdk(..), Some((recorded, index))) => Lane::FloorSdk {
                    slot: self.launcher.start("floor-sdk", "floor-sdk", None).await?,
                    events: recorded
                        .iter()
                        .map(|r| Self::floor_event(&r.plan))
                        .collect::<Result<_>>()?,
                    recorded: recorded.clone(),
                    next: 0,
                    index,
                },
                _ => bail!("a floor side without recordings"),
            };
            lanes.push(lane);
        }
        Ok(lanes)
    }

    /// `n` requests on every lane at once; recorded in `phase` unless `record` is false
    /// (warm-up).
    async fn run_lanes(
        &self,
        op: Op,
        lanes: &mut [Lane],
        n: usize,
        record: bool,
        phase: &mut Phase,
    ) -> Result<()> {
        // Put back what the floors' previous batches wrote, before anything is timed.
        let mut to_restore = Vec::new();
        for lane in lanes.iter_mut() {
            if let Lane::Floor {
                recorded,
                next,
                index,
                ..
            }
            | Lane::FloorSdk {
                recorded,
                next,
                index,
                ..
            } = lane
            {
                let used = self.dirty_lock().insert(*index, 0).unwrap_or(0);
                to_restore.extend(recorded.iter().take(used).cloned());
                *next = 0;
            }
        }
        futures::future::try_join_all(to_restore.chunks(to_restore.len().div_ceil(8).max(1)).map(
            |chunk| async move {
                for r in chunk {
                    self.restore(&r.before).await?;
                }
                Ok::<_, anyhow::Error>(())
            },
        ))
        .await?;
        let started = Instant::now();
        let parts = futures::future::try_join_all(lanes.iter_mut().map(|lane| async move {
            let mut part = Phase::default();
            for _ in 0..n {
                let sample = self.one_request(op, lane).await?;
                part.busy_ms += ms(sample.total);
                if let Some(error) = &sample.failed {
                    part.errors += 1;
                    if part.errors <= 3 {
                        eprintln!("bench: {}: {error:#}", op.name());
                    }
                }
                if record {
                    record_sample(&mut part, &sample);
                }
            }
            Ok::<_, anyhow::Error>(part)
        }))
        .await?;
        let wall = started.elapsed().as_secs_f64();
        for lane in lanes.iter() {
            if let Lane::Floor { next, index, .. } | Lane::FloorSdk { next, index, .. } = lane {
                let mut dirty = self.dirty_lock();
                let used = dirty.entry(*index).or_insert(0);
                *used = (*used).max(*next);
            }
        }
        if record {
            let merged = merge(phase.concurrency, parts);
            phase.total_ms.extend(merged.total_ms);
            phase.own_ms.extend(merged.own_ms);
            phase.dynamodb_ms.extend(merged.dynamodb_ms);
            phase.calls.extend(merged.calls);
            for (k, v) in merged.operations {
                *phase.operations.entry(k).or_default() += v;
            }
            phase.errors += merged.errors;
            phase.busy_ms += merged.busy_ms;
            phase.wall_s += wall;
        } else {
            phase.errors += parts.iter().map(|p| p.errors).sum::<usize>();
        }
        Ok(())
    }

    /// One request on a lane: its end-to-end time, its DynamoDB calls, and what went wrong.
    async fn one_request(&self, op: Op, lane: &mut Lane) -> Result<Sample> {
        match lane {
            Lane::Function { slot, preps } => {
                let prep = preps
                    .pop_front()
                    .ok_or_else(|| anyhow!("no prepared request left"))?;
                let event = Bytes::from(serde_json::to_vec(&self.scenario.event(&prep))?);
                let invocation = slot.invoke(event).await?;
                let failed = if invocation.outcome.error {
                    Some(anyhow!(
                        "{} reported an error: {}",
                        slot.function,
                        String::from_utf8_lossy(&invocation.outcome.body)
                    ))
                } else {
                    check_answer(Some(op), &invocation.outcome.body).err()
                };
                Ok(Sample {
                    total: invocation.outcome.end_to_end(),
                    own: Some(invocation.outcome.own()),
                    calls: invocation.calls,
                    failed,
                })
            }
            Lane::Floor {
                proxy,
                client,
                recorded,
                next,
                ..
            } => {
                let r = next_plan(recorded, next)?;
                proxy.take();
                let t0 = Instant::now();
                let made = replay::run(client, &r.plan).await;
                let elapsed = t0.elapsed();
                Ok(Sample {
                    total: elapsed,
                    own: None,
                    calls: proxy.take(),
                    failed: made.err(),
                })
            }
            Lane::FloorSdk {
                slot,
                events,
                recorded,
                next,
                ..
            } => {
                let event = events
                    .get(*next)
                    .cloned()
                    .ok_or_else(|| anyhow!("no recorded event left"))?;
                next_plan(recorded, next)?;
                let invocation = slot.invoke(event).await?;
                let failed = check_answer(None, &invocation.outcome.body).err();
                Ok(Sample {
                    total: invocation.outcome.end_to_end(),
                    own: Some(invocation.outcome.own()),
                    calls: invocation.calls,
                    failed,
                })
            }
        }
    }

    /// The sides (the function, the harness floor, floor-sdk...) at one concurrency,
    /// interleaved in rounds (so that anything drifting during the run, DynamoDB Local
    /// warming up or another process on the machine, falls on every side alike), each side
    /// warmed up first.
    async fn compare(&self, op: Op, sides: &[Side<'_>], clients: usize) -> Result<Vec<Phase>> {
        let mut lanes = Vec::new();
        for side in sides {
            lanes.push(self.start_side(*side, op, clients).await?);
        }
        let per_client = self.config.requests_for(op, clients == 1).div_ceil(clients);
        let mut phases = vec![
            Phase {
                concurrency: clients,
                ..Phase::default()
            };
            sides.len()
        ];
        for (side_lanes, phase) in lanes.iter_mut().zip(phases.iter_mut()) {
            self.run_lanes(op, side_lanes, self.config.warmup, false, phase)
                .await?;
        }
        let rounds = ROUNDS.min(per_client.max(1));
        for round in 0..rounds {
            let n = per_client * (round + 1) / rounds - per_client * round / rounds;
            for (side_lanes, phase) in lanes.iter_mut().zip(phases.iter_mut()) {
                self.run_lanes(op, side_lanes, n, true, phase).await?;
            }
        }
        for (side_lanes, phase) in lanes.into_iter().zip(phases.iter_mut()) {
            for lane in side_lanes {
                match lane {
                    Lane::Function { slot, .. } | Lane::FloorSdk { slot, .. } => {
                        phase.rss_kib.extend(slot.peak_rss_kib().ok());
                        slot.stop().await;
                    }
                    Lane::Floor { .. } => {}
                }
            }
        }
        Ok(phases)
    }

    async fn warm(&self, op: Op, plans: &[Vec<Recorded>]) -> Result<OpResult> {
        let sides = [
            Side::Function(&[]),
            Side::Floor(plans, 0),
            Side::FloorSdk(plans, 0),
        ];
        let [function_concurrent, floor_concurrent, floor_sdk_concurrent] =
            three(self.compare(op, &sides, self.config.concurrency).await?)?;
        let [function_serial, floor_serial, floor_sdk_serial] =
            three(self.compare(op, &sides, 1).await?)?;
        Ok(OpResult {
            op,
            function: op.function().into(),
            plan: plans
                .first()
                .and_then(|lane| lane.first())
                .map(|r| r.plan.calls.iter().map(|c| c.operation.clone()).collect())
                .unwrap_or_default(),
            function_concurrent,
            function_serial,
            floor_concurrent,
            floor_serial,
            floor_sdk_concurrent,
            floor_sdk_serial,
        })
    }

    /// Earn or redeem with the programme cached (the default) and read on every request
    /// (`SHARED_ITEMS_TTL_SECONDS=0`, what every request paid before), each next to the
    /// harness making the calls recorded from it, at the warm benchmark's concurrency and
    /// at 1.
    async fn cache(&self, op: Op, plans: &[Vec<Recorded>]) -> Result<CacheResult> {
        let (_, plans_ttl0) = self.record_with(op, &TTL_ZERO, "z").await?;
        let sides = [
            Side::Function(&[]),
            Side::Function(&TTL_ZERO),
            Side::Floor(plans, 0),
            Side::Floor(&plans_ttl0, TTL0_LANES),
        ];
        let four = |phases: Vec<Phase>| -> Result<CacheSides> {
            let [cached, ttl0, floor_cached, floor_ttl0]: [Phase; 4] = phases
                .try_into()
                .map_err(|_| anyhow!("a comparison of four sides"))?;
            Ok(CacheSides {
                cached,
                ttl0,
                floor_cached,
                floor_ttl0,
            })
        };
        let concurrent = four(self.compare(op, &sides, self.config.concurrency).await?)?;
        let serial = four(self.compare(op, &sides, 1).await?)?;
        let plan = |p: &[Vec<Recorded>]| -> Vec<String> {
            p.first()
                .and_then(|lane| lane.first())
                .map(|r| r.plan.calls.iter().map(|c| c.operation.clone()).collect())
                .unwrap_or_default()
        };
        Ok(CacheResult {
            op,
            plan_cached: plan(plans),
            plan_ttl0: plan(&plans_ttl0),
            concurrent,
            serial,
        })
    }
}

fn three(phases: Vec<Phase>) -> Result<[Phase; 3]> {
    phases
        .try_into()
        .map_err(|_| anyhow!("a comparison of three sides"))
}

/// Rounds the sides of a comparison alternate in.
const ROUNDS: usize = 5;

/// Where the floor lanes of recordings made with `SHARED_ITEMS_TTL_SECONDS=0` are numbered
/// (their members are others than the warm comparison's).
const TTL0_LANES: usize = 1000;

/// One side of a comparison.
#[derive(Debug, Clone, Copy)]
enum Side<'a> {
    /// The function's binary, with these variables added to its environment.
    Function(&'a [(&'a str, &'a str)]),
    /// The harness making the recorded calls; the number is the first floor client's index
    /// (the members whose items are put back between batches).
    Floor(&'a [Vec<Recorded>], usize),
    /// floor-sdk making them behind the Runtime API.
    FloorSdk(&'a [Vec<Recorded>], usize),
}

/// One client of a comparison and what it drives.
enum Lane {
    Function {
        slot: Slot,
        preps: VecDeque<Prep>,
    },
    Floor {
        proxy: Proxy,
        client: Client,
        recorded: Vec<Recorded>,
        next: usize,
        /// The floor client (its members) this lane replays.
        index: usize,
    },
    FloorSdk {
        slot: Slot,
        events: Vec<Bytes>,
        recorded: Vec<Recorded>,
        next: usize,
        index: usize,
    },
}

/// The next recorded invocation of a floor lane. Read-only ones (nothing to put back) are
/// made again and again; the others once per batch.
fn next_plan<'a>(recorded: &'a [Recorded], next: &mut usize) -> Result<&'a Recorded> {
    let read_only = recorded.iter().all(|r| r.before.is_empty());
    let index = if read_only { 0 } else { *next };
    let r = recorded
        .get(index)
        .ok_or_else(|| anyhow!("more requests in a batch than recorded invocations"))?;
    if !read_only {
        *next += 1;
    }
    Ok(r)
}

fn sorted_key(key: &proxy::Item) -> Vec<(String, String)> {
    let mut parts: Vec<(String, String)> = key
        .iter()
        .map(|(k, v)| (k.clone(), format!("{v:?}")))
        .collect();
    parts.sort();
    parts
}

/// One request as a lane made it.
struct Sample {
    /// End to end.
    total: Duration,
    /// The function's own duration (none for the harness floor).
    own: Option<Duration>,
    calls: Vec<proxy::ProxyCall>,
    failed: Option<anyhow::Error>,
}

fn record_sample(phase: &mut Phase, sample: &Sample) {
    phase.total_ms.push(ms(sample.total));
    phase.own_ms.extend(sample.own.map(ms));
    phase
        .dynamodb_ms
        .push(ms(proxy::time_in_dynamodb(&sample.calls)));
    phase.calls.push(sample.calls.len());
    for call in &sample.calls {
        *phase.operations.entry(call.operation.clone()).or_default() += 1;
    }
}

fn merge(concurrency: usize, parts: Vec<Phase>) -> Phase {
    let mut phase = Phase {
        concurrency,
        ..Phase::default()
    };
    for part in parts {
        phase.total_ms.extend(part.total_ms);
        phase.own_ms.extend(part.own_ms);
        phase.dynamodb_ms.extend(part.dynamodb_ms);
        phase.calls.extend(part.calls);
        for (k, v) in part.operations {
            *phase.operations.entry(k).or_default() += v;
        }
        phase.errors += part.errors;
        phase.busy_ms += part.busy_ms;
    }
    phase
}

fn machine() -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let cpu = read("/proc/cpuinfo")
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    m.insert("cpu".into(), cpu);
    m.insert(
        "cores".into(),
        std::thread::available_parallelism()
            .map(|n| n.to_string())
            .unwrap_or_default(),
    );
    let mem = read("/proc/meminfo")
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:").map(|v| v.trim().to_string()))
        .unwrap_or_default();
    m.insert("memory".into(), mem);
    m.insert(
        "kernel".into(),
        read("/proc/sys/kernel/osrelease").trim().to_string(),
    );
    m.insert("arch".into(), std::env::consts::ARCH.into());
    m.insert(
        "load_end".into(),
        read("/proc/loadavg")
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
    );
    for (key, var) in [
        ("date", "BENCH_DATE"),
        ("commit", "BENCH_COMMIT"),
        ("rustc", "BENCH_RUSTC"),
        ("java", "BENCH_JAVA"),
        ("dynamodb_local", "BENCH_DYNAMODB_LOCAL"),
        ("network", "BENCH_NETWORK"),
    ] {
        m.insert(
            key.into(),
            std::env::var(var).unwrap_or_else(|_| "unknown".into()),
        );
    }
    m
}

fn sizes(config: &Config) -> Vec<Size> {
    let mut out = Vec::new();
    for binary in FUNCTIONS
        .iter()
        .map(|(f, _)| *f)
        .chain(["floor-echo", "floor-sdk"])
    {
        out.push(Size {
            binary: binary.into(),
            zip_bytes: slot::file_size(&config.zip_dir.join(binary).join("bootstrap.zip")),
            binary_bytes: slot::file_size(&config.bin_dir.join(binary)),
        });
    }
    out
}

fn rule_engine(config: &Config) -> Option<RuleEngine> {
    let dir = config
        .criterion_dir
        .join("earn_rules")
        .join("evaluate_earn_mix");
    let estimates: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("new/estimates.json")).ok()?)
            .ok()?;
    let benchmark: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("new/benchmark.json")).ok()?)
            .ok()?;
    let ns = estimates["mean"]["point_estimate"].as_f64()?;
    let elements = benchmark["throughput"]["Elements"].as_u64()?;
    Some(RuleEngine {
        ns_per_iteration: ns,
        evaluations_per_iteration: elements,
        evaluations_per_second: elements as f64 / (ns * 1e-9),
    })
}

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None => run().await,
        Some("--import") => import_only().await,
        Some("--offers") => offers_only().await,
        Some("--gamification") => gamification_only().await,
        Some("--render") => {
            let path = args
                .get(1)
                .map_or(".local/bench/results.json", String::as_str);
            render(path)
        }
        Some(_) => Err(anyhow!(
            "usage: loyalty-bench            run the benchmark (scripts/bench.sh sets it up)\n       loyalty-bench --render [results.json]   write BENCHMARKS.md and the chart again from a run's raw samples\n       loyalty-bench --import   only the import throughput (BENCH_IMPORT members), printed and kept in .local/bench/import.json\n       loyalty-bench --offers   only earn with 0, 50 unmatched and 50 matched targeted offers (BENCH_OFFERS earns each), printed and kept in .local/bench/offers.json and offers.md\n       loyalty-bench --gamification   only earn on the demo programme and with 50 challenges and a running plan (BENCH_GAMIFICATION earns each), and the member item at its worst case, printed and kept in .local/bench/gamification.json and gamification.md"
        )),
    }
}

/// BENCHMARKS.md and the chart from a run's raw samples (after changing how they are shown).
fn render(path: &str) -> Result<()> {
    let results: Results =
        serde_json::from_slice(&std::fs::read(path).with_context(|| format!("reading {path}"))?)
            .with_context(|| format!("{path} is not a benchmark run's results"))?;
    let out = std::env::var("BENCH_OUT").map_or_else(|_| results.config.out.clone(), PathBuf::from);
    let chart_path =
        std::env::var("BENCH_CHART").map_or_else(|_| results.config.chart.clone(), PathBuf::from);
    write_outputs(&results, &out, &chart_path)
}

fn write_outputs(
    results: &Results,
    out: &std::path::Path,
    chart_path: &std::path::Path,
) -> Result<()> {
    if let Some(parent) = chart_path.parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(chart_path, chart::svg(results))?;
    let markdown = report::markdown(results, chart_path);
    std::fs::write(out, &markdown.text)?;
    eprintln!();
    for line in &markdown.summary {
        eprintln!("{line}");
    }
    eprintln!(
        "bench: wrote {} and {}",
        out.display(),
        chart_path.display()
    );
    Ok(())
}

/// The import section alone (`loyalty-bench --import`): printed and written to
/// `<log dir>/import.json`; BENCHMARKS.md is left as it is.
async fn import_only() -> Result<()> {
    let config = Config::from_env()?;
    std::fs::create_dir_all(&config.log_dir)?;
    let result = import_section(&config)
        .await?
        .ok_or_else(|| anyhow!("BENCH_IMPORT=0: nothing to measure"))?;
    std::fs::write(
        config.log_dir.join("import.json"),
        serde_json::to_vec_pretty(&result)?,
    )?;
    Ok(())
}

/// The targeted offers' section alone (`loyalty-bench --offers`): printed and written to
/// `<log dir>/offers.json`, with its part of BENCHMARKS.md (the target's row and the section)
/// in `<log dir>/offers.md`; BENCHMARKS.md is left as it is.
async fn offers_only() -> Result<()> {
    let config = Config::from_env()?;
    std::fs::create_dir_all(&config.log_dir)?;
    let result = offers_section(&config)
        .await?
        .ok_or_else(|| anyhow!("BENCH_OFFERS=0: nothing to measure"))?;
    std::fs::write(
        config.log_dir.join("offers.json"),
        serde_json::to_vec_pretty(&result)?,
    )?;
    let markdown = config.log_dir.join("offers.md");
    std::fs::write(&markdown, report::offers_alone(&result))?;
    eprintln!("bench: wrote {}", markdown.display());
    Ok(())
}

/// Earn with 0, 50 unmatched and 50 matched targeted offers, unless `BENCH_OFFERS=0`; on
/// tables of their own, dropped afterwards.
async fn offers_section(config: &Config) -> Result<Option<offers::OffersResult>> {
    if config.offers_earns == 0 {
        return Ok(None);
    }
    let t = Instant::now();
    let direct = loyalty_tests::local_client().await;
    let result = offers::run(direct, config.offers_earns).await?;
    report::print_offers(&result);
    eprintln!("bench: offers done in {:.0}s", t.elapsed().as_secs_f64());
    Ok(Some(result))
}

/// The challenges and memberships' section alone (`loyalty-bench --gamification`): printed
/// and written to `<log dir>/gamification.json`, with its part of BENCHMARKS.md (the
/// target's row and the section) in `<log dir>/gamification.md`; BENCHMARKS.md is left as it
/// is.
async fn gamification_only() -> Result<()> {
    let config = Config::from_env()?;
    std::fs::create_dir_all(&config.log_dir)?;
    let result = gamification_section(&config)
        .await?
        .ok_or_else(|| anyhow!("BENCH_GAMIFICATION=0: nothing to measure"))?;
    std::fs::write(
        config.log_dir.join("gamification.json"),
        serde_json::to_vec_pretty(&result)?,
    )?;
    let markdown = config.log_dir.join("gamification.md");
    std::fs::write(&markdown, report::gamification_alone(&result))?;
    eprintln!("bench: wrote {}", markdown.display());
    Ok(())
}

/// Earn on the demo programme and with 50 challenges and a running plan, and the member item
/// at its worst case, unless `BENCH_GAMIFICATION=0`; on tables of their own, dropped
/// afterwards.
async fn gamification_section(config: &Config) -> Result<Option<gamification::GamificationResult>> {
    if config.gamification_earns == 0 {
        return Ok(None);
    }
    let t = Instant::now();
    let direct = loyalty_tests::local_client().await;
    let result = gamification::run(direct, config.gamification_earns).await?;
    report::print_gamification(&result);
    eprintln!(
        "bench: gamification done in {:.0}s",
        t.elapsed().as_secs_f64()
    );
    Ok(Some(result))
}

/// Import throughput, unless `BENCH_IMPORT=0`; on a table of its own, dropped afterwards.
async fn import_section(config: &Config) -> Result<Option<import::ImportResult>> {
    if config.import_members == 0 {
        return Ok(None);
    }
    let t = Instant::now();
    let cli = config.bin_dir.join("loyalty-cli");
    if !cli.exists() {
        bail!(
            "{} is missing: build it first (scripts/bench.sh does)",
            cli.display()
        );
    }
    let direct = loyalty_tests::local_client().await;
    let table = format!("bench-import-{:08x}", rand::random::<u32>());
    let log_dir = std::fs::canonicalize(&config.log_dir)?;
    let result = import::run(
        direct.clone(),
        &table,
        config.import_members,
        &cli,
        &log_dir,
    )
    .await?;
    direct.delete_table().table_name(&table).send().await?;
    report::print_import(&result);
    eprintln!("bench: import done in {:.0}s", t.elapsed().as_secs_f64());
    Ok(Some(result))
}

async fn run() -> Result<()> {
    let started = Instant::now();
    let load_start = std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    let config = Config::from_env()?;
    std::fs::create_dir_all(&config.log_dir)?;
    for binary in FUNCTIONS
        .iter()
        .map(|(f, _)| *f)
        .chain(["floor-echo", "floor-sdk"])
    {
        let path = config.bin_dir.join(binary);
        if !path.exists() {
            bail!(
                "{} is missing: build the release binaries first (scripts/bench.sh does)",
                path.display()
            );
        }
    }
    eprintln!(
        "bench: {} cold starts per binary, {} requests per operation at concurrency {} and {} at 1{}",
        config.cold_runs,
        config.requests,
        config.concurrency,
        config.serial_requests,
        if config.quick { " (BENCH_QUICK)" } else { "" }
    );
    let direct = loyalty_tests::local_client().await;
    let table = format!("bench-{:08x}", rand::random::<u32>());
    let scenario = Scenario::setup(direct.clone(), table.clone(), config.stream_batch).await?;
    let secrets_key = std::env::var(loyalty::webhook::cipher::KEY_ENV)
        .unwrap_or_else(|_| loyalty_tests::SECRETS_KEY.to_string());
    let launcher = Launcher {
        bin_dir: std::fs::canonicalize(&config.bin_dir)?,
        upstream: config.upstream.clone(),
        table: table.clone(),
        secrets_key,
        log_dir: std::fs::canonicalize(&config.log_dir)?,
    };
    let bench = Bench {
        config: config.clone(),
        launcher,
        scenario,
        direct: direct.clone(),
        dirty: std::sync::Mutex::new(BTreeMap::new()),
    };
    let cached_ops: Vec<Op> = [Op::Earn, Op::Redeem]
        .into_iter()
        .filter(|op| config.ops.contains(op))
        .collect();
    let mut members: Vec<String> = vec!["cold".into(), Bench::cold_floor_member("f")];
    if !cached_ops.is_empty() {
        members.push(Bench::cold_floor_member("z"));
    }
    for c in 0..config.concurrency {
        for k in 0..config.plans_per_client() {
            members.push(Bench::floor_member("f", c, k));
            if !cached_ops.is_empty() {
                members.push(Bench::floor_member("z", c, k));
            }
        }
        for j in 0..MEMBERS_PER_CLIENT {
            members.push(Bench::warm_member(c, j));
        }
    }
    bench.scenario.enrol(&members, true).await?;
    eprintln!(
        "bench: table {table} ready ({} members, stream batch of {} records) in {:.0}s",
        members.len(),
        config.stream_batch,
        started.elapsed().as_secs_f64()
    );

    let mut plans = BTreeMap::new();
    let mut cold_plans = BTreeMap::new();
    for op in &config.ops {
        let (cold, recorded) = bench.record(*op).await?;
        let names = |r: &Recorded| {
            r.plan
                .calls
                .iter()
                .map(|c| c.operation.as_str())
                .collect::<Vec<_>>()
                .join(" + ")
        };
        eprintln!(
            "bench: recorded {}: {} (a process's first: {})",
            op.name(),
            recorded
                .first()
                .and_then(|lane| lane.first())
                .map(names)
                .unwrap_or_default(),
            names(&cold)
        );
        plans.insert(*op, recorded);
        cold_plans.insert(*op, cold);
    }

    let proxy_hop = match plans
        .get(&Op::Me)
        .and_then(|p| p.first())
        .and_then(|lane| lane.first())
    {
        Some(recorded) => {
            let hop = bench.calibrate_proxy(&recorded.plan, 1000).await?;
            eprintln!(
                "bench: proxy hop: one TransactGetItems {:.3} ms direct, {:.3} ms through the proxy, {:.3} ms of it inside (p50); the hop adds {:.3} ms (median of paired differences)",
                hop.direct_ms, hop.proxied_ms, hop.inside_ms, hop.hop_ms
            );
            Some(hop)
        }
        None => None,
    };
    let cold = bench.cold(&cold_plans).await?;
    for row in &cold {
        report::print_cold(row, &cold);
    }

    let mut warm = Vec::new();
    for op in &config.ops {
        let t = Instant::now();
        let recorded = plans.get(op).ok_or_else(|| anyhow!("no plan"))?;
        let result = bench.warm(*op, recorded).await?;
        report::print_warm(&result);
        eprintln!(
            "bench: {} done in {:.0}s",
            op.name(),
            t.elapsed().as_secs_f64()
        );
        warm.push(result);
    }

    let mut cache = Vec::new();
    for op in &cached_ops {
        let t = Instant::now();
        let recorded = plans.get(op).ok_or_else(|| anyhow!("no plan"))?;
        let result = bench.cache(*op, recorded).await?;
        report::print_cache(&result);
        eprintln!(
            "bench: {} cached and uncached done in {:.0}s",
            op.name(),
            t.elapsed().as_secs_f64()
        );
        cache.push(result);
    }

    let figures = if config.figures {
        let t = Instant::now();
        let result = bench
            .figures(plans.get(&Op::Earn).map(Vec::as_slice))
            .await?;
        report::print_figures(&result);
        eprintln!(
            "bench: programme figures done in {:.0}s",
            t.elapsed().as_secs_f64()
        );
        Some(result)
    } else {
        None
    };

    let import = import_section(&config).await?;
    let offers = offers_section(&config).await?;
    let gamification = gamification_section(&config).await?;

    let growth = if config.growth_sizes.is_empty() {
        Vec::new()
    } else {
        let table = format!("bench-growth-{:08x}", rand::random::<u32>());
        let steps = growth::run(
            direct.clone(),
            &config.upstream,
            &table,
            &config.growth_sizes,
            config.growth_due,
        )
        .await?;
        // DynamoDB Local holds its tables in memory: make room for the daily run's.
        direct.delete_table().table_name(&table).send().await?;
        steps
    };

    let capacity = if config.capacity_days == 0 {
        None
    } else {
        let table = format!("bench-capacity-{:08x}", rand::random::<u32>());
        let result = capacity::run(direct.clone(), &table, config.capacity_days).await?;
        direct.delete_table().table_name(&table).send().await?;
        Some(result)
    };

    let daily = if config.daily_due == 0 {
        None
    } else {
        let tag = rand::random::<u32>();
        let table = format!("bench-daily-{tag:08x}");
        let floor_table = format!("bench-daily-floor-{tag:08x}");
        let result = daily::run(
            direct.clone(),
            &format!("http://{}", config.upstream),
            &table,
            &floor_table,
            config.daily_due,
            config.daily_floor,
        )
        .await?;
        for t in [&table, &floor_table] {
            direct.delete_table().table_name(t).send().await?;
        }
        Some(result)
    };

    let mut machine = machine();
    machine.insert("load_start".into(), load_start);
    let results = Results {
        machine,
        sizes: sizes(&config),
        rule_engine: rule_engine(&config),
        proxy_hop,
        config: config.clone(),
        cold,
        warm,
        growth,
        daily,
        capacity,
        cache,
        figures,
        import,
        offers,
        gamification,
        total_s: started.elapsed().as_secs_f64(),
    };
    std::fs::write(
        config.log_dir.join("results.json"),
        serde_json::to_vec_pretty(&results)?,
    )?;
    write_outputs(&results, &config.out, &config.chart)?;
    eprintln!("bench: done in {:.0}s", started.elapsed().as_secs_f64());
    Ok(())
}
