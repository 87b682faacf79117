//! Activity cursors: opaque to clients, checked when they come back.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use loyalty::http::ApiError;

const PREFIX: &str = "v1:";

/// The cursor that continues below ledger entry `seq`.
pub fn encode(seq: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{PREFIX}{seq}"))
}

pub fn decode(cursor: &str) -> Result<u64, ApiError> {
    let invalid = || ApiError::invalid("cursor is not one this API returned");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let text = std::str::from_utf8(&bytes).map_err(|_| invalid())?;
    text.strip_prefix(PREFIX)
        .and_then(|s| s.parse().ok())
        .filter(|seq| *seq > 0)
        .ok_or_else(invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_forgeries() {
        assert_eq!(decode(&encode(42)).ok(), Some(42));
        assert!(decode("not base64!").is_err());
        assert!(decode(&URL_SAFE_NO_PAD.encode("v1:abc")).is_err());
        assert!(decode(&URL_SAFE_NO_PAD.encode("v1:0")).is_err());
    }
}
