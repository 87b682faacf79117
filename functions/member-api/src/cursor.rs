//! Cursors of the member's pages (activity by ledger sequence, events by event id): opaque
//! to clients, checked when they come back.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use loyalty::http::ApiError;

const PREFIX: &str = "v1:";
const EVENT_PREFIX: &str = "e1:";
/// Event ids are 26 characters of Crockford's base32 (`loyalty::domain::entry_id`).
const EVENT_ID_CHARS: usize = 26;

/// The cursor that continues below ledger entry `seq`.
pub fn encode(seq: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{PREFIX}{seq}"))
}

pub fn decode(cursor: &str) -> Result<u64, ApiError> {
    payload(cursor, PREFIX)?
        .parse()
        .ok()
        .filter(|seq| *seq > 0)
        .ok_or_else(invalid)
}

/// The cursor that continues after (below) event `event_id`.
pub fn encode_event(event_id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{EVENT_PREFIX}{event_id}"))
}

pub fn decode_event(cursor: &str) -> Result<String, ApiError> {
    Some(payload(cursor, EVENT_PREFIX)?)
        .filter(|id| {
            id.len() == EVENT_ID_CHARS
                && id
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
        })
        .ok_or_else(invalid)
}

fn invalid() -> ApiError {
    ApiError::invalid("cursor is not one this API returned")
}

/// What a cursor carries after `prefix`, if it is one of ours.
fn payload(cursor: &str, prefix: &str) -> Result<String, ApiError> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    text.strip_prefix(prefix)
        .map(str::to_string)
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

    #[test]
    fn event_cursors_round_trip_and_reject_forgeries() {
        let id = "01KBNZ8Q2R3S4T5V6W7X8Y9Z0A";
        assert_eq!(decode_event(&encode_event(id)).ok().as_deref(), Some(id));
        assert!(
            decode_event(&encode(42)).is_err(),
            "an activity cursor is not one"
        );
        assert!(decode_event(&encode_event("short")).is_err());
        assert!(decode_event(&encode_event("01KBNZ8Q2R3S4T5V6W7X8Y9Z0#")).is_err());
    }
}
