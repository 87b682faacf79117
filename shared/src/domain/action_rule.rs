//! Points for actions the business has verified (a review, a survey, a completed profile),
//! as operators write them in `actionRules`, and what a member has had from each rule so far,
//! against the rule's daily and lifetime limits.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::identifier::{ActionId, ActionName, InvalidIdentifier, MemberId};
use super::points::{MAX_POINTS, Points};

/// The most rules a programme holds: each member counts its uses of every rule in its own
/// item, so the item stays small whatever the programme.
pub const MAX_ACTION_RULES: usize = 50;
/// A limit above this is a typo, not a limit.
pub const MAX_ACTION_LIMIT: i64 = 1_000_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ActionRuleDocument {
    pub action: String,
    pub points: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_per_day: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_total: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidActionRule {
    #[error("actionRules lists at most {MAX_ACTION_RULES} rules, got {0}")]
    TooMany(usize),
    #[error("actionRules[{index}]: {source}")]
    Action {
        index: usize,
        source: InvalidIdentifier,
    },
    #[error("actionRules uses action \"{0}\" more than once")]
    Duplicate(ActionName),
    #[error("action rule \"{action}\": points must be between 1 and {MAX_POINTS}, got {points}")]
    Points { action: ActionName, points: i64 },
    #[error(
        "action rule \"{action}\": {field} must be between 1 and {MAX_ACTION_LIMIT}, got {value}"
    )]
    Limit {
        action: ActionName,
        field: &'static str,
        value: i64,
    },
}

/// A checked rule: `points` for each `action`, at most `max_per_day` a UTC day and
/// `max_total` ever, per member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionRule {
    action: ActionName,
    points: Points,
    max_per_day: Option<u32>,
    max_total: Option<u32>,
}

impl ActionRule {
    pub fn action(&self) -> &ActionName {
        &self.action
    }
    pub fn points(&self) -> Points {
        self.points
    }
}

fn limit(
    action: &ActionName,
    field: &'static str,
    value: Option<i64>,
) -> Result<Option<u32>, InvalidActionRule> {
    value
        .map(|value| {
            u32::try_from(value)
                .ok()
                .filter(|v| (1..=MAX_ACTION_LIMIT).contains(&i64::from(*v)))
                .ok_or_else(|| InvalidActionRule::Limit {
                    action: action.clone(),
                    field,
                    value,
                })
        })
        .transpose()
}

/// Checks the rules: each on its own, actions unique, at most [`MAX_ACTION_RULES`].
pub fn action_rules(
    documents: Vec<ActionRuleDocument>,
) -> Result<Vec<ActionRule>, InvalidActionRule> {
    if documents.len() > MAX_ACTION_RULES {
        return Err(InvalidActionRule::TooMany(documents.len()));
    }
    let mut rules: Vec<ActionRule> = Vec::with_capacity(documents.len());
    for (index, document) in documents.into_iter().enumerate() {
        let action = ActionName::try_from(document.action)
            .map_err(|source| InvalidActionRule::Action { index, source })?;
        if rules.iter().any(|known| known.action == action) {
            return Err(InvalidActionRule::Duplicate(action));
        }
        let points = Points::new(document.points)
            .filter(|p| p.is_positive())
            .ok_or_else(|| InvalidActionRule::Points {
                action: action.clone(),
                points: document.points,
            })?;
        let max_per_day = limit(&action, "maxPerDay", document.max_per_day)?;
        let max_total = limit(&action, "maxTotal", document.max_total)?;
        rules.push(ActionRule {
            action,
            points,
            max_per_day,
            max_total,
        });
    }
    Ok(rules)
}

impl From<ActionRule> for ActionRuleDocument {
    fn from(rule: ActionRule) -> Self {
        Self {
            action: rule.action.into(),
            points: rule.points.value(),
            max_per_day: rule.max_per_day.map(i64::from),
            max_total: rule.max_total.map(i64::from),
        }
    }
}

/// How often a member was credited for one action: in all, and on the UTC day of the latest
/// credit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionCount {
    pub total: u32,
    #[serde(with = "crate::domain::rfc3339")]
    pub last_at: OffsetDateTime,
    pub that_day: u32,
}

/// A member's counts, per action (at most one per rule the programme ever had that the
/// member did: bounded by [`MAX_ACTION_RULES`] per programme version).
pub type ActionCounts = BTreeMap<ActionName, ActionCount>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LimitReached {
    #[error("the member has had this action's points {0} times today (UTC), its daily limit")]
    Daily(u32),
    #[error("the member has had this action's points {0} times, its limit")]
    Total(u32),
}

impl ActionRule {
    /// Counts one more credit at `now`, unless a limit is reached.
    pub fn count(
        &self,
        counts: &mut ActionCounts,
        now: OffsetDateTime,
    ) -> Result<(), LimitReached> {
        let current = counts.get(&self.action).copied();
        let today = current
            .filter(|c| c.last_at.date() == now.date())
            .map_or(0, |c| c.that_day);
        let total = current.map_or(0, |c| c.total);
        if let Some(max) = self.max_per_day.filter(|max| today >= *max) {
            return Err(LimitReached::Daily(max));
        }
        if let Some(max) = self.max_total.filter(|max| total >= *max) {
            return Err(LimitReached::Total(max));
        }
        counts.insert(
            self.action.clone(),
            ActionCount {
                total: total.saturating_add(1),
                last_at: now,
                that_day: today.saturating_add(1),
            },
        );
        Ok(())
    }
}

/// An action credited to a member, kept for good under its `actionId` so it is never
/// credited twice, even after the idempotency record has expired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditedAction {
    pub member_id: MemberId,
    pub action_id: ActionId,
    pub action: ActionName,
    pub points: Points,
    pub entry_id: String,
    pub occurred_at: OffsetDateTime,
    pub recorded_at: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;
    use time::macros::datetime;

    fn document(
        action: &str,
        points: i64,
        per_day: Option<i64>,
        total: Option<i64>,
    ) -> ActionRuleDocument {
        ActionRuleDocument {
            action: action.into(),
            points,
            max_per_day: per_day,
            max_total: total,
        }
    }

    #[test]
    fn checks_each_rule_and_the_set() {
        assert!(action_rules(vec![document("review", 50, Some(1), Some(20))]).is_ok());
        assert!(matches!(
            action_rules(vec![document("review", 0, None, None)]),
            Err(InvalidActionRule::Points { points: 0, .. })
        ));
        assert!(matches!(
            action_rules(vec![document("review", -5, None, None)]),
            Err(InvalidActionRule::Points { .. })
        ));
        assert!(matches!(
            action_rules(vec![document("review", 5, Some(0), None)]),
            Err(InvalidActionRule::Limit {
                field: "maxPerDay",
                ..
            })
        ));
        assert!(matches!(
            action_rules(vec![document("review", 5, None, Some(-1))]),
            Err(InvalidActionRule::Limit {
                field: "maxTotal",
                ..
            })
        ));
        assert!(matches!(
            action_rules(vec![document("a b", 5, None, None)]),
            Err(InvalidActionRule::Action { index: 0, .. })
        ));
        let twice = vec![
            document("review", 5, None, None),
            document("review", 6, None, None),
        ];
        assert!(matches!(
            action_rules(twice),
            Err(InvalidActionRule::Duplicate(_))
        ));
        let many = (0..=MAX_ACTION_RULES)
            .map(|i| document(&format!("a{i}"), 1, None, None))
            .collect();
        assert_eq!(
            action_rules(many),
            Err(InvalidActionRule::TooMany(MAX_ACTION_RULES + 1))
        );
    }

    #[test]
    fn a_rule_survives_its_round_trip() {
        let original = document("survey", 100, None, Some(5));
        let rule = action_rules(vec![original.clone()]).unwrap().remove(0);
        assert_eq!(ActionRuleDocument::from(rule), original);
    }

    #[test]
    fn counts_against_the_daily_limit_per_utc_day_and_the_total() {
        let rule = action_rules(vec![document("review", 50, Some(2), Some(3))])
            .unwrap()
            .remove(0);
        let mut counts = ActionCounts::new();
        let day = datetime!(2026-12-03 10:00 UTC);
        rule.count(&mut counts, day).unwrap();
        rule.count(&mut counts, day + Duration::hours(1)).unwrap();
        let before = counts.clone();
        assert_eq!(
            rule.count(&mut counts, day + Duration::hours(2)),
            Err(LimitReached::Daily(2))
        );
        assert_eq!(counts, before, "a refused action counts nothing");
        rule.count(&mut counts, datetime!(2026-12-04 0:00 UTC))
            .unwrap();
        assert_eq!(
            rule.count(&mut counts, datetime!(2026-12-05 0:00 UTC)),
            Err(LimitReached::Total(3))
        );
        assert_eq!(counts[rule.action()].total, 3);
    }
}
