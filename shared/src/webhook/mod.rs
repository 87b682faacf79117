//! Partner webhooks signed in the Standard Webhooks style: `signature` checks the
//! `webhook-id`, `webhook-timestamp` and `webhook-signature` headers against a partner's active
//! keys, `secret` holds those keys and their `whsec_` text form, and `cipher` keeps them
//! encrypted at rest under a key-encryption key that lives outside the table.

pub mod cipher;
pub mod secret;
pub mod signature;

pub use cipher::{CipherError, SecretCipher};
pub use secret::{InvalidSecret, SigningKey};
pub use signature::{VerifyError, WebhookHeaders, sign, verify};
