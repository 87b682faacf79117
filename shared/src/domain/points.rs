//! Points: whole numbers, never floats. Signed, because ledger entries that take
//! points away (reverse, redeem, expire) carry negative amounts.

use serde::{Deserialize, Serialize};

/// The largest number of points any single movement or balance may hold. Far above any
/// real programme, far below `i64::MAX`, so sums of many movements cannot overflow.
pub const MAX_POINTS: i64 = 1_000_000_000_000;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(into = "i64", try_from = "i64")]
pub struct Points(i64);

#[derive(Debug, thiserror::Error)]
#[error("points must be whole numbers within ±{MAX_POINTS}")]
pub struct PointsOutOfRange;

impl TryFrom<i64> for Points {
    type Error = PointsOutOfRange;
    fn try_from(value: i64) -> Result<Self, Self::Error> {
        Points::new(value).ok_or(PointsOutOfRange)
    }
}

impl From<Points> for i64 {
    fn from(points: Points) -> i64 {
        points.0
    }
}

impl Points {
    pub const ZERO: Points = Points(0);

    /// Points within ±[`MAX_POINTS`]; `None` outside.
    pub fn new(value: i64) -> Option<Self> {
        (-MAX_POINTS..=MAX_POINTS)
            .contains(&value)
            .then_some(Self(value))
    }

    pub fn value(self) -> i64 {
        self.0
    }

    pub fn checked_add(self, other: Points) -> Option<Points> {
        self.0.checked_add(other.0).and_then(Points::new)
    }

    pub fn checked_sub(self, other: Points) -> Option<Points> {
        self.0.checked_sub(other.0).and_then(Points::new)
    }

    pub fn negated(self) -> Points {
        Points(-self.0)
    }

    pub fn is_positive(self) -> bool {
        self.0 > 0
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    pub fn min(self, other: Points) -> Points {
        Points(self.0.min(other.0))
    }

    pub fn max(self, other: Points) -> Points {
        Points(self.0.max(other.0))
    }
}

impl std::fmt::Display for Points {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_values_beyond_the_bound() {
        assert!(Points::new(MAX_POINTS).is_some());
        assert!(Points::new(MAX_POINTS + 1).is_none());
        assert!(Points::new(-MAX_POINTS - 1).is_none());
    }

    #[test]
    fn deserialising_checks_the_bound() {
        assert!(serde_json::from_str::<Points>("1000000000001").is_err());
        assert_eq!(serde_json::from_str::<Points>("-5").unwrap(), Points(-5));
    }

    #[test]
    fn arithmetic_is_checked() {
        let max = Points::new(MAX_POINTS).unwrap_or_default();
        assert_eq!(max.checked_add(Points(1)), None);
        assert_eq!(Points(5).checked_sub(Points(7)), Some(Points(-2)));
    }
}
