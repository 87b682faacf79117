//! Partners' signing secrets encrypted at rest: AES-256-GCM under a key-encryption key (KEK)
//! that never sits in the table, so a leaked table or backup does not leak the secrets.

use std::fmt;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore as _;
use sha2::{Digest, Sha256};

use super::secret::{SigningKey, wipe};

/// The environment variable that holds the KEK locally (in AWS it is filled from Secrets Manager).
pub const KEY_ENV: &str = "LOYALTY_SECRETS_KEY";

/// Versions the format, so the algorithm or KEK can change later without guessing.
const PREFIX: &str = "v1.";
const KEY_LEN: usize = 32;
/// The least key material accepted: 32 characters of a random string carry well over 128 bits.
const MIN_MATERIAL_CHARS: usize = 32;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// No signing key is anywhere near this long; bounds the work a corrupt record can cause.
const MAX_SEALED_LEN: usize = 1024;

/// AES-256-GCM with a key-encryption key derived from material held outside the table (in AWS
/// it comes from Secrets Manager into the function's environment; locally from
/// LOYALTY_SECRETS_KEY). Debug redacts.
#[derive(Clone)]
pub struct SecretCipher {
    aead: Aes256Gcm,
}

#[derive(Debug, thiserror::Error)]
pub enum CipherError {
    #[error("LOYALTY_SECRETS_KEY must be a random string of at least 32 characters")]
    BadKey,
    /// One variant for every failure (format, tag, context), so callers learn nothing more.
    #[error("a stored secret could not be decrypted")]
    Decrypt,
}

impl SecretCipher {
    /// Derives the 256-bit KEK as SHA-256 of `material`: a high-entropy string of at least 32
    /// characters (Secrets Manager generates 44 random alphanumerics). Surrounding whitespace
    /// (a trailing newline from a file or a `.env`) is ignored.
    pub fn from_key_material(material: &str) -> Result<Self, CipherError> {
        let material = material.trim();
        if material.chars().count() < MIN_MATERIAL_CHARS {
            return Err(CipherError::BadKey);
        }
        let mut key: [u8; KEY_LEN] = Sha256::digest(material.as_bytes()).into();
        let aead = Aes256Gcm::new_from_slice(&key).map_err(|_| CipherError::BadKey);
        wipe(&mut key);
        Ok(Self { aead: aead? })
    }

    /// Reads LOYALTY_SECRETS_KEY; Ok(None) when it is unset. Set but empty or not Unicode is
    /// `BadKey`: a deployment that meant to set it should fail loudly, not run without it.
    pub fn from_env() -> Result<Option<Self>, CipherError> {
        match std::env::var(KEY_ENV) {
            Ok(value) => Self::from_key_material(&value).map(Some),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(CipherError::BadKey),
        }
    }

    /// Encrypts with a fresh random 96-bit nonce; `context` (e.g. "partner-1:sec-1") is bound as
    /// associated data so a ciphertext cannot be moved to another record. Output:
    /// "v1." + base64(nonce || ciphertext+tag).
    pub fn seal(&self, key: &SigningKey, context: &str) -> String {
        // Random nonces are safe here: far fewer than 2^32 seals will ever use one KEK.
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let payload = Payload {
            msg: key.as_bytes(),
            aad: context.as_bytes(),
        };
        match self.aead.encrypt(Nonce::from_slice(&nonce), payload) {
            Ok(ciphertext) => {
                let mut sealed = Vec::with_capacity(NONCE_LEN + ciphertext.len());
                sealed.extend_from_slice(&nonce);
                sealed.extend_from_slice(&ciphertext);
                format!("{PREFIX}{}", STANDARD.encode(sealed))
            }
            // AES-GCM only refuses plaintexts over 64 GiB, which no key reaches. Were it to
            // happen, this output is too short for `open`, so it fails as `Decrypt` on read
            // rather than yielding a wrong key.
            Err(_) => PREFIX.to_string(),
        }
    }

    pub fn open(&self, sealed: &str, context: &str) -> Result<SigningKey, CipherError> {
        let encoded = sealed.strip_prefix(PREFIX).ok_or(CipherError::Decrypt)?;
        if encoded.len() > MAX_SEALED_LEN {
            return Err(CipherError::Decrypt);
        }
        let bytes = STANDARD.decode(encoded).map_err(|_| CipherError::Decrypt)?;
        if bytes.len() < NONCE_LEN + TAG_LEN + SigningKey::MIN_BYTES {
            return Err(CipherError::Decrypt);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let payload = Payload {
            msg: ciphertext,
            aad: context.as_bytes(),
        };
        let plaintext = self
            .aead
            .decrypt(Nonce::from_slice(nonce), payload)
            .map_err(|_| CipherError::Decrypt)?;
        // Wrapped before the length check so that the plaintext is wiped on every path.
        let key = SigningKey::from_vec(plaintext);
        if key.as_bytes().len() < SigningKey::MIN_BYTES {
            return Err(CipherError::Decrypt);
        }
        Ok(key)
    }
}

impl fmt::Debug for SecretCipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretCipher(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cipher() -> SecretCipher {
        let material: String = (0..44)
            .map(|_| char::from(b'a' + rand::random_range(0..26u8)))
            .collect();
        SecretCipher::from_key_material(&material).unwrap()
    }

    #[test]
    fn round_trip() {
        let cipher = cipher();
        let key = SigningKey::generate();
        let sealed = cipher.seal(&key, "partner-1:sec-1");
        assert!(sealed.starts_with("v1."));
        let opened = cipher.open(&sealed, "partner-1:sec-1").unwrap();
        assert_eq!(opened.as_bytes(), key.as_bytes());

        let short = SigningKey::from_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let opened = cipher.open(&cipher.seal(&short, "p:s"), "p:s").unwrap();
        assert_eq!(opened.as_bytes(), short.as_bytes());
    }

    #[test]
    fn sealed_text_does_not_contain_the_key() {
        let key = SigningKey::generate();
        let sealed = cipher().seal(&key, "partner-1:sec-1");
        let secret = key.to_secret();
        assert!(!sealed.contains(&secret[6..20]));
    }

    #[test]
    fn wrong_context_fails() {
        let cipher = cipher();
        let sealed = cipher.seal(&SigningKey::generate(), "partner-1:sec-1");
        for context in ["partner-2:sec-1", "partner-1:sec-2", "", "partner-1:sec-1 "] {
            assert!(matches!(
                cipher.open(&sealed, context),
                Err(CipherError::Decrypt)
            ));
        }
    }

    #[test]
    fn wrong_kek_fails() {
        let sealed = cipher().seal(&SigningKey::generate(), "p:s");
        assert!(matches!(
            cipher().open(&sealed, "p:s"),
            Err(CipherError::Decrypt)
        ));
    }

    #[test]
    fn tampered_ciphertext_fails() {
        let cipher = cipher();
        let sealed = cipher.seal(&SigningKey::generate(), "p:s");
        let bytes = STANDARD.decode(&sealed[3..]).unwrap();
        // Flip one bit in the nonce, the ciphertext and the tag in turn.
        for index in [0, NONCE_LEN + 3, bytes.len() - 1] {
            let mut tampered = bytes.clone();
            tampered[index] ^= 0x01;
            let text = format!("v1.{}", STANDARD.encode(&tampered));
            assert!(
                matches!(cipher.open(&text, "p:s"), Err(CipherError::Decrypt)),
                "{index}"
            );
        }
        let truncated = format!("v1.{}", STANDARD.encode(&bytes[..bytes.len() - 1]));
        assert!(matches!(
            cipher.open(&truncated, "p:s"),
            Err(CipherError::Decrypt)
        ));
    }

    #[test]
    fn malformed_sealed_text_fails() {
        let cipher = cipher();
        let sealed = cipher.seal(&SigningKey::generate(), "p:s");
        let oversized = format!("v1.{}", "A".repeat(MAX_SEALED_LEN + 4));
        for text in [
            "",
            "v1.",
            "v1.!!!!",
            &sealed[3..],
            &format!("v2.{}", &sealed[3..]),
            oversized.as_str(),
        ] {
            assert!(
                matches!(cipher.open(text, "p:s"), Err(CipherError::Decrypt)),
                "{text}"
            );
        }
    }

    #[test]
    fn two_seals_of_the_same_key_differ() {
        let cipher = cipher();
        let key = SigningKey::generate();
        let (a, b) = (cipher.seal(&key, "p:s"), cipher.seal(&key, "p:s"));
        assert_ne!(a, b);
        assert_ne!(
            STANDARD.decode(&a[3..]).unwrap()[..NONCE_LEN],
            STANDARD.decode(&b[3..]).unwrap()[..NONCE_LEN]
        );
        assert_eq!(cipher.open(&a, "p:s").unwrap().as_bytes(), key.as_bytes());
        assert_eq!(cipher.open(&b, "p:s").unwrap().as_bytes(), key.as_bytes());
    }

    #[test]
    fn short_key_material_is_rejected() {
        for material in ["", "   ", "too-short", &"x".repeat(31)] {
            assert!(
                matches!(
                    SecretCipher::from_key_material(material),
                    Err(CipherError::BadKey)
                ),
                "{material}"
            );
        }
        let material = "0123456789abcdef0123456789abcdef";
        let a = SecretCipher::from_key_material(material).unwrap();
        let b = SecretCipher::from_key_material(&format!("{material}\n")).unwrap();
        let sealed = a.seal(&SigningKey::generate(), "p:s");
        assert!(
            b.open(&sealed, "p:s").is_ok(),
            "whitespace around the material is ignored"
        );
    }

    #[test]
    fn debug_redacts() {
        assert_eq!(format!("{:?}", cipher()), "SecretCipher(<redacted>)");
        assert_eq!(
            CipherError::BadKey.to_string(),
            "LOYALTY_SECRETS_KEY must be a random string of at least 32 characters"
        );
    }
}
