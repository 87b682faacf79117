//! The loyalty domain crate: pure domain logic (`domain`), the DynamoDB adapter (`store`)
//! and the API Gateway glue (`http`) that every function shares.

mod context;
pub mod domain;
pub mod http;
pub mod idempotency;
pub mod metrics;
pub mod store;
pub mod telemetry;
pub mod webhook;

pub use context::{Context, MissingSetting};
