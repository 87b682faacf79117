//! BENCHMARKS.md, and the one-line summaries printed at the end of a run.

use std::fmt::Write as _;
use std::path::Path;

use crate::capacity::{CapacityResult, CapacityRow};
use crate::daily::DailyResult;
use crate::figures::{EarnOverhead, FiguresRead, FiguresResult};
use crate::gamification::{self, GamificationResult};
use crate::growth::GrowthStep;
use crate::offers::{Case, CaseResult, OffersResult};
use crate::projection::{self, CASES, Projection};
use crate::scenario::{FUNCTIONS, Op};
use crate::stats::{Summary, mode, summarize};
use crate::{CacheResult, ColdResult, OpResult, Phase, ProxyHop, Results, RuleEngine, Size};

/// Targets of the issue, on this machine.
const INIT_RATIO: f64 = 1.3;
const INIT_MS: f64 = 15.0;
const FIRST_MS: f64 = 30.0;
const MAX_CALLS: usize = 2;
const OUTSIDE_MS: f64 = 0.2;
const P99_RATIO: f64 = 1.5;
const RSS_RATIO: f64 = 2.0;
/// MB read as 10^6 bytes, the stricter of the two readings.
const RSS_MB: f64 = 24.0;
const ZIP_MB: f64 = 6.0;
const MB: f64 = 1_000_000.0;
const MIB: f64 = 1_048_576.0;
const RULES_PER_S: f64 = 1_000_000.0;
/// A member after a year of daily purchases costs at most this much more per request.
const CAPACITY_RATIO: f64 = 1.5;

pub struct Markdown {
    pub text: String,
    pub summary: Vec<String>,
}

fn f(v: f64) -> String {
    // An empty sum is -0.0.
    let v = v + 0.0;
    if !v.is_finite() {
        "n/a".into()
    } else if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else if v >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// A difference, with its sign: `+1.20`, `-0.35`.
fn signed(v: f64) -> String {
    if v.is_finite() && v >= 0.0 {
        format!("+{}", f(v))
    } else if v.is_finite() {
        format!("-{}", f(-v))
    } else {
        "n/a".into()
    }
}

fn mib(kib: f64) -> f64 {
    kib / 1024.0
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "**missed**" }
}

fn rss_summary(values: &[u64]) -> Summary {
    summarize(values.iter().map(|v| *v as f64))
}

fn max_rss_mib(values: &[u64]) -> f64 {
    values.iter().max().map_or(f64::NAN, |v| mib(*v as f64))
}

fn cold_of<'a>(cold: &'a [ColdResult], label: &str) -> Option<&'a ColdResult> {
    cold.iter().find(|c| c.label == label)
}

fn sdk_floor_for<'a>(cold: &'a [ColdResult], function: &str) -> Option<&'a ColdResult> {
    cold.iter()
        .find(|c| c.binary == "floor-sdk" && c.function.as_deref() == Some(function))
}

/// Every floor-sdk cold start, whatever calls it then made (init does not depend on them).
fn sdk_init_all(cold: &[ColdResult]) -> Summary {
    summarize(
        cold.iter()
            .filter(|c| c.binary == "floor-sdk")
            .flat_map(|c| c.init_ms.iter().copied()),
    )
}

pub fn print_cold(row: &ColdResult, all: &[ColdResult]) {
    let init = summarize(row.init_ms.iter().copied());
    let first = summarize(row.first_ms.iter().copied());
    let rss = rss_summary(&row.rss_kib);
    let ratio = match (&row.function, row.binary.as_str()) {
        (Some(function), binary) if binary != "floor-sdk" => sdk_floor_for(all, function)
            .map(|floor| {
                format!(
                    " ({:.2}x / {:.2}x the SDK floor)",
                    init.p50 / sdk_init_all(all).p50,
                    first.p50 / summarize(floor.first_ms.iter().copied()).p50
                )
            })
            .unwrap_or_default(),
        _ => String::new(),
    };
    eprintln!(
        "cold {:<28} init p50 {} ms p99 {} ms | first invocation p50 {} ms p99 {} ms | peak RSS {} MiB{ratio}{}",
        row.label,
        f(init.p50),
        f(init.p99),
        f(first.p50),
        f(first.p99),
        f(mib(rss.p50)),
        if row.errors > 0 {
            format!(" | {} errors", row.errors)
        } else {
            String::new()
        }
    );
}

pub fn print_warm(result: &OpResult) {
    let function = summarize(result.function_concurrent.total_ms.iter().copied());
    let floor = summarize(result.floor_concurrent.total_ms.iter().copied());
    let outside = summarize(result.function_serial.outside_ms());
    eprintln!(
        "warm {:<12} {} calls | p50 {} ms p99 {} ms (floor {} / {} ms, p99 {:.2}x) at concurrency {} | outside DynamoDB p50 {} ms at 1 | errors {}",
        result.op.name(),
        mode(&result.function_concurrent.calls).unwrap_or(0),
        f(function.p50),
        f(function.p99),
        f(floor.p50),
        f(floor.p99),
        function.p99 / floor.p99,
        result.function_concurrent.concurrency,
        f(outside.p50),
        result.function_concurrent.errors
            + result.function_serial.errors
            + result.floor_concurrent.errors
            + result.floor_serial.errors
            + result.floor_sdk_concurrent.errors
            + result.floor_sdk_serial.errors
    );
}

fn calls_text(phase: &Phase) -> String {
    calls_range(&phase.calls)
}

/// The mode of `calls` and, when they differ, their range: `2`, `2 (2–3)`.
fn calls_range(calls: &[usize]) -> String {
    let Some(m) = mode(calls) else {
        return "n/a".into();
    };
    let min = calls.iter().min().copied().unwrap_or(0);
    let max = calls.iter().max().copied().unwrap_or(0);
    if min == max {
        format!("{m}")
    } else {
        format!("{m} ({min}–{max})")
    }
}

/// BENCHMARKS.md, section by section, and the summary lines: the targets' first, then the warm
/// operations'.
pub fn markdown(results: &Results, chart: &Path) -> Markdown {
    let floors = Floors::of(&results.cold);
    let targets = Targets::check(results, &floors);
    let mut out = String::new();
    header(&mut out, results, chart);
    targets_table(&mut out, &targets.rows);
    targets_missed(&mut out, &targets.misses);
    cold_start(&mut out, &results.cold, results.config.cold_runs, &floors);
    cold_start_breakdown(&mut out, &results.cold, &floors);
    let warm_summary = warm_latency(&mut out, results);
    warm_operations(&mut out, &results.warm, results.config.stream_batch);
    let cache_summary = programme_cache(&mut out, &results.cache, results.config.concurrency);
    memory_and_size(&mut out, results);
    growth(&mut out, &results.growth);
    rule_engine(&mut out, results.rule_engine.as_ref());
    daily_at_scale(&mut out, results.daily.as_ref());
    daily_projection(&mut out, results.daily.as_ref());
    capacity(&mut out, results.capacity.as_ref());
    let cost_summary = cost(&mut out, results);
    let figures_summary = figures(&mut out, results);
    let import_summary = import_throughput(&mut out, results.import.as_ref());
    let offers_summary = targeted_offers(&mut out, results.offers.as_ref());
    let gamification_summary = challenges_and_plans(&mut out, results.gamification.as_ref());
    how_to_read(&mut out, results.proxy_hop.as_ref());

    let mut summary = targets.summary;
    summary.extend(warm_summary);
    summary.extend(cache_summary);
    summary.extend(cost_summary);
    summary.extend(figures_summary);
    summary.extend(import_summary);
    summary.extend(offers_summary);
    summary.extend(gamification_summary);
    Markdown { text: out, summary }
}

/// The floors the cold starts are set against: p50s, in ms.
struct Floors {
    /// floor-echo's init: the absolute floor.
    echo_init: f64,
    /// floor-echo's first invocation.
    echo_first: f64,
    /// Every floor-sdk init, whatever calls it then made: the SDK floor.
    sdk_init: f64,
}

impl Floors {
    fn of(cold: &[ColdResult]) -> Self {
        let echo = cold_of(cold, "floor-echo");
        Self {
            echo_init: echo.map_or(f64::NAN, |e| summarize(e.init_ms.iter().copied()).p50),
            echo_first: echo.map_or(f64::NAN, |e| summarize(e.first_ms.iter().copied()).p50),
            sdk_init: sdk_init_all(cold).p50,
        }
    }
}

/// `met` or `missed`, for the summary lines.
fn met_or_missed(met: bool) -> &'static str {
    if met { "met" } else { "missed" }
}

/// The title, what the document is, the machine and settings of the run, and the chart.
fn header(out: &mut String, results: &Results, chart: &Path) {
    let c = &results.config;
    let m = &results.machine;
    let get = |k: &str| m.get(k).cloned().unwrap_or_default();

    let _ = writeln!(out, "# Benchmarks\n");
    let _ = writeln!(
        out,
        "Measured by `make bench` (`scripts/bench.sh`, harness in `bench/`); regenerate with the same \
         command. Every figure below comes from one run, side by side with its floor, so a \
         regression shows as a ratio moving. The chart of the latency distributions is \
         [{}]({}).\n",
        chart.display(),
        chart.display()
    );
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| date | {} |", get("date"));
    let _ = writeln!(out, "| commit | `{}` |", get("commit"));
    let _ = writeln!(
        out,
        "| machine | {} ({}), {} cores, {} RAM, Linux {} |",
        get("cpu"),
        get("arch"),
        get("cores"),
        get("memory"),
        get("kernel")
    );
    let _ = writeln!(
        out,
        "| toolchain | {} (release profile: fat LTO, 1 codegen unit, panic = abort, stripped) |",
        get("rustc")
    );
    let _ = writeln!(
        out,
        "| DynamoDB | DynamoDB Local {} in memory on the same machine, {} ({}) |",
        get("dynamodb_local"),
        get("java"),
        get("network")
    );
    let _ = writeln!(
        out,
        "| settings | {} cold starts per binary; warm: {} requests per operation at concurrency {} and {} at concurrency 1 (stream batch: a quarter of that), {} warm-up requests per process not counted; stream batches of {} records{} |",
        c.cold_runs,
        c.requests,
        c.concurrency,
        c.serial_requests,
        c.warmup,
        c.stream_batch,
        if c.quick { "; **BENCH_QUICK run**" } else { "" }
    );
    let _ = writeln!(
        out,
        "| load average (1, 5, 15 min) | {} at the start, {} at the end (anything else running on the 2 cores shows here) |",
        get("load_start"),
        get("load_end")
    );
    let _ = writeln!(out, "| duration | {:.0} s |\n", results.total_s);
    let _ = writeln!(
        out,
        "![Latency distributions: cold starts and each operation next to its floors]({})\n",
        chart.display()
    );
}

/// Every target checked against the run: its row of the Targets table, its summary line and,
/// when missed, what limits it; in the table's order.
#[derive(Default)]
struct Targets {
    rows: String,
    summary: Vec<String>,
    misses: Vec<String>,
}

impl Targets {
    fn check(results: &Results, floors: &Floors) -> Self {
        let mut targets = Self::default();
        targets.cold_start(&results.cold, floors);
        for op in [Op::Earn, Op::Redeem] {
            let Some(r) = results.warm.iter().find(|r| r.op == op) else {
                continue;
            };
            targets.calls(r);
            targets.outside_dynamodb(r, results.proxy_hop.as_ref());
            targets.p99(r);
        }
        targets.peak_rss(&results.warm);
        targets.zips(&results.sizes, &results.config.zip_arch);
        targets.daily_run(&results.growth);
        targets.rule_engine(results.rule_engine.as_ref());
        targets.daily_at_scale(results.daily.as_ref());
        targets.capacity(results.capacity.as_ref());
        targets.offers(results.offers.as_ref());
        targets.gamification(results.gamification.as_ref());
        targets
    }

    /// Each function's init and first invocation against the SDK floor's.
    fn cold_start(&mut self, cold: &[ColdResult], floors: &Floors) {
        let sdk_init = floors.sdk_init;
        let echo_init = floors.echo_init;
        for (function, op) in FUNCTIONS {
            let (Some(row), Some(floor)) = (cold_of(cold, function), sdk_floor_for(cold, function))
            else {
                continue;
            };
            let init = summarize(row.init_ms.iter().copied());
            let first = summarize(row.first_ms.iter().copied());
            let floor_first = summarize(floor.first_ms.iter().copied());
            let init_ratio = init.p50 / sdk_init;
            let first_ratio = first.p50 / floor_first.p50;
            let init_met = init_ratio <= INIT_RATIO && init.p50 < INIT_MS;
            let first_met = first_ratio <= INIT_RATIO && first.p50 < FIRST_MS;
            let _ = writeln!(
                self.rows,
                "| {function} init ≤ {INIT_RATIO}x SDK floor, < {INIT_MS} ms median | {} ms = {init_ratio:.2}x floor-sdk ({} ms); absolute floor {} ms | {} |",
                f(init.p50),
                f(sdk_init),
                f(echo_init),
                verdict(init_met)
            );
            let _ = writeln!(
                self.rows,
                "| {function} first invocation ({}) ≤ {INIT_RATIO}x SDK floor, < {FIRST_MS} ms median | {} ms = {first_ratio:.2}x floor-sdk with the same calls ({} ms) | {} |",
                op.name(),
                f(first.p50),
                f(floor_first.p50),
                verdict(first_met)
            );
            self.summary.push(format!(
                "cold init      {function:<15} p50 {} ms, {init_ratio:.2}x SDK floor ({} ms), absolute floor {} ms [{}]",
                f(init.p50),
                f(sdk_init),
                f(echo_init),
                met_or_missed(init_met)
            ));
            self.summary.push(format!(
                "cold first inv {function:<15} p50 {} ms, {first_ratio:.2}x SDK floor ({} ms), absolute floor {} ms [{}]",
                f(first.p50),
                f(floor_first.p50),
                f(floors.echo_first),
                met_or_missed(first_met)
            ));
            if !init_met {
                self.misses.push(format!(
                    "**{function} init**: {} ms median, {init_ratio:.2}x the SDK floor's {} ms (targets: ≤ {INIT_RATIO}x and < {INIT_MS} ms). {}",
                    f(init.p50),
                    f(sdk_init),
                    init_reason(init.p50, sdk_init, echo_init)
                ));
            }
            if !first_met {
                self.misses.push(format!(
                    "**{function} first invocation**: {} ms median, {first_ratio:.2}x the SDK floor's {} ms with the same DynamoDB calls (targets: ≤ {INIT_RATIO}x and < {FIRST_MS} ms). {}",
                    f(first.p50),
                    f(floor_first.p50),
                    first_reason(row, floor)
                ));
            }
        }
    }

    /// DynamoDB calls per request of one operation, at concurrency 1 and under concurrency.
    fn calls(&mut self, r: &OpResult) {
        let max_calls = r
            .function_concurrent
            .calls
            .iter()
            .chain(&r.function_serial.calls)
            .max()
            .copied()
            .unwrap_or(0);
        let modal = mode(&r.function_serial.calls).unwrap_or(0);
        let calls_met = modal <= MAX_CALLS && max_calls <= MAX_CALLS;
        let _ = writeln!(
            self.rows,
            "| {} ≤ {MAX_CALLS} DynamoDB calls | {modal} per request ({}), at most {max_calls} under concurrency | {} |",
            r.op.name(),
            r.plan.join(" + "),
            verdict(calls_met)
        );
        self.summary.push(format!(
            "calls          {:<15} {modal} per request ({}), max {max_calls} [{}]",
            r.op.name(),
            r.plan.join(" + "),
            met_or_missed(calls_met)
        ));
        if !calls_met {
            self.misses.push(format!(
                "**{} DynamoDB calls**: {modal} per request, {max_calls} at most: contention on a member makes the write decide again from a fresh read (bounded retries), which is the design's answer to two concurrent writers.",
                r.op.name()
            ));
        }
    }

    /// One operation's time outside DynamoDB at concurrency 1, next to the floors'.
    fn outside_dynamodb(&mut self, r: &OpResult, proxy_hop: Option<&ProxyHop>) {
        let outside = summarize(r.function_serial.outside_ms());
        let floor_outside = summarize(r.floor_serial.outside_ms());
        let sdk_outside = summarize(r.floor_sdk_serial.outside_ms());
        let outside_met = outside.p50 < OUTSIDE_MS;
        let _ = writeln!(
            self.rows,
            "| {} time outside DynamoDB < {OUTSIDE_MS} ms p50 | {} ms p50 at concurrency 1; floor-sdk behind the same Runtime API {} ms, the SDK alone {} ms | {} |",
            r.op.name(),
            f(outside.p50),
            f(sdk_outside.p50),
            f(floor_outside.p50),
            verdict(outside_met)
        );
        self.summary.push(format!(
            "outside ddb    {:<15} p50 {} ms at concurrency 1 (SDK floor {} ms) [{}]",
            r.op.name(),
            f(outside.p50),
            f(floor_outside.p50),
            met_or_missed(outside_met)
        ));
        if outside_met {
            return;
        }
        let calls = mode(&r.function_serial.calls).unwrap_or(0) as f64;
        // The measurement's own hop, when this run's calibration shows one.
        let hop = proxy_hop.map(|h| h.hop_ms.max(0.0)).unwrap_or(0.0);
        let hop_total = calls * hop;
        let sdk_only = floor_outside.p50 - hop_total;
        let runtime = sdk_outside.p50 - floor_outside.p50;
        let own = outside.p50 - sdk_outside.p50;
        let corrected = outside.p50 - hop_total;
        let floors_alone = sdk_outside.p50 - hop_total;
        self.misses.push(format!(
            "**{} time outside DynamoDB**: {} ms at p50, concurrency 1 (target < {OUTSIDE_MS} ms). How it splits (p50s of this run): the timing proxy's own hop about {} ms ({} calls x {} ms, calibrated below; noisy); the SDK making the same calls about {} ms (the harness floor's {} ms minus the hop: building, signing and sending each request, reading and parsing each answer); the Runtime API exchange, lambda_http and the event's JSON {} ms (floor-sdk's {} ms minus the harness floor's); the function's own code (request decoding, the domain decision, items to and from DynamoDB's format, the log and metric lines, the response) {} ms (the function's figure minus floor-sdk's). Without the measurement's hop the function spends about {} ms outside DynamoDB{}",
            r.op.name(),
            f(outside.p50),
            f(hop_total),
            calls,
            f(hop),
            f(sdk_only),
            f(floor_outside.p50),
            signed(runtime),
            f(sdk_outside.p50),
            signed(own),
            f(corrected),
            if floors_alone >= OUTSIDE_MS {
                format!(
                    ". The SDK and the Runtime API exchange alone take {} ms, above the target, so no function could meet it as measured here; what the function adds is its own code's share.",
                    f(floors_alone)
                )
            } else {
                format!(
                    ", against {} ms for floor-sdk making the same calls: the function's own code is what separates them.",
                    f(floors_alone)
                )
            }
        ));
    }

    /// One operation's p99 under concurrency against the floor's.
    fn p99(&mut self, r: &OpResult) {
        let function = summarize(r.function_concurrent.total_ms.iter().copied());
        let floor = summarize(r.floor_concurrent.total_ms.iter().copied());
        let ratio = function.p99 / floor.p99;
        let p99_met = ratio <= P99_RATIO;
        let _ = writeln!(
            self.rows,
            "| {} p99 ≤ {P99_RATIO}x the floor's p99 (same calls) | {} ms vs {} ms = {ratio:.2}x at concurrency {} | {} |",
            r.op.name(),
            f(function.p99),
            f(floor.p99),
            r.function_concurrent.concurrency,
            verdict(p99_met)
        );
        self.summary.push(format!(
            "p99            {:<15} {} ms vs floor {} ms = {ratio:.2}x at concurrency {} [{}]",
            r.op.name(),
            f(function.p99),
            f(floor.p99),
            r.function_concurrent.concurrency,
            met_or_missed(p99_met)
        ));
        if !p99_met {
            let ddb = summarize(r.function_concurrent.dynamodb_ms.iter().copied());
            let floor_ddb = summarize(r.floor_concurrent.dynamodb_ms.iter().copied());
            self.misses.push(format!(
                "**{} p99**: {} ms against the floor's {} ms ({ratio:.2}x, target ≤ {P99_RATIO}x). Inside DynamoDB alone the function's requests spend {} ms at p99 against the floor's {} ms: the tail is DynamoDB Local's (one Java process sharing the 2 cores with {} function processes, the proxy and the harness), and the function's processes add CPU contention the harness-alone floor does not have.",
                r.op.name(),
                f(function.p99),
                f(floor.p99),
                f(ddb.p99),
                f(floor_ddb.p99),
                r.function_concurrent.concurrency
            ));
        }
    }

    /// Each function's peak RSS under load against floor-sdk's under the same load.
    fn peak_rss(&mut self, warm: &[OpResult]) {
        for (function, _) in FUNCTIONS {
            if !warm.iter().any(|r| r.function == function) {
                continue;
            }
            let (rss, floor_rss) = peak_rss_under_load(warm, function);
            let ratio = rss / floor_rss;
            let met = ratio <= RSS_RATIO && rss * MIB < RSS_MB * MB;
            let _ = writeln!(
                self.rows,
                "| {function} peak RSS ≤ {RSS_RATIO}x SDK floor, < {RSS_MB} MB (10^6 bytes) | {} MiB under load = {ratio:.2}x floor-sdk under the same load ({} MiB) | {} |",
                f(rss),
                f(floor_rss),
                verdict(met)
            );
            self.summary.push(format!(
                "peak RSS       {function:<15} {} MiB, {ratio:.2}x SDK floor ({} MiB) [{}]",
                f(rss),
                f(floor_rss),
                met_or_missed(met)
            ));
            if !met {
                self.misses.push(format!(
                    "**{function} peak RSS**: {} MiB ({ratio:.2}x floor-sdk's {} MiB).",
                    f(rss),
                    f(floor_rss)
                ));
            }
        }
    }

    /// Each function's deployment zip against the size target (the floors have none).
    fn zips(&mut self, sizes: &[Size], zip_arch: &str) {
        for size in sizes {
            if size.binary.starts_with("floor-") {
                continue;
            }
            let zip = size.zip_bytes.map(|b| b as f64 / 1_048_576.0);
            let met = size.zip_bytes.is_some_and(|b| (b as f64) < ZIP_MB * MB);
            let measured = zip.map_or("not built".into(), |z| {
                format!("{} MiB ({})", f(z), zip_arch)
            });
            let _ = writeln!(
                self.rows,
                "| {} zip < {ZIP_MB} MB (10^6 bytes) | {measured} | {} |",
                size.binary,
                verdict(met)
            );
            self.summary.push(format!(
                "zip            {:<15} {measured} [{}]",
                size.binary,
                met_or_missed(met)
            ));
            if !met {
                self.misses.push(format!(
                    "**{} zip**: {}.",
                    size.binary,
                    zip.map_or(
                        "the zip was not built (see scripts/bench.sh's output)".into(),
                        |z| format!("{} MiB", f(z))
                    )
                ));
            }
        }
    }

    /// The daily tier run's calls and time from the smallest table to the largest.
    fn daily_run(&mut self, growth: &[GrowthStep]) {
        let (Some(first), Some(last)) = (growth.first(), growth.last()) else {
            return;
        };
        let flat_calls = growth.iter().all(|s| s.calls == first.calls);
        let time_ratio = last.run_ms / first.run_ms;
        let met = flat_calls && time_ratio <= 1.5 && last.processed == last.due;
        let _ = writeln!(
            self.rows,
            "| daily run flat in table size | {} → {} members, {} due: {} → {} DynamoDB calls, {} → {} ms ({time_ratio:.2}x) | {} |",
            first.members,
            last.members,
            last.due,
            first.calls,
            last.calls,
            f(first.run_ms),
            f(last.run_ms),
            verdict(met)
        );
        self.summary.push(format!(
            "daily run      {} → {} members: {} → {} calls, {} → {} ms [{}]",
            first.members,
            last.members,
            first.calls,
            last.calls,
            f(first.run_ms),
            f(last.run_ms),
            met_or_missed(met)
        ));
        if !met {
            self.misses.push(format!(
                "**daily run**: calls {} → {}, time {} → {} ms over {} → {} members.{}",
                first.calls,
                last.calls,
                f(first.run_ms),
                f(last.run_ms),
                first.members,
                last.members,
                calls_that_moved(growth)
            ));
        }
    }

    /// The daily run with many members due on one day: none left behind, nothing done twice;
    /// and the projection to a million on AWS.
    fn daily_at_scale(&mut self, daily: Option<&DailyResult>) {
        let Some(d) = daily else {
            return;
        };
        let complete = d.run.processed == d.due
            && d.run.due == d.due
            && d.run.failed == 0
            && d.remaining_due == 0
            && d.rerun.processed == 0;
        let _ = writeln!(
            self.rows,
            "| daily run, {} due on one day: none left behind, a second run does nothing | {} of {} processed ({} failed), {} still filed as due, second run: {} processed | {} |",
            d.due,
            d.run.processed,
            d.run.due,
            d.run.failed,
            d.remaining_due,
            d.rerun.processed,
            verdict(complete)
        );
        self.summary.push(format!(
            "daily at scale {} due: {} processed in {} s ({} members/s, one worker), {} left, re-run {} [{}]",
            d.due,
            d.run.processed,
            f(d.run.wall_s),
            f(d.run.members_per_s()),
            d.remaining_due,
            d.rerun.processed,
            met_or_missed(complete)
        ));
        if !complete {
            self.misses.push(format!(
                "**daily run at scale**: {} of {} due members processed, {} failed, {} still filed as due after the run, {} processed by a second run (all should be {}, 0, 0 and 0).",
                d.run.processed, d.due, d.run.failed, d.remaining_due, d.rerun.processed, d.due
            ));
        }
        let cases: Vec<Projection> = CASES.iter().map(|c| projection::daily(d, *c)).collect();
        let (Some(best), Some(worst)) = (cases.first(), cases.last()) else {
            return;
        };
        let met = worst.met();
        let _ = writeln!(
            self.rows,
            "| 1,000,000 members due on one day done within an hour on AWS (projection) | {} to {} min with {} workers at {} MB, 16 in flight each (from {} ms CPU per member measured here; DynamoDB and SQS latencies assumed, see below) | {} |",
            f(best.total_s / 60.0),
            f(worst.total_s / 60.0),
            worst.parallel,
            worst.memory_mb,
            f(worst.cpu_ms_here),
            verdict(met)
        );
        self.summary.push(format!(
            "daily 1M (AWS) {} to {} min projected, {} workers [{}]",
            f(best.total_s / 60.0),
            f(worst.total_s / 60.0),
            worst.parallel,
            met_or_missed(met)
        ));
        if !met {
            self.misses.push(format!(
                "**1,000,000 due within an hour**: {} min in the slower case ({}). {}",
                f(worst.total_s / 60.0),
                worst.case.name,
                projection_limit(worst)
            ));
        }
    }

    /// A member after a year against a new member, for earn and redeem.
    fn capacity(&mut self, capacity: Option<&CapacityResult>) {
        let Some(c) = capacity else {
            return;
        };
        for op in ["earn", "redeem"] {
            let (Some(new), Some(year)) = (c.row(op, "new"), c.row(op, "year")) else {
                continue;
            };
            let ratio = unit_cost(year) / unit_cost(new);
            let met = ratio <= CAPACITY_RATIO;
            let _ = writeln!(
                self.rows,
                "| {op} after a year of daily purchases ≤ {CAPACITY_RATIO}x a new member's request units | {} WCU + {} RCU vs {} + {} = {ratio:.2}x by price (member item {} vs {} bytes) | {} |",
                f(year.write_units()),
                f(year.read_units()),
                f(new.write_units()),
                f(new.read_units()),
                year.member_bytes_after,
                new.member_bytes_after,
                verdict(met)
            );
            self.summary.push(format!(
                "capacity       {op:<15} a year: {} WCU + {} RCU, new: {} + {} ({ratio:.2}x), member item {} vs {} bytes [{}]",
                f(year.write_units()),
                f(year.read_units()),
                f(new.write_units()),
                f(new.read_units()),
                year.member_bytes_after,
                new.member_bytes_after,
                met_or_missed(met)
            ));
            if !met {
                self.misses.push(format!(
                    "**{op} capacity after a year**: {ratio:.2}x a new member's. The member item grew from {} to {} bytes; every KB started costs 2 write units in the transaction (and the read of it 2 units per 4 KB).",
                    new.member_bytes_after, year.member_bytes_after
                ));
            }
        }
    }

    /// Earn with 50 offers active, matching and not: at most 2 calls besides the shared
    /// items' refresh.
    fn offers(&mut self, offers: Option<&OffersResult>) {
        let Some(r) = offers else {
            return;
        };
        let with_offers: Vec<&CaseResult> = [Case::Matched, Case::Unmatched]
            .into_iter()
            .filter_map(|case| r.case(case))
            .collect();
        if with_offers.is_empty() {
            return;
        }
        let calls: Vec<usize> = with_offers
            .iter()
            .flat_map(|c| c.calls.iter().copied())
            .collect();
        let modal = mode(&calls).unwrap_or(0);
        let max = with_offers
            .iter()
            .flat_map(|c| c.transaction_calls())
            .max()
            .unwrap_or(0);
        let refreshed = with_offers
            .iter()
            .flat_map(|c| &c.shared_reads)
            .filter(|n| **n > 0)
            .count();
        let errors: usize = with_offers.iter().map(|c| c.errors).sum();
        let plan = with_offers
            .first()
            .map(|c| c.plan().join(" + "))
            .unwrap_or_default();
        let met = !calls.is_empty() && modal <= MAX_CALLS && max <= MAX_CALLS;
        let _ = writeln!(
            self.rows,
            "| earn ≤ {MAX_CALLS} DynamoDB calls with {} offers active | {modal} per earn ({plan}) with {} offers matching ({} applied) and with {} matching none; at most {max} besides the 30 s refresh of the cached shared items ({refreshed} of {} earns refreshed){} | {} |",
            r.offers,
            r.offers,
            Case::Matched.applied(),
            r.offers,
            calls.len(),
            if errors > 0 {
                format!("; {errors} earns failed")
            } else {
                String::new()
            },
            verdict(met)
        );
        self.summary.push(format!(
            "offers calls   earn            {modal} per earn with {} offers ({} applied or none), max {max} besides the refresh [{}]",
            r.offers,
            Case::Matched.applied(),
            met_or_missed(met)
        ));
        if !met {
            self.misses.push(format!(
                "**earn DynamoDB calls with {} offers**: {modal} per earn, {max} at most besides the shared items' refresh. The offer set is read with the programme and kept by the warm environment for 30 s, and each applied offer's budget draw is an item of the earn's own TransactWriteItems: more calls mean one of them is no longer so (see the section's calls by operation).",
                r.offers
            ));
        }
    }

    /// Earn with 50 running challenges and the member's plan running: at most 2 calls
    /// besides the shared items' refresh.
    fn gamification(&mut self, result: Option<&GamificationResult>) {
        let Some(r) = result else {
            return;
        };
        let Some(c) = r.case(gamification::Case::Loaded) else {
            return;
        };
        let modal = mode(&c.calls).unwrap_or(0);
        let max = c.transaction_calls().max().unwrap_or(0);
        let refreshed = c.shared_reads.iter().filter(|n| **n > 0).count();
        let met = !c.calls.is_empty() && modal <= MAX_CALLS && max <= MAX_CALLS;
        let _ = writeln!(
            self.rows,
            "| earn ≤ {MAX_CALLS} DynamoDB calls with {} challenges and a running membership plan | {modal} per earn ({}) with {} challenges running ({} of them counting the purchase) and the member's `{}` plan running; at most {max} besides the 30 s refresh of the cached shared items ({refreshed} of {} earns refreshed){} | {} |",
            r.challenges,
            c.plan().join(" + "),
            r.challenges,
            c.case.counting(),
            r.plan,
            c.calls.len(),
            if c.errors > 0 {
                format!("; {} earns failed", c.errors)
            } else {
                String::new()
            },
            verdict(met)
        );
        self.summary.push(format!(
            "gamification   earn            {modal} per earn with {} challenges and plan {} running, max {max} besides the refresh [{}]",
            r.challenges,
            r.plan,
            met_or_missed(met)
        ));
        if !met {
            self.misses.push(format!(
                "**earn DynamoDB calls with {} challenges and a running plan**: {modal} per earn, {max} at most besides the shared items' refresh. Challenge progress and the membership live on the member item, and the challenges and plans in the programme, so the earn's TransactGetItems and TransactWriteItems should be all: more calls mean one of them is read or written apart (see the section's calls by operation).",
                r.challenges
            ));
        }
    }

    /// The earn-rule engine's evaluations per second, from criterion.
    fn rule_engine(&mut self, engine: Option<&RuleEngine>) {
        let Some(engine) = engine else {
            let _ = writeln!(
                self.rows,
                "| rule engine > 1M evaluations/s per core | not measured (criterion results missing) | **missed** |"
            );
            return;
        };
        let met = engine.evaluations_per_second > RULES_PER_S;
        let _ = writeln!(
            self.rows,
            "| rule engine > 1M evaluations/s per core | {:.2}M/s ({} ns per evaluation, criterion, one thread) | {} |",
            engine.evaluations_per_second / 1e6,
            f(engine.ns_per_iteration / engine.evaluations_per_iteration as f64),
            verdict(met)
        );
        self.summary.push(format!(
            "rule engine    {:.2}M evaluations/s per core [{}]",
            engine.evaluations_per_second / 1e6,
            met_or_missed(met)
        ));
    }
}

/// The operations whose counts differ between the growth steps, and, when only the GetItems
/// move, where they come from; empty when every count is the same.
fn calls_that_moved(growth: &[GrowthStep]) -> String {
    let operations: std::collections::BTreeSet<&String> = growth
        .iter()
        .flat_map(|s| s.calls_by_operation.keys())
        .collect();
    let moved: Vec<(&String, Vec<usize>)> = operations
        .into_iter()
        .map(|op| {
            let counts = growth
                .iter()
                .map(|s| s.calls_by_operation.get(op).copied().unwrap_or(0))
                .collect::<Vec<_>>();
            (op, counts)
        })
        .filter(|(_, counts)| counts.iter().any(|c| *c != counts[0]))
        .collect();
    if moved.is_empty() {
        return String::new();
    }
    let list = moved
        .iter()
        .map(|(op, counts)| {
            let counts = counts
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" → ");
            format!("{op} {counts}")
        })
        .collect::<Vec<_>>()
        .join(", ");
    let why = if moved.iter().all(|(op, _)| op.as_str() == "GetItem") {
        format!(
            " Only the GetItems move, and not with the table's size: besides the checkpoint's one, they are the programme's reads, and each run starts with an empty programme cache, so every review in flight before the first read has filled it reads it too (1 to the {} in flight, as they happen to overlap). The calls per member reviewed are the same at every size.",
            evaluate_tier::DailySettings::default().concurrency
        )
    } else {
        String::new()
    };
    format!(" By operation, step by step: {list}.{why}")
}

/// The highest peak RSS (MiB) of a binary's processes over its operations, and of floor-sdk's
/// under the same load; NaN where there is none.
fn peak_rss_under_load(warm: &[OpResult], binary: &str) -> (f64, f64) {
    let ops: Vec<&OpResult> = warm.iter().filter(|r| r.function == binary).collect();
    let rss = max_rss_mib(
        &ops.iter()
            .flat_map(|r| {
                r.function_concurrent
                    .rss_kib
                    .iter()
                    .chain(&r.function_serial.rss_kib)
            })
            .copied()
            .collect::<Vec<_>>(),
    );
    let floor_rss = max_rss_mib(
        &ops.iter()
            .flat_map(|r| r.floor_sdk_concurrent.rss_kib.iter())
            .copied()
            .collect::<Vec<_>>(),
    );
    (rss, floor_rss)
}

/// `## Targets`: the table of every target and its verdict.
fn targets_table(out: &mut String, rows: &str) {
    let _ = writeln!(out, "## Targets\n");
    let _ = writeln!(out, "| target | measured | verdict |\n|---|---|---|");
    out.push_str(rows);
}

/// `### Targets missed, and what limits them`: one explanation per missed target.
fn targets_missed(out: &mut String, misses: &[String]) {
    let _ = writeln!(out, "\n### Targets missed, and what limits them\n");
    if misses.is_empty() {
        let _ = writeln!(out, "None in this run.");
    } else {
        for miss in misses {
            let _ = writeln!(out, "- {miss}");
        }
    }
}

/// `## Cold start`: every binary's init, first invocation and peak RSS, with the ratios to the
/// SDK floor.
fn cold_start(out: &mut String, cold: &[ColdResult], cold_runs: usize, floors: &Floors) {
    let _ = writeln!(out, "\n## Cold start\n");
    let _ = writeln!(
        out,
        "Each release binary (x86_64, this machine) started {} times, as the Lambda service starts a custom runtime (the same environment variables, 128 MB declared), against the harness's Runtime API with DynamoDB Local behind a timing proxy. **init** = exec to the first `invocation/next` poll; **first invocation** = exec to the first response posted (the event is waiting when the poll arrives). Peak RSS is `VmHWM` after that first response. `floor-echo` is a bare lambda_runtime echo (no SDK): the absolute floor. `floor-sdk` is lambda_http + aws-config + the DynamoDB client making exactly the DynamoDB calls the function made for the same operation (recorded from a process's first invocation, with the items put back before each run): the SDK floor. Binaries start in interleaved order, one at a time.\n",
        cold_runs
    );
    let _ = writeln!(
        out,
        "| binary | init p50 | init p99 | first invocation p50 | first invocation p99 | DynamoDB calls | in DynamoDB (p50) | peak RSS p50 | init / SDK floor | first / SDK floor |\n|---|---|---|---|---|---|---|---|---|---|"
    );
    for row in cold {
        let init = summarize(row.init_ms.iter().copied());
        let first = summarize(row.first_ms.iter().copied());
        let ddb = summarize(row.dynamodb_ms.iter().copied());
        let rss = rss_summary(&row.rss_kib);
        let (init_ratio, first_ratio) = match (&row.function, row.binary.as_str()) {
            (Some(function), binary) if binary != "floor-sdk" => sdk_floor_for(cold, function)
                .map(|floor| {
                    (
                        format!("{:.2}x", init.p50 / floors.sdk_init),
                        format!(
                            "{:.2}x",
                            first.p50 / summarize(floor.first_ms.iter().copied()).p50
                        ),
                    )
                })
                .unwrap_or_default(),
            _ => (String::new(), String::new()),
        };
        let calls = mode(&row.calls).map_or("0".into(), |m| m.to_string());
        let _ = writeln!(
            out,
            "| {} | {} ms | {} ms | {} ms | {} ms | {} | {} ms | {} MiB | {} | {} |",
            row.label,
            f(init.p50),
            f(init.p99),
            f(first.p50),
            f(first.p99),
            calls,
            f(ddb.p50),
            f(mib(rss.p50)),
            init_ratio,
            first_ratio
        );
    }
}

/// `### What separates each function from the absolute floor`: the SDK floor over the echo,
/// then each function's init and first invocation over the SDK floor's.
fn cold_start_breakdown(out: &mut String, cold: &[ColdResult], floors: &Floors) {
    let sdk_init = floors.sdk_init;
    let _ = writeln!(
        out,
        "\n### What separates each function from the absolute floor\n"
    );
    let _ = writeln!(
        out,
        "`floor-echo` starts in {} ms: exec, the dynamic loader, the tokio runtime and the Runtime API client's first poll. Everything above that is:\n",
        f(floors.echo_init)
    );
    let _ = writeln!(
        out,
        "- **SDK floor** (`floor-sdk`, init {} ms, {} ms over the echo): aws-config's default chain (environment credentials and region, the endpoint resolver, retry and timeout defaults, the HTTP client) and building the DynamoDB client, plus lambda_http.",
        f(sdk_init),
        signed(sdk_init - floors.echo_init)
    );
    for (function, op) in FUNCTIONS {
        let (Some(row), Some(floor)) = (cold_of(cold, function), sdk_floor_for(cold, function))
        else {
            continue;
        };
        let init = summarize(row.init_ms.iter().copied());
        let first = summarize(row.first_ms.iter().copied());
        let ddb = summarize(row.dynamodb_ms.iter().copied());
        let floor_first = summarize(floor.first_ms.iter().copied());
        let floor_ddb = summarize(floor.dynamodb_ms.iter().copied());
        let _ = writeln!(
            out,
            "- **{function}**: init {} ms ({} ms against the SDK floor: {}). First invocation ({}): {} ms after init, of which {} ms inside DynamoDB ({} calls, the first on a new connection); the SDK floor takes {} ms after its init for the same calls ({} ms inside DynamoDB). The rest is the handler: the event's JSON, routing, the domain decision, items to and from DynamoDB's format, the log line, the response.",
            f(init.p50),
            signed(init.p50 - sdk_init),
            extra_init(function),
            op.name(),
            f(first.p50 - init.p50),
            f(ddb.p50),
            mode(&row.calls).unwrap_or(0),
            f(floor_first.p50 - sdk_init),
            f(floor_ddb.p50),
        );
    }
}

/// What a function's init does beyond the SDK floor's.
fn extra_init(function: &str) -> &'static str {
    match function {
        "partner-offers" => {
            "the JSON log subscriber, `Context::from_env` (the same SDK load with the functions' timeouts and retry settings) and the partner-secret cipher"
        }
        "evaluate-tier" => {
            "the JSON log subscriber and `TierContext::from_env` (the same SDK load with the functions' timeouts and retry settings; no EventBridge client without `EVENT_BUS_NAME`)"
        }
        _ => {
            "the JSON log subscriber and `Context::from_env` (the same SDK load with the functions' timeouts and retry settings)"
        }
    }
}

/// `## Warm latency and DynamoDB calls`: one row per operation, next to its floors. Returns
/// the operations' summary lines.
fn warm_latency(out: &mut String, results: &Results) -> Vec<String> {
    let c = &results.config;
    let mut summary = Vec::new();
    let _ = writeln!(out, "\n## Warm latency and DynamoDB calls\n");
    let _ = writeln!(
        out,
        "Each operation driven through the function's release binary by {} concurrent clients, one warm process each (as Lambda runs one request per execution environment), against DynamoDB Local; then by one client. Latency is end to end at the Runtime API: event queued to response received. Every DynamoDB call goes through a loopback proxy that counts it and times it (request received to DynamoDB Local's answer read). **floor** is the harness alone making the same calls with the SDK (recorded from the function, the items put back before each repetition, untimed), through the same kind of proxy, at the same concurrency: each floor client makes the calls recorded from up to {} invocations on its own members, and the items they wrote are put back between batches, never while a timed request is in flight (*in flight* shows the concurrency each side really had); **floor-sdk** is the floor binary making them behind the Runtime API. **outside DynamoDB** = end to end minus the time inside the proxied DynamoDB calls, at concurrency 1 (so it is not CPU contention): it includes the Runtime API exchange and the loopback hop to the proxy, which the floor's figure shows for the SDK alone.\n",
        c.concurrency,
        c.plans_per_client()
    );
    let _ = writeln!(
        out,
        "| operation | function | DynamoDB calls | p50 | p99 | floor p50 | floor p99 | p99 / floor | in flight (function / floor) | floor-sdk p50 / p99 | in DynamoDB p50 (c=1) | outside DynamoDB p50 / p99 (c=1) | floor-sdk outside p50 (c=1) | floor outside p50 (c=1) | errors |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    );
    for r in &results.warm {
        let function = summarize(r.function_concurrent.total_ms.iter().copied());
        let floor = summarize(r.floor_concurrent.total_ms.iter().copied());
        let sdk = summarize(r.floor_sdk_concurrent.total_ms.iter().copied());
        let ddb = summarize(r.function_serial.dynamodb_ms.iter().copied());
        let outside = summarize(r.function_serial.outside_ms());
        let floor_outside = summarize(r.floor_serial.outside_ms());
        let sdk_outside = summarize(r.floor_sdk_serial.outside_ms());
        let errors = r.function_concurrent.errors
            + r.function_serial.errors
            + r.floor_concurrent.errors
            + r.floor_serial.errors
            + r.floor_sdk_concurrent.errors
            + r.floor_sdk_serial.errors;
        let _ = writeln!(
            out,
            "| {} | {} | {}: {} | {} ms | {} ms | {} ms | {} ms | {:.2}x | {:.1} / {:.1} | {} / {} ms | {} ms | {} / {} ms | {} ms | {} ms | {} |",
            r.op.name(),
            r.function,
            calls_text(&r.function_concurrent),
            compress_plan(&r.plan),
            f(function.p50),
            f(function.p99),
            f(floor.p50),
            f(floor.p99),
            function.p99 / floor.p99,
            r.function_concurrent.effective_concurrency(),
            r.floor_concurrent.effective_concurrency(),
            f(sdk.p50),
            f(sdk.p99),
            f(ddb.p50),
            f(outside.p50),
            f(outside.p99),
            f(sdk_outside.p50),
            f(floor_outside.p50),
            errors
        );
        summary.push(format!(
            "warm           {:<15} p50 {} ms p99 {} ms, floor {} / {} ms, {} calls, outside DynamoDB p50 {} ms",
            r.op.name(),
            f(function.p50),
            f(function.p99),
            f(floor.p50),
            f(floor.p99),
            calls_text(&r.function_concurrent),
            f(outside.p50)
        ));
    }
    summary
}

/// The list of operations under the warm table: what each request is, and how many were made.
fn warm_operations(out: &mut String, warm: &[OpResult], stream_batch: usize) {
    let _ = writeln!(out, "\nOperations:\n");
    for r in warm {
        let _ = writeln!(
            out,
            "- **{}**: {}; {} requests at concurrency {} ({:.1} s), {} at 1.",
            r.op.name(),
            r.op.describe(stream_batch),
            r.function_concurrent.total_ms.len(),
            r.function_concurrent.concurrency,
            r.function_concurrent.wall_s,
            r.function_serial.total_ms.len()
        );
    }
}

/// Where the zips are, as the document shows it: a path inside the repository as it is, the
/// `lambda` folder of a target directory elsewhere (`CARGO_TARGET_DIR`) as `<target>/lambda`,
/// so that no machine's own path lands in BENCHMARKS.md.
fn zip_dir_shown(dir: &Path) -> String {
    if dir.is_relative() {
        dir.display().to_string()
    } else if dir.file_name().is_some_and(|name| name == "lambda") {
        "<target>/lambda".into()
    } else {
        dir.display().to_string()
    }
}

/// `## Memory and size`: peak RSS under load and at the first invocation, zip and binary sizes.
fn memory_and_size(out: &mut String, results: &Results) {
    let c = &results.config;
    let _ = writeln!(out, "\n## Memory and size\n");
    let _ = writeln!(
        out,
        "Peak RSS (`VmHWM`) of each process after its load above (the highest of the function's processes, over its operations), next to floor-sdk's processes under the same load. Zips: `cargo lambda build --release --{} --output-format zip` (`{}/<function>/bootstrap.zip`). Binaries: the x86_64 release binaries measured here.\n",
        c.zip_arch,
        zip_dir_shown(&c.zip_dir)
    );
    let _ = writeln!(
        out,
        "| binary | peak RSS under load | floor-sdk under the same load | ratio | peak RSS at first invocation (p50) | zip ({}) | binary (x86_64) |\n|---|---|---|---|---|---|---|",
        c.zip_arch
    );
    for size in &results.sizes {
        let (rss, floor_rss) = peak_rss_under_load(&results.warm, &size.binary);
        let cold_rss: Vec<u64> = results
            .cold
            .iter()
            .filter(|c| c.binary == size.binary)
            .flat_map(|c| c.rss_kib.iter().copied())
            .collect();
        let mb = |b: Option<u64>| {
            b.map_or("–".into(), |b| {
                format!("{} MiB", f(b as f64 / 1_048_576.0))
            })
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} MiB | {} | {} |",
            size.binary,
            if rss.is_finite() {
                format!("{} MiB", f(rss))
            } else {
                "–".into()
            },
            if floor_rss.is_finite() {
                format!("{} MiB", f(floor_rss))
            } else {
                "–".into()
            },
            if rss.is_finite() && floor_rss.is_finite() {
                format!("{:.2}x", rss / floor_rss)
            } else {
                "–".into()
            },
            f(mib(rss_summary(&cold_rss).p50)),
            mb(size.zip_bytes),
            mb(size.binary_bytes)
        );
    }
}

/// `## Growth`: the daily tier run over one table grown step by step.
fn growth(out: &mut String, growth: &[GrowthStep]) {
    let _ = writeln!(out, "\n## Growth\n");
    if growth.is_empty() {
        let _ = writeln!(out, "Not measured in this run (BENCH_MEMBERS=0).");
        return;
    }
    let _ = writeln!(
        out,
        "The daily tier run (`evaluate_tier::handle` with `{{\"kind\": \"daily\"}}`, in the harness, on a counting SDK client) over one table grown to each size, with {} new members due on the run's day each time (an expiry warning each) and every other member due on a later day. Members are built by the domain code and written by the store (`Store::enrol`), so they are the items the functions write. Before each run the run's checkpoint is set to the day before, as the previous day's run leaves it, so every run plans the same pieces: yesterday and today, {} shards each.\n",
        growth.first().map_or(0, |g| g.due),
        loyalty::store::keys::DUE_SHARDS
    );
    let _ = writeln!(
        out,
        "| members in the table | due that day | processed | DynamoDB calls | by operation | run time | seeding time |\n|---|---|---|---|---|---|---|"
    );
    for g in growth {
        let ops = g
            .calls_by_operation
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} ms | {:.0} s |",
            g.members,
            g.due,
            g.processed,
            g.calls,
            ops,
            f(g.run_ms),
            g.seed_s
        );
    }
}

/// The earn-rule engine's throughput, a paragraph at the end of the growth section.
fn rule_engine(out: &mut String, engine: Option<&RuleEngine>) {
    let Some(engine) = engine else {
        return;
    };
    let _ = writeln!(
        out,
        "\nEarn-rule engine (`bench/benches/earn_rules.rs`: criterion, release profile, one thread): `Program::evaluate_earn` under the demo programme over a mix of {} purchases (categories, the promotion window, the three tiers, the daily cap) takes {} ns per mix, {} ns per evaluation: **{:.2} million evaluations per second per core**.",
        engine.evaluations_per_iteration,
        f(engine.ns_per_iteration),
        f(engine.ns_per_iteration / engine.evaluations_per_iteration as f64),
        engine.evaluations_per_second / 1e6
    );
}

/// What a request's units cost on demand, USD: what the capacity ratio is taken on.
fn unit_cost(row: &CapacityRow) -> f64 {
    row.write_units() * projection::WRU_PER_MILLION + row.read_units() * projection::RRU_PER_MILLION
}

/// Dollars with three significant figures.
fn usd(v: f64) -> String {
    if !v.is_finite() {
        "n/a".into()
    } else if v >= 100.0 {
        format!("${v:.0}")
    } else if v >= 10.0 {
        format!("${v:.1}")
    } else if v >= 1.0 {
        format!("${v:.2}")
    } else if v >= 0.1 {
        format!("${v:.3}")
    } else if v >= 0.01 {
        format!("${v:.4}")
    } else {
        format!("${v:.5}")
    }
}

/// What caching saves, in words: `1.20 ms lower`, or `0.350 ms higher` when the run measured
/// the cached side slower (noise, or contention on the machine).
fn lower_or_higher(saved_ms: f64) -> String {
    if !saved_ms.is_finite() {
        "n/a".into()
    } else if saved_ms >= 0.0 {
        format!("{} ms lower", f(saved_ms))
    } else {
        format!("{} ms higher", f(-saved_ms))
    }
}

/// Mean DynamoDB calls per request, to show the rare refresh of a cached item.
fn mean_calls(phase: &Phase) -> f64 {
    phase.calls.iter().sum::<usize>() as f64 / phase.calls.len() as f64
}

pub fn print_cache(result: &CacheResult) {
    let c = &result.concurrent;
    let p50 = |p: &Phase| f(summarize(p.total_ms.iter().copied()).p50);
    eprintln!(
        "cache {:<12} cached: {} calls, p50 {} ms (floor {} ms) | TTL 0: {} calls, p50 {} ms (floor {} ms) at concurrency {}",
        result.op.name(),
        calls_text(&c.cached),
        p50(&c.cached),
        p50(&c.floor_cached),
        calls_text(&c.ttl0),
        p50(&c.ttl0),
        p50(&c.floor_ttl0),
        c.cached.concurrency
    );
}

/// `## The programme cached, and read on every request`: earn and redeem with
/// `SHARED_ITEMS_TTL_SECONDS` unset and 0, each next to the harness making its calls.
fn programme_cache(out: &mut String, cache: &[CacheResult], concurrency: usize) -> Vec<String> {
    let _ = writeln!(
        out,
        "\n## The programme cached, and read on every request\n"
    );
    if cache.is_empty() {
        let _ = writeln!(
            out,
            "Not measured in this run (BENCH_OPS without earn and redeem)."
        );
        return Vec::new();
    }
    let _ = writeln!(
        out,
        "Each execution environment keeps the programme for `SHARED_ITEMS_TTL_SECONDS` (default 30 s) instead of reading it in every request's TransactGetItems. Here earn and redeem run as in the warm benchmark, with the variable unset (**cached**) and set to 0 in the functions' environment (**TTL 0**: the programme read on every request, a GetItem of the one programme item outside the transaction; before this change every request read it too, as one more item of its TransactGetItems: the same one more read of the one hot item per request), the four sides alternating in rounds. Each has its floor: the harness making the calls recorded from that configuration. Calls are the mode per request and, in brackets, the range; the mean is in its own column: a cached environment reads the programme again once its copy is 30 s old. Own duration is the function's (event handed over to answer posted: what Lambda bills), at concurrency 1.\n"
    );
    let _ = writeln!(
        out,
        "| operation | programme | DynamoDB calls (c={concurrency}) | mean calls | p50 (c={concurrency}) | p99 (c={concurrency}) | floor p50 / p99 (c={concurrency}) | p50 (c=1) | floor p50 (c=1) | in DynamoDB p50 (c=1) | own duration p50 (c=1) | billed mean (c=1) | errors |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    );
    let mut summary = Vec::new();
    let mut notes = Vec::new();
    for r in cache {
        let rows = [
            (
                "cached",
                &r.concurrent.cached,
                &r.concurrent.floor_cached,
                &r.serial.cached,
                &r.serial.floor_cached,
                &r.plan_cached,
            ),
            (
                "TTL 0",
                &r.concurrent.ttl0,
                &r.concurrent.floor_ttl0,
                &r.serial.ttl0,
                &r.serial.floor_ttl0,
                &r.plan_ttl0,
            ),
        ];
        for (label, c, floor_c, s, floor_s, plan) in rows {
            let total = summarize(c.total_ms.iter().copied());
            let floor = summarize(floor_c.total_ms.iter().copied());
            let serial = summarize(s.total_ms.iter().copied());
            let floor_serial = summarize(floor_s.total_ms.iter().copied());
            let ddb = summarize(s.dynamodb_ms.iter().copied());
            let own = summarize(s.own_ms.iter().copied());
            let errors = c.errors + floor_c.errors + s.errors + floor_s.errors;
            let _ = writeln!(
                out,
                "| {} | {label} | {}: {} | {:.3} | {} ms | {} ms | {} / {} ms | {} ms | {} ms | {} ms | {} ms | {} ms | {errors} |",
                r.op.name(),
                calls_text(c),
                compress_plan(plan),
                mean_calls(c),
                f(total.p50),
                f(total.p99),
                f(floor.p50),
                f(floor.p99),
                f(serial.p50),
                f(floor_serial.p50),
                f(ddb.p50),
                f(own.p50),
                f(projection::billed_ms(&s.own_ms)),
            );
        }
        let p50 = |p: &Phase| summarize(p.total_ms.iter().copied()).p50;
        let saved = p50(&r.serial.ttl0) - p50(&r.serial.cached);
        let floor_saved = p50(&r.serial.floor_ttl0) - p50(&r.serial.floor_cached);
        notes.push(format!(
            "- **{}**: caching takes {} calls per request to {} (mean {:.3}); at concurrency 1 the p50 is {} cached ({} ms against {} ms), the floor's {} for the same calls.",
            r.op.name(),
            mode(&r.concurrent.ttl0.calls).unwrap_or(0),
            mode(&r.concurrent.cached.calls).unwrap_or(0),
            mean_calls(&r.concurrent.cached),
            lower_or_higher(saved),
            f(p50(&r.serial.cached)),
            f(p50(&r.serial.ttl0)),
            lower_or_higher(floor_saved)
        ));
        summary.push(format!(
            "cached         {:<15} {} calls cached vs {} with TTL 0; p50 {} vs {} ms at concurrency 1",
            r.op.name(),
            calls_text(&r.concurrent.cached),
            calls_text(&r.concurrent.ttl0),
            f(p50(&r.serial.cached)),
            f(p50(&r.serial.ttl0))
        ));
    }
    let _ = writeln!(out);
    for note in notes {
        let _ = writeln!(out, "{note}");
    }
    summary
}

/// What limits the projection's slower case, in a sentence.
fn projection_limit(p: &Projection) -> String {
    if p.cpu_bound < p.latency_bound {
        format!(
            "One worker is CPU-bound: {} ms of CPU per member here is {} ms at {} MB ({:.3} of a vCPU), {} members/s; more memory (more CPU) or more workers shorten it.",
            f(p.cpu_ms_here),
            f(p.cpu_ms_aws),
            p.memory_mb,
            p.cpu_share,
            f(p.cpu_bound)
        )
    } else {
        format!(
            "One worker is bound by the calls in flight: {} members/s at the assumed latency; more in flight per worker or more workers shorten it.",
            f(p.latency_bound)
        )
    }
}

/// `## Daily run at scale`: many members due on one day, one worker, next to its floor.
fn daily_at_scale(out: &mut String, daily: Option<&DailyResult>) {
    let _ = writeln!(out, "\n## Daily run at scale\n");
    let Some(d) = daily else {
        let _ = writeln!(out, "Not measured in this run (BENCH_DAILY_DUE=0).");
        return;
    };
    let run = &d.run;
    let floor = &d.floor;
    let _ = writeln!(
        out,
        "{} members due on one day (each with a lot whose expiry warning falls on that day: one member write and one `PointsExpiring` event each), written by the store as in the growth scenario, in a table of their own (seeded in {:.0} s). The daily run is `evaluate_tier::handle` with `{{\"kind\": \"daily\"}}` in the harness, on a client straight to DynamoDB Local (no proxy, so the process's CPU time is the function's code and the SDK's). Without a queue (the local stack) the planner runs the pieces itself, one after the other, with the worker code that runs in AWS: a page of {} members from one shard of the due-date index (one Query), reviewed {} at a time (TransactGetItems + TransactWriteItems each). That is **one worker**: members per second per worker = members processed / the run's wall time; CPU per member = the process's user + system time over the run / members processed. **floor**: the harness making the same calls (the bodies the function sent for {} of the members, captured by an interceptor) on a copy of those members in another table, a page of {} from a Query at a time, {} in flight: what the SDK and DynamoDB Local take for the same work.\n",
        d.due, d.seed_s, d.page_size, d.concurrency, floor.due, d.page_size, d.concurrency
    );
    let ops = |p: &crate::daily::DailyPass| {
        p.calls_by_operation
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(
        out,
        "| | members | time | members/s per worker | CPU per member | DynamoDB calls | calls per member |\n|---|---|---|---|---|---|---|"
    );
    for (label, p) in [
        ("daily run (function)", run),
        ("floor (same calls, harness)", floor),
    ] {
        let calls: usize = p.calls_by_operation.values().sum();
        let _ = writeln!(
            out,
            "| {label} | {} | {} s | {} | {} ms | {} | {:.3} |",
            p.processed,
            f(p.wall_s),
            f(p.members_per_s()),
            f(p.cpu_ms_per_member()),
            ops(p),
            calls as f64 / p.processed.max(1) as f64
        );
    }
    let _ = writeln!(
        out,
        "\nThe function reviews {} members/s per worker against the floor's {} ({:.2}x), and spends {} ms of CPU per member against the floor's {} ms. Both are bound by DynamoDB Local here (one JVM on the same 2 cores); the CPU per member is what carries over to AWS.\n",
        f(run.members_per_s()),
        f(floor.members_per_s()),
        run.members_per_s() / floor.members_per_s(),
        f(run.cpu_ms_per_member()),
        f(floor.cpu_ms_per_member())
    );
    let _ = writeln!(
        out,
        "- **none left behind**: the planner made {} pieces; {} due, {} processed, {} failed, {} warnings written; a COUNT Query of each of the day's {} shards of the index afterwards finds **{}** members still filed as due.\n- **a second run does nothing**: {} pieces planned again (the checkpoint day is always planned again), {} due, **{} processed**; {}.",
        run.planned,
        run.due,
        run.processed,
        run.failed,
        run.warnings,
        loyalty::store::keys::DUE_SHARDS,
        d.remaining_due,
        d.rerun.planned,
        d.rerun.due,
        d.rerun.processed,
        ops(&d.rerun)
    );
}

/// `### Projection`: the daily run of 1,000,000 due members on AWS, from what was measured
/// and what is assumed.
fn daily_projection(out: &mut String, daily: Option<&DailyResult>) {
    let _ = writeln!(
        out,
        "\n### Projection: 1,000,000 members due on one day, on AWS\n"
    );
    let Some(d) = daily else {
        let _ = writeln!(out, "Not measured in this run (BENCH_DAILY_DUE=0).");
        return;
    };
    let cases: Vec<Projection> = CASES.iter().map(|c| projection::daily(d, *c)).collect();
    let Some(first) = cases.first() else {
        return;
    };
    let _ = writeln!(
        out,
        "Measured here: {} ms of CPU per member ({} members, page {}, {} in flight). From infra/template.yaml{}: the daily queue's event source allows **{} workers** at once (`MaximumConcurrency`), each the evaluate-tier function at **{} MB** (timeout {} s). A day's due members are filed in {} shards, and each shard's pieces follow one another (a piece hands on the rest of its partition when it ends), so at most {} workers are busy on one day.\n",
        f(first.cpu_ms_here),
        d.run.processed,
        d.page_size,
        d.concurrency,
        if d.workers.is_some() && d.memory_mb.is_some() {
            ""
        } else {
            " (not readable in this run: defaults used)"
        },
        first.workers,
        first.memory_mb,
        d.timeout_s.map_or("n/a".into(), |t| t.to_string()),
        loyalty::store::keys::DUE_SHARDS,
        first.parallel
    );
    let _ = writeln!(
        out,
        "Assumptions (not measured): **DynamoDB latency** per TransactGetItems, TransactWriteItems and Query of 5 ms or 10 ms (AWS documents single-digit-millisecond latency for DynamoDB; a transaction makes two underlying reads or writes of each item, so the upper end is taken too); **CPU**: AWS documents one vCPU at 1,769 MB, CPU in proportion to memory, so {} MB has {:.3} of a vCPU, and a member takes as much CPU on a Graviton core as on this machine's; **handover** between pieces (the continuation's SendMessage, the event source's delivery of it) of 0.1 s or 1 s. One worker reviews min({} in flight / (2 calls + CPU), 1 / CPU) members per second; a piece takes handover + one Query + page / that rate.\n",
        first.memory_mb, first.cpu_share, d.concurrency
    );
    let _ = writeln!(
        out,
        "| case | CPU per member at {} MB | bound by calls in flight | bound by CPU | one piece ({} members) | per worker | {} workers | 1,000,000 due | within an hour |\n|---|---|---|---|---|---|---|---|---|",
        first.memory_mb, d.page_size, first.parallel
    );
    for p in &cases {
        let _ = writeln!(
            out,
            "| {} | {} ms | {} members/s | {} members/s | {} s | {} members/s | {} members/s | **{} min** | {} |",
            p.case.name,
            f(p.cpu_ms_aws),
            f(p.latency_bound),
            f(p.cpu_bound),
            f(p.piece_s),
            f(p.per_worker),
            f(p.per_worker * p.parallel as f64),
            f(p.total_s / 60.0),
            if p.met() { "met" } else { "**missed**" }
        );
    }
    if let Some(worst) = cases.last() {
        let _ = writeln!(
            out,
            "\n{} In the slower case a piece takes {} s, inside the function's {} s timeout. The due-date index is not a limit at this rate: each of the day's {} partitions loses an entry per member reviewed ({} a second per partition, under the 1,000 writes a second a partition takes), and each page is one Query of {} keys.",
            projection_limit(worst),
            f(worst.piece_s),
            d.timeout_s.map_or("n/a".into(), |t| t.to_string()),
            loyalty::store::keys::DUE_SHARDS,
            f(worst.per_worker),
            d.page_size
        );
    }
}

/// `## Capacity per earn and per redeem`: request units, new member and after a year.
fn capacity(out: &mut String, capacity: Option<&CapacityResult>) {
    let _ = writeln!(out, "\n## Capacity per earn and per redeem\n");
    let Some(c) = capacity else {
        let _ = writeln!(out, "Not measured in this run (BENCH_CAPACITY_DAYS=0).");
        return;
    };
    let _ = writeln!(
        out,
        "The earn and redeem handlers run in-process (as the functions' binaries call them) on a client with an interceptor that sets `ReturnConsumedCapacity` (INDEXES: the total and the index's share) on every call and keeps what DynamoDB Local answers: **reported**. Next to it, **rules**: the harness sizes each item the call read or wrote (the request's items, the transaction's answers, the changed items read back before and after; `bench/src/item_size.rs`, by the documented item-size rules) and applies the documented rounding: a transactional write 2 units per started KB of the larger of the item's old and new image, a transactional read 2 units per started 4 KB (an absent item as the smallest), a strongly consistent GetItem 1, plus 1 write unit per index entry added or removed (GSI1 projects keys only). DynamoDB Local does return consumed capacity, for transactions too, but for a TransactWriteItems not per item: {} The goal and the cost below use the rules; the reported figures are shown next to them. The rules count a ConditionCheck as a transactional write of the checked item (the rule is per item of the transaction; an assumption, not checked against DynamoDB; DynamoDB Local reports nothing for it).\n",
        c.calibration.as_ref().map_or("(its calibration is missing from this run).".to_string(), |cal| format!(
            "in this run one transaction of three new items of {} bytes each was reported as {} write units, where the rule gives {}.",
            cal.items.first().map_or(0, |i| i.bytes),
            cal.reported.map_or("n/a".into(), f),
            f(cal.computed)
        ))
    );
    let _ = writeln!(
        out,
        "**new**: a member enrolled that day; for redeem, one who has made one purchase (60.00 EUR coffee). **a year**: a member who bought a {} every day for {} days (a `ManualClock` moved a day at a time; the daily run at 00:15 each day; each earn's profile change handed to evaluate-tier as the stream delivers it, so the tier rises as it is earned: **{}** at the end), measured the next day. Both redeem the benchmark's reward (100 points, no stock: a ConditionCheck).\n",
        c.purchase, c.days, c.year_tier
    );
    let _ = writeln!(
        out,
        "| request | member | member item | RCU | WCU (of it index) | RCU reported | WCU reported (of it index) |\n|---|---|---|---|---|---|---|"
    );
    for row in &c.rows {
        let index = |f_: fn(&crate::capacity::CallCapacity) -> f64| -> f64 {
            row.calls.iter().filter(|c| c.kind == "write").map(f_).sum()
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} bytes | {} | {} ({}) | {} | {} ({}) |",
            row.op,
            if row.member == "year" {
                format!("after {} days", c.days)
            } else {
                "new".into()
            },
            row.member_bytes_after,
            f(row.computed_read()),
            f(row.computed_write()),
            f(index(|c| c.computed_index)),
            row.reported_read().map_or("n/a".into(), f),
            row.reported_write().map_or("n/a".into(), f),
            f(index(|c| c.reported_index)),
        );
    }
    for op in ["earn", "redeem"] {
        let (Some(new), Some(year)) = (c.row(op, "new"), c.row(op, "year")) else {
            continue;
        };
        let ratio = unit_cost(year) / unit_cost(new);
        let _ = writeln!(
            out,
            "\n**{op}**, after a year against new: {ratio:.2}x by price (WCU {} vs {}, RCU {} vs {}; with DynamoDB Local's reported units {}). Items, after a year:\n",
            f(year.write_units()),
            f(new.write_units()),
            f(year.read_units()),
            f(new.read_units()),
            match (
                year.reported_write(),
                year.reported_read(),
                new.reported_write(),
                new.reported_read()
            ) {
                (Some(yw), Some(yr), Some(nw), Some(nr)) => format!(
                    "{:.2}x",
                    (yw * projection::WRU_PER_MILLION + yr * projection::RRU_PER_MILLION)
                        / (nw * projection::WRU_PER_MILLION + nr * projection::RRU_PER_MILLION)
                ),
                _ => "n/a".into(),
            }
        );
        for call in &year.calls {
            let items = call
                .items
                .iter()
                .map(|i| format!("{} {} B → {}", i.what, i.bytes, f(i.units)))
                .collect::<Vec<_>>()
                .join("; ");
            let _ = writeln!(
                out,
                "- {}: reported {}, rules {}: {items}",
                call.operation,
                call.reported.map_or("n/a".into(), f),
                f(call.computed)
            );
        }
    }
    if let Some(p) = &c.program_read {
        let _ = writeln!(
            out,
            "\nThe programme's own read (strongly consistent GetItem of the {}-byte programme item): {} RCU reported, {} by the rules: what each request paid before the programme was cached, and pays with `SHARED_ITEMS_TTL_SECONDS=0`; cached, a warm environment pays it once per 30 s.",
            p.items.first().map_or(0, |i| i.bytes),
            p.reported.map_or("n/a".into(), f),
            f(p.computed)
        );
    }
    if !c.member_bytes_by_day.is_empty() {
        let sizes = c
            .member_bytes_by_day
            .iter()
            .map(|(day, bytes)| format!("day {day}: {bytes}"))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            out,
            "\nThe year member's item along the year (bytes): {sizes}. Qualifying points are kept by week and pruned to the rolling window, lots by month and removed as they expire."
        );
    }
}

/// `## Cost per million on AWS`: Lambda (arm64) and DynamoDB on-demand per million earns and
/// redemptions. Returns the summary lines.
fn cost(out: &mut String, results: &Results) -> Vec<String> {
    let _ = writeln!(out, "\n## Cost per million on AWS\n");
    let Some(c) = &results.capacity else {
        let _ = writeln!(out, "Not measured in this run (BENCH_CAPACITY_DAYS=0).");
        return Vec::new();
    };
    let memory = c.memory_mb.unwrap_or(projection::DEFAULT_MEMORY_MB);
    let _ = writeln!(
        out,
        "Prices: {} — Lambda arm64 ${} per GB-second and ${} per million requests; DynamoDB on-demand ${} per million write request units and ${} per million read request units. Lambda at {memory} MB (the template's memory for these functions), billed per request for its duration rounded up to 1 ms: the **billed duration** is the mean of the warm benchmark's requests at concurrency 1, each the function's own duration (event handed over to answer posted) rounded up; measured on this machine against DynamoDB Local, so it stands for AWS only roughly (DynamoDB's latency there, and the CPU at {memory} MB); each millisecond costs {} per million. DynamoDB: the request units of the capacity section, by the documented rules (on demand a write or read request unit is what a write or read capacity unit measures). Not included: API Gateway, CloudWatch Logs, data transfer, storage, streams.\n",
        projection::PRICES,
        projection::LAMBDA_GB_S,
        projection::LAMBDA_PER_MILLION,
        projection::WRU_PER_MILLION,
        projection::RRU_PER_MILLION,
        usd(f64::from(memory) / 1024.0 * 0.001 * 1e6 * projection::LAMBDA_GB_S)
    );
    let _ = writeln!(
        out,
        "| per million | member | billed duration | Lambda duration | Lambda requests | DynamoDB writes | DynamoDB reads | total |\n|---|---|---|---|---|---|---|---|"
    );
    let mut summary = Vec::new();
    for (op, name) in [(Op::Earn, "earn"), (Op::Redeem, "redeem")] {
        let billed = results
            .warm
            .iter()
            .find(|r| r.op == op)
            .map_or(f64::NAN, |r| {
                projection::billed_ms(&r.function_serial.own_ms)
            });
        for member in ["new", "year"] {
            let Some(row) = c.row(name, member) else {
                continue;
            };
            let cost = projection::per_million(billed, memory, row.write_units(), row.read_units());
            let _ = writeln!(
                out,
                "| {} | {} | {} ms | {} | {} | {} ({} WRU) | {} ({} RRU) | **{}** |",
                if name == "earn" {
                    "earns"
                } else {
                    "redemptions"
                },
                if member == "year" {
                    format!("after {} days", c.days)
                } else {
                    "new".into()
                },
                f(cost.billed_ms),
                usd(cost.lambda_duration),
                usd(cost.lambda_requests),
                usd(cost.writes),
                f(row.write_units()),
                usd(cost.reads),
                f(row.read_units()),
                usd(cost.total())
            );
            summary.push(format!(
                "cost           {name:<6} {member:<8} {} per million ({} ms billed, {} WRU + {} RRU)",
                usd(cost.total()),
                f(cost.billed_ms),
                f(row.write_units()),
                f(row.read_units())
            ));
        }
    }
    if let Some(p) = &c.program_read {
        let units = p.computed;
        let _ = writeln!(
            out,
            "\nBefore the programme was cached every request also read it: {} RRU more, {} per million (TTL 0 in the section above shows the time it takes). DynamoDB's request units are most of the cost; Lambda's duration is a small part at any duration measured here.",
            f(units),
            usd(units * projection::RRU_PER_MILLION)
        );
    }
    summary
}

pub fn print_figures(result: &FiguresResult) {
    let read = &result.read;
    let p50 = |p: &Phase| f(summarize(p.total_ms.iter().copied()).p50);
    eprintln!(
        "figures {} days: {} calls, p50 {} ms (floor {} ms) at concurrency 1; {} items, {} read units | errors {}",
        read.days,
        calls_text(&read.function),
        p50(&read.function),
        p50(&read.floor),
        read.items,
        f(read.read_units),
        read.function.errors + read.floor.errors + read.floor_sdk.errors
    );
    if let Some(o) = &result.overhead {
        eprintln!(
            "figures earn: {} of {} items; floor p50 {} ms with, {} ms without, at concurrency 1",
            o.updates,
            o.transaction_items,
            p50(&o.serial.floor),
            p50(&o.serial.floor_without)
        );
    }
}

/// The figures' write units in an earn of the capacity section (`new` or `year`), and the
/// earn's in all.
fn figures_units(results: &Results, member: &str) -> Option<(f64, f64)> {
    let row = results
        .capacity
        .as_ref()?
        .rows
        .iter()
        .find(|r| r.op == "earn" && r.member == member)?;
    let figures = row
        .calls
        .iter()
        .filter(|c| c.kind == "write")
        .flat_map(|c| &c.items)
        .filter(|i| i.what.contains("metrics"))
        .map(|i| i.units)
        .sum();
    Some((figures, row.write_units()))
}

/// The import's figure as a progress line.
pub fn print_import(r: &crate::import::ImportResult) {
    eprintln!("{}", import_line(r));
    if let Some(e) = &r.export {
        eprintln!(
            "bench: export of {} entries: p50 {:.0} ms (max {:.0} ms), {} bytes; erasure {:.0} ms",
            e.entries, e.p50_ms, e.max_ms, e.bytes, e.erase_ms
        );
    }
}

fn import_line(r: &crate::import::ImportResult) -> String {
    format!(
        "bench: import: {} members in {:.1} s, {:.0} members/s (batches of {}, {} in flight)",
        r.members, r.seconds, r.members_per_second, r.batch_size, r.concurrency
    )
}

/// `## Import throughput`: members a second through `loyalty-cli import`. Returns the
/// summary lines.
fn import_throughput(
    out: &mut String,
    import: Option<&crate::import::ImportResult>,
) -> Vec<String> {
    let _ = writeln!(out, "\n## Import throughput\n");
    let Some(r) = import else {
        let _ = writeln!(out, "Not measured in this run (BENCH_IMPORT=0).");
        return Vec::new();
    };
    let _ = writeln!(
        out,
        "`loyalty-cli import` (release) sending {} members as JSON Lines to `POST /v1/imports/members` \
         on the local stack: the member-api handler served on a loopback port over DynamoDB Local, \
         as `make dev` serves it. Each member has two lots and a pending group: {} `import` entries, \
         one TransactWriteItems of {} items. Batches of {}, {} in flight ({} requests).\n",
        r.members,
        r.entries_per_member,
        r.items_per_member,
        r.batch_size,
        r.concurrency,
        r.requests
    );
    let _ = writeln!(out, "| members | wall time | members per second |");
    let _ = writeln!(out, "|---:|---:|---:|");
    let _ = writeln!(
        out,
        "| {} | {:.1} s | {:.0} |",
        r.members, r.seconds, r.members_per_second
    );
    let _ = writeln!(
        out,
        "\nEvery member is one transaction (a member cannot be split), so on AWS the rate follows \
         the function's concurrency and DynamoDB's transaction throughput, not the table size; \
         the CLI's `--concurrency` raises it until the API's throttling (429, retried) answers."
    );
    let mut summary = vec![import_line(r)];
    if let Some(e) = &r.export {
        let _ = writeln!(
            out,
            "\nThe export of one member with {} ledger entries (`GET /v1/members/{{memberId}}/export`, \
             the handler called in-process as API Gateway calls it, {} runs one after the other), and \
             then its erasure (`DELETE /v1/members/{{memberId}}`: the sweep deletes every item):\n",
            e.entries, e.runs
        );
        let _ = writeln!(
            out,
            "| ledger entries | export p50 | export max | answer size | erasure |"
        );
        let _ = writeln!(out, "|---:|---:|---:|---:|---:|");
        let _ = writeln!(
            out,
            "| {} | {:.0} ms | {:.0} ms | {:.2} MB | {:.0} ms |",
            e.entries,
            e.p50_ms,
            e.max_ms,
            e.bytes as f64 / 1_000_000.0,
            e.erase_ms
        );
        summary.push(format!(
            "bench: export of {} entries: p50 {:.0} ms, {:.2} MB; erasure {:.0} ms",
            e.entries,
            e.p50_ms,
            e.bytes as f64 / 1_000_000.0,
            e.erase_ms
        ));
    }
    summary
}

/// One case of the offers' comparison as a progress line.
fn offers_line(r: &CaseResult) -> String {
    let total = summarize(r.total_ms.iter().copied());
    format!(
        "offers         {:<36} {} calls | p50 {} ms p99 {} ms | {} WCU | errors {}",
        r.case.label(),
        calls_range(&r.calls),
        f(total.p50),
        f(total.p99),
        r.capacity
            .as_ref()
            .map_or("n/a".into(), |c| f(c.write_units())),
        r.errors
    )
}

pub fn print_offers(r: &OffersResult) {
    for case in &r.cases {
        eprintln!("{}", offers_line(case));
    }
}

/// The items of a request's calls, each kind once: `Put member 453 B → 2.00`, or
/// `Update offer budget shard x40 (52–53 B) → 80.0` for several.
fn grouped_items(call: &crate::capacity::CallCapacity) -> String {
    let mut groups: Vec<(&str, Vec<&crate::capacity::ItemUnits>)> = Vec::new();
    for item in &call.items {
        match groups.iter_mut().find(|(what, _)| *what == item.what) {
            Some((_, items)) => items.push(item),
            None => groups.push((&item.what, vec![item])),
        }
    }
    groups
        .into_iter()
        .map(|(what, items)| {
            let units: f64 = items.iter().map(|i| i.units).sum();
            let min = items.iter().map(|i| i.bytes).min().unwrap_or(0);
            let max = items.iter().map(|i| i.bytes).max().unwrap_or(0);
            match items.len() {
                1 => format!("{what} {min} B → {}", f(units)),
                n if min == max => format!("{what} x{n} ({min} B each) → {}", f(units)),
                n => format!("{what} x{n} ({min}–{max} B) → {}", f(units)),
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Items the earn's TransactWriteItems wrote.
fn items_written(row: &CapacityRow) -> usize {
    row.calls
        .iter()
        .filter(|c| c.operation == "TransactWriteItems")
        .map(|c| c.items.len())
        .sum()
}

fn mean_of(values: &[usize]) -> f64 {
    values.iter().sum::<usize>() as f64 / values.len() as f64
}

/// `## Targeted offers: earn with 0 and with 50 active offers`. Returns the summary lines.
fn targeted_offers(out: &mut String, offers: Option<&OffersResult>) -> Vec<String> {
    let _ = writeln!(
        out,
        "\n## Targeted offers: earn with 0 and with {} active offers\n",
        crate::offers::OFFERS
    );
    let Some(r) = offers else {
        let _ = writeln!(out, "Not measured in this run (BENCH_OFFERS=0).");
        return Vec::new();
    };
    let _ = writeln!(
        out,
        "The earn-points handler runs in-process (the test kit's `invoke`: the API Gateway event of `POST /v1/members/{{id}}/earn` built from its fixture, then the handler; no Runtime API, no proxy), one earn at a time as one warm execution environment takes them, every earn one {} bought by one of {} members in turn. Three cases, each on a table of its own with the demo programme and one warm environment of its own (the programme, the catalogue and the offer set kept for 30 s, `SHARED_ITEMS_TTL_SECONDS` unset): **0 offers**; **{} offers, none matching**: for everyone, but only for the category `{}`, which the purchase lacks (every offer evaluated, none applied); **{} offers matching**: for everyone, any category, 1 fixed point each, no budget, so each applied offer adds the update of one of its {} budget shards to the earn's TransactWriteItems, and the first {} apply (the most one purchase gets). The offers are published with `PUT /v1/offers/{{offerId}}` through the same environment. Each case: one warm-up earn per member, not timed (it reads the offer set, and leaves the member the offer progress an earn leaves), then {} timed earns, the three cases alternating in {} rounds. Calls are counted by the test kit's `CallCounter` (one per `.send()`, whatever its retries): the mode per earn and, in brackets, the range; the mean in its own column (a warm environment reads its shared items again once its copy is 30 s old). *In DynamoDB*: the time with a call on the wire (an interceptor: request sent to answer received); *outside*: the rest of the earn. Capacity: one more warm earn per case, on a second warm environment whose client asks every call for `ReturnConsumedCapacity`, sized by the documented rules as in the capacity section.\n",
        r.purchase,
        r.members,
        r.offers,
        crate::offers::UNMATCHED_CATEGORY,
        r.offers,
        loyalty::domain::targeted_offer::MAX_SHARDS,
        r.max_per_purchase,
        r.earns,
        r.rounds
    );
    let _ = writeln!(
        out,
        "| case | offer lines per earn | DynamoDB calls | mean calls | p50 | p99 | in DynamoDB p50 | outside DynamoDB p50 | items written | WCU | RCU | member item | errors |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    );
    let p50 = |values: &[f64]| summarize(values.iter().copied()).p50;
    let outside = |c: &CaseResult| -> Vec<f64> {
        c.total_ms
            .iter()
            .zip(&c.dynamodb_ms)
            .map(|(t, d)| t - d)
            .collect()
    };
    for c in &r.cases {
        let total = summarize(c.total_ms.iter().copied());
        let cap = c.capacity.as_ref();
        let _ = writeln!(
            out,
            "| {} | {} | {}: {} | {:.3} | {} ms | {} ms | {} ms | {} ms | {} | {} | {} | {} | {} |",
            c.case.label(),
            mode(&c.applied).map_or("n/a".into(), |n| n.to_string()),
            calls_range(&c.calls),
            compress_plan(&c.plan()),
            mean_of(&c.calls),
            f(total.p50),
            f(total.p99),
            f(p50(&c.dynamodb_ms)),
            f(p50(&outside(c))),
            cap.map_or("n/a".into(), |row| items_written(row).to_string()),
            cap.map_or("n/a".into(), |row| f(row.write_units())),
            cap.map_or("n/a".into(), |row| f(row.read_units())),
            cap.map_or("n/a".into(), |row| format!(
                "{} bytes",
                row.member_bytes_after
            )),
            c.errors
        );
    }
    let _ = writeln!(out);
    if let Some(none) = r.case(Case::None) {
        let base_wcu = none.capacity.as_ref().map(CapacityRow::write_units);
        for case in [Case::Unmatched, Case::Matched] {
            let Some(c) = r.case(case) else {
                continue;
            };
            let p99 = |r: &CaseResult| summarize(r.total_ms.iter().copied()).p99;
            let wcu = c.capacity.as_ref().map(CapacityRow::write_units);
            let _ = writeln!(
                out,
                "- **{}**, against 0 offers: p50 {} ms ({} against {} ms), p99 {} ms; in DynamoDB {} ms, outside {} ms (differences of p50s). WCU {} against {}{}.",
                case.label(),
                signed(p50(&c.total_ms) - p50(&none.total_ms)),
                f(p50(&c.total_ms)),
                f(p50(&none.total_ms)),
                signed(p99(c) - p99(none)),
                signed(p50(&c.dynamodb_ms) - p50(&none.dynamodb_ms)),
                signed(p50(&outside(c)) - p50(&outside(none))),
                wcu.map_or("n/a".into(), f),
                base_wcu.map_or("n/a".into(), f),
                match (wcu, base_wcu) {
                    (Some(w), Some(b)) if b > 0.0 => format!(" ({:.2}x)", w / b),
                    _ => String::new(),
                }
            );
        }
    }
    let _ = writeln!(
        out,
        "\nThe measured earn's calls, item by item (by the documented rules):\n"
    );
    for c in &r.cases {
        let Some(row) = &c.capacity else {
            continue;
        };
        for call in &row.calls {
            let _ = writeln!(
                out,
                "- {}, {}: reported {}, rules {}: {}",
                c.case.label(),
                call.operation,
                call.reported.map_or("n/a".into(), f),
                f(call.computed),
                grouped_items(call)
            );
        }
    }
    let refreshed: Vec<String> = r
        .cases
        .iter()
        .map(|c| {
            format!(
                "{} of {}",
                c.shared_reads.iter().filter(|n| **n > 0).count(),
                c.calls.len()
            )
        })
        .collect();
    let _ = writeln!(
        out,
        "\nEarns that also read their shared items again (the 30 s refresh), case by case: {}. Knob: `BENCH_OFFERS` (timed earns per case, default 300, 100 with `BENCH_QUICK=1`; 0 skips the section); `loyalty-bench --offers` measures this section alone.",
        refreshed.join(", ")
    );
    r.cases.iter().map(offers_line).collect()
}

/// What `loyalty-bench --offers` adds to BENCHMARKS.md: the target's row (for the Targets
/// table), what limits it when missed, and the section.
pub fn offers_alone(r: &OffersResult) -> String {
    let mut targets = Targets::default();
    targets.offers(Some(r));
    let mut out = String::from("Targets row:\n\n");
    out.push_str(&targets.rows);
    for miss in &targets.misses {
        let _ = writeln!(out, "\nTargets missed:\n\n- {miss}");
    }
    targeted_offers(&mut out, Some(r));
    out
}

/// One case of the challenges and memberships' comparison as a progress line.
fn gamification_line(r: &gamification::CaseResult) -> String {
    let total = summarize(r.total_ms.iter().copied());
    format!(
        "gamification   {:<36} {} calls | p50 {} ms p99 {} ms | {} WCU | member item {} | errors {}",
        r.case.label(),
        calls_range(&r.calls),
        f(total.p50),
        f(total.p99),
        r.capacity
            .as_ref()
            .map_or("n/a".into(), |c| f(c.write_units())),
        bytes_range(&r.member_bytes),
        r.errors
    )
}

/// A worst-case member as a progress line.
fn worst_line(w: &gamification::WorstCase) -> String {
    format!(
        "gamification   worst case, {}: member item {} bytes ({:.1}% of {} KB), {} challenges, {} action counts, {} badges; an earn on it {} WCU + {} RCU",
        w.label(),
        w.member_bytes,
        100.0 * w.member_bytes as f64 / gamification::ITEM_LIMIT as f64,
        gamification::ITEM_LIMIT / 1024,
        w.challenges,
        w.actions,
        w.badges,
        w.earn.as_ref().map_or("n/a".into(), |e| f(e.write_units())),
        w.earn.as_ref().map_or("n/a".into(), |e| f(e.read_units()))
    )
}

fn burst_line(b: &gamification::Burst) -> String {
    format!(
        "gamification   one earn completing {} challenges: {} ({} items in its TransactWriteItems, DynamoDB takes {}){}",
        b.challenges,
        b.status,
        b.items_written,
        gamification::TRANSACTION_ITEMS,
        b.error.as_ref().map_or(String::new(), |e| format!(": {e}"))
    )
}

pub fn print_gamification(r: &GamificationResult) {
    for case in &r.cases {
        eprintln!("{}", gamification_line(case));
    }
    for w in &r.worst {
        eprintln!("{}", worst_line(w));
    }
    for b in &r.burst {
        eprintln!("{}", burst_line(b));
    }
}

/// `520 bytes`, or `510–530 bytes` when the members differ.
fn bytes_range(values: &[usize]) -> String {
    match (values.iter().min(), values.iter().max()) {
        (Some(min), Some(max)) if min == max => format!("{min} bytes"),
        (Some(min), Some(max)) => format!("{min}–{max} bytes"),
        _ => "n/a".into(),
    }
}

/// `## Paid memberships and challenges: earn with 50 challenges and a running plan`. Returns
/// the summary lines.
fn challenges_and_plans(out: &mut String, result: Option<&GamificationResult>) -> Vec<String> {
    let _ = writeln!(
        out,
        "\n## Paid memberships and challenges: earn with {} challenges and a running plan\n",
        loyalty::domain::challenge::MAX_CHALLENGES
    );
    let Some(r) = result else {
        let _ = writeln!(out, "Not measured in this run (BENCH_GAMIFICATION=0).");
        return Vec::new();
    };
    let _ = writeln!(
        out,
        "Measured as the targeted offers are (next section up): the earn-points handler in-process, one earn at a time as one warm execution environment takes them, every earn one {} bought by one of {} members in turn. Two cases, each on a table of its own and one warm environment of its own (the programme kept for 30 s): **{}**: the demo programme as it is, whose one challenge (`critic`) counts reviews, so a purchase moves none, and members without a membership; **{}**: the demo programme with {} more challenges ({} in all, the most a programme holds), running from a day ago to a month on, alternately a purchase-count goal of 1,000,000 and a spend goal of 1,000,000.00 EUR, so every purchase adds to each of them and none is ever reached, and every member with the `{}` plan running (`PUT /v1/members/{{id}}/membership`, a month on; the plan gives Gold and an earn multiplier of 1.25, a `membership:{}` breakdown line, checked on every earn). The programme is stored with `PUT /v1/program` through the same environment. Each case: one warm-up earn per member, not timed, then {} timed earns, the two cases alternating in {} rounds. Calls, *in DynamoDB* and *outside* as in the offers' section; capacity: one more warm earn per case on a probed environment, sized by the documented rules. *Member item*: every member's item at the end, by the documented rules.\n",
        r.purchase,
        r.members,
        gamification::Case::Demo.label(),
        gamification::Case::Loaded.label(),
        r.challenges - 1,
        r.challenges,
        r.plan,
        r.plan,
        r.earns,
        r.rounds
    );
    let _ = writeln!(
        out,
        "| case | challenges counting the purchase | DynamoDB calls | mean calls | p50 | p99 | in DynamoDB p50 | outside DynamoDB p50 | items written | WCU | RCU | member item | errors |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    );
    let p50 = |values: &[f64]| summarize(values.iter().copied()).p50;
    let outside = |c: &gamification::CaseResult| -> Vec<f64> {
        c.total_ms
            .iter()
            .zip(&c.dynamodb_ms)
            .map(|(t, d)| t - d)
            .collect()
    };
    for c in &r.cases {
        let total = summarize(c.total_ms.iter().copied());
        let cap = c.capacity.as_ref();
        let _ = writeln!(
            out,
            "| {} | {} | {}: {} | {:.3} | {} ms | {} ms | {} ms | {} ms | {} | {} | {} | {} | {} |",
            c.case.label(),
            c.case.counting(),
            calls_range(&c.calls),
            compress_plan(&c.plan()),
            mean_of(&c.calls),
            f(total.p50),
            f(total.p99),
            f(p50(&c.dynamodb_ms)),
            f(p50(&outside(c))),
            cap.map_or("n/a".into(), |row| items_written(row).to_string()),
            cap.map_or("n/a".into(), |row| f(row.write_units())),
            cap.map_or("n/a".into(), |row| f(row.read_units())),
            bytes_range(&c.member_bytes),
            c.errors
        );
    }
    let _ = writeln!(out);
    if let (Some(demo), Some(loaded)) = (
        r.case(gamification::Case::Demo),
        r.case(gamification::Case::Loaded),
    ) {
        let p99 = |c: &gamification::CaseResult| summarize(c.total_ms.iter().copied()).p99;
        let wcu = |c: &gamification::CaseResult| c.capacity.as_ref().map(CapacityRow::write_units);
        let _ = writeln!(
            out,
            "- **{}**, against the demo programme: p50 {} ms ({} against {} ms), p99 {} ms; in DynamoDB {} ms, outside {} ms (differences of p50s). WCU {} against {}{}.",
            loaded.case.label(),
            signed(p50(&loaded.total_ms) - p50(&demo.total_ms)),
            f(p50(&loaded.total_ms)),
            f(p50(&demo.total_ms)),
            signed(p99(loaded) - p99(demo)),
            signed(p50(&loaded.dynamodb_ms) - p50(&demo.dynamodb_ms)),
            signed(p50(&outside(loaded)) - p50(&outside(demo))),
            wcu(loaded).map_or("n/a".into(), f),
            wcu(demo).map_or("n/a".into(), f),
            match (wcu(loaded), wcu(demo)) {
                (Some(w), Some(b)) if b > 0.0 => format!(" ({:.2}x)", w / b),
                _ => String::new(),
            }
        );
    }
    let _ = writeln!(
        out,
        "\nThe measured earn's calls, item by item (by the documented rules):\n"
    );
    for c in &r.cases {
        let Some(row) = &c.capacity else {
            continue;
        };
        for call in &row.calls {
            let _ = writeln!(
                out,
                "- {}, {}: reported {}, rules {}: {}",
                c.case.label(),
                call.operation,
                call.reported.map_or("n/a".into(), f),
                f(call.computed),
                grouped_items(call)
            );
        }
    }

    let _ = writeln!(
        out,
        "\n**The member item at its documented worst case** ({} challenges with progress, {} action-rule counts, {} badges and a membership), built through the API on a manual clock: a programme of {} action rules (1 point, no limit) and {} challenges each reached by one action of its own rule, with a badge of its own, and {} actions reported (`POST /v1/members/{{id}}/actions`); two days on (those challenges over, their progress gone) {} more challenges and {} more actions; two days on {} challenges a purchase counts for and never reaches, a membership, and an earn. Once with short identifiers (`a-07`, `p3-c-07`, `b-007`, `plus`) and once with every identifier the member item keeps (action, challenge, badge, plan) at the {} characters the API takes, and the billing reference at its {}. Sized by the documented rules, against DynamoDB's limit of 400 KB ({} bytes); then one more earn on that member, measured as above.\n",
        r.challenges,
        loyalty::domain::action_rule::MAX_ACTION_RULES,
        loyalty::domain::challenge::MAX_BADGES,
        loyalty::domain::action_rule::MAX_ACTION_RULES,
        r.challenges,
        loyalty::domain::action_rule::MAX_ACTION_RULES,
        r.challenges,
        loyalty::domain::action_rule::MAX_ACTION_RULES,
        r.challenges,
        gamification::MAX_ID_CHARS,
        gamification::MAX_REFERENCE_CHARS,
        gamification::ITEM_LIMIT
    );
    let _ = writeln!(
        out,
        "| member | challenges | action counts | badges | membership | member item | of 400 KB | largest attributes | earn on it: items written | WCU | RCU |\n|---|---|---|---|---|---|---|---|---|---|---|"
    );
    for w in &r.worst {
        let largest: Vec<String> = w
            .attributes
            .iter()
            .take(4)
            .map(|(name, bytes)| format!("`{name}` {bytes} B"))
            .collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} bytes | {:.2}% | {} | {} | {} | {} |",
            w.label(),
            w.challenges,
            w.actions,
            w.badges,
            if w.membership { "yes" } else { "no" },
            w.member_bytes,
            100.0 * w.member_bytes as f64 / gamification::ITEM_LIMIT as f64,
            largest.join(", "),
            w.earn
                .as_ref()
                .map_or("n/a".into(), |e| items_written(e).to_string()),
            w.earn.as_ref().map_or("n/a".into(), |e| f(e.write_units())),
            w.earn.as_ref().map_or("n/a".into(), |e| f(e.read_units()))
        );
    }
    let _ = writeln!(out);
    for w in &r.worst {
        let Some(row) = &w.earn else {
            continue;
        };
        for call in &row.calls {
            let _ = writeln!(
                out,
                "- worst case, {}, {}: reported {}, rules {}: {}",
                w.label(),
                call.operation,
                call.reported.map_or("n/a".into(), f),
                f(call.computed),
                grouped_items(call)
            );
        }
    }
    if !r.burst.is_empty() {
        let _ = writeln!(
            out,
            "\n**One earn completing many challenges at once**: a programme of that many challenges, each reached by one purchase and giving a badge, and a new member's first coffee (its first earn of the day, so the figures' day items are among its own). Each completion adds a `challenge_reward` entry and a `ChallengeCompleted` event to the earn's TransactWriteItems, which DynamoDB takes at most {} items in.\n",
            gamification::TRANSACTION_ITEMS
        );
        let _ = writeln!(
            out,
            "| challenges completed by one earn | answer | items in its TransactWriteItems | DynamoDB's answer |\n|---|---|---|---|"
        );
        for b in &r.burst {
            let _ = writeln!(
                out,
                "| {} | {}{} | {} | {} |",
                b.challenges,
                b.status,
                match (&b.error, b.status) {
                    (Some(e), _) => format!(" `{}`", e.trim()),
                    (None, 201) => format!(", {} completed", b.completed),
                    (None, _) => String::new(),
                },
                b.items_written,
                if b.dynamodb_errors.is_empty() {
                    "accepted".to_string()
                } else {
                    b.dynamodb_errors
                        .iter()
                        .map(|e| format!("`{}`", e.replace('|', "\\|")))
                        .collect::<Vec<_>>()
                        .join("; ")
                }
            );
        }
    }
    let refreshed: Vec<String> = r
        .cases
        .iter()
        .map(|c| {
            format!(
                "{} of {}",
                c.shared_reads.iter().filter(|n| **n > 0).count(),
                c.calls.len()
            )
        })
        .collect();
    let _ = writeln!(
        out,
        "\nEarns that also read their shared items again (the 30 s refresh), case by case: {}. Knob: `BENCH_GAMIFICATION` (timed earns per case, default 300, 100 with `BENCH_QUICK=1`; 0 skips the section); `loyalty-bench --gamification` measures this section alone.",
        refreshed.join(", ")
    );
    let mut summary: Vec<String> = r.cases.iter().map(gamification_line).collect();
    summary.extend(r.worst.iter().map(worst_line));
    summary.extend(r.burst.iter().map(burst_line));
    summary
}

/// What `loyalty-bench --gamification` adds to BENCHMARKS.md: the target's row (for the
/// Targets table), what limits it when missed, and the section.
pub fn gamification_alone(r: &GamificationResult) -> String {
    let mut targets = Targets::default();
    targets.gamification(Some(r));
    let mut out = String::from("Targets row:\n\n");
    out.push_str(&targets.rows);
    for miss in &targets.misses {
        let _ = writeln!(out, "\nTargets missed:\n\n- {miss}");
    }
    challenges_and_plans(&mut out, Some(r));
    out
}

/// `## Programme figures: a year's read, and what they add to an earn`. Returns the summary
/// lines.
fn figures(out: &mut String, results: &Results) -> Vec<String> {
    let _ = writeln!(
        out,
        "\n## Programme figures: a year's read, and what they add to an earn\n"
    );
    let Some(r) = &results.figures else {
        let _ = writeln!(out, "Not measured in this run (BENCH_FIGURES=0).");
        return Vec::new();
    };
    let mut summary = vec![figures_read(out, &r.read)];
    match &r.overhead {
        Some(o) => summary.push(figures_overhead(out, o, results)),
        None => {
            let _ = writeln!(
                out,
                "\nWhat they add to an earn: not measured in this run (BENCH_OPS without earn)."
            );
        }
    }
    summary
}

fn figures_read(out: &mut String, read: &FiguresRead) -> String {
    let _ = writeln!(
        out,
        "The figures (`GET /v1/metrics`, docs/data-model.md \"Programme figures\") are counters added to in the transaction of every balance change, on one of {} shards drawn at random; a read queries every shard from the first day asked for, all at once, so it costs O(days), never O(members). Here every shard holds a day item for each of the 365 days before today, with every counter a busy day of a large chain writes, and the active-member differences of the {} days ahead: what a year of traffic leaves. Today's items are this run's own. The read of those {} days runs {} times one at a time (an operator's read, not traffic: DynamoDB Local answers 64 such queries at once slowly enough that a few reads together pass the functions' 2 s attempt timeout), next to the harness and floor-sdk making the same queries at once. *In DynamoDB* is the time with at least one query in flight.\n",
        read.shards,
        loyalty::domain::metrics::INACTIVE_AFTER_DAYS,
        read.days,
        read.function.total_ms.len(),
    );
    let _ = writeln!(
        out,
        "| side | DynamoDB calls | p50 | p99 | in DynamoDB p50 | errors |\n|---|---|---|---|---|---|"
    );
    let rows = [
        (
            format!("earn-points, `GET /v1/metrics` over {} days", read.days),
            &read.function,
        ),
        (
            "harness floor: the same queries at once".to_string(),
            &read.floor,
        ),
        (
            "floor-sdk: the same queries behind the Runtime API".to_string(),
            &read.floor_sdk,
        ),
    ];
    for (label, phase) in rows {
        let total = summarize(phase.total_ms.iter().copied());
        let ddb = summarize(phase.dynamodb_ms.iter().copied());
        let _ = writeln!(
            out,
            "| {label} | {}: {} | {} ms | {} ms | {} ms | {} |",
            calls_text(phase),
            compress_plan(&read.plan),
            f(total.p50),
            f(total.p99),
            f(ddb.p50),
            phase.errors
        );
    }
    let per_read = read.read_units * projection::RRU_PER_MILLION / 1_000_000.0;
    let _ = writeln!(
        out,
        "\nOne read of the year reads {} items ({} bytes) in {} queries: **{} read units** by the documented rules (strongly consistent, each query's bytes rounded up to 4 KB), {} per read on demand, {} per thousand reads. The answer is {} bytes. Each further day asked for adds one item per shard.",
        read.items,
        read.bytes,
        read.shards,
        f(read.read_units),
        usd(per_read),
        usd(per_read * 1000.0),
        read.response_bytes
    );
    let serial = summarize(read.function.total_ms.iter().copied());
    let floor = summarize(read.floor.total_ms.iter().copied());
    format!(
        "figures        {} days          {} calls, p50 {} ms (floor {} ms) at concurrency 1, {} read units",
        read.days,
        calls_text(&read.function),
        f(serial.p50),
        f(floor.p50),
        f(read.read_units)
    )
}

fn figures_overhead(out: &mut String, o: &EarnOverhead, results: &Results) -> String {
    let concurrency = o.concurrent.function.concurrency;
    let units = |member: &str| figures_units(results, member);
    let (new, year) = (units("new"), units("year"));
    let shown = |v: Option<f64>| v.map_or_else(|| "n/a".to_string(), f);
    let _ = writeln!(
        out,
        "\n**What they add to an earn.** The figures' updates are {} of the {} items in an earn's TransactWriteItems (the day's counters, the active-member difference of the days ahead, the running totals). The harness makes the earn's recorded calls as they are and with those updates taken out, next to the function, alternating in rounds. Their write units come from the capacity section's item sizes (a transactional write costs 2 units per KB started, per item).\n",
        o.updates, o.transaction_items
    );
    let _ = writeln!(
        out,
        "| side | items written | write units, new member | write units, after a year | p50 (c={concurrency}) | p99 (c={concurrency}) | p50 (c=1) | p99 (c=1) | errors |\n|---|---|---|---|---|---|---|---|---|"
    );
    let total = |v: Option<(f64, f64)>| v.map(|(_, t)| t);
    let without = |v: Option<(f64, f64)>| v.map(|(m, t)| t - m);
    let rows = [
        (
            "earn-points: earn, with its figures",
            o.transaction_items,
            total(new),
            total(year),
            &o.concurrent.function,
            &o.serial.function,
        ),
        (
            "harness floor: the earn's calls",
            o.transaction_items,
            total(new),
            total(year),
            &o.concurrent.floor,
            &o.serial.floor,
        ),
        (
            "harness floor: the same without the figures' updates",
            o.transaction_items - o.updates,
            without(new),
            without(year),
            &o.concurrent.floor_without,
            &o.serial.floor_without,
        ),
    ];
    for (label, items, new_units, year_units, c, s) in rows {
        let conc = summarize(c.total_ms.iter().copied());
        let serial = summarize(s.total_ms.iter().copied());
        let _ = writeln!(
            out,
            "| {label} | {items} | {} | {} | {} ms | {} ms | {} ms | {} ms | {} |",
            shown(new_units),
            shown(year_units),
            f(conc.p50),
            f(conc.p99),
            f(serial.p50),
            f(serial.p99),
            c.errors + s.errors
        );
    }
    let p50 = |p: &Phase| summarize(p.total_ms.iter().copied()).p50;
    let added_c = p50(&o.concurrent.floor) - p50(&o.concurrent.floor_without);
    let added_s = p50(&o.serial.floor) - p50(&o.serial.floor_without);
    let _ = writeln!(
        out,
        "| **the figures' share** | {} | {} | {} | {} ms | | {} ms | | |",
        o.updates,
        shown(new.map(|(m, _)| m)),
        shown(year.map(|(m, _)| m)),
        signed(added_c),
        signed(added_s),
    );
    let _ = writeln!(
        out,
        "\nThe share is the floor with the updates minus the floor without them (p50s); the function's own row is the earn as it runs. The updates are unconditional `ADD`s on a shard drawn at random; two transactions that touch the same shard's items at the same moment conflict, and the earn is retried from a fresh read, which sets the design's limit (about 2,000 balance changes a second across the programme, docs/data-model.md)."
    );
    format!(
        "figures        earn            {} of {} items, {} write units new / {} after a year; p50 {} ms at concurrency 1",
        o.updates,
        o.transaction_items,
        shown(new.map(|(m, _)| m)),
        shown(year.map(|(m, _)| m)),
        signed(added_s)
    )
}

/// `## How to read these numbers`: the method's limits, the proxy's calibration, the knobs.
fn how_to_read(out: &mut String, proxy_hop: Option<&ProxyHop>) {
    let _ = writeln!(out, "\n## How to read these numbers\n");
    let _ = writeln!(
        out,
        "- DynamoDB Local is not DynamoDB: it runs on the same two cores as everything else (a JVM over SQLite), so absolute latencies and especially tails are DynamoDB Local's. The floors make the same calls against the same DynamoDB Local in the same run, which is what makes the ratios meaningful.\n\
         - Cold starts here are process starts on this machine: no Firecracker microVM, no download of the zip, no TLS handshake to DynamoDB (DynamoDB Local is plain HTTP), x86_64 instead of arm64. They show what the binary itself costs, next to its floors.\n\
         - The tables' DynamoDB streams are switched off once the stream batch has been captured (the growth table's at once): DynamoDB Local 3.3 looks through every stream record it holds for each item written, so with streams on every write gets slower as the run goes on (a first full run measured 0.5 s per TransactWriteItems by its end). That is DynamoDB Local's, not DynamoDB's; the functions never read the stream.\n\
         - Each comparison (function, harness floor, floor-sdk) alternates in 5 rounds, after a warm-up of every process, so drift during the run (DynamoDB Local's JIT warming up, other processes on the machine) falls on all three alike.\n\
         - The proxy adds a loopback hop to every DynamoDB call, for the functions and the floors alike; the hop's send and receive count as time outside DynamoDB.{}\n\
         - The x86_64 binaries measured here (functions and floors) are built in one cargo invocation with the harness, so the dependency graph is compiled once; that unifies a few dependency features the functions do not use (hyper's server side, regex-automata's meta engine, zerocopy's derive macros), whose code LTO drops. The zips are built by cargo lambda from the functions alone, as for a deployment.\n\
         - Raw samples of this run: `.local/bench/results.json`; the functions' logs: `.local/bench/*.log`.\n\
         - Knobs (environment): `BENCH_QUICK=1` (fewer iterations, 10,000 members for growth, 2,000 due for the daily run; not for the record), `BENCH_COLD_RUNS`, `BENCH_REQUESTS`, `BENCH_SERIAL_REQUESTS`, `BENCH_CONCURRENCY`, `BENCH_STREAM_BATCH`, `BENCH_MEMBERS` (largest growth size; 0 skips growth), `BENCH_DUE`, `BENCH_DAILY_DUE` (members due on one day for the daily run at scale; 0 skips it), `BENCH_DAILY_FLOOR` (how many of them the floor repeats), `BENCH_CAPACITY_DAYS` (days of purchases before the year-old member is measured; 0 skips capacity and cost), `BENCH_FIGURES=0` (skips the programme figures), `BENCH_IMPORT` (members for the import throughput, default 10,000; 0 skips it; `loyalty-bench --import` measures only it), `BENCH_OFFERS` (timed earns per case of the targeted offers' comparison, default 300; 0 skips it; `loyalty-bench --offers` measures only it), `BENCH_GAMIFICATION` (timed earns per case of the challenges and memberships' comparison, default 300; 0 skips it and the worst-case member; `loyalty-bench --gamification` measures only it), `BENCH_OPS`, `BENCH_SKIP_ZIP=1`; builds go to `CARGO_TARGET_DIR` when set.",
        proxy_hop.map_or(String::new(), calibration)
    );
}

/// The proxy's calibration in this run, appended to the method's note on the proxy's hop.
fn calibration(hop: &ProxyHop) -> String {
    format!(
        " Calibration in this run: one TransactGetItems took {} ms made directly and {} ms through the proxy (p50 of {} pairs made back to back), of which the proxy timed {} ms as inside DynamoDB; {}",
        f(hop.direct_ms),
        f(hop.proxied_ms),
        hop.samples,
        f(hop.inside_ms),
        if hop.hop_ms > 0.0 {
            format!(
                "the median pair differs by {} ms: that much per call of the *outside DynamoDB* figures is the measurement's own hop, for the functions and the floors alike.",
                f(hop.hop_ms)
            )
        } else {
            "the hop is within the noise of a single call.".to_string()
        }
    )
}

/// `TransactGetItems + TransactGetItems + ...` as `TransactGetItems x2 + ...`.
fn compress_plan(plan: &[String]) -> String {
    let mut parts: Vec<(String, usize)> = Vec::new();
    for op in plan {
        match parts.last_mut() {
            Some((last, n)) if last == op => *n += 1,
            _ => parts.push((op.clone(), 1)),
        }
    }
    parts
        .into_iter()
        .map(|(op, n)| if n > 1 { format!("{op} x{n}") } else { op })
        .collect::<Vec<_>>()
        .join(" + ")
}

fn init_reason(init: f64, sdk: f64, echo: f64) -> String {
    if init >= INIT_MS && sdk >= INIT_MS / INIT_RATIO {
        format!(
            "The SDK floor alone needs {} ms here (the bare runtime {} ms): loading aws-config and building the DynamoDB client is the cost; the function's own init is {} ms on top.",
            f(sdk),
            f(echo),
            signed(init - sdk)
        )
    } else {
        format!(
            "The function's own init: {} ms against the SDK floor's {} ms (see below for what it does).",
            signed(init - sdk),
            f(sdk)
        )
    }
}

fn first_reason(row: &ColdResult, floor: &ColdResult) -> String {
    let ddb = summarize(row.dynamodb_ms.iter().copied());
    let floor_ddb = summarize(floor.dynamodb_ms.iter().copied());
    let first = summarize(row.first_ms.iter().copied());
    let floor_first = summarize(floor.first_ms.iter().copied());
    let calls = mode(&row.calls).unwrap_or(0);
    let below_floor = if floor_first.p50 >= FIRST_MS {
        format!(
            "The SDK floor alone needs {} ms to start and make the same {calls} DynamoDB calls, so < {FIRST_MS} ms is out of reach for this first invocation whatever the function does; the ratio to the floor is the figure the function controls. ",
            f(floor_first.p50)
        )
    } else {
        String::new()
    };
    format!(
        "{below_floor}Inside DynamoDB: {} ms against the floor's {} ms; outside: {} ms against {} ms. The first request of a process pays for first-use work in the SDK and the handler (lazy statics, the first connection, the first serde of each type) in both, and the function has more code to touch.",
        f(ddb.p50),
        f(floor_ddb.p50),
        f(first.p50 - ddb.p50),
        f(floor_first.p50 - floor_ddb.p50)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run's raw samples, made up but plausible (`--render` reads it as it reads a real
    /// `.local/bench/results.json`): every section has data, each p50 is a round figure, and
    /// some targets are missed while the rest are met.
    fn fixture() -> Results {
        serde_json::from_str(include_str!("../tests/fixtures/results.json")).unwrap()
    }

    fn render(results: &Results) -> Markdown {
        markdown(results, Path::new("docs/bench/latency.svg"))
    }

    const HEADINGS: [&str; 18] = [
        "# Benchmarks",
        "## Targets",
        "### Targets missed, and what limits them",
        "## Cold start",
        "### What separates each function from the absolute floor",
        "## Warm latency and DynamoDB calls",
        "## The programme cached, and read on every request",
        "## Memory and size",
        "## Growth",
        "## Daily run at scale",
        "### Projection: 1,000,000 members due on one day, on AWS",
        "## Capacity per earn and per redeem",
        "## Cost per million on AWS",
        "## Programme figures: a year's read, and what they add to an earn",
        "## Import throughput",
        "## Targeted offers: earn with 0 and with 50 active offers",
        "## Paid memberships and challenges: earn with 50 challenges and a running plan",
        "## How to read these numbers",
    ];

    fn headings(text: &str) -> Vec<&str> {
        text.lines().filter(|l| l.starts_with('#')).collect()
    }

    /// The labels of the "Targets missed" list, in order.
    fn misses(text: &str) -> Vec<&str> {
        let section = text
            .split("### Targets missed, and what limits them")
            .nth(1)
            .and_then(|rest| rest.split("\n## ").next())
            .unwrap();
        section
            .lines()
            .filter_map(|l| l.strip_prefix("- **"))
            .map(|l| l.split("**").next().unwrap())
            .collect()
    }

    #[test]
    fn every_section_once_and_in_order() {
        assert_eq!(headings(&render(&fixture()).text), HEADINGS);
    }

    #[test]
    fn the_figures_of_the_run_are_in_their_sections() {
        let text = render(&fixture()).text;
        for expected in [
            // Header.
            "| date | 2026-11-23 23:35:47 UTC |",
            "| settings | 20 cold starts per binary; warm: 40 requests per operation at concurrency 4 and 20 at concurrency 1",
            "![Latency distributions: cold starts and each operation next to its floors](docs/bench/latency.svg)",
            // Targets.
            "| earn-points init ≤ 1.3x SDK floor, < 15 ms median | 6.47 ms = 1.05x floor-sdk (6.14 ms); absolute floor 1.96 ms | met |",
            "| redeem ≤ 2 DynamoDB calls | 2 per request (TransactGetItems + TransactWriteItems), at most 3 under concurrency | **missed** |",
            "| evaluate-tier zip < 6 MB (10^6 bytes) | 6.01 MiB (arm64) | **missed** |",
            "| daily run flat in table size | 1000 → 100000 members, 100 due: 256 → 256 DynamoDB calls, 675 → 499 ms (0.74x) | met |",
            "| rule engine > 1M evaluations/s per core | 15.95M/s (62.7 ns per evaluation, criterion, one thread) | met |",
            // Cold start.
            "| floor-echo | 1.96 ms | 2.71 ms | 2.40 ms | 3.12 ms | 0 |",
            "| partner-offers | 8.31 ms | 9.64 ms | 16.9 ms | 19.6 ms | 3 | 5.12 ms | 9.29 MiB | 1.35x | 1.10x |",
            "- **SDK floor** (`floor-sdk`, init 6.14 ms, +4.18 ms over the echo)",
            "- **evaluate-tier**: init 6.65 ms (+0.510 ms against the SDK floor: the JSON log subscriber and `TierContext::from_env`",
            // Warm.
            "| earn | earn-points | 2: TransactGetItems + TransactWriteItems | 11.9 ms | 43.4 ms |",
            "| redeem | redeem-reward | 2 (2–3): TransactGetItems + TransactWriteItems |",
            "| stream batch | evaluate-tier | 25: UpdateItem x25 |",
            "- **stream batch**: evaluate-tier, 25 member-profile stream records; 20 requests at concurrency 4",
            // Memory and size.
            "| evaluate-tier | 21.0 MiB | 9.25 MiB | 2.27x | 10.0 MiB | 6.01 MiB | 13.3 MiB |",
            "| floor-echo | – | – | – | 2.89 MiB | – | 1.41 MiB |",
            "(`target/lambda/<function>/bootstrap.zip`)",
            // Growth, and the rule engine.
            "| 100000 | 100 | 100 | 256 | Query 6, TransactWriteItems 100, UpdateItem 150 | 499 ms | 88 s |",
            "Before each run the run's checkpoint is set to the day before, as the previous day's run leaves it, so every run plans the same pieces: yesterday and today, 8 shards each.",
            "**15.95 million evaluations per second per core**",
            // The programme cached and read on every request.
            "| earn | cached | 2 (2–3): TransactGetItems + TransactWriteItems | 2.125 | 11.5 ms | 13.5 ms | 10.3 / 12.2 ms | 5.50 ms | 4.95 ms | 3.85 ms | 5.10 ms | 5.67 ms | 0 |",
            "| redeem | TTL 0 | 3: GetItem + TransactGetItems + TransactWriteItems | 3.000 | 16.1 ms |",
            "- **earn**: caching takes 3 calls per request to 2 (mean 2.125); at concurrency 1 the p50 is 1.65 ms lower cached (5.50 ms against 7.15 ms), the floor's 1.43 ms lower for the same calls.",
            // Daily run at scale, and its projection.
            "| daily run (function) | 100000 | 500 s | 200 | 0.400 ms | GetItem 2, PutItem 1, Query 504, TransactGetItems 100000, TransactWriteItems 100000 | 2.005 |",
            "| floor (same calls, harness) | 10000 | 40.0 s | 250 | 0.250 ms |",
            "finds **0** members still filed as due",
            "0 due, **0 processed**; GetItem 1, PutItem 1, Query 8.",
            "allows **8 workers** at once (`MaximumConcurrency`), each the evaluate-tier function at **128 MB** (timeout 60 s)",
            "| 10 ms per call, 1 s per handover | 5.53 ms | 627 members/s | 181 members/s | 2.12 s | 94.5 members/s | 756 members/s | **22.0 min** | met |",
            "One worker is CPU-bound: 0.400 ms of CPU per member here is 5.53 ms at 128 MB",
            "each of the day's 8 partitions loses an entry per member reviewed (94.5 a second per partition, under the 1,000 writes a second a partition takes), and each page is one Query of 200 keys.",
            // Capacity.
            "was reported as 4.00 write units, where the rule gives 12.0.",
            "| earn | new | 520 bytes | 4.00 | 13.0 (1.00) | 4.00 | 10.0 (2.00) |",
            "| redeem | after 365 days | 4500 bytes | 6.00 | 20.0 (0.000) | 6.00 | 18.0 (0.000) |",
            "**earn**, after a year against new: 1.07x by price (WCU 14.0 vs 13.0, RCU 4.00 vs 4.00; with DynamoDB Local's reported units 1.00x)",
            // The programme's figures, added to in the same transaction.
            "- TransactWriteItems: reported 10.0, rules 14.0: Put member 1490 B → 4.00; Put ledger entry 400 B → 2.00; Put purchase 300 B → 2.00; Update metrics day 70 B → 2.00; Update metrics totals 50 B → 2.00; Put idempotency record 700 B → 2.00",
            "- TransactWriteItems: reported 18.0, rules 20.0: Put member 4500 B → 10.0; Put ledger entry 400 B → 2.00;",
            "1.00 RCU reported, 1.00 by the rules",
            "day 1: 480, day 7: 560, day 30: 800",
            "**Gold** at the end",
            // Cost.
            "us-east-1 list prices as of 2026-12, unverified here (no network)",
            "| earns | new | 7.20 ms | $0.0120 | $0.200 | $8.12 (13.0 WRU) | $0.500 (4.00 RRU) | **$8.84** |",
            "| redemptions | after 365 days | 7.10 ms | $0.0118 | $0.200 | $12.5 (20.0 WRU) | $0.750 (6.00 RRU) | **$13.5** |",
            "1.00 RRU more, $0.125 per million",
            // How to read: the proxy's calibration.
            "the median pair differs by 0.089 ms",
        ] {
            assert!(text.contains(expected), "missing: {expected}");
        }
    }

    #[test]
    fn each_missed_target_is_explained_in_the_tables_order() {
        let rendered = render(&fixture());
        let text = &rendered.text;
        let explained = misses(text);
        assert_eq!(
            explained,
            [
                "partner-offers init",
                "evaluate-tier first invocation",
                "earn time outside DynamoDB",
                "redeem DynamoDB calls",
                "redeem time outside DynamoDB",
                "redeem p99",
                "evaluate-tier peak RSS",
                "evaluate-tier zip",
                "redeem capacity after a year",
            ]
        );
        // The projection's table has a verdict per case too.
        assert_eq!(text.matches("| **missed** |").count(), explained.len());
        assert_eq!(text.matches(" | met |").count(), 24 + 2);
        // The explanations' branches: a floor above the target, the floors alone above it, and
        // the function's own code making the difference.
        for expected in [
            "The function's own init: +2.17 ms against the SDK floor's 6.14 ms",
            "The SDK floor alone needs 35.3 ms to start and make the same 25 DynamoDB calls, so < 30 ms is out of reach",
            "The SDK and the Runtime API exchange alone take 0.962 ms, above the target",
            "against 0.132 ms for floor-sdk making the same calls: the function's own code is what separates them.",
            "**evaluate-tier zip**: 6.01 MiB.",
            "**redeem capacity after a year**: 1.61x a new member's. The member item grew from 560 to 4500 bytes",
        ] {
            assert!(text.contains(expected), "missing: {expected}");
        }
        // One summary line per target, then one per warm operation, per cached operation
        // and per priced request, the figures' two, the import's and one per offers' case.
        let summary = &rendered.summary;
        assert_eq!(summary.len(), 33 + 8 + 2 + 4 + 2 + 1 + 3);
        assert_eq!(
            summary[49],
            "bench: import: 10000 members in 40.0 s, 250 members/s (batches of 100, 4 in flight)"
        );
        assert_eq!(
            summary.iter().filter(|l| l.ends_with("[missed]")).count(),
            9
        );
        assert_eq!(summary.iter().filter(|l| l.ends_with("[met]")).count(), 24);
        assert!(summary[0].starts_with("cold init      earn-points     p50 6.47 ms"));
        assert!(summary[33..41].iter().all(|l| l.starts_with("warm ")));
        assert!(summary[41..43].iter().all(|l| l.starts_with("cached ")));
        assert!(summary[43..47].iter().all(|l| l.starts_with("cost ")));
        assert!(summary[47..49].iter().all(|l| l.starts_with("figures ")));
        assert!(summary[50..53].iter().all(|l| l.starts_with("offers ")));
    }

    #[test]
    fn the_figures_section_shows_a_years_read_and_the_earns_share() {
        let rendered = render(&fixture());
        let text = rendered.text;
        for expected in [
            "| earn-points, `GET /v1/metrics` over 366 days | 64: Query x64 | 60.0 ms | 60.0 ms | 50.0 ms | 0 |",
            "| harness floor: the same queries at once | 64: Query x64 | 55.0 ms | 55.0 ms | 50.0 ms | 0 |",
            "| floor-sdk: the same queries behind the Runtime API | 64: Query x64 | 57.0 ms | 57.0 ms | 50.0 ms | 0 |",
            "One read of the year reads 27328 items (4919040 bytes) in 64 queries: **1216 read units**",
            "$0.00015 per read on demand, $0.152 per thousand reads. The answer is 150000 bytes.",
            "The figures' updates are 2 of the 6 items in an earn's TransactWriteItems",
            "| earn-points: earn, with its figures | 6 | 13.0 | 14.0 | 12.0 ms | 12.0 ms | 8.00 ms | 8.00 ms | 0 |",
            "| harness floor: the earn's calls | 6 | 13.0 | 14.0 | 10.0 ms | 10.0 ms | 6.00 ms | 6.00 ms | 0 |",
            "| harness floor: the same without the figures' updates | 4 | 9.00 | 10.0 | 9.00 ms | 9.00 ms | 5.50 ms | 5.50 ms | 0 |",
            "| **the figures' share** | 2 | 4.00 | 4.00 | +1.00 ms | | +0.500 ms | | |",
        ] {
            assert!(text.contains(expected), "missing: {expected}\n{text}");
        }
        assert!(rendered.summary.iter().any(|l| l
            == "figures        earn            2 of 6 items, 4.00 write units new / 4.00 after a year; p50 +0.500 ms at concurrency 1"));
    }

    #[test]
    fn the_offers_section_sets_the_three_cases_side_by_side() {
        let mut results = fixture();
        let rendered = render(&results);
        let text = &rendered.text;
        for expected in [
            "| earn ≤ 2 DynamoDB calls with 50 offers active | 2 per earn (TransactGetItems + TransactWriteItems) with 50 offers matching (40 applied) and with 50 matching none; at most 2 besides the 30 s refresh of the cached shared items (1 of 8 earns refreshed) | met |",
            "| 0 offers | 0 | 2: TransactGetItems + TransactWriteItems | 2.000 | 7.00 ms | 9.00 ms | 5.00 ms | 2.00 ms | 7 | 14.0 | 4.00 | 520 bytes | 0 |",
            "| 50 offers, none matching | 0 | 2: TransactGetItems + TransactWriteItems | 2.000 | 7.50 ms |",
            "| 50 offers matching (40 applied) | 40 | 2 (2–3): TransactGetItems + TransactWriteItems | 2.250 | 16.0 ms | 30.0 ms | 12.0 ms | 4.00 ms | 47 | 106 | 4.00 | 2500 bytes | 0 |",
            "- **50 offers matching (40 applied)**, against 0 offers: p50 +9.00 ms (16.0 against 7.00 ms), p99 +21.0 ms; in DynamoDB +7.00 ms, outside +2.00 ms (differences of p50s). WCU 106 against 14.0 (7.57x).",
            "Update metrics day x2 (66–79 B) → 4.00; Update metrics totals 50 B → 2.00; Put idempotency record 2100 B → 6.00; Update offer budget shard x40 (52–53 B) → 80.0",
            "case by case: 0 of 4, 0 of 4, 1 of 4.",
        ] {
            assert!(text.contains(expected), "missing: {expected}\n{text}");
        }
        assert!(rendered.summary.contains(&"offers calls   earn            2 per earn with 50 offers (40 applied or none), max 2 besides the refresh [met]".to_string()));
        assert_eq!(
            offers_alone(results.offers.as_ref().unwrap())
                .lines()
                .filter(|l| l.starts_with("| earn ≤ 2 DynamoDB calls with 50 offers active"))
                .count(),
            1
        );

        // Calls beyond the transaction's two, other than a refresh: missed, and explained.
        let matched = results
            .offers
            .as_mut()
            .and_then(|o| o.cases.iter_mut().find(|c| c.case == Case::Matched))
            .unwrap();
        matched.calls = vec![2, 3, 3, 3];
        matched.shared_reads = vec![0; 4];
        let text = render(&results).text;
        assert!(text.contains("at most 3 besides the 30 s refresh of the cached shared items (0 of 8 earns refreshed) | **missed** |"));
        assert!(misses(&text).contains(&"earn DynamoDB calls with 50 offers"));
    }

    /// A challenges and memberships' run, made up: 4 earns per case, one of the loaded case's
    /// with the shared items' refresh.
    fn gamification_fixture() -> GamificationResult {
        use crate::capacity::{CallCapacity, ItemUnits};
        use crate::gamification::{Burst, Case, CaseResult, WorstCase};
        let call =
            |operation: &str, kind: &str, units: f64, items: &[(&str, usize)]| CallCapacity {
                operation: operation.into(),
                kind: kind.into(),
                reported: Some(units),
                computed: units,
                items: items
                    .iter()
                    .map(|(what, bytes)| ItemUnits {
                        what: (*what).into(),
                        bytes: *bytes,
                        units: 2.0,
                    })
                    .collect(),
                ..CallCapacity::default()
            };
        let row = |member_bytes: usize, wcu: f64| CapacityRow {
            op: "earn".into(),
            member: "x".into(),
            member_bytes_before: member_bytes,
            member_bytes_after: member_bytes,
            calls: vec![
                call(
                    "TransactGetItems",
                    "read",
                    4.0,
                    &[("Get member", member_bytes)],
                ),
                call(
                    "TransactWriteItems",
                    "write",
                    wcu,
                    &[("Put member", member_bytes), ("Put purchase", 300)],
                ),
            ],
        };
        let case =
            |case: Case, ms: f64, calls: Vec<usize>, member_bytes: usize, wcu: f64| CaseResult {
                case,
                total_ms: vec![ms; 4],
                dynamodb_ms: vec![ms - 1.0; 4],
                shared_reads: calls.iter().map(|c| c - 2).collect(),
                calls,
                operations: std::collections::BTreeMap::new(),
                errors: 0,
                capacity: Some(row(member_bytes, wcu)),
                member_bytes: vec![member_bytes; 20],
            };
        GamificationResult {
            earns: 4,
            members: 20,
            challenges: 50,
            plan: "plus".into(),
            rounds: 4,
            purchase: "8.99 EUR coffee".into(),
            cases: vec![
                case(Case::Demo, 10.0, vec![2; 4], 590, 12.0),
                case(Case::Loaded, 12.0, vec![2, 3, 2, 2], 3152, 20.0),
            ],
            worst: vec![WorstCase {
                id_chars: Some(128),
                reference_chars: 200,
                challenges: 50,
                actions: 50,
                badges: 100,
                membership: true,
                member_bytes: 31705,
                attributes: vec![("badges".into(), 12909), ("actions".into(), 9060)],
                earn: Some(row(31705, 86.0)),
                requests: 107,
                seconds: 14.0,
            }],
            burst: vec![Burst {
                challenges: 47,
                status: 500,
                error: Some("internal_error an internal error occurred".into()),
                dynamodb_errors: vec!["400 {\"Message\":\"a|b\"}".into()],
                completed: 0,
                items_written: 101,
                capacity: None,
            }],
            seconds: 60.0,
        }
    }

    #[test]
    fn the_gamification_section_sets_the_cases_and_the_worst_case_side_by_side() {
        let mut results = fixture();
        results.gamification = Some(gamification_fixture());
        let rendered = render(&results);
        let text = &rendered.text;
        assert_eq!(headings(text), HEADINGS);
        for expected in [
            "| earn ≤ 2 DynamoDB calls with 50 challenges and a running membership plan | 2 per earn (TransactGetItems + TransactWriteItems) with 50 challenges running (49 of them counting the purchase) and the member's `plus` plan running; at most 2 besides the 30 s refresh of the cached shared items (1 of 4 earns refreshed) | met |",
            "| demo programme (1 challenge, no plan) | 0 | 2: TransactGetItems + TransactWriteItems | 2.000 | 10.0 ms | 10.0 ms | 9.00 ms | 1.00 ms | 2 | 12.0 | 4.00 | 590 bytes | 0 |",
            "| 50 challenges, plan `plus` running | 49 | 2 (2–3): TransactGetItems + TransactWriteItems | 2.250 | 12.0 ms |",
            "WCU 20.0 against 12.0 (1.67x).",
            "| identifiers of 128 characters, billing reference of 200 | 50 | 50 | 100 | yes | 31705 bytes | 7.74% | `badges` 12909 B, `actions` 9060 B | 2 | 86.0 | 4.00 |",
            "| 47 | 500 `internal_error an internal error occurred` | 101 | `400 {\"Message\":\"a\\|b\"}` |",
            "case by case: 0 of 4, 1 of 4.",
        ] {
            assert!(text.contains(expected), "missing: {expected}\n{text}");
        }
        assert!(rendered.summary.contains(&"gamification   earn            2 per earn with 50 challenges and plan plus running, max 2 besides the refresh [met]".to_string()));
        assert_eq!(
            gamification_alone(results.gamification.as_ref().unwrap())
                .lines()
                .filter(|l| l.starts_with("| earn ≤ 2 DynamoDB calls with 50 challenges"))
                .count(),
            1
        );

        // A third call besides the refresh: missed, and explained.
        if let Some(loaded) = results.gamification.as_mut().and_then(|g| {
            g.cases
                .iter_mut()
                .find(|c| c.case == crate::gamification::Case::Loaded)
        }) {
            loaded.calls = vec![3; 4];
            loaded.shared_reads = vec![0; 4];
        }
        let text = render(&results).text;
        assert!(text.contains("at most 3 besides the 30 s refresh of the cached shared items (0 of 4 earns refreshed) | **missed** |"));
        assert!(
            misses(&text).contains(&"earn DynamoDB calls with 50 challenges and a running plan")
        );
    }

    #[test]
    fn what_a_run_did_not_measure_says_so() {
        let mut results = fixture();
        results.config.quick = true;
        results.growth.clear();
        results.rule_engine = None;
        results.proxy_hop = None;
        results.daily = None;
        results.capacity = None;
        results.cache.clear();
        results.figures = None;
        results.import = None;
        results.offers = None;
        if let Some(size) = results.sizes.iter_mut().find(|s| s.binary == "member-api") {
            size.zip_bytes = None;
        }
        let text = render(&results).text;
        assert_eq!(headings(&text), HEADINGS);
        for expected in [
            "stream batches of 25 records; **BENCH_QUICK run** |",
            "| member-api zip < 6 MB (10^6 bytes) | not built | **missed** |",
            "**member-api zip**: the zip was not built (see scripts/bench.sh's output).",
            "| rule engine > 1M evaluations/s per core | not measured (criterion results missing) | **missed** |",
            "## Growth\n\nNot measured in this run (BENCH_MEMBERS=0).\n",
            "the hop's send and receive count as time outside DynamoDB.\n",
            "## The programme cached, and read on every request\n\nNot measured in this run (BENCH_OPS without earn and redeem).\n",
            "## Daily run at scale\n\nNot measured in this run (BENCH_DAILY_DUE=0).\n",
            "## Capacity per earn and per redeem\n\nNot measured in this run (BENCH_CAPACITY_DAYS=0).\n",
            "## Cost per million on AWS\n\nNot measured in this run (BENCH_CAPACITY_DAYS=0).\n",
            "## Programme figures: a year's read, and what they add to an earn\n\nNot measured in this run (BENCH_FIGURES=0).\n",
            "## Import throughput\n\nNot measured in this run (BENCH_IMPORT=0).\n",
            "## Targeted offers: earn with 0 and with 50 active offers\n\nNot measured in this run (BENCH_OFFERS=0).\n",
            "## Paid memberships and challenges: earn with 50 challenges and a running plan\n\nNot measured in this run (BENCH_GAMIFICATION=0).\n",
        ] {
            assert!(text.contains(expected), "missing: {expected}");
        }
        assert!(!text.contains("Earn-rule engine"));
        assert!(!text.contains("daily run flat"));
        assert!(!text.contains("within an hour on AWS"));
        assert!(!text.contains("after a year of daily purchases"));
        assert!(!text.contains("Calibration in this run"));
        assert!(!text.contains("offers active"));
    }

    #[test]
    fn a_daily_run_whose_calls_move_says_which() {
        let mut results = fixture();
        for (step, reads) in results.growth.iter_mut().zip([9, 11, 8]) {
            step.calls_by_operation.insert("GetItem".into(), reads);
            step.calls += reads;
        }
        let text = render(&results).text;
        assert!(text.contains(
            "| daily run flat in table size | 1000 → 100000 members, 100 due: 265 → 264 DynamoDB calls, 675 → 499 ms (0.74x) | **missed** |"
        ));
        assert!(text.contains(
            "- **daily run**: calls 265 → 264, time 675 → 499 ms over 1000 → 100000 members. By operation, step by step: GetItem 9 → 11 → 8. Only the GetItems move, and not with the table's size:"
        ));
        assert!(text.contains("(1 to the 16 in flight, as they happen to overlap)"));

        // Another operation moving is listed, without the GetItems' explanation.
        if let Some(last) = results.growth.last_mut() {
            last.calls_by_operation.insert("Query".into(), 60);
        }
        let text = render(&results).text;
        assert!(
            text.contains("By operation, step by step: GetItem 9 → 11 → 8, Query 6 → 6 → 60.\n")
        );
        assert!(!text.contains("Only the GetItems move"));
    }

    #[test]
    fn a_target_directory_elsewhere_is_not_written_out() {
        let mut results = fixture();
        results.config.zip_dir = "/home/someone/target-bench/lambda".into();
        let text = render(&results).text;
        assert!(text.contains("(`<target>/lambda/<function>/bootstrap.zip`)"));
        assert!(!text.contains("/home/someone"));
    }

    #[test]
    fn a_cached_side_measured_slower_says_higher() {
        let mut results = fixture();
        // The earn floor with the programme cached measured slower than with TTL 0 (p50 6.90
        // against 6.38 ms), as noise on a busy machine can make it.
        let earn = results.cache.iter_mut().find(|r| r.op == Op::Earn).unwrap();
        earn.serial.floor_cached.total_ms = vec![6.3, 6.6, 6.9, 7.2, 7.5, 7.8];
        let text = render(&results).text;
        assert!(
            text.contains(
                "at concurrency 1 the p50 is 1.65 ms lower cached (5.50 ms against 7.15 ms), the floor's 0.520 ms higher for the same calls."
            ),
            "{text}"
        );
        assert!(!text.contains("-0.520"));
    }

    #[test]
    fn no_missed_target_says_none() {
        let mut out = String::new();
        targets_missed(&mut out, &[]);
        assert_eq!(
            out,
            "\n### Targets missed, and what limits them\n\nNone in this run.\n"
        );
    }
}
