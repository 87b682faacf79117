//! The daily run, fanned out: a planner splits the due work into (day, shard) pieces of the
//! due-date index and hands them to workers; each worker processes one page of members with
//! bounded concurrency and hands on the rest of its partition. In AWS the pieces travel on an
//! SQS queue (retries, a dead-letter queue with an alarm, workers in parallel); on the local
//! stack, where there is no queue, the planner runs the same worker in-process, piece by piece.
//! A checkpoint of the days planned means a failed or skipped run is caught up, however long
//! ago; and since due dates are never filed before `now`, no member is filed under a day the
//! planner has passed.

mod plan;
mod work;

use serde::{Deserialize, Serialize};
use time::Date;

use loyalty::domain::identifier::MemberId;

pub use plan::plan;
pub use work::process;

/// How a worker takes its piece: members read per page (small enough that a piece ends in
/// seconds, large enough that the index is read in few calls) and reviewed at once (each
/// review is two DynamoDB calls in sequence).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailySettings {
    pub page_size: i32,
    pub concurrency: usize,
}

impl Default for DailySettings {
    fn default() -> Self {
        Self {
            page_size: 200,
            concurrency: 16,
        }
    }
}

/// One piece of the daily run: the members filed as due on `day` in `shard`, after `after`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueWork {
    #[serde(with = "day")]
    pub day: Date,
    pub shard: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<MemberId>,
}

/// What a run (or one piece of it) did.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DailySummary {
    pub date: String,
    /// Pieces planned (handed to the queue, or run in-process).
    pub planned: usize,
    pub due: usize,
    pub processed: usize,
    pub lots_expired: usize,
    pub warnings: usize,
    pub tier_changes: usize,
    pub failed: usize,
}

impl DailySummary {
    pub fn add(&mut self, other: &DailySummary) {
        self.due += other.due;
        self.processed += other.processed;
        self.lots_expired += other.lots_expired;
        self.warnings += other.warnings;
        self.tier_changes += other.tier_changes;
        self.failed += other.failed;
    }
}

mod day {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    pub fn serialize<S: Serializer>(day: &Date, serializer: S) -> Result<S::Ok, S::Error> {
        let text = day
            .format(loyalty::store::keys::DAY_FORMAT)
            .map_err(serde::ser::Error::custom)?;
        serializer.serialize_str(&text)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
        let text = String::deserialize(deserializer)?;
        Date::parse(&text, loyalty::store::keys::DAY_FORMAT).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_piece_of_work_travels_as_json_and_back() {
        let work = DueWork {
            day: date!(2026 - 12 - 01),
            shard: 3,
            after: Some(MemberId::try_from("m-9").unwrap()),
        };
        let text = serde_json::to_string(&work).unwrap();
        assert_eq!(text, r#"{"day":"2026-12-01","shard":3,"after":"m-9"}"#);
        assert_eq!(serde_json::from_str::<DueWork>(&text).unwrap(), work);
        let first: DueWork = serde_json::from_str(r#"{"day":"2026-12-01","shard":0}"#).unwrap();
        assert_eq!(first.after, None);
        assert!(serde_json::from_str::<DueWork>(r#"{"day":"2026-13-01","shard":0}"#).is_err());
    }
}
