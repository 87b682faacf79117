//! A partner's settlement statement: the points issued on its behalf over a period.

use aws_sdk_dynamodb::types::AttributeValue;
use time::OffsetDateTime;

use super::items::PartnerIssueItem;
use super::{Store, StoreError, from_item, keys};
use crate::domain::identifier::PartnerId;
use crate::domain::partner::PartnerIssue;

/// Bounds the pages one statement reads (each page is up to 1 MB of lines).
const MAX_STATEMENT_PAGES: usize = 100;

impl Store {
    /// Every line issued in `[from, to)`, oldest first. `complete` is false when the period
    /// holds more than the bounded number of pages (ask for a shorter period).
    pub async fn partner_issues(
        &self,
        partner: &PartnerId,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<(Vec<PartnerIssue>, bool), StoreError> {
        let lower = format!(
            "{}{}",
            keys::PARTNER_ISSUE_PREFIX,
            keys::sortable_time(from)
        );
        // '#' sorts before every character of an entry id, so this excludes `to` itself.
        let upper = format!("{}{}#", keys::PARTNER_ISSUE_PREFIX, keys::sortable_time(to));
        let mut issues = Vec::new();
        let mut start = None;
        for _ in 0..MAX_STATEMENT_PAGES {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("PK = :pk AND SK BETWEEN :from AND :to")
                .expression_attribute_values(
                    ":pk",
                    AttributeValue::S(keys::partner_pk(partner.as_str())),
                )
                .expression_attribute_values(":from", AttributeValue::S(lower.clone()))
                .expression_attribute_values(":to", AttributeValue::S(upper.clone()))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(StoreError::from_sdk)?;
            for item in output.items.unwrap_or_default() {
                let issue: PartnerIssue = from_item::<PartnerIssueItem>(item)?.into();
                if issue.recorded_at < to {
                    issues.push(issue);
                }
            }
            start = output.last_evaluated_key;
            if start.is_none() {
                return Ok((issues, true));
            }
        }
        Ok((issues, false))
    }
}
