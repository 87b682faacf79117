//! API Gateway glue shared by every HTTP function: identity, requests, responses, the
//! error contract and the idempotent write.

pub mod dev_token;
mod error;
mod identity;
mod request;
mod response;
mod serve;
mod strict;
pub mod views;
mod write;

pub use error::{ApiError, Refusal};
pub use identity::{AuthConfig, Caller, Scope};
pub use request::{ApiRequest, MAX_BODY_BYTES};
pub use response::json;
pub use serve::serve;
pub use write::{Decision, Idempotency, Planned, execute_write};
