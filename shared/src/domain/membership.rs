//! Paid memberships: the plans of a subscription (`membershipPlans`), each granting at
//! least a tier and optionally an earn multiplier, and a member's membership, which the
//! business's billing system starts and ends. A membership ends at `until` by itself: every
//! read and write compares with the clock, so no job has to run for it to stop counting.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::identifier::{InvalidIdentifier, PlanId};
use super::multiplier::Multiplier;
use super::tier::is_display_text;

/// The most plans a programme holds.
pub const MAX_PLANS: usize = 20;
const MAX_NAME_CHARS: usize = 128;
const MAX_REFERENCE_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MembershipPlanDocument {
    pub plan_id: String,
    pub name: String,
    pub tier: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earn_multiplier: Option<Multiplier>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidPlan {
    #[error("membershipPlans lists at most {MAX_PLANS} plans, got {0}")]
    TooMany(usize),
    #[error("membershipPlans[{index}]: {source}")]
    PlanId {
        index: usize,
        source: InvalidIdentifier,
    },
    #[error("membershipPlans uses planId \"{0}\" more than once")]
    Duplicate(PlanId),
    #[error(
        "membership plan \"{0}\": name must be 1 to {MAX_NAME_CHARS} characters, without control characters or leading or trailing spaces"
    )]
    Name(PlanId),
    #[error("membership plan \"{0}\": tier \"{1}\" is not a tier of the programme")]
    UnknownTier(PlanId, String),
}

/// A checked plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipPlan {
    plan_id: PlanId,
    name: String,
    tier: String,
    earn_multiplier: Option<Multiplier>,
}

impl MembershipPlan {
    pub fn plan_id(&self) -> &PlanId {
        &self.plan_id
    }
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The tier a member holds at least while the membership runs.
    pub fn tier(&self) -> &str {
        &self.tier
    }
    pub fn earn_multiplier(&self) -> Option<Multiplier> {
        self.earn_multiplier
    }
    /// The earn breakdown's line for the plan's multiplier.
    pub fn rule(&self) -> String {
        format!("membership:{}", self.plan_id)
    }
}

/// Checks the plans: each names a tier of the programme (`is_tier`), ids unique, at most
/// [`MAX_PLANS`].
pub fn membership_plans(
    documents: Vec<MembershipPlanDocument>,
    is_tier: impl Fn(&str) -> bool,
) -> Result<Vec<MembershipPlan>, InvalidPlan> {
    if documents.len() > MAX_PLANS {
        return Err(InvalidPlan::TooMany(documents.len()));
    }
    let mut plans: Vec<MembershipPlan> = Vec::with_capacity(documents.len());
    for (index, document) in documents.into_iter().enumerate() {
        let plan_id = PlanId::try_from(document.plan_id)
            .map_err(|source| InvalidPlan::PlanId { index, source })?;
        if plans.iter().any(|known| known.plan_id == plan_id) {
            return Err(InvalidPlan::Duplicate(plan_id));
        }
        if !is_display_text(&document.name, MAX_NAME_CHARS) {
            return Err(InvalidPlan::Name(plan_id));
        }
        if !is_tier(&document.tier) {
            return Err(InvalidPlan::UnknownTier(plan_id, document.tier));
        }
        plans.push(MembershipPlan {
            plan_id,
            name: document.name,
            tier: document.tier,
            earn_multiplier: document.earn_multiplier,
        });
    }
    Ok(plans)
}

impl From<MembershipPlan> for MembershipPlanDocument {
    fn from(plan: MembershipPlan) -> Self {
        Self {
            plan_id: plan.plan_id.into(),
            name: plan.name,
            tier: plan.tier,
            earn_multiplier: plan.earn_multiplier,
        }
    }
}

/// The billing system's reference for a membership (an invoice, a subscription): 1 to 200
/// characters of display text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BillingReference(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "reference must be 1 to {MAX_REFERENCE_CHARS} characters, without control characters or leading or trailing spaces"
)]
pub struct InvalidReference;

impl TryFrom<String> for BillingReference {
    type Error = InvalidReference;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        if is_display_text(&raw, MAX_REFERENCE_CHARS) {
            Ok(Self(raw))
        } else {
            Err(InvalidReference)
        }
    }
}

impl From<BillingReference> for String {
    fn from(reference: BillingReference) -> String {
        reference.0
    }
}

/// A member's membership of a plan, until a time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Membership {
    pub plan_id: PlanId,
    #[serde(with = "crate::domain::rfc3339")]
    pub until: OffsetDateTime,
    pub reference: BillingReference,
    #[serde(with = "crate::domain::rfc3339")]
    pub started_at: OffsetDateTime,
    pub set_by: String,
}

impl Membership {
    pub fn is_running(&self, now: OffsetDateTime) -> bool {
        now < self.until
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document(id: &str, tier: &str) -> MembershipPlanDocument {
        MembershipPlanDocument {
            plan_id: id.into(),
            name: "Plus".into(),
            tier: tier.into(),
            earn_multiplier: Some(Multiplier::from_thousandths(1250).unwrap()),
        }
    }

    fn check(documents: Vec<MembershipPlanDocument>) -> Result<Vec<MembershipPlan>, InvalidPlan> {
        membership_plans(documents, |tier| tier == "Gold")
    }

    #[test]
    fn plans_name_a_tier_once_each() {
        let plan = check(vec![document("plus", "Gold")]).unwrap().remove(0);
        assert_eq!(
            (plan.tier(), plan.rule().as_str()),
            ("Gold", "membership:plus")
        );
        assert_eq!(MembershipPlanDocument::from(plan), document("plus", "Gold"));
        assert!(matches!(
            check(vec![document("plus", "Platinum")]),
            Err(InvalidPlan::UnknownTier(_, tier)) if tier == "Platinum"
        ));
        assert!(matches!(
            check(vec![document("plus", "Gold"), document("plus", "Gold")]),
            Err(InvalidPlan::Duplicate(_))
        ));
        assert!(matches!(
            check(vec![document("", "Gold")]),
            Err(InvalidPlan::PlanId { .. })
        ));
        let mut unnamed = document("plus", "Gold");
        unnamed.name = String::new();
        assert!(matches!(check(vec![unnamed]), Err(InvalidPlan::Name(_))));
        let many = (0..=MAX_PLANS)
            .map(|i| document(&format!("p{i}"), "Gold"))
            .collect();
        assert_eq!(check(many), Err(InvalidPlan::TooMany(MAX_PLANS + 1)));
    }

    #[test]
    fn references_are_display_text() {
        assert!(BillingReference::try_from("inv-2026-12".to_string()).is_ok());
        assert!(BillingReference::try_from(String::new()).is_err());
        assert!(BillingReference::try_from("x\n".to_string()).is_err());
        assert!(BillingReference::try_from("x".repeat(201)).is_err());
    }
}
