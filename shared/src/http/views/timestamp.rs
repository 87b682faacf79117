//! Times in responses, as the API writes every time (`crate::domain::rfc3339`). Use as
//! `#[serde(with = "timestamp")]`, or `timestamp::option` for an optional time.

pub use crate::domain::rfc3339::{format, option, serialize};
