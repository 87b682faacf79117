//! ISO 4217 currencies. Only codes in the active list are accepted, each with the number
//! of digits of its minor unit, so an amount in minor units always means one exact value.

use serde::{Deserialize, Serialize, Serializer};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown currency {code:?}: expected an active ISO 4217 code in upper case, such as \"EUR\""
)]
pub struct UnknownCurrency {
    /// What was given, cut to a few characters so a hostile value cannot bloat the message.
    pub code: String,
}

/// An active ISO 4217 currency. Only values of the table below exist, so holding one proves
/// the code is known and its minor unit is right.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct Currency {
    code: &'static str,
    minor_units: u8,
}

const fn c(code: &'static str, minor_units: u8) -> Currency {
    Currency { code, minor_units }
}

impl Currency {
    pub const EUR: Currency = c("EUR", 2);
    pub const USD: Currency = c("USD", 2);
    pub const GBP: Currency = c("GBP", 2);
    pub const JPY: Currency = c("JPY", 0);

    /// The three-letter code, e.g. `"EUR"`.
    pub fn code(self) -> &'static str {
        self.code
    }

    /// Digits after the decimal point: 2 for EUR, 0 for JPY, 3 for KWD, 4 for CLF.
    pub fn minor_units(self) -> u8 {
        self.minor_units
    }

    /// Every currency this service knows, sorted by code.
    pub fn all() -> &'static [Currency] {
        ACTIVE
    }
}

/// ISO 4217 List One (active codes), including fund codes such as CLF and USN, and excluding
/// codes without a minor unit (precious metals, XDR, XTS, XXX ...), which cannot price a
/// purchase. ANG (replaced by XCG in 2025) and BGN (Bulgaria joined the euro in 2026) are
/// left out: neither is legal tender any more. Sorted by code: lookups binary-search it.
const ACTIVE: &[Currency] = &[
    c("AED", 2),
    c("AFN", 2),
    c("ALL", 2),
    c("AMD", 2),
    c("AOA", 2),
    c("ARS", 2),
    c("AUD", 2),
    c("AWG", 2),
    c("AZN", 2),
    c("BAM", 2),
    c("BBD", 2),
    c("BDT", 2),
    c("BHD", 3),
    c("BIF", 0),
    c("BMD", 2),
    c("BND", 2),
    c("BOB", 2),
    c("BOV", 2),
    c("BRL", 2),
    c("BSD", 2),
    c("BTN", 2),
    c("BWP", 2),
    c("BYN", 2),
    c("BZD", 2),
    c("CAD", 2),
    c("CDF", 2),
    c("CHE", 2),
    c("CHF", 2),
    c("CHW", 2),
    c("CLF", 4),
    c("CLP", 0),
    c("CNY", 2),
    c("COP", 2),
    c("COU", 2),
    c("CRC", 2),
    c("CUC", 2),
    c("CUP", 2),
    c("CVE", 2),
    c("CZK", 2),
    c("DJF", 0),
    c("DKK", 2),
    c("DOP", 2),
    c("DZD", 2),
    c("EGP", 2),
    c("ERN", 2),
    c("ETB", 2),
    c("EUR", 2),
    c("FJD", 2),
    c("FKP", 2),
    c("GBP", 2),
    c("GEL", 2),
    c("GHS", 2),
    c("GIP", 2),
    c("GMD", 2),
    c("GNF", 0),
    c("GTQ", 2),
    c("GYD", 2),
    c("HKD", 2),
    c("HNL", 2),
    c("HTG", 2),
    c("HUF", 2),
    c("IDR", 2),
    c("ILS", 2),
    c("INR", 2),
    c("IQD", 3),
    c("IRR", 2),
    c("ISK", 0),
    c("JMD", 2),
    c("JOD", 3),
    c("JPY", 0),
    c("KES", 2),
    c("KGS", 2),
    c("KHR", 2),
    c("KMF", 0),
    c("KPW", 2),
    c("KRW", 0),
    c("KWD", 3),
    c("KYD", 2),
    c("KZT", 2),
    c("LAK", 2),
    c("LBP", 2),
    c("LKR", 2),
    c("LRD", 2),
    c("LSL", 2),
    c("LYD", 3),
    c("MAD", 2),
    c("MDL", 2),
    c("MGA", 2),
    c("MKD", 2),
    c("MMK", 2),
    c("MNT", 2),
    c("MOP", 2),
    c("MRU", 2),
    c("MUR", 2),
    c("MVR", 2),
    c("MWK", 2),
    c("MXN", 2),
    c("MXV", 2),
    c("MYR", 2),
    c("MZN", 2),
    c("NAD", 2),
    c("NGN", 2),
    c("NIO", 2),
    c("NOK", 2),
    c("NPR", 2),
    c("NZD", 2),
    c("OMR", 3),
    c("PAB", 2),
    c("PEN", 2),
    c("PGK", 2),
    c("PHP", 2),
    c("PKR", 2),
    c("PLN", 2),
    c("PYG", 0),
    c("QAR", 2),
    c("RON", 2),
    c("RSD", 2),
    c("RUB", 2),
    c("RWF", 0),
    c("SAR", 2),
    c("SBD", 2),
    c("SCR", 2),
    c("SDG", 2),
    c("SEK", 2),
    c("SGD", 2),
    c("SHP", 2),
    c("SLE", 2),
    c("SOS", 2),
    c("SRD", 2),
    c("SSP", 2),
    c("STN", 2),
    c("SVC", 2),
    c("SYP", 2),
    c("SZL", 2),
    c("THB", 2),
    c("TJS", 2),
    c("TMT", 2),
    c("TND", 3),
    c("TOP", 2),
    c("TRY", 2),
    c("TTD", 2),
    c("TWD", 2),
    c("TZS", 2),
    c("UAH", 2),
    c("UGX", 0),
    c("USD", 2),
    c("USN", 2),
    c("UYI", 0),
    c("UYU", 2),
    c("UYW", 4),
    c("UZS", 2),
    c("VED", 2),
    c("VES", 2),
    c("VND", 0),
    c("VUV", 0),
    c("WST", 2),
    c("XAF", 0),
    c("XCD", 2),
    c("XCG", 2),
    c("XOF", 0),
    c("XPF", 0),
    c("YER", 2),
    c("ZAR", 2),
    c("ZMW", 2),
    c("ZWG", 2),
];

impl TryFrom<&str> for Currency {
    type Error = UnknownCurrency;

    /// Exact upper-case codes only: "eur" is refused rather than guessed at, as a till
    /// sending lower case is more likely sending something else wrong too.
    fn try_from(code: &str) -> Result<Self, Self::Error> {
        ACTIVE
            .binary_search_by(|known| known.code.cmp(code))
            .ok()
            .and_then(|index| ACTIVE.get(index).copied())
            .ok_or_else(|| UnknownCurrency {
                code: code.chars().take(8).collect(),
            })
    }
}

impl TryFrom<String> for Currency {
    type Error = UnknownCurrency;

    fn try_from(code: String) -> Result<Self, Self::Error> {
        Currency::try_from(code.as_str())
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code)
    }
}

impl std::fmt::Display for Currency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_unique_and_well_formed() {
        // Binary search is only correct on a strictly sorted table.
        assert!(ACTIVE.windows(2).all(|pair| pair[0].code < pair[1].code));
        for currency in ACTIVE {
            assert_eq!(currency.code.len(), 3);
            assert!(currency.code.bytes().all(|b| b.is_ascii_uppercase()));
            assert!(currency.minor_units <= 4, "{}", currency.code);
        }
        assert!(ACTIVE.len() > 150);
    }

    #[test]
    fn every_code_in_the_table_parses_to_itself() {
        for currency in ACTIVE {
            assert_eq!(Currency::try_from(currency.code), Ok(*currency));
        }
    }

    #[test]
    fn knows_the_minor_units() {
        let units = |code: &str| Currency::try_from(code).unwrap().minor_units();
        assert_eq!(units("EUR"), 2);
        assert_eq!(units("USD"), 2);
        assert_eq!(units("JPY"), 0);
        assert_eq!(units("KRW"), 0);
        assert_eq!(units("KWD"), 3);
        assert_eq!(units("BHD"), 3);
        assert_eq!(units("CLF"), 4);
        assert_eq!(units("XCG"), 2);
    }

    #[test]
    fn constants_match_the_table() {
        for constant in [Currency::EUR, Currency::USD, Currency::GBP, Currency::JPY] {
            assert_eq!(Currency::try_from(constant.code()), Ok(constant));
        }
    }

    #[test]
    fn rejects_unknown_lower_case_and_malformed_codes() {
        for bad in [
            "", "eur", "Eur", "EURO", "EU", "XYZ", "XAU", "XXX", "HRK", "ANG", " EUR", "EUR ",
        ] {
            assert!(Currency::try_from(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn error_names_the_value_but_bounds_it() {
        let error = Currency::try_from("x".repeat(10_000)).unwrap_err();
        assert_eq!(error.code.len(), 8);
        assert!(
            Currency::try_from("XYZ")
                .unwrap_err()
                .to_string()
                .contains("\"XYZ\"")
        );
    }

    #[test]
    fn serde_uses_the_code_string() {
        assert_eq!(serde_json::to_string(&Currency::EUR).unwrap(), "\"EUR\"");
        let parsed: Currency = serde_json::from_str("\"JPY\"").unwrap();
        assert_eq!(parsed, Currency::JPY);
        let error = serde_json::from_str::<Currency>("\"ABC\"").unwrap_err();
        assert!(error.to_string().contains("unknown currency"), "{error}");
        assert!(serde_json::from_str::<Currency>("978").is_err());
    }
}
