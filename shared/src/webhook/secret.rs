//! A partner's webhook signing key and its `whsec_<base64>` text form.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore as _;

const PREFIX: &str = "whsec_";

/// Why a `whsec_` secret was refused. The messages never echo the input, since it is the secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidSecret {
    #[error("a webhook secret must start with whsec_")]
    MissingPrefix,
    #[error("the part of a webhook secret after whsec_ must be standard base64")]
    NotBase64,
    #[error(
        "a webhook secret must hold at least {} key bytes",
        SigningKey::MIN_BYTES
    )]
    TooShort,
}

/// Key bytes of a partner's signing secret. Debug prints `SigningKey(<redacted>)`.
///
/// Deliberately no `PartialEq`: comparing keys with `==` would not be constant time.
#[derive(Clone)]
pub struct SigningKey(Vec<u8>);

impl SigningKey {
    pub const MIN_BYTES: usize = 24;

    /// The size `generate` uses: as long as the HMAC-SHA256 output.
    const GENERATED_BYTES: usize = 32;

    /// A fresh 32-byte key from a CSPRNG (rand::rng()).
    pub fn generate() -> Self {
        let mut key = Self(vec![0; Self::GENERATED_BYTES]);
        rand::rng().fill_bytes(&mut key.0);
        key
    }

    /// Parses `whsec_<base64>` (standard base64, with padding), at least 24 bytes.
    pub fn from_secret(text: &str) -> Result<Self, InvalidSecret> {
        let encoded = text
            .strip_prefix(PREFIX)
            .ok_or(InvalidSecret::MissingPrefix)?;
        // Wrapped at once so that even a rejected (too short) key is wiped on drop.
        let key = Self(
            STANDARD
                .decode(encoded)
                .map_err(|_| InvalidSecret::NotBase64)?,
        );
        if key.0.len() < Self::MIN_BYTES {
            return Err(InvalidSecret::TooShort);
        }
        Ok(key)
    }

    /// `whsec_<base64>`, the form shown to the partner once.
    pub fn to_secret(&self) -> String {
        format!("{PREFIX}{}", STANDARD.encode(&self.0))
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// For `cipher::open`, whose plaintext was a `SigningKey` when sealed; the caller checks the
    /// length.
    pub(super) fn from_vec(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey(<redacted>)")
    }
}

impl Drop for SigningKey {
    fn drop(&mut self) {
        wipe_vec(&mut self.0);
    }
}

/// Overwrites a buffer of key material with zeros before it is freed or reused.
///
/// Best effort without `unsafe`/volatile writes: `black_box` keeps the optimiser from treating
/// the zeroing as dead stores.
pub(super) fn wipe(bytes: &mut [u8]) {
    for byte in bytes.iter_mut() {
        *byte = 0;
    }
    std::hint::black_box(bytes);
}

/// Like `wipe`, over the Vec's whole capacity: base64 decoding may leave spare capacity that
/// held nothing, but a Vec that once grew may keep old bytes past `len`.
pub(super) fn wipe_vec(bytes: &mut Vec<u8>) {
    bytes.clear();
    // Growing back to the existing capacity never reallocates, so this zeroes the one buffer.
    bytes.resize(bytes.capacity(), 0);
    wipe(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    const REFERENCE: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    #[test]
    fn whsec_round_trip() {
        let key = SigningKey::from_secret(REFERENCE).unwrap();
        assert_eq!(key.as_bytes().len(), 24);
        assert_eq!(key.to_secret(), REFERENCE);

        let fresh = SigningKey::generate();
        assert_eq!(fresh.as_bytes().len(), 32);
        let again = SigningKey::from_secret(&fresh.to_secret()).unwrap();
        assert_eq!(again.as_bytes(), fresh.as_bytes());
    }

    #[test]
    fn generated_keys_differ() {
        assert_ne!(
            SigningKey::generate().as_bytes(),
            SigningKey::generate().as_bytes()
        );
    }

    #[test]
    fn too_short_is_rejected() {
        let secret = format!("whsec_{}", STANDARD.encode([7u8; 23]));
        assert_eq!(
            SigningKey::from_secret(&secret).unwrap_err(),
            InvalidSecret::TooShort
        );
        assert_eq!(
            SigningKey::from_secret("whsec_").unwrap_err(),
            InvalidSecret::TooShort
        );
    }

    #[test]
    fn not_base64_is_rejected() {
        for text in [
            "whsec_not base64!!",
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw=",
            // URL-safe alphabet is not the standard one.
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa-_",
            " whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        ] {
            assert!(SigningKey::from_secret(text).is_err(), "{text}");
        }
        assert_eq!(
            SigningKey::from_secret("whsec_%%%%").unwrap_err(),
            InvalidSecret::NotBase64
        );
    }

    #[test]
    fn missing_prefix_is_rejected() {
        for text in [
            "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "whsk_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "",
        ] {
            assert_eq!(
                SigningKey::from_secret(text).unwrap_err(),
                InvalidSecret::MissingPrefix
            );
        }
    }

    #[test]
    fn errors_do_not_echo_the_input() {
        let secret = format!("whsec_{}", STANDARD.encode([0xABu8; 23]));
        let err = SigningKey::from_secret(&secret).unwrap_err();
        assert!(!err.to_string().contains(&secret[6..]));
        assert!(!format!("{err:?}").contains(&secret[6..]));
    }

    #[test]
    fn debug_redacts_the_key() {
        let key = SigningKey::from_secret(REFERENCE).unwrap();
        assert_eq!(format!("{key:?}"), "SigningKey(<redacted>)");
        assert_eq!(format!("{key:#?}"), "SigningKey(<redacted>)");
    }

    #[test]
    fn wipe_vec_zeroes_len_and_spare_capacity() {
        let mut bytes = Vec::with_capacity(16);
        bytes.extend_from_slice(&[0xFF; 16]);
        bytes.truncate(4);
        let capacity = bytes.capacity();
        wipe_vec(&mut bytes);
        assert_eq!(bytes.capacity(), capacity);
        assert!(bytes.iter().all(|&b| b == 0));
        assert_eq!(bytes.len(), capacity);
    }
}
