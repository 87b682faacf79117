//! Idempotent writes: a record, written in the same transaction as the write it guards,
//! remembers the response so a retry gets it back instead of doing the write again.

use sha2::{Digest, Sha256};

use crate::domain::identifier::MemberId;
use time::OffsetDateTime;

/// How long a key is remembered. API.md promises at least 24 hours.
pub const RETENTION: time::Duration = time::Duration::days(7);

/// Names one guarded write: the operation, the member it is for, who asked and their key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyScope(String);

impl IdempotencyScope {
    /// Earn is keyed by the purchase alone, whoever posts it: a transaction id is credited
    /// once per member even if two tills post it.
    pub fn purchase(member: &str, transaction_id: &str) -> Self {
        Self(format!("earn#{member}#{transaction_id}"))
    }

    /// An action is keyed by its `actionId` alone, whoever reports it: credited once per
    /// member.
    pub fn action(member: &str, action_id: &str) -> Self {
        Self(format!("action#{member}#{action_id}"))
    }

    /// Any other write, keyed by the caller's `idempotency-key`.
    pub fn keyed(operation: &str, member: &str, caller: &str, key: &str) -> Self {
        Self(format!("{operation}#{member}#{caller}#{key}"))
    }

    /// The caller's key, the last part of a keyed scope.
    pub fn key(&self) -> &str {
        self.0.rsplit('#').next().unwrap_or_default()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A scope read back from the store, which wrote it from one of the constructors.
    pub(crate) fn from_stored(raw: String) -> Self {
        Self(raw)
    }
}

/// A fingerprint of what was asked, to tell a retry from a different request that reuses
/// the key. JSON bodies are compared by value, so whitespace and key order do not matter.
pub fn fingerprint(method: &str, path: &str, body: Option<&serde_json::Value>) -> String {
    let mut hasher = Sha256::new();
    hasher.update(method.as_bytes());
    hasher.update([0]);
    hasher.update(path.as_bytes());
    hasher.update([0]);
    if let Some(body) = body {
        hasher.update(canonical_json(body).as_bytes());
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// JSON with object keys sorted at every level. (serde_json keeps insertion order when
/// any crate in the build enables its `preserve_order` feature, so sort explicitly.)
fn canonical_json(value: &serde_json::Value) -> String {
    fn write(value: &serde_json::Value, out: &mut String) {
        match value {
            serde_json::Value::Object(map) => {
                let mut fields: Vec<(&String, &serde_json::Value)> = map.iter().collect();
                fields.sort_by(|a, b| a.0.cmp(b.0));
                out.push('{');
                for (i, (key, field)) in fields.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::Value::String(key.clone()).to_string());
                    out.push(':');
                    write(field, out);
                }
                out.push('}');
            }
            serde_json::Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(item, out);
                }
                out.push(']');
            }
            scalar => out.push_str(&scalar.to_string()),
        }
    }
    let mut out = String::new();
    write(value, &mut out);
    out
}

/// A guarded write: the record it is remembered by, and what tells a retry of it from
/// another request that reuses the key.
#[derive(Debug, Clone)]
pub struct Idempotency {
    pub scope: IdempotencyScope,
    pub fingerprint: String,
}

/// The answer a guarded write gives, as its record keeps it for retries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReply {
    pub status: u16,
    pub body: String,
}

impl Idempotency {
    pub fn new(scope: IdempotencyScope, fingerprint: String) -> Self {
        Self { scope, fingerprint }
    }

    /// An earn, keyed by its purchase alone: a transaction id is credited once per member,
    /// whichever till posts it.
    pub fn purchase(member: &str, transaction_id: &str, fingerprint: String) -> Self {
        Self::new(
            IdempotencyScope::purchase(member, transaction_id),
            fingerprint,
        )
    }

    /// The record that remembers `reply` as this write's answer, filed under `person`, the
    /// member the write was for (so that an erasure finds it).
    pub fn action(member: &str, action_id: &str, fingerprint: String) -> Self {
        Self::new(IdempotencyScope::action(member, action_id), fingerprint)
    }

    pub fn record(
        &self,
        reply: &StoredReply,
        person: Option<&MemberId>,
        now: OffsetDateTime,
    ) -> IdempotencyRecord {
        IdempotencyRecord {
            scope: self.scope.clone(),
            fingerprint: self.fingerprint.clone(),
            status: reply.status,
            body: reply.body.clone(),
            created_at: now,
            person: person.cloned(),
        }
    }

    /// The caller's `idempotency-key`.
    pub fn key(&self) -> &str {
        self.scope.key()
    }

    /// Whether `record` is this write's own (a retry), rather than another request's.
    pub fn is_retry_of(&self, record: &IdempotencyRecord) -> bool {
        record.fingerprint == self.fingerprint
    }
}

/// The stored outcome of a guarded write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    pub scope: IdempotencyScope,
    pub fingerprint: String,
    pub status: u16,
    pub body: String,
    pub created_at: OffsetDateTime,
    /// The member the write was for; `None` as read back (only erasure needs it, from the
    /// index).
    pub person: Option<MemberId>,
}

impl IdempotencyRecord {
    pub fn expires_at(&self) -> OffsetDateTime {
        self.created_at + RETENTION
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_ignores_formatting_but_not_content() {
        let a: serde_json::Value = serde_json::from_str(r#"{"a":1,"b":[1,2]}"#).unwrap();
        let b: serde_json::Value = serde_json::from_str("{ \"b\": [1, 2],\n \"a\": 1 }").unwrap();
        let c: serde_json::Value = serde_json::from_str(r#"{"a":2,"b":[1,2]}"#).unwrap();
        assert_eq!(
            fingerprint("POST", "/x", Some(&a)),
            fingerprint("POST", "/x", Some(&b))
        );
        assert_ne!(
            fingerprint("POST", "/x", Some(&a)),
            fingerprint("POST", "/x", Some(&c))
        );
        assert_ne!(
            fingerprint("POST", "/x", Some(&a)),
            fingerprint("POST", "/y", Some(&a))
        );
    }
}
