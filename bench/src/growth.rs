//! Growth: the daily tier run's DynamoDB calls and time as the table grows (1k, 10k, 100k
//! members) with the same number of members due that day.
//!
//! Members are built with the domain's own code (enrolled, one purchase's lot, the due date
//! the domain schedules) and written by the store (`Store::enrol`, one PutItem each), so the
//! items are exactly what the functions write. The members due on the run's day hold points
//! earned 11 months back, whose expiry warning falls on that day; every other member holds a
//! lot from a later month, so it is due on a later day, as in a real table.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow};
use evaluate_tier::{RecordingPublisher, TierContext};
use futures::TryStreamExt;
use loyalty::Context;
use loyalty::domain::clock::ManualClock;
use loyalty::domain::identifier::MemberId;
use loyalty::domain::ledger::Posting;
use loyalty::domain::member::Member;
use loyalty::domain::points::Points;
use loyalty::domain::program::Program;
use loyalty::identity::AuthConfig;
use loyalty::store::Store;
use loyalty_tests::calls::CallCounter;
use loyalty_tests::{demo_program_json, table_definition};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct GrowthStep {
    pub members: usize,
    pub due: usize,
    pub processed: usize,
    pub calls: usize,
    pub calls_by_operation: std::collections::BTreeMap<String, usize>,
    pub run_ms: f64,
    /// Time inside the DynamoDB calls (through the timing proxy), by operation.
    pub dynamodb_ms_by_operation: std::collections::BTreeMap<String, f64>,
    pub seed_s: f64,
}

const SEED_CONCURRENCY: usize = 24;

fn member(
    id: &str,
    earned_at: OffsetDateTime,
    now: OffsetDateTime,
    program: &Program,
) -> Result<Member> {
    let id = MemberId::try_from(id).map_err(|e| anyhow!("{e}"))?;
    let mut member = Member::enrol(id, None, None, now, program.lowest_tier());
    let points = Points::new(120).ok_or_else(|| anyhow!("points"))?;
    member
        .credit_purchase(
            points,
            Posting::new("seed", "bench", earned_at),
            now,
            program,
        )
        .map_err(|e| anyhow!("{e}"))?;
    Ok(member)
}

async fn seed(store: &Store, members: Vec<Member>) -> Result<()> {
    futures::stream::iter(members.into_iter().map(Ok::<_, anyhow::Error>))
        .try_for_each_concurrent(SEED_CONCURRENCY, |m| async move {
            store
                .enrol(&m)
                .await
                .map(|_| ())
                .map_err(|e| anyhow!("seeding {}: {e}", m.id()))
        })
        .await
}

/// Writes `members` in chunks of 10,000, with a progress line per chunk for large batches.
pub async fn seed_in_chunks(store: &Store, members: Vec<Member>, label: &str) -> Result<()> {
    let started = Instant::now();
    let total = members.len();
    let mut written = 0usize;
    let mut rest = members;
    while !rest.is_empty() {
        let tail = rest.split_off(rest.len().min(10_000));
        let chunk = std::mem::replace(&mut rest, tail);
        written += chunk.len();
        seed(store, chunk).await?;
        if total > 10_000 {
            eprintln!(
                "bench: {label}: seeded {written}/{total} members ({:.0}s)",
                started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(())
}

/// Members as the domain builds them, due on one day (the run's) or on a later one.
pub struct Members {
    pub program: Program,
    now: OffsetDateTime,
    /// 00:15 UTC of the day the due members are due: when the schedule runs.
    pub run_at: OffsetDateTime,
}

impl Members {
    /// The demo programme, and the day a member who earned 11 months ago is due on.
    pub fn new() -> Result<Self> {
        let program = Program::from_json(demo_program_json().as_bytes())
            .map_err(|e| anyhow!("demo programme: {e}"))?;
        let now = OffsetDateTime::now_utc();
        let mut members = Self {
            program,
            now,
            run_at: now,
        };
        let probe = members.due("probe")?;
        let due_at = probe
            .due_at()
            .ok_or_else(|| anyhow!("a member with points has a due date"))?;
        members.run_at = due_at.date().midnight().assume_utc() + time::Duration::minutes(15);
        Ok(members)
    }

    /// The 15th of the month `k` months back, at noon.
    fn months_back(&self, k: i64) -> OffsetDateTime {
        let now = self.now;
        let index = i64::from(now.year()) * 12 + i64::from(u8::from(now.month())) - 1 - k;
        let year = i32::try_from(index.div_euclid(12)).unwrap_or(2026);
        let month = u8::try_from(index.rem_euclid(12) + 1).unwrap_or(1);
        time::Date::from_calendar_date(
            year,
            time::Month::try_from(month).unwrap_or(time::Month::January),
            15,
        )
        .map_or(now, |d| {
            d.midnight().assume_utc() + time::Duration::hours(12)
        })
    }

    /// A member who earned 11 months back: the lot expires at the end of next month, and its
    /// expiry warning falls on the run's day.
    pub fn due(&self, id: &str) -> Result<Member> {
        member(id, self.months_back(11), self.now, &self.program)
    }

    /// A member with a lot from 0 to 10 months back (by `i`): due on a later day.
    pub fn bystander(&self, id: &str, i: usize) -> Result<Member> {
        let k = i64::try_from(i % 11).unwrap_or(0);
        let m = member(id, self.months_back(k), self.now, &self.program)?;
        if m.due_at().is_none_or(|d| d <= self.run_at) {
            return Err(anyhow!("a bystander would be due on the run's day"));
        }
        Ok(m)
    }

    /// Stores the programme (the one the members were built under) in `store`'s table.
    pub async fn put_program(&self, store: &Store) -> Result<()> {
        store
            .put_program(&self.program, self.now, "bench")
            .await
            .map_err(|e| anyhow!("{e}"))
    }
}

/// Seeds up to each size in `sizes` (cumulatively, in one table) with `due` new members due
/// on the run's day each time, and runs the daily job once per size.
pub async fn run(
    client: aws_sdk_dynamodb::Client,
    upstream: &str,
    table: &str,
    sizes: &[usize],
    due: usize,
) -> Result<Vec<GrowthStep>> {
    table_definition().create(&client, table).await?;
    crate::scenario::disable_stream(&client, table).await?;
    let store = Store::new(client, table);
    let members = Members::new()?;
    members.put_program(&store).await?;
    let run_at = members.run_at;

    let mut steps = Vec::new();
    let mut seeded = 0usize;
    for (step, &size) in sizes.iter().enumerate() {
        let started = Instant::now();
        let bystanders = size.saturating_sub(seeded + due);
        let mut batch = Vec::with_capacity(bystanders + due);
        for i in 0..bystanders {
            batch.push(members.bystander(&format!("g{step}-{i}"), i)?);
        }
        for i in 0..due {
            batch.push(members.due(&format!("due{step}-{i}"))?);
        }
        let total = batch.len();
        seed_in_chunks(&store, batch, "growth").await?;
        seeded += total;
        let seed_s = started.elapsed().as_secs_f64();

        // Every step starts where a day's schedule finds the table: yesterday's run left its
        // checkpoint, so the planner reviews yesterday and today. Without this the first
        // step (a table never run on) would catch up a week and the later ones (the
        // checkpoint the step before left, today) one day: different work at each size.
        store
            .set_planned_through(run_at.date() - time::Duration::days(1), run_at)
            .await
            .map_err(|e| anyhow!("setting the daily run's checkpoint: {e}"))?;
        let counter = CallCounter::default();
        let proxy = crate::proxy::Proxy::start(upstream, None).await?;
        let counted = counter.client().await;
        let counted = aws_sdk_dynamodb::Client::from_conf(
            counted
                .config()
                .to_builder()
                .endpoint_url(proxy.url())
                .build(),
        );
        let tiers = TierContext::new(
            Context {
                store: Store::new(counted, table),
                clock: Arc::new(ManualClock::at(run_at)),
                auth: AuthConfig::authorizer_only(),
                shared: loyalty::shared_items::SharedItems::from_env(),
            },
            Arc::new(RecordingPublisher::default()),
        );
        let started = Instant::now();
        let summary = evaluate_tier::handle(&tiers, json!({"kind": "daily"}))
            .await
            .map_err(|e| anyhow!("daily run: {e}"))?;
        let elapsed: Duration = started.elapsed();
        let mut dynamodb_ms_by_operation = std::collections::BTreeMap::new();
        for call in proxy.take() {
            *dynamodb_ms_by_operation
                .entry(call.operation.clone())
                .or_insert(0.0) += call.duration().as_secs_f64() * 1000.0;
        }
        let step = GrowthStep {
            members: seeded,
            due,
            processed: usize::try_from(summary["processed"].as_u64().unwrap_or(0)).unwrap_or(0),
            calls: counter.total(),
            calls_by_operation: counter.by_operation(),
            run_ms: elapsed.as_secs_f64() * 1000.0,
            dynamodb_ms_by_operation,
            seed_s,
        };
        eprintln!(
            "bench: growth: {} members, {} due: {} processed, {} DynamoDB calls {:?}, {:.0} ms (in DynamoDB: {:?} ms), seeded in {:.0} s",
            step.members,
            due,
            step.processed,
            step.calls,
            step.calls_by_operation,
            step.run_ms,
            step.dynamodb_ms_by_operation,
            step.seed_s
        );
        steps.push(step);
    }
    Ok(steps)
}
