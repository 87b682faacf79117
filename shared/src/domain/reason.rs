//! Why an operator changed something: kept on the ledger or the member for audit, so it
//! must be readable text of a bounded size.

use serde::{Deserialize, Serialize};

const MAX_CHARS: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("reason must be 1 to {MAX_CHARS} printable characters")]
pub struct InvalidReason;

/// 1 to 500 characters, trimmed, without control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Reason(String);

impl Reason {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Reason {
    type Error = InvalidReason;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        let trimmed = raw.trim();
        if trimmed.is_empty()
            || trimmed.chars().count() > MAX_CHARS
            || trimmed.chars().any(char::is_control)
        {
            return Err(InvalidReason);
        }
        Ok(Self(trimmed.to_string()))
    }
}

impl From<Reason> for String {
    fn from(reason: Reason) -> Self {
        reason.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_bounds_the_text() {
        assert_eq!(
            Reason::try_from("  ticket 12 ".to_string())
                .unwrap()
                .as_str(),
            "ticket 12"
        );
        assert_eq!(Reason::try_from("   ".to_string()), Err(InvalidReason));
        assert_eq!(Reason::try_from("a\u{7}b".to_string()), Err(InvalidReason));
        assert!(Reason::try_from("x".repeat(500)).is_ok());
        assert_eq!(Reason::try_from("x".repeat(501)), Err(InvalidReason));
    }
}
