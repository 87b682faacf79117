//! API Gateway glue shared by every HTTP function: requests and who sends them, responses,
//! the error contract, and writes answered over HTTP.

mod error;
mod principal;
mod request;
mod response;
mod serve;
mod strict;
pub mod views;
mod write;

pub use crate::write::Decision;
pub use error::{ApiError, Refusal};
pub use principal::{Operator, SignedInMember, Till};
pub use request::{ApiRequest, MAX_BODY_BYTES};
pub use response::{csv, json, replay};
pub use serve::serve;
pub use write::{Reply, write};
