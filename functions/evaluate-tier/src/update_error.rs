//! Why a change to one member outside HTTP (the stream, the daily run) did not happen.

use loyalty::domain::operation::OperationError;
use loyalty::store::Missing;
use loyalty::write::WriteError;

#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    #[error(transparent)]
    Write(#[from] WriteError),
    /// No programme is configured.
    #[error(transparent)]
    Missing(#[from] Missing),
    #[error("the change does not apply: {0}")]
    Operation(#[from] OperationError),
}
