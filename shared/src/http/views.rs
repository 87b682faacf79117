//! JSON shapes of domain values that more than one function returns.

use serde::Serialize;
use time::OffsetDateTime;

use crate::domain::earn_rules::BreakdownLine;
use crate::domain::ledger::{EntryType, LedgerEntry};
use crate::domain::money::Money;
use crate::domain::points::Points;
use crate::http::ApiError;

/// The response to a write that made one ledger entry: the entry as the activity list
/// shows it, with the member's balance after it and any `extra` fields.
pub fn entry_response(
    entry: &LedgerEntry,
    balance: Points,
    extra: &[(&str, serde_json::Value)],
) -> Result<serde_json::Value, ApiError> {
    let mut response =
        serde_json::to_value(EntryView::from(entry)).map_err(|_| ApiError::Internal)?;
    if let Some(fields) = response.as_object_mut() {
        fields.insert("balance".into(), serde_json::json!(balance));
        for (name, value) in extra {
            fields.insert((*name).to_string(), value.clone());
        }
    }
    Ok(response)
}

/// A ledger entry as API.md shows it (the audit fields `seq` and `actor` stay internal).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryView<'a> {
    pub entry_id: &'a str,
    #[serde(rename = "type")]
    pub kind: EntryType,
    pub points: Points,
    pub balance_after: Points,
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    pub reference: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub breakdown: Option<&'a [BreakdownLine]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<&'a Money>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'a str>,
}

impl<'a> From<&'a LedgerEntry> for EntryView<'a> {
    fn from(entry: &'a LedgerEntry) -> Self {
        Self {
            entry_id: &entry.entry_id,
            kind: entry.kind,
            points: entry.points,
            balance_after: entry.balance_after,
            occurred_at: entry.occurred_at,
            reference: &entry.reference,
            breakdown: entry.breakdown.as_deref(),
            amount: entry.amount.as_ref(),
            reason: entry.reason.as_deref(),
        }
    }
}
