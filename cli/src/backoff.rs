//! How long to wait before sending a throttled (429) or unavailable (503) request again:
//! the server's `retry-after` when it gives one, else exponential backoff with jitter.

use std::time::Duration;

/// Retries of one request before it is reported failed.
pub const MAX_ATTEMPTS: u32 = 10;
const BASE: Duration = Duration::from_millis(250);
const CEILING: Duration = Duration::from_secs(20);
/// The longest `retry-after` honoured as given.
const LONGEST_RETRY_AFTER: Duration = Duration::from_secs(120);

/// The wait before retry number `attempt` (0 for the first retry). `jitter` in 0..=1 spreads
/// concurrent clients: the wait is between half and all of the exponential delay.
pub fn delay(attempt: u32, retry_after: Option<Duration>, jitter: f64) -> Duration {
    if let Some(after) = retry_after {
        return after.min(LONGEST_RETRY_AFTER);
    }
    let exponential = BASE.saturating_mul(1_u32 << attempt.min(16)).min(CEILING);
    exponential.mul_f64(0.5 + jitter.clamp(0.0, 1.0) / 2.0)
}

/// A `retry-after` header in seconds (the form the API sends); an HTTP date is not read.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_a_ceiling_with_jitter_within_half_and_all() {
        assert_eq!(delay(0, None, 1.0), Duration::from_millis(250));
        assert_eq!(delay(1, None, 1.0), Duration::from_millis(500));
        assert_eq!(delay(3, None, 1.0), Duration::from_secs(2));
        assert_eq!(delay(3, None, 0.0), Duration::from_secs(1));
        assert_eq!(delay(10, None, 1.0), CEILING);
        assert_eq!(delay(40, None, 1.0), CEILING);
        for attempt in 0..MAX_ATTEMPTS {
            assert!(delay(attempt, None, 0.0) <= delay(attempt, None, 1.0));
            assert!(delay(attempt + 1, None, 1.0) >= delay(attempt, None, 1.0));
        }
    }

    #[test]
    fn retry_after_is_honoured_as_given() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after(" 1 "), Some(Duration::from_secs(1)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(
            delay(0, Some(Duration::from_secs(7)), 0.3),
            Duration::from_secs(7)
        );
        assert_eq!(
            delay(9, Some(Duration::from_secs(1)), 0.3),
            Duration::from_secs(1)
        );
        assert_eq!(
            delay(0, Some(Duration::from_secs(3600)), 0.3),
            LONGEST_RETRY_AFTER
        );
    }
}
