//! The programme figures at a year's size, and what keeping them costs an earn.
//!
//! - **A year's read.** Every shard is given a day item for each of the 365 days before today
//!   (every counter a busy day writes) and the active-member differences for the days ahead,
//!   as a year of a large chain's traffic leaves them; today's items are the run's own. Then
//!   `GET /v1/metrics` over the 366 days is driven through earn-points one request at a time
//!   (an operator's read, not traffic; DynamoDB Local answers 64 large queries at once slowly
//!   enough that several such reads together pass the functions' 2 s attempt timeout), next
//!   to the harness (and floor-sdk) making the same queries, all at once as the function
//!   makes them. The items, bytes and read units one request reads are counted from the
//!   table.
//! - **What the figures add to an earn.** The figures are written in the earn's own
//!   transaction (docs/data-model.md, "Programme figures"). The harness makes the earn's
//!   recorded calls as they are and with the figures' updates taken out of its
//!   TransactWriteItems, next to the function: the difference is their latency; their write
//!   units come from the capacity section's item sizes.

use anyhow::{Context as _, Result, anyhow, bail};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use loyalty::domain::ledger::EntryType;
use loyalty::domain::metrics::{Counter, INACTIVE_AFTER_DAYS};
use loyalty::store::keys;
use loyalty_bench::replay::Plan;
use loyalty_tests::{Call, Function, invoke};
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::Date;

use crate::item_size::item_size;
use crate::proxy::Item;
use crate::scenario::{Op, figures_range};
use crate::{Bench, Phase, Recorded, Side, three};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FiguresResult {
    pub read: FiguresRead,
    /// None when the run had no earn (BENCH_OPS).
    pub overhead: Option<EarnOverhead>,
}

/// One `GET /v1/metrics` over a year.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FiguresRead {
    pub days: usize,
    pub shards: u32,
    /// Items one request reads, their bytes, and the read units they cost by the documented
    /// rules (strongly consistent: a unit per 4 KB started, per query).
    pub items: usize,
    pub bytes: usize,
    pub read_units: f64,
    /// The JSON answer's size.
    pub response_bytes: usize,
    /// The calls of one read, as recorded.
    pub plan: Vec<String>,
    /// The function and its floors, at concurrency 1.
    pub function: Phase,
    pub floor: Phase,
    pub floor_sdk: Phase,
}

/// The earn with its figures and without, at one concurrency.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OverheadSides {
    pub function: Phase,
    pub floor: Phase,
    pub floor_without: Phase,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EarnOverhead {
    /// The figures' updates in one earn's TransactWriteItems, and the items it writes in all.
    pub updates: usize,
    pub transaction_items: usize,
    pub concurrent: OverheadSides,
    pub serial: OverheadSides,
}

/// Every counter a busy day writes on a shard, and the range its value is drawn from (a
/// chain of about a million members: the digits decide the item's size).
const DAY_COUNTERS: [(Counter, i64, i64); 12] = [
    (Counter::Credit(EntryType::Earn), 100_000, 1_000_000),
    (Counter::Credit(EntryType::PartnerBonus), 1_000, 50_000),
    (Counter::Credit(EntryType::BirthdayBonus), 1_000, 10_000),
    (Counter::Credit(EntryType::Adjust), 100, 5_000),
    (Counter::Credit(EntryType::Refund), 100, 5_000),
    (Counter::Debit(EntryType::Redeem), 50_000, 500_000),
    (Counter::Debit(EntryType::Reverse), 1_000, 20_000),
    (Counter::Debit(EntryType::Expire), 10_000, 200_000),
    (Counter::Debit(EntryType::Adjust), 10, 1_000),
    (Counter::Redemptions, 100, 2_000),
    (Counter::NewMembers, 10, 500),
    (Counter::Active, -200, 200),
];

impl Bench {
    /// Both measurements; `earn` is the warm benchmark's recordings of an earn, if it ran.
    pub(crate) async fn figures(&self, earn: Option<&[Vec<Recorded>]>) -> Result<FiguresResult> {
        let overhead = match earn {
            Some(plans) => Some(self.earn_overhead(plans).await?),
            None => None,
        };
        let started = std::time::Instant::now();
        let written = populate(&self.direct, &self.scenario.table).await?;
        eprintln!(
            "bench: figures: {written} day items written in {:.0}s",
            started.elapsed().as_secs_f64()
        );
        let response_bytes = self.check_read().await?;
        let (_, plans) = self.record(Op::Figures).await?;
        let sides = [
            Side::Function(&[]),
            Side::Floor(&plans, 0),
            Side::FloorSdk(&plans, 0),
        ];
        let [function, floor, floor_sdk] = three(self.compare(Op::Figures, &sides, 1).await?)?;
        let plan = plans
            .first()
            .and_then(|lane| lane.first())
            .map(|r| r.plan.calls.iter().map(|c| c.operation.clone()).collect())
            .unwrap_or_default();
        let (items, bytes, read_units) = read_size(&self.direct, &self.scenario.table).await?;
        let (from, to) = figures_range();
        Ok(FiguresResult {
            read: FiguresRead {
                days: usize::try_from((to - from).whole_days() + 1)?,
                shards: keys::METRICS_SHARDS,
                items,
                bytes,
                read_units,
                response_bytes,
                plan,
                function,
                floor,
                floor_sdk,
            },
            overhead,
        })
    }

    /// The year's read answers what was written: 366 days, each with the counters put in.
    async fn check_read(&self) -> Result<usize> {
        let (from, to) = figures_range();
        let answer = invoke(
            &self.scenario.context,
            Function::EarnPoints,
            Call::new("GET", format!("/v1/metrics?from={from}&to={to}"))
                .claims(json!({"sub": "bench-operator", "scope": "loyalty/admin"})),
        )
        .await;
        if !answer.status.is_success() {
            bail!("GET /v1/metrics: {} {}", answer.status, answer.body);
        }
        let days = answer.body["days"]
            .as_array()
            .ok_or_else(|| anyhow!("no days in the figures: {}", answer.body))?;
        let yesterday = days
            .iter()
            .find(|d| d["date"] == json!((to - time::Duration::days(1)).to_string()));
        match (days.len(), yesterday) {
            (366, Some(day)) if day["redeemed"].as_i64().unwrap_or(0) != 0 => {}
            _ => bail!(
                "the year's figures are not what was written: {} days, yesterday {:?}",
                days.len(),
                yesterday
            ),
        }
        Ok(serde_json::to_vec(&answer.body)?.len())
    }

    /// The earn's recorded calls with and without the figures' updates, next to the function,
    /// at the warm benchmark's concurrency and at 1.
    async fn earn_overhead(&self, plans: &[Vec<Recorded>]) -> Result<EarnOverhead> {
        let without: Vec<Vec<Recorded>> = plans
            .iter()
            .map(|lane| {
                lane.iter()
                    .map(|r| {
                        Ok(Recorded {
                            plan: without_figures(&r.plan)?.0,
                            // The same items put back: the floor members are shared.
                            before: r.before.clone(),
                        })
                    })
                    .collect::<Result<_>>()
            })
            .collect::<Result<_>>()?;
        let first = plans
            .first()
            .and_then(|lane| lane.first())
            .ok_or_else(|| anyhow!("no recorded earn"))?;
        let (_, updates, transaction_items) = without_figures(&first.plan)?;
        if updates == 0 {
            bail!("the recorded earn writes no figures");
        }
        let sides = [
            Side::Function(&[]),
            Side::Floor(plans, 0),
            Side::Floor(&without, 0),
        ];
        let sides_of = |phases: Vec<Phase>| -> Result<OverheadSides> {
            let [function, floor, floor_without] = three(phases)?;
            Ok(OverheadSides {
                function,
                floor,
                floor_without,
            })
        };
        let concurrent = sides_of(
            self.compare(Op::Earn, &sides, self.config.concurrency)
                .await?,
        )?;
        let serial = sides_of(self.compare(Op::Earn, &sides, 1).await?)?;
        Ok(EarnOverhead {
            updates,
            transaction_items,
            concurrent,
            serial,
        })
    }
}

/// `plan` with the figures' updates taken out of its TransactWriteItems; how many were taken
/// out, and how many items the transaction had.
fn without_figures(plan: &Plan) -> Result<(Plan, usize, usize)> {
    let mut plan = plan.clone();
    let (mut removed, mut total) = (0, 0);
    for call in &mut plan.calls {
        if call.operation != "TransactWriteItems" {
            continue;
        }
        let items = call.request["TransactItems"]
            .as_array_mut()
            .context("a TransactWriteItems without TransactItems")?;
        total += items.len();
        let before = items.len();
        items.retain(|item| !is_figures_update(item));
        removed += before - items.len();
    }
    Ok((plan, removed, total))
}

fn is_figures_update(item: &Value) -> bool {
    item["Update"]["Key"][keys::PK]["S"]
        .as_str()
        .is_some_and(|pk| (0..keys::METRICS_SHARDS).any(|shard| pk == keys::metrics_pk(shard)))
}

/// A shard's day item as the store writes it (`store/metrics.rs`): its key, entity, day and
/// counters.
fn day_item(shard: u32, day: Date, counters: &[(Counter, i64)]) -> Item {
    let mut item = Item::from([
        (
            keys::PK.to_string(),
            AttributeValue::S(keys::metrics_pk(shard)),
        ),
        (
            keys::SK.to_string(),
            AttributeValue::S(keys::metrics_day_sk(day)),
        ),
        (
            "entity".to_string(),
            AttributeValue::S("metrics_day".into()),
        ),
        ("day".to_string(), AttributeValue::S(day.to_string())),
    ]);
    for (counter, value) in counters {
        item.insert(counter.name(), AttributeValue::N(value.to_string()));
    }
    item
}

/// Writes the year's day items on every shard: the 365 days before today with every counter,
/// and the active-member differences of the days ahead. Returns how many.
async fn populate(client: &Client, table: &str) -> Result<usize> {
    let (from, today) = figures_range();
    let mut rng = rand::rng();
    let mut items = Vec::new();
    for shard in 0..keys::METRICS_SHARDS {
        let mut day = from;
        while day < today {
            let counters: Vec<(Counter, i64)> = DAY_COUNTERS
                .iter()
                .map(|(c, low, high)| (*c, rng.random_range(*low..*high)))
                .collect();
            items.push(day_item(shard, day, &counters));
            day = day.next_day().context("a day after the calendar's end")?;
        }
        for ahead in 1..=INACTIVE_AFTER_DAYS {
            let active = -rng.random_range(1..200);
            items.push(day_item(
                shard,
                today + time::Duration::days(ahead),
                &[(Counter::Active, active)],
            ));
        }
    }
    let written = items.len();
    let batches: Vec<Vec<Item>> = items.chunks(25).map(<[_]>::to_vec).collect();
    futures::future::try_join_all(batches.chunks(batches.len().div_ceil(8).max(1)).map(
        |group| async move {
            for batch in group {
                write_batch(client, table, batch.clone()).await?;
            }
            Ok::<_, anyhow::Error>(())
        },
    ))
    .await?;
    Ok(written)
}

async fn write_batch(client: &Client, table: &str, items: Vec<Item>) -> Result<()> {
    let mut requests: Vec<WriteRequest> = items
        .into_iter()
        .map(|item| {
            Ok(WriteRequest::builder()
                .put_request(PutRequest::builder().set_item(Some(item)).build()?)
                .build())
        })
        .collect::<Result<_>>()?;
    for _attempt in 0..20 {
        if requests.is_empty() {
            return Ok(());
        }
        let output = client
            .batch_write_item()
            .request_items(table, requests)
            .send()
            .await
            .context("writing the year's figures")?;
        requests = output
            .unprocessed_items
            .and_then(|mut u| u.remove(table))
            .unwrap_or_default();
    }
    bail!("DynamoDB Local kept items of a batch unprocessed")
}

/// What one read of the year reads, queried as the store queries it: items, bytes, and read
/// units (strongly consistent, each query's bytes rounded up to 4 KB).
async fn read_size(client: &Client, table: &str) -> Result<(usize, usize, f64)> {
    let (from, _) = figures_range();
    let (mut items, mut bytes, mut units) = (0, 0, 0.0);
    for shard in 0..keys::METRICS_SHARDS {
        let mut start = None;
        loop {
            let output = client
                .query()
                .table_name(table)
                .key_condition_expression("PK = :pk AND SK >= :from")
                .expression_attribute_values(":pk", AttributeValue::S(keys::metrics_pk(shard)))
                .expression_attribute_values(":from", AttributeValue::S(keys::metrics_day_sk(from)))
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .context("sizing the year's read")?;
            let page: usize = output.items().iter().map(item_size).sum();
            items += output.items().len();
            bytes += page;
            units += (page.div_ceil(4096)).max(1) as f64;
            match output.last_evaluated_key {
                Some(next) => start = Some(next),
                None => break,
            }
        }
    }
    Ok((items, bytes, units))
}

#[cfg(test)]
mod tests {
    use super::*;
    use loyalty_bench::replay::Call;

    #[test]
    fn the_figures_updates_are_taken_out_of_the_transaction_and_nothing_else() {
        let update =
            |pk: &str| json!({"Update": {"Key": {"PK": {"S": pk}, "SK": {"S": "DAY#2026-12-02"}}}});
        let plan = Plan {
            calls: vec![
                Call {
                    operation: "TransactGetItems".into(),
                    request: json!({"TransactItems": [{"Get": {"Key": {"PK": {"S": "METRICS#01"}}}}]}),
                },
                Call {
                    operation: "TransactWriteItems".into(),
                    request: json!({"TransactItems": [
                        {"Put": {"Item": {"PK": {"S": "MEMBER#m"}}}},
                        update("METRICS#07"),
                        update("METRICS#07"),
                        update("MEMBER#m"),
                    ]}),
                },
            ],
            concurrent: false,
        };
        let (without, removed, total) = without_figures(&plan).unwrap();
        assert_eq!((removed, total), (2, 4));
        assert_eq!(without.calls[0].request, plan.calls[0].request);
        let left = without.calls[1].request["TransactItems"]
            .as_array()
            .unwrap();
        assert_eq!(left.len(), 2);
        assert!(left.iter().all(|i| !is_figures_update(i)));
    }

    #[test]
    fn a_day_item_is_read_back_as_the_counters_written() {
        let day = time::macros::date!(2026 - 12 - 01);
        let item = day_item(
            3,
            day,
            &[
                (Counter::Credit(EntryType::Earn), 12),
                (Counter::Active, -1),
            ],
        );
        assert_eq!(item[keys::PK], AttributeValue::S(keys::metrics_pk(3)));
        assert_eq!(keys::metrics_day(item[keys::SK].as_s().unwrap()), Some(day));
        assert_eq!(item["day"], AttributeValue::S("2026-12-01".into()));
        assert_eq!(item["credit_earn"], AttributeValue::N("12".into()));
        assert_eq!(item["active"], AttributeValue::N("-1".into()));
    }
}
