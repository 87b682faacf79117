//! The webhook verifier on arbitrary headers and bodies: it must never panic, and must
//! never accept what was not signed with the key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use loyalty::webhook::secret::SigningKey;
use loyalty::webhook::signature::{WebhookHeaders, sign, verify};
use time::OffsetDateTime;

fuzz_target!(|data: &[u8]| {
    // Split the input into id, timestamp, signature and body at the first three NULs.
    let mut parts = data.splitn(4, |b| *b == 0);
    let (Some(id), Some(timestamp), Some(signature), Some(body)) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return;
    };
    let (Ok(id), Ok(timestamp), Ok(signature)) =
        (std::str::from_utf8(id), std::str::from_utf8(timestamp), std::str::from_utf8(signature))
    else {
        return;
    };
    let Ok(key) = SigningKey::from_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") else {
        return;
    };
    let now = OffsetDateTime::from_unix_timestamp(1_614_265_330).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let headers = WebhookHeaders { id, timestamp, signature };
    if verify(&headers, body, &[&key], now).is_ok() {
        // Accepted: then it must carry the genuine signature of exactly these bytes.
        let genuine = timestamp.parse::<i64>().map(|ts| sign(&key, id, ts, body)).unwrap_or_default();
        assert!(signature.split(' ').any(|s| s == genuine), "accepted a signature that is not the key's");
    }
});
