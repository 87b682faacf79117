//! The programme's figures: per shard (`METRICS#<nn>`), one item per UTC day with that day's
//! counters (`DAY#<date>`) and one with the running totals (`TOTAL`). They are added to inside
//! the transactions that write what they count (`commit.rs`, enrolment), on a shard drawn at
//! random each time, and read back by querying every shard from the first day asked for.

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use rand::Rng;
use time::Date;

use super::{Item, Store, StoreError, key, keys};
use crate::domain::metrics::{Counter, Days, Movement, Totals};

const DAY_ENTITY: &str = "metrics_day";
const TOTAL_ENTITY: &str = "metrics_total";
const LIABILITY: &str = "liability";
const MEMBERS: &str = "members";

impl Store {
    /// The updates that add `movement` to the figures, for the transaction that writes what
    /// it counts: one per day it touches and one for the totals, all on one random shard.
    pub(super) fn metrics_updates(
        &self,
        movement: &Movement,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        if movement.is_empty() {
            return Ok(Vec::new());
        }
        let shard = rand::rng().random_range(0..keys::METRICS_SHARDS);
        let pk = keys::metrics_pk(shard);
        let mut updates = Vec::with_capacity(movement.days.len() + 1);
        for (day, counters) in &movement.days {
            let added: Vec<(String, i64)> = counters.iter().map(|(c, v)| (c.name(), *v)).collect();
            let day_text = AttributeValue::S(day_text(*day));
            updates.push(self.add(
                key(pk.clone(), &keys::metrics_day_sk(*day)),
                DAY_ENTITY,
                Some(day_text),
                &added,
            )?);
        }
        let totals: Vec<(String, i64)> =
            [(LIABILITY, movement.liability), (MEMBERS, movement.members)]
                .into_iter()
                .filter(|(_, v)| *v != 0)
                .map(|(n, v)| (n.to_string(), v))
                .collect();
        if !totals.is_empty() {
            updates.push(self.add(key(pk, keys::METRICS_TOTAL_SK), TOTAL_ENTITY, None, &totals)?);
        }
        Ok(updates)
    }

    /// `SET entity[, day] ADD counter value, ...`: creates the item the first time.
    fn add(
        &self,
        key: Item,
        entity: &str,
        day: Option<AttributeValue>,
        added: &[(String, i64)],
    ) -> Result<TransactWriteItem, StoreError> {
        let mut set = vec!["entity = :entity".to_string()];
        let mut update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key))
            .expression_attribute_values(":entity", AttributeValue::S(entity.into()));
        if let Some(day) = day {
            set.push("#day = :day".into());
            update = update
                .expression_attribute_names("#day", "day")
                .expression_attribute_values(":day", day);
        }
        let mut adds = Vec::with_capacity(added.len());
        for (i, (name, value)) in added.iter().enumerate() {
            adds.push(format!("#c{i} :c{i}"));
            update = update
                .expression_attribute_names(format!("#c{i}"), name)
                .expression_attribute_values(
                    format!(":c{i}"),
                    AttributeValue::N(value.to_string()),
                );
        }
        let update = update
            .update_expression(format!("SET {} ADD {}", set.join(", "), adds.join(", ")))
            .build()
            .map_err(|_| StoreError::Internal)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// Every day's counters from `from` on (days ahead included: they hold the active-member
    /// differences) and the totals, summed over the shards. One query per shard, all at once;
    /// the cost grows with the days from `from`, never with the members.
    pub async fn metrics(&self, from: Date) -> Result<(Days, Totals), StoreError> {
        let mut queries = tokio::task::JoinSet::new();
        for shard in 0..keys::METRICS_SHARDS {
            let store = self.clone();
            queries.spawn(async move { store.metrics_shard(shard, from).await });
        }
        let mut days = Days::new();
        let mut totals = Totals::default();
        while let Some(joined) = queries.join_next().await {
            let (shard_days, shard_totals) = joined.map_err(|_| StoreError::Internal)??;
            for (day, counters) in shard_days {
                let sum = days.entry(day).or_default();
                for (counter, value) in counters {
                    *sum.entry(counter).or_default() += value;
                }
            }
            totals.liability += shard_totals.liability;
            totals.members += shard_totals.members;
        }
        Ok((days, totals))
    }

    async fn metrics_shard(&self, shard: u32, from: Date) -> Result<(Days, Totals), StoreError> {
        let mut days = Days::new();
        let mut totals = Totals::default();
        let mut start: Option<Item> = None;
        loop {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("PK = :pk AND SK >= :from")
                .expression_attribute_values(":pk", AttributeValue::S(keys::metrics_pk(shard)))
                .expression_attribute_values(":from", AttributeValue::S(keys::metrics_day_sk(from)))
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(StoreError::from_sdk)?;
            for item in output.items.unwrap_or_default() {
                let sk = match item.get(keys::SK) {
                    Some(AttributeValue::S(sk)) => sk.clone(),
                    _ => return Err(StoreError::Internal),
                };
                let numbers = numbers(&item)?;
                if sk == keys::METRICS_TOTAL_SK {
                    totals.liability += numbers.get(LIABILITY).copied().unwrap_or(0);
                    totals.members += numbers.get(MEMBERS).copied().unwrap_or(0);
                } else if let Some(day) = keys::metrics_day(&sk) {
                    let counters = days.entry(day).or_default();
                    for (name, value) in numbers {
                        // A counter this build does not know (written by a newer one) is
                        // left out rather than failing the read.
                        if let Some(counter) = Counter::parse(&name) {
                            *counters.entry(counter).or_default() += value;
                        }
                    }
                }
            }
            match output.last_evaluated_key {
                Some(next) => start = Some(next),
                None => break,
            }
        }
        Ok((days, totals))
    }
}

/// The numeric attributes of a figures item. Its counters are named by the data (one per
/// entry type), so they are read as attributes rather than into a fixed struct.
fn numbers(item: &Item) -> Result<std::collections::BTreeMap<String, i64>, StoreError> {
    let mut numbers = std::collections::BTreeMap::new();
    for (name, value) in item {
        if let AttributeValue::N(n) = value {
            numbers.insert(name.clone(), n.parse().map_err(StoreError::corrupt)?);
        }
    }
    Ok(numbers)
}

fn day_text(day: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        day.year(),
        u8::from(day.month()),
        day.day()
    )
}
