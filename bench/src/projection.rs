//! Figures for AWS worked out from the figures measured here, with the assumptions named:
//! the daily run's time for 1,000,000 members due on one day, and what a million earns or
//! redemptions cost.

use crate::daily::DailyResult;

/// Members due on one day the projection is for, and the time they must take.
pub const TARGET_MEMBERS: f64 = 1_000_000.0;
pub const TARGET_S: f64 = 3600.0;
/// AWS Lambda documentation: at 1,769 MB a function has the equivalent of one vCPU; CPU is
/// allocated in proportion to memory.
pub const VCPU_MB: f64 = 1769.0;
/// Used when the template cannot be read.
pub const DEFAULT_WORKERS: usize = 8;
pub const DEFAULT_MEMORY_MB: u32 = 128;

/// Prices (USD). `PRICES` says where they come from.
pub const PRICES: &str = "us-east-1 list prices as of 2026-12, unverified here (no network)";
/// Lambda, arm64: per GB-second, and per million requests.
pub const LAMBDA_GB_S: f64 = 0.000_013_333_4;
pub const LAMBDA_PER_MILLION: f64 = 0.20;
/// DynamoDB on-demand: per million write request units and read request units.
pub const WRU_PER_MILLION: f64 = 0.625;
pub const RRU_PER_MILLION: f64 = 0.125;

/// An assumption about DynamoDB and SQS on AWS, which this machine cannot measure.
#[derive(Debug, Clone, Copy)]
pub struct Case {
    pub name: &'static str,
    /// Latency of each DynamoDB call (TransactGetItems, TransactWriteItems, Query), ms.
    pub call_ms: f64,
    /// From a piece's end to the next piece of its partition starting on a worker: the
    /// continuation's SendMessage and the event source mapping's delivery, seconds.
    pub handover_s: f64,
}

/// AWS documents single-digit-millisecond latency for DynamoDB; a transaction makes two
/// underlying reads or writes per item, so 5 ms is taken as the good case and 10 ms as the
/// bad one (assumptions, not measurements). Handover: 0.1 s (long polling returns as a
/// message arrives) and 1 s (assumptions).
pub const CASES: [Case; 2] = [
    Case {
        name: "5 ms per call, 0.1 s per handover",
        call_ms: 5.0,
        handover_s: 0.1,
    },
    Case {
        name: "10 ms per call, 1 s per handover",
        call_ms: 10.0,
        handover_s: 1.0,
    },
];

#[derive(Debug, Clone, Copy)]
pub struct Projection {
    pub case: Case,
    pub workers: usize,
    pub memory_mb: u32,
    /// The share of a vCPU the function has at its memory.
    pub cpu_share: f64,
    /// CPU time per member on this machine, and at the function's share of a vCPU, ms.
    pub cpu_ms_here: f64,
    pub cpu_ms_aws: f64,
    /// Members per second one worker reviews, bounded by the calls in flight, and by CPU.
    pub latency_bound: f64,
    pub cpu_bound: f64,
    /// One piece (a page): handover, Query, the page's reviews; seconds.
    pub piece_s: f64,
    /// Members per second per worker, pieces and handovers included.
    pub per_worker: f64,
    /// Workers busy at once: the queue's MaximumConcurrency, at most one per due partition
    /// (8 shards a day: each partition's pieces follow one another).
    pub parallel: usize,
    pub total_s: f64,
}

impl Projection {
    pub fn met(&self) -> bool {
        self.total_s <= TARGET_S
    }
}

/// The time `TARGET_MEMBERS` due on one day take on AWS, from the CPU time per member
/// measured here and the assumptions of `case`.
pub fn daily(daily: &DailyResult, case: Case) -> Projection {
    let workers = daily.workers.unwrap_or(DEFAULT_WORKERS).max(1);
    let memory_mb = daily.memory_mb.unwrap_or(DEFAULT_MEMORY_MB);
    let cpu_share = (f64::from(memory_mb) / VCPU_MB).min(1.0);
    let cpu_ms_here = daily.run.cpu_ms_per_member();
    let cpu_ms_aws = cpu_ms_here / cpu_share;
    let concurrency = daily.concurrency.max(1) as f64;
    let member_ms = 2.0 * case.call_ms + cpu_ms_aws;
    let latency_bound = concurrency * 1000.0 / member_ms;
    let cpu_bound = 1000.0 / cpu_ms_aws;
    let rate = latency_bound.min(cpu_bound);
    let page = f64::from(daily.page_size.max(1));
    let piece_s = case.handover_s + case.call_ms / 1000.0 + page / rate;
    let per_worker = page / piece_s;
    let parallel = workers.min(loyalty::store::keys::DUE_SHARDS as usize);
    Projection {
        case,
        workers,
        memory_mb,
        cpu_share,
        cpu_ms_here,
        cpu_ms_aws,
        latency_bound,
        cpu_bound,
        piece_s,
        per_worker,
        parallel,
        total_s: TARGET_MEMBERS / (parallel as f64 * per_worker),
    }
}

/// What a million requests cost, USD, by part.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cost {
    /// Mean billed duration, ms (each request rounded up to the millisecond).
    pub billed_ms: f64,
    pub lambda_duration: f64,
    pub lambda_requests: f64,
    pub writes: f64,
    pub reads: f64,
}

impl Cost {
    pub fn total(&self) -> f64 {
        self.lambda_duration + self.lambda_requests + self.writes + self.reads
    }
}

/// The mean of the durations rounded up to the millisecond, as Lambda bills them.
pub fn billed_ms(own_ms: &[f64]) -> f64 {
    if own_ms.is_empty() {
        return f64::NAN;
    }
    own_ms.iter().map(|ms| ms.ceil().max(1.0)).sum::<f64>() / own_ms.len() as f64
}

/// A million requests of `billed_ms` each at `memory_mb`, with `wru` write and `rru` read
/// request units each.
pub fn per_million(billed_ms: f64, memory_mb: u32, wru: f64, rru: f64) -> Cost {
    let gb_s = f64::from(memory_mb) / 1024.0 * billed_ms / 1000.0;
    Cost {
        billed_ms,
        lambda_duration: 1e6 * gb_s * LAMBDA_GB_S,
        lambda_requests: LAMBDA_PER_MILLION,
        writes: wru * WRU_PER_MILLION,
        reads: rru * RRU_PER_MILLION,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::daily::DailyPass;

    fn measured(cpu_s: f64, processed: usize) -> DailyResult {
        DailyResult {
            due: processed,
            page_size: 200,
            concurrency: 16,
            run: DailyPass {
                processed,
                cpu_s,
                wall_s: 100.0,
                ..DailyPass::default()
            },
            workers: Some(8),
            memory_mb: Some(128),
            ..DailyResult::default()
        }
    }

    #[test]
    fn cpu_bound_at_128_mb() {
        // 0.5 ms of CPU per member here is 6.9 ms at 128/1769 of a vCPU: 145 members/s,
        // below the 16 in flight's 16 / (2 x 10 + 6.9) ms = 595/s.
        let p = daily(&measured(50.0, 100_000), CASES[1]);
        assert!((p.cpu_ms_aws - 0.5 * 1769.0 / 128.0).abs() < 1e-9);
        assert!(p.cpu_bound < p.latency_bound);
        // A piece: 1 s handover + 10 ms Query + 200 / 144.7 s.
        let piece = 1.0 + 0.010 + 200.0 / (1000.0 / p.cpu_ms_aws);
        assert!((p.piece_s - piece).abs() < 1e-9);
        assert_eq!(p.parallel, 8);
        assert!((p.total_s - 1e6 / (8.0 * 200.0 / piece)).abs() < 1e-6);
        assert!(p.met());
    }

    #[test]
    fn latency_bound_with_little_cpu() {
        let p = daily(&measured(1.0, 100_000), CASES[0]);
        assert!(p.latency_bound < p.cpu_bound);
        assert!((p.latency_bound - 16.0 * 1000.0 / (10.0 + p.cpu_ms_aws)).abs() < 1e-9);
    }

    #[test]
    fn a_million_requests_priced_by_part() {
        assert_eq!(
            billed_ms(&[0.2, 1.0, 1.01, 7.5]),
            (1.0 + 1.0 + 2.0 + 8.0) / 4.0
        );
        let cost = per_million(10.0, 128, 8.0, 2.0);
        // 0.125 GB x 0.010 s x 1e6 = 1250 GB-s.
        assert!((cost.lambda_duration - 1250.0 * LAMBDA_GB_S).abs() < 1e-12);
        assert_eq!(cost.lambda_requests, 0.20);
        assert_eq!(cost.writes, 5.0);
        assert_eq!(cost.reads, 0.25);
        assert!((cost.total() - (0.016_666_75 + 0.20 + 5.0 + 0.25)).abs() < 1e-9);
    }
}
