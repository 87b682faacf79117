//! Voucher codes shown at the till: 13 Crockford base32 characters (65 random bits),
//! grouped for reading aloud and typing, forgiving of case and of O/0 and I/L/1 mix-ups.

use rand::Rng;
use serde::{Deserialize, Serialize};

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const LENGTH: usize = 13;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct VoucherCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a voucher code is 13 letters and digits, e.g. ABCD-EFGH-JKMNP")]
pub struct InvalidVoucherCode;

impl VoucherCode {
    /// A fresh code from a cryptographically secure generator (the thread RNG is ChaCha,
    /// seeded by the OS): 65 bits, so guessing one is hopeless and collisions vanishingly rare.
    pub fn generate(rng: &mut impl Rng) -> Self {
        let code = (0..LENGTH)
            .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
            .collect();
        Self(code)
    }

    /// The canonical form, without separators: what the store keys on.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `ABCD-EFGH-JKMNP`, as printed on the member's screen.
    pub fn display(&self) -> String {
        format!("{}-{}-{}", &self.0[..4], &self.0[4..8], &self.0[8..])
    }
}

impl TryFrom<&str> for VoucherCode {
    type Error = InvalidVoucherCode;
    fn try_from(raw: &str) -> Result<Self, Self::Error> {
        let mut code = String::with_capacity(LENGTH);
        for c in raw.chars().filter(|c| !matches!(c, '-' | ' ')) {
            let c = match c.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                other => other,
            };
            if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) || code.len() == LENGTH {
                return Err(InvalidVoucherCode);
            }
            code.push(c);
        }
        if code.len() == LENGTH {
            Ok(Self(code))
        } else {
            Err(InvalidVoucherCode)
        }
    }
}

impl TryFrom<String> for VoucherCode {
    type Error = InvalidVoucherCode;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::try_from(raw.as_str())
    }
}

impl From<VoucherCode> for String {
    fn from(code: VoucherCode) -> String {
        code.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_parse_back_in_any_spelling() {
        let mut rng = rand::rng();
        let code = VoucherCode::generate(&mut rng);
        assert_eq!(code.as_str().len(), 13);
        assert_eq!(
            VoucherCode::try_from(code.display().as_str()),
            Ok(code.clone())
        );
        assert_eq!(
            VoucherCode::try_from(code.display().to_lowercase().as_str()),
            Ok(code.clone())
        );
        assert_ne!(VoucherCode::generate(&mut rng), code);
    }

    #[test]
    fn lookalikes_are_forgiven_and_junk_refused() {
        assert_eq!(
            VoucherCode::try_from("oooo-iiii-lllll").unwrap().as_str(),
            "0000111111111"
        );
        for bad in [
            "",
            "ABCD",
            "ABCD-EFGH-JKMNPQ",
            "ABCD-EFGH-JKMNU",
            "ABCD/EFGH/JKMNP",
            "ÄBCD-EFGH-JKMNP",
        ] {
            assert!(VoucherCode::try_from(bad).is_err(), "{bad}");
        }
    }
}
