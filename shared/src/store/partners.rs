//! A partner's settlement statement: the points issued on its behalf over a period, read a
//! page at a time, only the attributes a statement adds up, and no longer than a deadline.

use std::time::Instant;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::Deserialize;
use time::OffsetDateTime;

use super::items::OfferPoints;
use super::{Store, StoreError, from_item, key, keys};
use crate::domain::identifier::PartnerId;
use crate::domain::statement::Statement;

/// What a statement reads of each line.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatementLine {
    #[serde(rename = "SK")]
    sk: String,
    points: crate::domain::points::Points,
    by_offer: Vec<OfferPoints>,
    #[serde(with = "crate::domain::rfc3339")]
    recorded_at: OffsetDateTime,
}

/// A statement as far as it was read: complete, or to be continued after `next` (the sort
/// key of the last line added).
#[derive(Debug)]
pub struct StatementPage {
    pub statement: Statement,
    pub next: Option<String>,
}

impl Store {
    /// The lines issued in `[from, to)`, after the line `after` when given, added up until
    /// there are no more or `deadline` has passed (at least one page is read).
    /// `page_size` bounds the lines a page reads (DynamoDB stops at 1 MB anyway).
    pub async fn partner_statement(
        &self,
        partner: &PartnerId,
        from: OffsetDateTime,
        to: OffsetDateTime,
        after: Option<&str>,
        deadline: Instant,
        page_size: Option<i32>,
    ) -> Result<StatementPage, StoreError> {
        let pk = keys::partner_pk(partner.as_str());
        let lower = format!(
            "{}{}",
            keys::PARTNER_ISSUE_PREFIX,
            keys::sortable_time(from)
        );
        // '#' sorts before every character of an entry id, so this excludes `to` itself.
        let upper = format!("{}{}#", keys::PARTNER_ISSUE_PREFIX, keys::sortable_time(to));
        let mut statement = Statement::default();
        let mut start = after.map(|sk| key(pk.clone(), sk));
        loop {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("PK = :pk AND SK BETWEEN :from AND :to")
                .expression_attribute_values(":pk", AttributeValue::S(pk.clone()))
                .expression_attribute_values(":from", AttributeValue::S(lower.clone()))
                .expression_attribute_values(":to", AttributeValue::S(upper.clone()))
                .projection_expression("SK, points, byOffer, recordedAt")
                .set_limit(page_size)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(StoreError::from_sdk)?;
            let mut last = None;
            for item in output.items.unwrap_or_default() {
                let line: StatementLine = from_item(item)?;
                if line.recorded_at < to {
                    let by_offer: Vec<_> = line
                        .by_offer
                        .into_iter()
                        .map(|o| (o.offer_id, o.points))
                        .collect();
                    statement
                        .add(line.points, &by_offer)
                        .ok_or_else(|| StoreError::corrupt("a statement too large to add up"))?;
                }
                last = Some(line.sk);
            }
            start = output.last_evaluated_key;
            if start.is_none() {
                return Ok(StatementPage {
                    statement,
                    next: None,
                });
            }
            if Instant::now() >= deadline {
                return Ok(StatementPage {
                    statement,
                    next: last.or_else(|| after.map(str::to_string)),
                });
            }
        }
    }
}
