//! How tiers are kept and lost, and when members hear about expiring points: programme
//! data, validated with the rest of the programme.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Downgrade {
    /// Down one tier per review, however far the qualifying points fell.
    OneStep,
    /// Straight to the tier the qualifying points reach.
    Recompute,
}

/// `tierPolicy` in the programme document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TierPolicyDocument {
    #[serde(default = "default_review_after_days")]
    pub review_after_days: i64,
    #[serde(default = "default_grace_days")]
    pub grace_days: i64,
    #[serde(default = "default_downgrade")]
    pub downgrade: Downgrade,
    #[serde(default = "default_expiry_warning_days")]
    pub expiry_warning_days: i64,
}

impl Default for TierPolicyDocument {
    fn default() -> Self {
        Self {
            review_after_days: default_review_after_days(),
            grace_days: default_grace_days(),
            downgrade: default_downgrade(),
            expiry_warning_days: default_expiry_warning_days(),
        }
    }
}

fn default_review_after_days() -> i64 {
    365
}
fn default_grace_days() -> i64 {
    30
}
fn default_downgrade() -> Downgrade {
    Downgrade::OneStep
}
fn default_expiry_warning_days() -> i64 {
    30
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidTierPolicy {
    #[error("tierPolicy.reviewAfterDays must be from 1 to 3650, got {0}")]
    ReviewAfterDays(i64),
    #[error("tierPolicy.graceDays must be from 0 to 365, got {0}")]
    GraceDays(i64),
    #[error("tierPolicy.expiryWarningDays must be from 0 to 365, got {0}")]
    ExpiryWarningDays(i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TierPolicy {
    review_after: time::Duration,
    grace: time::Duration,
    downgrade: Downgrade,
    expiry_warning: time::Duration,
}

impl TryFrom<TierPolicyDocument> for TierPolicy {
    type Error = InvalidTierPolicy;

    fn try_from(doc: TierPolicyDocument) -> Result<Self, Self::Error> {
        let days = |value: i64,
                    range: std::ops::RangeInclusive<i64>,
                    error: fn(i64) -> InvalidTierPolicy| {
            if range.contains(&value) {
                Ok(time::Duration::days(value))
            } else {
                Err(error(value))
            }
        };
        Ok(Self {
            review_after: days(
                doc.review_after_days,
                1..=3650,
                InvalidTierPolicy::ReviewAfterDays,
            )?,
            grace: days(doc.grace_days, 0..=365, InvalidTierPolicy::GraceDays)?,
            downgrade: doc.downgrade,
            expiry_warning: days(
                doc.expiry_warning_days,
                0..=365,
                InvalidTierPolicy::ExpiryWarningDays,
            )?,
        })
    }
}

impl From<TierPolicy> for TierPolicyDocument {
    fn from(policy: TierPolicy) -> Self {
        Self {
            review_after_days: policy.review_after.whole_days(),
            grace_days: policy.grace.whole_days(),
            downgrade: policy.downgrade,
            expiry_warning_days: policy.expiry_warning.whole_days(),
        }
    }
}

impl Default for TierPolicy {
    fn default() -> Self {
        Self {
            review_after: time::Duration::days(default_review_after_days()),
            grace: time::Duration::days(default_grace_days()),
            downgrade: default_downgrade(),
            expiry_warning: time::Duration::days(default_expiry_warning_days()),
        }
    }
}

impl TierPolicy {
    /// A tier reached (or kept at a review) is next reviewed this long after.
    pub fn review_after(&self) -> time::Duration {
        self.review_after
    }
    /// A downgrade waits this long after the review date.
    pub fn grace(&self) -> time::Duration {
        self.grace
    }
    pub fn downgrade(&self) -> Downgrade {
        self.downgrade
    }
    /// Members hear about expiring points this long before.
    pub fn expiry_warning(&self) -> time::Duration {
        self.expiry_warning
    }
}
