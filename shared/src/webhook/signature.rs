//! Standard Webhooks signatures:
//! `webhook-signature: v1,<base64 HMAC-SHA256(key, id.timestamp.body)>`.
//!
//! Several space-separated entries are allowed so a partner rotating secrets can sign with the
//! old and the new key at once; entries of another version (`v1a,...`) are ignored.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use time::OffsetDateTime;

use super::secret::SigningKey;

type HmacSha256 = Hmac<Sha256>;

/// How far `webhook-timestamp` may be from now, either way, to limit replays.
pub const TOLERANCE: time::Duration = time::Duration::minutes(5);

pub const ID_HEADER: &str = "webhook-id";
pub const TIMESTAMP_HEADER: &str = "webhook-timestamp";
pub const SIGNATURE_HEADER: &str = "webhook-signature";

const VERSION: &str = "v1";
const MAX_ID_LEN: usize = 256;
/// Bounds the work one request can cause: entries past this many are not looked at.
const MAX_ENTRIES: usize = 8;
const SIGNATURE_LEN: usize = 32;
/// Standard base64 of 32 bytes, with padding.
const ENCODED_SIGNATURE_LEN: usize = 44;

/// The three headers as received; empty values count as missing.
#[derive(Clone, Copy)]
pub struct WebhookHeaders<'a> {
    pub id: &'a str,
    pub timestamp: &'a str,
    pub signature: &'a str,
}

impl fmt::Debug for WebhookHeaders<'_> {
    // The signature is left out so that logging a request's headers never records one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookHeaders")
            .field("id", &self.id)
            .field("timestamp", &self.timestamp)
            .field("signature", &"<redacted>")
            .finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The header (by name) is absent or empty.
    #[error("missing {0} header")]
    MissingHeader(&'static str),
    #[error("malformed {0} header")]
    MalformedHeader(&'static str),
    #[error("webhook-timestamp is more than 5 minutes in the past")]
    StaleTimestamp,
    #[error("webhook-timestamp is more than 5 minutes in the future")]
    FutureTimestamp,
    #[error("no webhook-signature entry matches an active key")]
    NoValidSignature,
}

/// Verifies in constant time against every key (a partner has one or two active keys); Ok(()) if
/// any signature matches any key.
///
/// Order: header shape, then the timestamp window (public data only, so rejecting a stale
/// request before any HMAC leaks nothing about the keys), then the signatures. Every usable
/// entry is checked against every key without stopping at the first match, so the timing does
/// not tell which key or entry matched.
/// What can be checked without the partner's keys: the headers are all there and well
/// formed, and the timestamp is fresh. A call that fails this is refused before anything is
/// read for it.
pub fn check_envelope(
    headers: &WebhookHeaders<'_>,
    now: OffsetDateTime,
) -> Result<(), VerifyError> {
    let timestamp = check_shape(headers)?;
    check_window(timestamp, now)
}

pub fn verify(
    headers: &WebhookHeaders<'_>,
    body: &[u8],
    keys: &[&SigningKey],
    now: OffsetDateTime,
) -> Result<(), VerifyError> {
    check_envelope(headers, now)?;

    let candidates = candidate_signatures(headers.signature);
    if candidates.is_empty() {
        return Err(VerifyError::NoValidSignature);
    }
    let mut matched = false;
    for key in keys {
        // The header's own text is signed, as the sender sent it.
        let Some(mac) = signed_content_mac(key, headers.id, headers.timestamp, body) else {
            continue;
        };
        for candidate in &candidates {
            // verify_slice compares in constant time; clone reuses the hashed body per entry.
            matched |= mac.clone().verify_slice(candidate).is_ok();
        }
    }
    if matched {
        Ok(())
    } else {
        Err(VerifyError::NoValidSignature)
    }
}

/// Signs, for tests, the dev docs and partners' sandboxes: returns the header value `v1,<base64>`.
pub fn sign(key: &SigningKey, id: &str, timestamp: i64, body: &[u8]) -> String {
    match signed_content_mac(key, id, &timestamp.to_string(), body) {
        Some(mac) => format!("{VERSION},{}", STANDARD.encode(mac.finalize().into_bytes())),
        // Unreachable (see `signed_content_mac`); an empty entry fails to verify, never passes.
        None => format!("{VERSION},"),
    }
}

/// HMAC over `{id}.{timestamp}.{body}`, fed in pieces so the body is not copied.
///
/// HMAC accepts keys of any length, so `new_from_slice` never fails; returning `None` instead of
/// panicking keeps that impossible case failing closed.
fn signed_content_mac(
    key: &SigningKey,
    id: &str,
    timestamp: &str,
    body: &[u8],
) -> Option<HmacSha256> {
    let mut mac = HmacSha256::new_from_slice(key.as_bytes()).ok()?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(mac)
}

/// Checks the three headers' shape and returns the timestamp in unix seconds.
fn check_shape(headers: &WebhookHeaders<'_>) -> Result<i64, VerifyError> {
    let id = headers.id;
    if id.is_empty() {
        return Err(VerifyError::MissingHeader(ID_HEADER));
    }
    // Printable ASCII without spaces: the id is signed and may be logged, so keep it plain.
    if id.len() > MAX_ID_LEN || !id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(VerifyError::MalformedHeader(ID_HEADER));
    }

    let timestamp = headers.timestamp;
    if timestamp.is_empty() {
        return Err(VerifyError::MissingHeader(TIMESTAMP_HEADER));
    }
    // Digits only: `parse` alone would also take "+123", which no sender should produce.
    if !timestamp.bytes().all(|b| b.is_ascii_digit()) {
        return Err(VerifyError::MalformedHeader(TIMESTAMP_HEADER));
    }
    let seconds = timestamp
        .parse::<i64>()
        .map_err(|_| VerifyError::MalformedHeader(TIMESTAMP_HEADER))?;

    if headers.signature.is_empty() {
        return Err(VerifyError::MissingHeader(SIGNATURE_HEADER));
    }
    Ok(seconds)
}

fn check_window(timestamp: i64, now: OffsetDateTime) -> Result<(), VerifyError> {
    // Only non-negative values get here, so the one failure is a date past year 9999.
    let Ok(sent) = OffsetDateTime::from_unix_timestamp(timestamp) else {
        return Err(VerifyError::FutureTimestamp);
    };
    let age = now - sent;
    if age > TOLERANCE {
        Err(VerifyError::StaleTimestamp)
    } else if age < -TOLERANCE {
        Err(VerifyError::FutureTimestamp)
    } else {
        Ok(())
    }
}

/// The decoded `v1` entries among the first `MAX_ENTRIES` entries; anything else is skipped.
fn candidate_signatures(header: &str) -> Vec<[u8; SIGNATURE_LEN]> {
    header
        .split(' ')
        .filter(|entry| !entry.is_empty())
        .take(MAX_ENTRIES)
        .filter_map(|entry| {
            let (version, encoded) = entry.split_once(',')?;
            // The length check first keeps an oversized entry from costing a decode.
            if version != VERSION || encoded.len() != ENCODED_SIGNATURE_LEN {
                return None;
            }
            let bytes = STANDARD.decode(encoded).ok()?;
            <[u8; SIGNATURE_LEN]>::try_from(bytes).ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TIMESTAMP: &str = "1614265330";
    const TS: i64 = 1_614_265_330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const EXPECTED: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    fn key() -> SigningKey {
        SigningKey::from_secret(SECRET).unwrap()
    }

    fn at(seconds: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(seconds).unwrap()
    }

    fn headers(signature: &str) -> WebhookHeaders<'_> {
        WebhookHeaders {
            id: ID,
            timestamp: TIMESTAMP,
            signature,
        }
    }

    fn check(h: &WebhookHeaders<'_>, keys: &[&SigningKey]) -> Result<(), VerifyError> {
        verify(h, BODY, keys, at(TS))
    }

    /// A well-formed v1 entry that matches no key.
    fn wrong_entry() -> String {
        sign(&SigningKey::generate(), ID, TS, BODY)
    }

    #[test]
    fn reference_vector_signs_and_verifies() {
        let key = key();
        assert_eq!(sign(&key, ID, TS, BODY), EXPECTED);
        assert_eq!(check(&headers(EXPECTED), &[&key]), Ok(()));
    }

    #[test]
    fn body_changed_by_one_byte_is_rejected() {
        let key = key();
        let mut body = BODY.to_vec();
        body[10] ^= 1;
        assert_eq!(
            verify(&headers(EXPECTED), &body, &[&key], at(TS)),
            Err(VerifyError::NoValidSignature)
        );
        let mut longer = BODY.to_vec();
        longer.push(b' ');
        assert_eq!(
            verify(&headers(EXPECTED), &longer, &[&key], at(TS)),
            Err(VerifyError::NoValidSignature)
        );
    }

    #[test]
    fn id_and_timestamp_are_signed() {
        let key = key();
        let other_id = WebhookHeaders {
            id: "msg_other",
            ..headers(EXPECTED)
        };
        assert_eq!(
            check(&other_id, &[&key]),
            Err(VerifyError::NoValidSignature)
        );
        let other_ts = WebhookHeaders {
            timestamp: "1614265331",
            ..headers(EXPECTED)
        };
        assert_eq!(
            check(&other_ts, &[&key]),
            Err(VerifyError::NoValidSignature)
        );
    }

    #[test]
    fn wrong_key_is_rejected() {
        let other = SigningKey::generate();
        assert_eq!(
            check(&headers(EXPECTED), &[&other]),
            Err(VerifyError::NoValidSignature)
        );
        assert_eq!(
            check(&headers(EXPECTED), &[]),
            Err(VerifyError::NoValidSignature)
        );
    }

    #[test]
    fn second_of_two_keys_matches() {
        let (old, new) = (SigningKey::generate(), key());
        assert_eq!(check(&headers(EXPECTED), &[&old, &new]), Ok(()));
        assert_eq!(check(&headers(EXPECTED), &[&new, &old]), Ok(()));
    }

    #[test]
    fn only_the_last_of_several_entries_is_valid() {
        let header = format!("{} {} {EXPECTED}", wrong_entry(), wrong_entry());
        assert_eq!(check(&headers(&header), &[&key()]), Ok(()));
    }

    #[test]
    fn rotation_signs_with_both_keys() {
        let (old, new) = (SigningKey::generate(), SigningKey::generate());
        let header = format!("{} {}", sign(&old, ID, TS, BODY), sign(&new, ID, TS, BODY));
        assert_eq!(check(&headers(&header), &[&new]), Ok(()));
        assert_eq!(check(&headers(&header), &[&old]), Ok(()));
    }

    #[test]
    fn other_versions_are_ignored() {
        let valid = &EXPECTED[3..];
        for header in [
            format!("v1a,{valid}"),
            format!("v2,{valid}"),
            format!("V1,{valid}"),
        ] {
            assert_eq!(
                check(&headers(&header), &[&key()]),
                Err(VerifyError::NoValidSignature),
                "{header}"
            );
        }
        let mixed = format!("v1a,{valid} v2,xyz {EXPECTED}");
        assert_eq!(check(&headers(&mixed), &[&key()]), Ok(()));
    }

    #[test]
    fn junk_entries_are_skipped() {
        let valid = &EXPECTED[3..];
        let junk = [
            "junk".to_string(),
            "v1,".to_string(),
            "v1,!!!not-base64!!!".to_string(),
            "v1,c2hvcnQ=".to_string(),
            // 33 bytes, valid base64 but the wrong length.
            format!("v1,{}", STANDARD.encode([1u8; 33])),
            // Unpadded form of a real signature.
            format!("v1,{}", valid.trim_end_matches('=')),
            format!("v1,{valid}="),
            ",".to_string(),
        ];
        for entry in &junk {
            assert_eq!(
                check(&headers(entry), &[&key()]),
                Err(VerifyError::NoValidSignature),
                "{entry}"
            );
        }
        let with_junk = format!("{}  {EXPECTED} ", junk[..3].join(" "));
        assert_eq!(check(&headers(&with_junk), &[&key()]), Ok(()));
        assert_eq!(
            check(&headers("   "), &[&key()]),
            Err(VerifyError::NoValidSignature)
        );
    }

    #[test]
    fn timestamp_window() {
        let key = key();
        let minute = 60;
        let cases = [
            (TS + 6 * minute, Err(VerifyError::StaleTimestamp)),
            (TS - 6 * minute, Err(VerifyError::FutureTimestamp)),
            (TS + 5 * minute + 1, Err(VerifyError::StaleTimestamp)),
            (TS - 5 * minute - 1, Err(VerifyError::FutureTimestamp)),
            (TS + 5 * minute, Ok(())),
            (TS - 5 * minute, Ok(())),
            (TS + 4 * minute + 59, Ok(())),
            (TS - 4 * minute - 59, Ok(())),
        ];
        for (now, expected) in cases {
            assert_eq!(
                verify(&headers(EXPECTED), BODY, &[&key], at(now)),
                expected,
                "{now}"
            );
        }
        // Sub-second precision counts: 5 minutes and a half second old is too old.
        let late = at(TS + 5 * minute) + time::Duration::milliseconds(500);
        assert_eq!(
            verify(&headers(EXPECTED), BODY, &[&key], late),
            Err(VerifyError::StaleTimestamp)
        );
    }

    #[test]
    fn window_is_checked_before_signatures() {
        let stale = verify(&headers("junk"), BODY, &[&key()], at(TS + 3600));
        assert_eq!(stale, Err(VerifyError::StaleTimestamp));
    }

    #[test]
    fn far_future_timestamps_are_rejected() {
        for ts in ["253402300800", "9223372036854775807"] {
            let h = WebhookHeaders {
                timestamp: ts,
                ..headers(EXPECTED)
            };
            assert_eq!(
                check(&h, &[&key()]),
                Err(VerifyError::FutureTimestamp),
                "{ts}"
            );
        }
        let h = WebhookHeaders {
            timestamp: "0",
            ..headers(EXPECTED)
        };
        assert_eq!(check(&h, &[&key()]), Err(VerifyError::StaleTimestamp));
    }

    #[test]
    fn missing_headers() {
        let key = key();
        let no_id = WebhookHeaders {
            id: "",
            ..headers(EXPECTED)
        };
        assert_eq!(
            check(&no_id, &[&key]),
            Err(VerifyError::MissingHeader("webhook-id"))
        );
        let no_ts = WebhookHeaders {
            timestamp: "",
            ..headers(EXPECTED)
        };
        assert_eq!(
            check(&no_ts, &[&key]),
            Err(VerifyError::MissingHeader("webhook-timestamp"))
        );
        assert_eq!(
            check(&headers(""), &[&key]),
            Err(VerifyError::MissingHeader("webhook-signature"))
        );
    }

    #[test]
    fn malformed_ids() {
        let key = key();
        let long = "a".repeat(257);
        for id in [
            "msg 1",
            "msg\t1",
            "msg\n1",
            "msg_é",
            "msg\u{7f}",
            " ",
            long.as_str(),
        ] {
            let h = WebhookHeaders {
                id,
                ..headers(EXPECTED)
            };
            assert_eq!(
                check(&h, &[&key]),
                Err(VerifyError::MalformedHeader("webhook-id")),
                "{id:?}"
            );
        }
    }

    #[test]
    fn longest_and_shortest_ids_are_accepted() {
        let key = key();
        for id in ["a".repeat(256), "~".to_string()] {
            let signature = sign(&key, &id, TS, BODY);
            let h = WebhookHeaders {
                id: &id,
                timestamp: TIMESTAMP,
                signature: &signature,
            };
            assert_eq!(check(&h, &[&key]), Ok(()));
        }
    }

    #[test]
    fn malformed_timestamps() {
        let key = key();
        for ts in [
            "abc",
            "1614265330.5",
            "1614265330s",
            "-1614265330",
            "+1614265330",
            " 1614265330",
            "1614265330 ",
            "1e9",
            "99999999999999999999",
            "２０２１",
        ] {
            let h = WebhookHeaders {
                timestamp: ts,
                ..headers(EXPECTED)
            };
            assert_eq!(
                check(&h, &[&key]),
                Err(VerifyError::MalformedHeader("webhook-timestamp")),
                "{ts:?}"
            );
        }
    }

    #[test]
    fn at_most_eight_entries_are_considered() {
        let key = key();
        let seven: Vec<String> = (0..7).map(|_| wrong_entry()).collect();
        let within = format!("{} {EXPECTED}", seven.join(" "));
        assert_eq!(check(&headers(&within), &[&key]), Ok(()));

        // Junk and other versions count towards the bound too.
        let past = format!("{} v1a,x {EXPECTED}", seven.join(" "));
        assert_eq!(
            check(&headers(&past), &[&key]),
            Err(VerifyError::NoValidSignature)
        );
        let many = format!("{} {EXPECTED}", "junk ".repeat(1000));
        assert_eq!(
            check(&headers(&many), &[&key]),
            Err(VerifyError::NoValidSignature)
        );
    }

    #[test]
    fn debug_and_errors_never_show_the_signature() {
        let h = headers(EXPECTED);
        let shown = format!("{h:?}");
        assert!(shown.contains(ID));
        assert!(!shown.contains(&EXPECTED[3..20]));
        let err = check(&headers(EXPECTED), &[&SigningKey::generate()]).unwrap_err();
        assert!(!err.to_string().contains(&EXPECTED[3..20]));
    }
}
