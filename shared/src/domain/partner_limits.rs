//! How many points partners may have credited, whatever their offers say: a partner (or
//! anyone holding a leaked partner secret) can publish any offer, so the programme bounds
//! what one purchase, and one member in one day, can get from partners.

use serde::{Deserialize, Serialize};

use super::points::{MAX_POINTS, Points};

/// Defaults when the programme does not say: generous for real offers, far below minting.
const DEFAULT_PER_PURCHASE: i64 = 10_000;
const DEFAULT_PER_MEMBER_PER_DAY: i64 = 50_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("partnerLimits.{field} must be between 1 and {MAX_POINTS}, got {value}")]
pub struct InvalidPartnerLimit {
    field: &'static str,
    value: i64,
}

/// `partnerLimits` in the programme, as operators write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PartnerLimitsDocument {
    #[serde(default = "default_per_purchase")]
    pub per_purchase: i64,
    #[serde(default = "default_per_member_per_day")]
    pub per_member_per_day: i64,
}

fn default_per_purchase() -> i64 {
    DEFAULT_PER_PURCHASE
}

fn default_per_member_per_day() -> i64 {
    DEFAULT_PER_MEMBER_PER_DAY
}

impl Default for PartnerLimitsDocument {
    fn default() -> Self {
        Self {
            per_purchase: DEFAULT_PER_PURCHASE,
            per_member_per_day: DEFAULT_PER_MEMBER_PER_DAY,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartnerLimits {
    per_purchase: Points,
    per_member_per_day: Points,
}

impl PartnerLimits {
    /// The most partners may credit for one purchase.
    pub fn per_purchase(&self) -> Points {
        self.per_purchase
    }

    /// The most partners may credit one member in one UTC day.
    pub fn per_member_per_day(&self) -> Points {
        self.per_member_per_day
    }
}

impl Default for PartnerLimits {
    fn default() -> Self {
        Self::try_from(PartnerLimitsDocument::default()).unwrap_or(Self {
            per_purchase: Points::ZERO,
            per_member_per_day: Points::ZERO,
        })
    }
}

impl TryFrom<PartnerLimitsDocument> for PartnerLimits {
    type Error = InvalidPartnerLimit;

    fn try_from(doc: PartnerLimitsDocument) -> Result<Self, Self::Error> {
        let limit = |field: &'static str, value: i64| {
            Points::new(value)
                .filter(|p| p.is_positive())
                .ok_or(InvalidPartnerLimit { field, value })
        };
        Ok(Self {
            per_purchase: limit("perPurchase", doc.per_purchase)?,
            per_member_per_day: limit("perMemberPerDay", doc.per_member_per_day)?,
        })
    }
}

impl From<PartnerLimits> for PartnerLimitsDocument {
    fn from(limits: PartnerLimits) -> Self {
        Self {
            per_purchase: limits.per_purchase.value(),
            per_member_per_day: limits.per_member_per_day.value(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_finite_and_bad_limits_are_refused() {
        let limits = PartnerLimits::default();
        assert_eq!(limits.per_purchase().value(), DEFAULT_PER_PURCHASE);
        assert_eq!(
            limits.per_member_per_day().value(),
            DEFAULT_PER_MEMBER_PER_DAY
        );
        let zero = PartnerLimitsDocument {
            per_purchase: 0,
            ..Default::default()
        };
        assert_eq!(
            PartnerLimits::try_from(zero).unwrap_err().to_string(),
            format!("partnerLimits.perPurchase must be between 1 and {MAX_POINTS}, got 0")
        );
        let huge = PartnerLimitsDocument {
            per_member_per_day: MAX_POINTS + 1,
            ..Default::default()
        };
        assert!(PartnerLimits::try_from(huge).is_err());
    }
}
