//! Identifiers chosen by clients: 1 to 128 characters from letters, digits and `-_.:@`
//! (API.md). Each kind is its own type so a transaction id can never be passed where a
//! member id is expected.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} must be 1 to 128 characters from letters, digits and -_.:@")]
pub struct InvalidIdentifier {
    pub kind: &'static str,
}

fn is_valid(raw: &str) -> bool {
    (1..=128).contains(&raw.len())
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':' | b'@'))
}

macro_rules! identifier {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidIdentifier;
            fn try_from(raw: String) -> Result<Self, Self::Error> {
                if is_valid(&raw) {
                    Ok(Self(raw))
                } else {
                    Err(InvalidIdentifier { kind: $kind })
                }
            }
        }

        impl TryFrom<&str> for $name {
            type Error = InvalidIdentifier;
            fn try_from(raw: &str) -> Result<Self, Self::Error> {
                Self::try_from(raw.to_owned())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

identifier!(
    /// A member, the `sub` of the member's token.
    MemberId,
    "memberId"
);
identifier!(
    /// A purchase as the till or commerce backend names it; earn's idempotency key.
    TransactionId,
    "transactionId"
);
identifier!(
    /// The `idempotency-key` header of a write.
    IdempotencyKey,
    "idempotency-key"
);
identifier!(
    /// A reward in the catalogue, chosen by the operator.
    RewardId,
    "rewardId"
);
identifier!(
    /// A redemption, as this API named it when it was made.
    RedemptionId,
    "redemptionId"
);
identifier!(
    /// A partner business, chosen by the operator.
    PartnerId,
    "partnerId"
);
identifier!(
    /// A purchase as a partner names it, in the partner's own namespace.
    PartnerTransactionId,
    "partnerTransactionId"
);
identifier!(
    /// A partner's offer, chosen by the partner.
    OfferId,
    "offerId"
);
identifier!(
    /// A stamp card of the programme, chosen by the operator.
    CardId,
    "cardId"
);
identifier!(
    /// A promotion, category or store named in the programme or a purchase.
    RuleId,
    "identifier"
);
identifier!(
    /// A kind of action the programme rewards (`review`, `survey`), chosen by the operator.
    ActionName,
    "action"
);
identifier!(
    /// One action a member did, as the business's backend names it; the action's
    /// idempotency key, per member.
    ActionId,
    "actionId"
);
identifier!(
    /// A challenge of the programme, chosen by the operator.
    ChallengeId,
    "challengeId"
);
identifier!(
    /// A badge a challenge gives, chosen by the operator.
    Badge,
    "badge"
);
identifier!(
    /// A paid membership plan of the programme, chosen by the operator.
    PlanId,
    "planId"
);

impl RedemptionId {
    /// A new, time-ordered id (an entry id: 26 characters of the documented alphabet).
    pub fn generate(now: time::OffsetDateTime) -> Self {
        Self(super::entry_id::new_entry_id(now, &mut rand::rng()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_documented_alphabet() {
        assert!(MemberId::try_from("user-1_a.b:c@d").is_ok());
        assert!(MemberId::try_from("a".repeat(128)).is_ok());
    }

    #[test]
    fn rejects_empty_long_and_foreign_characters() {
        for bad in ["", "a b", "a/b", "ü", "a#b", "x\n"] {
            assert!(MemberId::try_from(bad).is_err(), "{bad:?}");
        }
        assert!(MemberId::try_from("a".repeat(129)).is_err());
    }

    #[test]
    fn deserialising_validates() {
        let bad: Result<TransactionId, _> = serde_json::from_str("\"has space\"");
        assert!(bad.is_err());
    }
}
