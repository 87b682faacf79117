//! A member's own referral code, made at enrolment: 8 characters from an alphabet without
//! the characters people confuse (no 0/O, 1/I/L), case-insensitive. 31^8 (about 8.5 * 10^11)
//! codes: a chain of a million members uses about one in a million, so a new code almost
//! never meets an existing one (the store retries with another when it does), and guessing
//! someone's code is no shortcut to a bonus (the referee still has to buy).

use std::fmt;

use rand::Rng;
use serde::{Deserialize, Serialize};

const ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
const LENGTH: usize = 8;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ReferralCode(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("referralCode must be the 8 letters and digits of another member's code, such as 7KQ2MXPA")]
pub struct InvalidReferralCode;

/// A code of the right shape that is no member's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("referral code {0} is not a member's code; check it, or enrol without one")]
pub struct UnknownReferralCode(pub ReferralCode);

impl ReferralCode {
    /// A fresh code from the thread's cryptographically secure generator.
    pub fn generate(rng: &mut impl Rng) -> Self {
        Self(
            (0..LENGTH)
                .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
                .collect(),
        )
    }

    /// The canonical (upper-case) form: what the store keys on.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<&str> for ReferralCode {
    type Error = InvalidReferralCode;

    fn try_from(raw: &str) -> Result<Self, Self::Error> {
        let code = raw.to_ascii_uppercase();
        if code.len() == LENGTH && code.bytes().all(|b| ALPHABET.contains(&b)) {
            Ok(Self(code))
        } else {
            Err(InvalidReferralCode)
        }
    }
}

impl TryFrom<String> for ReferralCode {
    type Error = InvalidReferralCode;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::try_from(raw.as_str())
    }
}

impl From<ReferralCode> for String {
    fn from(code: ReferralCode) -> Self {
        code.0
    }
}

impl fmt::Display for ReferralCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_are_eight_unambiguous_characters_and_read_back() {
        let mut rng = rand::rng();
        for _ in 0..1000 {
            let code = ReferralCode::generate(&mut rng);
            assert_eq!(code.as_str().len(), 8);
            assert!(!code.as_str().contains(['0', 'O', '1', 'I', 'L']), "{code}");
            assert_eq!(ReferralCode::try_from(code.as_str()), Ok(code.clone()));
        }
    }

    #[test]
    fn codes_are_case_insensitive() {
        assert_eq!(
            ReferralCode::try_from("7kq2mxpa").unwrap().as_str(),
            "7KQ2MXPA"
        );
    }

    #[test]
    fn refuses_other_shapes() {
        for bad in [
            "",
            "7KQ2MXP",
            "7KQ2MXPAB",
            "7KQ2MXP0",
            "7KQ2MXPO",
            "7KQ2MXPI",
            "7KQ2MXPL",
            "7KQ2 MXP",
            "7KQ2-MXP",
            "7KQ2MXPÄ",
        ] {
            assert_eq!(
                ReferralCode::try_from(bad),
                Err(InvalidReferralCode),
                "{bad}"
            );
        }
    }
}
