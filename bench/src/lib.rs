//! What the harness and the SDK floor binary share: DynamoDB calls as recorded on the wire,
//! made again with the SDK.

pub mod replay;
