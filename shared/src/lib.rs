//! The loyalty domain crate: pure domain logic and its operations (`domain`), the DynamoDB
//! adapter (`store`), the one read-decide-commit loop (`write`), who is calling
//! (`identity`) and the API Gateway glue (`http`) that every function shares.

mod context;
pub mod domain;
pub mod erasure;
pub mod http;
pub mod idempotency;
pub mod identity;
pub mod metrics;
pub mod sdk;
pub mod shared_items;
pub mod store;
pub mod telemetry;
pub mod webhook;
pub mod write;

pub use context::{Context, MissingSetting};
