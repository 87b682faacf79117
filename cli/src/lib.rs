//! `loyalty-cli`: the operators' tool for `POST /v1/imports/members` and the admin export.
//! The pure parts (reading JSON Lines, batching, the checkpoint, backoff) are modules of
//! their own, tested without a network; `client` speaks HTTP(S), `import` and `export` run
//! the commands.

pub mod backoff;
pub mod batch;
pub mod checkpoint;
pub mod client;
pub mod export;
pub mod import;
pub mod lines;

/// Everything that can stop a command. Messages never hold the token.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot write the checkpoint {path}: {source}")]
    WriteCheckpoint {
        path: String,
        source: std::io::Error,
    },
    #[error("the checkpoint {path} is not readable ({reason}); delete it to start over")]
    BadCheckpoint { path: String, reason: String },
    #[error("the checkpoint {0} was written for a different input file; delete it to start over")]
    CheckpointMismatch(String),
    #[error("the endpoint must be an http:// or https:// URL, not {0:?}")]
    BadEndpoint(String),
    #[error("the token is not a valid header value")]
    BadToken,
    #[error("cannot set up TLS: {0}")]
    Tls(String),
    #[error("the request failed: {0}")]
    Transport(String),
    #[error("the server refused the token ({status}): {message}")]
    Unauthorized { status: u16, message: String },
    #[error("{0}")]
    Usage(String),
}
