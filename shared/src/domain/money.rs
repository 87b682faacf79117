//! Money as an integer count of minor units of an ISO 4217 currency: `{"amount": 1234,
//! "currency": "EUR"}` is 12.34 EUR. Never a float, never negative (refunds are separate
//! operations, not negative purchases).

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use super::currency::{Currency, UnknownCurrency};

/// 10^15 minor units (ten trillion euros): far above any purchase, low enough that
/// `amount * points` for any base rate stays well inside `i128`.
pub const MAX_MINOR_AMOUNT: i64 = 1_000_000_000_000_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidMoney {
    #[error("amount must not be negative, got {0}")]
    Negative(i64),
    #[error("amount must be at most {MAX_MINOR_AMOUNT} minor units, got {0}")]
    TooLarge(i64),
    #[error(transparent)]
    UnknownCurrency(#[from] UnknownCurrency),
}

// Clone but not Copy: the rest of the crate passes money around by reference, and a
// `Copy` type would make each of its `.clone()` calls a lint error.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "MoneyDocument", into = "MoneyShape")]
pub struct Money {
    amount_minor: i64,
    currency: Currency,
}

/// The wire shape as it arrives, before validation.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MoneyDocument {
    amount: i64,
    currency: String,
}

/// The wire shape as it leaves; borrows the static code instead of allocating.
#[derive(Serialize)]
struct MoneyShape {
    amount: i64,
    currency: &'static str,
}

impl Money {
    /// Zero up to [`MAX_MINOR_AMOUNT`] minor units.
    pub fn new(amount_minor: i64, currency: Currency) -> Result<Money, InvalidMoney> {
        if amount_minor < 0 {
            Err(InvalidMoney::Negative(amount_minor))
        } else if amount_minor > MAX_MINOR_AMOUNT {
            Err(InvalidMoney::TooLarge(amount_minor))
        } else {
            Ok(Money {
                amount_minor,
                currency,
            })
        }
    }

    pub fn zero(currency: Currency) -> Money {
        Money {
            amount_minor: 0,
            currency,
        }
    }

    pub fn amount_minor(&self) -> i64 {
        self.amount_minor
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    pub fn is_zero(&self) -> bool {
        self.amount_minor == 0
    }

    /// `self - other`; `None` when the currencies differ or the result would be negative.
    pub fn checked_sub(&self, other: &Money) -> Option<Money> {
        if self.currency != other.currency {
            return None;
        }
        Money::new(
            self.amount_minor.checked_sub(other.amount_minor)?,
            self.currency,
        )
        .ok()
    }

    /// `self + other`; `None` when the currencies differ or the sum exceeds the maximum.
    pub fn checked_add(&self, other: &Money) -> Option<Money> {
        if self.currency != other.currency {
            return None;
        }
        Money::new(
            self.amount_minor.checked_add(other.amount_minor)?,
            self.currency,
        )
        .ok()
    }

    /// Compares amounts of the same currency; `None` across currencies, which have no
    /// order without an exchange rate.
    pub fn compare(&self, other: &Money) -> Option<Ordering> {
        (self.currency == other.currency).then(|| self.amount_minor.cmp(&other.amount_minor))
    }

    /// Whether this is at least `minimum`, in its currency (a minimum spend: another
    /// currency never reaches it).
    pub fn reaches(&self, minimum: &Money) -> bool {
        self.compare(minimum).is_some_and(Ordering::is_ge)
    }
}

impl TryFrom<MoneyDocument> for Money {
    type Error = InvalidMoney;

    fn try_from(document: MoneyDocument) -> Result<Self, Self::Error> {
        Money::new(document.amount, Currency::try_from(document.currency)?)
    }
}

impl From<Money> for MoneyShape {
    fn from(money: Money) -> Self {
        MoneyShape {
            amount: money.amount_minor,
            currency: money.currency.code(),
        }
    }
}

/// `12.34 EUR`, `1500 JPY`: for messages and logs, never for arithmetic.
impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let digits = u32::from(self.currency.minor_units());
        let scale = 10_i64.pow(digits);
        if digits == 0 {
            write!(f, "{} {}", self.amount_minor, self.currency)
        } else {
            write!(
                f,
                "{}.{:0width$} {}",
                self.amount_minor / scale,
                self.amount_minor % scale,
                self.currency,
                width = digits as usize
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur(amount: i64) -> Money {
        Money::new(amount, Currency::EUR).unwrap()
    }

    #[test]
    fn a_minimum_is_reached_at_or_above_it_in_its_own_currency_only() {
        assert!(eur(500).reaches(&eur(500)));
        assert!(eur(501).reaches(&eur(500)));
        assert!(!eur(499).reaches(&eur(500)));
        let usd = Money::new(9_999, Currency::try_from("USD").unwrap()).unwrap();
        assert!(!usd.reaches(&eur(500)));
    }

    #[test]
    fn accepts_zero_up_to_the_maximum() {
        assert_eq!(eur(0).amount_minor(), 0);
        assert!(eur(0).is_zero());
        assert_eq!(eur(MAX_MINOR_AMOUNT).amount_minor(), MAX_MINOR_AMOUNT);
        assert_eq!(eur(1234).currency(), Currency::EUR);
    }

    #[test]
    fn rejects_negative_and_absurd_amounts() {
        assert_eq!(
            Money::new(-1, Currency::EUR),
            Err(InvalidMoney::Negative(-1))
        );
        assert_eq!(
            Money::new(MAX_MINOR_AMOUNT + 1, Currency::EUR),
            Err(InvalidMoney::TooLarge(MAX_MINOR_AMOUNT + 1))
        );
    }

    #[test]
    fn serialises_as_amount_and_currency() {
        let json = serde_json::to_value(eur(1234)).unwrap();
        assert_eq!(json, serde_json::json!({"amount": 1234, "currency": "EUR"}));
        let back: Money = serde_json::from_value(json).unwrap();
        assert_eq!(back, eur(1234));
    }

    #[test]
    fn deserialising_validates_and_names_the_problem() {
        let cases = [
            (r#"{"amount": -5, "currency": "EUR"}"#, "negative"),
            (
                r#"{"amount": 1000000000000000000, "currency": "EUR"}"#,
                "at most",
            ),
            (r#"{"amount": 12.5, "currency": "EUR"}"#, "floating point"),
            (r#"{"amount": "12", "currency": "EUR"}"#, "invalid type"),
            (r#"{"amount": 100, "currency": "EURO"}"#, "unknown currency"),
            (r#"{"amount": 100, "currency": "eur"}"#, "unknown currency"),
            (r#"{"amount": 100}"#, "missing field `currency`"),
            (
                r#"{"amount": 100, "currency": "EUR", "cents": 1}"#,
                "unknown field",
            ),
            (r#"{"amount": 99999999999999999999, "currency": "EUR"}"#, ""),
        ];
        for (json, expected) in cases {
            let error = serde_json::from_str::<Money>(json).unwrap_err().to_string();
            assert!(error.contains(expected), "{json}: {error}");
        }
    }

    #[test]
    fn arithmetic_stays_in_one_currency_and_non_negative() {
        assert_eq!(eur(500).checked_sub(&eur(200)), Some(eur(300)));
        assert_eq!(eur(500).checked_sub(&eur(500)), Some(eur(0)));
        assert_eq!(eur(200).checked_sub(&eur(500)), None);
        let usd = Money::new(100, Currency::USD).unwrap();
        assert_eq!(eur(500).checked_sub(&usd), None);
        assert_eq!(eur(500).checked_add(&eur(1)), Some(eur(501)));
        assert_eq!(eur(MAX_MINOR_AMOUNT).checked_add(&eur(1)), None);
        assert_eq!(eur(500).checked_add(&usd), None);
    }

    #[test]
    fn compares_only_within_a_currency() {
        assert_eq!(eur(1).compare(&eur(2)), Some(Ordering::Less));
        assert_eq!(eur(2).compare(&eur(2)), Some(Ordering::Equal));
        let usd = Money::new(1, Currency::USD).unwrap();
        assert_eq!(eur(1).compare(&usd), None);
    }

    #[test]
    fn displays_with_the_minor_unit() {
        assert_eq!(eur(1234).to_string(), "12.34 EUR");
        assert_eq!(eur(5).to_string(), "0.05 EUR");
        assert_eq!(
            Money::new(1500, Currency::JPY).unwrap().to_string(),
            "1500 JPY"
        );
        let kwd = Currency::try_from("KWD").unwrap();
        assert_eq!(Money::new(1005, kwd).unwrap().to_string(), "1.005 KWD");
    }
}
