//! Earn multipliers (x2, x1.25 ...). Written as JSON numbers by operators, but held as exact
//! thousandths so the points they produce never depend on float rounding.

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::points::Points;

const SCALE: u32 = 1_000;
const MAX_THOUSANDTHS: u32 = 100 * SCALE;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidMultiplier {
    #[error("multiplier must be greater than 0 and at most 100, got {0}")]
    OutOfRange(String),
    #[error("multiplier may have at most 3 decimals, got {0}")]
    TooManyDecimals(String),
}

/// A rate in `(0, 100]` with at most three decimals, stored as thousandths (1.25 is 1250).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Multiplier(u32);

impl Multiplier {
    pub const ONE: Multiplier = Multiplier(SCALE);

    /// From thousandths: 1 (0.001) up to 100 000 (100).
    pub fn from_thousandths(thousandths: u32) -> Result<Multiplier, InvalidMultiplier> {
        if (1..=MAX_THOUSANDTHS).contains(&thousandths) {
            Ok(Multiplier(thousandths))
        } else {
            Err(InvalidMultiplier::OutOfRange(format!(
                "{}",
                f64::from(thousandths) / f64::from(SCALE)
            )))
        }
    }

    pub fn thousandths(self) -> u32 {
        self.0
    }

    pub fn is_one(self) -> bool {
        self.0 == SCALE
    }

    /// The points this multiplier adds on top of `base`: `floor(base * (m - 1))`, negative
    /// for a multiplier below 1. Because `base` is whole, `base + extra == floor(base * m)`,
    /// and since `m > 0`, `extra >= -base` for a non-negative base. `None` beyond the points
    /// bound.
    pub fn apply_extra(self, base: Points) -> Option<Points> {
        let numerator = i128::from(base.value()) * (i128::from(self.0) - i128::from(SCALE));
        // `div_euclid` by a positive divisor rounds towards minus infinity: a floor, also for
        // negative results, where `/` would round towards zero.
        let extra = numerator.div_euclid(i128::from(SCALE));
        i64::try_from(extra).ok().and_then(Points::new)
    }
}

impl TryFrom<f64> for Multiplier {
    type Error = InvalidMultiplier;

    /// Exactness is decided on the shortest decimal that reads back as this `f64` (what
    /// `Display` prints, never in exponent form): the operator wrote 1.0005 if and only if
    /// that text is "1.0005", whereas scaling by 1000 would already have rounded.
    fn try_from(value: f64) -> Result<Self, Self::Error> {
        if !(value > 0.0 && value <= f64::from(MAX_THOUSANDTHS / SCALE)) {
            return Err(InvalidMultiplier::OutOfRange(format!("{value}")));
        }
        let text = format!("{value}");
        let (whole, fraction) = text.split_once('.').unwrap_or((text.as_str(), ""));
        if fraction.len() > 3 {
            return Err(InvalidMultiplier::TooManyDecimals(text));
        }
        let too_many = || InvalidMultiplier::TooManyDecimals(text.clone());
        let whole: u32 = whole.parse().map_err(|_| too_many())?;
        let fraction: u32 = if fraction.is_empty() {
            0
        } else {
            // "25" in 1.25 is 250 thousandths: pad to three digits.
            format!("{fraction:0<3}").parse().map_err(|_| too_many())?
        };
        Multiplier::from_thousandths(whole * SCALE + fraction)
    }
}

impl Serialize for Multiplier {
    /// Whole multipliers as JSON integers (`2`, not `2.0`) so documents read back as written;
    /// others as the nearest `f64`, whose shortest form is exactly the three-decimal value.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.0.is_multiple_of(SCALE) {
            serializer.serialize_u64(u64::from(self.0 / SCALE))
        } else {
            serializer.serialize_f64(f64::from(self.0) / f64::from(SCALE))
        }
    }
}

impl<'de> Deserialize<'de> for Multiplier {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_f64(MultiplierVisitor)
    }
}

struct MultiplierVisitor;

impl Visitor<'_> for MultiplierVisitor {
    type Value = Multiplier;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a number greater than 0 and at most 100 with at most 3 decimals")
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Multiplier, E> {
        let out_of_range = || E::custom(InvalidMultiplier::OutOfRange(value.to_string()));
        let thousandths = u32::try_from(value)
            .ok()
            .and_then(|whole| whole.checked_mul(SCALE))
            .ok_or_else(out_of_range)?;
        Multiplier::from_thousandths(thousandths).map_err(|_| out_of_range())
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Multiplier, E> {
        match u64::try_from(value) {
            Ok(value) => self.visit_u64(value),
            Err(_) => Err(E::custom(InvalidMultiplier::OutOfRange(value.to_string()))),
        }
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Multiplier, E> {
        Multiplier::try_from(value).map_err(E::custom)
    }
}

/// `2`, `1.25`, `0.5`.
impl std::fmt::Display for Multiplier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (whole, fraction) = (self.0 / SCALE, self.0 % SCALE);
        if fraction == 0 {
            write!(f, "{whole}")
        } else {
            let digits = format!("{fraction:03}");
            write!(f, "{whole}.{}", digits.trim_end_matches('0'))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Multiplier, serde_json::Error> {
        serde_json::from_str(json)
    }

    fn points(value: i64) -> Points {
        Points::new(value).unwrap()
    }

    #[test]
    fn accepts_up_to_three_decimals() {
        assert_eq!(parse("1").unwrap().thousandths(), 1000);
        assert_eq!(parse("2").unwrap().thousandths(), 2000);
        assert_eq!(parse("1.5").unwrap().thousandths(), 1500);
        assert_eq!(parse("1.25").unwrap().thousandths(), 1250);
        assert_eq!(parse("1.001").unwrap().thousandths(), 1001);
        assert_eq!(parse("0.001").unwrap().thousandths(), 1);
        assert_eq!(parse("2.0").unwrap().thousandths(), 2000);
        assert_eq!(parse("1.2500").unwrap().thousandths(), 1250);
        assert_eq!(parse("100").unwrap().thousandths(), 100_000);
        assert_eq!(parse("99.999").unwrap().thousandths(), 99_999);
        assert_eq!(parse("1e0").unwrap().thousandths(), 1000);
    }

    #[test]
    fn rejects_zero_negative_too_large_and_too_precise() {
        for bad in [
            "0", "0.0", "-1", "-0.5", "100.001", "101", "1e300", "1.0005", "0.0001", "1.2345",
            "\"2\"", "null", "true",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        let message = parse("1.0005").unwrap_err().to_string();
        assert!(message.contains("at most 3 decimals"), "{message}");
        let message = parse("0").unwrap_err().to_string();
        assert!(message.contains("greater than 0"), "{message}");
    }

    #[test]
    fn every_valid_value_round_trips_through_json() {
        for thousandths in 1..=MAX_THOUSANDTHS {
            let multiplier = Multiplier::from_thousandths(thousandths).unwrap();
            let json = serde_json::to_string(&multiplier).unwrap();
            assert_eq!(parse(&json).unwrap(), multiplier, "{json}");
        }
    }

    #[test]
    fn serialises_as_a_plain_json_number() {
        let json = |t| serde_json::to_string(&Multiplier::from_thousandths(t).unwrap()).unwrap();
        assert_eq!(json(1000), "1");
        assert_eq!(json(2000), "2");
        assert_eq!(json(1250), "1.25");
        assert_eq!(json(1500), "1.5");
        assert_eq!(json(1001), "1.001");
        assert_eq!(json(500), "0.5");
    }

    #[test]
    fn from_thousandths_checks_the_range() {
        assert!(Multiplier::from_thousandths(0).is_err());
        assert!(Multiplier::from_thousandths(100_001).is_err());
        assert!(Multiplier::from_thousandths(1).is_ok());
    }

    #[test]
    fn extra_is_the_floor_of_base_times_m_minus_one() {
        let m = |t| Multiplier::from_thousandths(t).unwrap();
        assert_eq!(m(1000).apply_extra(points(123)), Some(points(0)));
        assert_eq!(m(2000).apply_extra(points(123)), Some(points(123)));
        assert_eq!(m(1500).apply_extra(points(7)), Some(points(3))); // 3.5 -> 3
        assert_eq!(m(1250).apply_extra(points(10)), Some(points(2))); // 2.5 -> 2
        assert_eq!(m(500).apply_extra(points(3)), Some(points(-2))); // -1.5 -> -2
        assert_eq!(m(1).apply_extra(points(1000)), Some(points(-999)));
        assert_eq!(m(1500).apply_extra(points(0)), Some(points(0)));
    }

    #[test]
    fn base_plus_extra_is_floor_of_base_times_m_and_never_negative() {
        for t in [
            1, 7, 333, 500, 999, 1000, 1001, 1250, 1500, 2000, 99_999, 100_000,
        ] {
            let multiplier = Multiplier::from_thousandths(t).unwrap();
            for base in [0_i64, 1, 2, 3, 7, 99, 100, 101, 12_345] {
                let extra = multiplier.apply_extra(points(base)).unwrap().value();
                let expected = (i128::from(base) * i128::from(t)) / 1000;
                assert_eq!(i128::from(base + extra), expected, "{t} {base}");
                assert!(base + extra >= 0);
            }
        }
    }

    #[test]
    fn overflow_is_none() {
        let hundred = Multiplier::from_thousandths(100_000).unwrap();
        let max = points(super::super::points::MAX_POINTS);
        assert_eq!(hundred.apply_extra(max), None);
        assert!(hundred.apply_extra(points(1_000_000_000)).is_some());
    }

    #[test]
    fn is_one_and_display() {
        assert!(Multiplier::ONE.is_one());
        assert!(!parse("1.001").unwrap().is_one());
        assert_eq!(parse("1.25").unwrap().to_string(), "1.25");
        assert_eq!(parse("2").unwrap().to_string(), "2");
        assert_eq!(parse("0.05").unwrap().to_string(), "0.05");
    }
}
