//! Business metrics as CloudWatch Embedded Metric Format: one JSON log line per value,
//! turned into metrics by CloudWatch Logs with no API call on the request path.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::json;

use crate::domain::ledger::{EntryType, LedgerEntry};

/// The CloudWatch namespace of every metric of this service.
pub const NAMESPACE: &str = "Loyalty";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    PointsIssued,
    PointsRedeemed,
    PointsExpired,
    WebhookRejected,
    Errors,
}

impl Metric {
    fn name(self) -> &'static str {
        match self {
            Metric::PointsIssued => "PointsIssued",
            Metric::PointsRedeemed => "PointsRedeemed",
            Metric::PointsExpired => "PointsExpired",
            Metric::WebhookRejected => "WebhookRejected",
            Metric::Errors => "Errors",
        }
    }

    fn unit(self) -> &'static str {
        match self {
            Metric::WebhookRejected | Metric::Errors => "Count",
            _ => "None",
        }
    }
}

/// The EMF line for one value with its dimensions (e.g. `("Source", "till")`).
pub fn line(metric: Metric, value: i64, dimensions: &[(&str, &str)]) -> String {
    let timestamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let names: Vec<&str> = dimensions.iter().map(|(name, _)| *name).collect();
    let mut object = json!({
        "_aws": {
            "Timestamp": timestamp,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [names],
                "Metrics": [{"Name": metric.name(), "Unit": metric.unit()}],
            }],
        },
        metric.name(): value,
    });
    if let Some(fields) = object.as_object_mut() {
        for (name, dimension) in dimensions {
            fields.insert((*name).to_string(), json!(dimension));
        }
    }
    object.to_string()
}

/// The metrics of committed ledger entries: points issued (by entry type, reversals
/// negative), redeemed and expired. Called once a transaction has committed, never for a
/// replayed response, so nothing is counted twice.
pub fn record_ledger(entries: &[LedgerEntry]) {
    for entry in entries {
        let points = entry.points.value();
        let kind = serde_json::to_value(entry.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let metric = match entry.kind {
            EntryType::Redeem => Metric::PointsRedeemed,
            EntryType::Expire => Metric::PointsExpired,
            _ => Metric::PointsIssued,
        };
        let value = if matches!(metric, Metric::PointsIssued) {
            points
        } else {
            points.abs()
        };
        emit(metric, value, &[("Type", &kind)]);
    }
}

/// Writes the value to standard output, where Lambda sends it to CloudWatch Logs.
pub fn emit(metric: Metric, value: i64, dimensions: &[(&str, &str)]) {
    println!("{}", line(metric, value, dimensions));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_follow_the_embedded_metric_format() {
        let line: serde_json::Value = serde_json::from_str(&line(
            Metric::WebhookRejected,
            1,
            &[("Reason", "stale_timestamp")],
        ))
        .unwrap();
        assert_eq!(line["WebhookRejected"], 1);
        assert_eq!(line["Reason"], "stale_timestamp");
        let spec = &line["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(spec["Namespace"], "Loyalty");
        assert_eq!(spec["Dimensions"], json!([["Reason"]]));
        assert_eq!(spec["Metrics"][0]["Name"], "WebhookRejected");
        assert!(line["_aws"]["Timestamp"].as_u64().unwrap() > 0);
    }
}
