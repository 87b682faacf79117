//! Challenges of the programme ("five coffees in December", "spend 100 EUR this month",
//! "write three reviews"), as operators write them in `challenges`, and a member's progress
//! on each: which purchases and actions count, when the goal is reached (once), and what a
//! full reversal takes back.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::currency::Currency;
use super::identifier::{ActionName, Badge, ChallengeId, InvalidIdentifier, RuleId};
use super::money::Money;
use super::points::{MAX_POINTS, Points};
use super::tier::is_display_text;

/// The most challenges a programme holds: each member keeps its progress on every running
/// one in its own item.
pub const MAX_CHALLENGES: usize = 50;
/// The most badges a member keeps; past it the oldest goes, so the item stays bounded.
pub const MAX_BADGES: usize = 100;
/// A goal above this (counts; spend is bounded by money's own limit) is a typo.
pub const MAX_GOAL_COUNT: i64 = 1_000_000;
const MAX_NAME_CHARS: usize = 128;
const MAX_CATEGORIES: usize = 50;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChallengeDocument {
    pub challenge_id: String,
    pub name: String,
    #[serde(with = "crate::domain::rfc3339")]
    pub valid_from: OffsetDateTime,
    #[serde(with = "crate::domain::rfc3339")]
    pub valid_to: OffsetDateTime,
    pub goal: GoalDocument,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    pub reward: ChallengeRewardDocument,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub badge: Option<String>,
}

/// `{"purchases": 5}`, `{"spend": {"amount": 10000, "currency": "EUR"}}` or
/// `{"actions": {"action": "review", "count": 3}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum GoalDocument {
    Purchases(i64),
    Spend(Money),
    Actions(ActionGoalDocument),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionGoalDocument {
    pub action: String,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChallengeRewardDocument {
    pub points: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidChallenge {
    #[error("challenges lists at most {MAX_CHALLENGES} challenges, got {0}")]
    TooMany(usize),
    #[error("challenges[{index}]: {source}")]
    Identifier {
        index: usize,
        source: InvalidIdentifier,
    },
    #[error("challenges uses challengeId \"{0}\" more than once")]
    Duplicate(ChallengeId),
    #[error(
        "challenge \"{0}\": name must be 1 to {MAX_NAME_CHARS} characters, without control characters or leading or trailing spaces"
    )]
    Name(ChallengeId),
    #[error("challenge \"{0}\": validFrom must be before validTo")]
    Window(ChallengeId),
    #[error("challenge \"{0}\": goal must be at least 1 and at most {MAX_GOAL_COUNT}")]
    Goal(ChallengeId),
    #[error("challenge \"{0}\": the spend goal's currency {1} is not one the programme takes")]
    Currency(ChallengeId, Currency),
    #[error("challenge \"{0}\": action \"{1}\" has no rule in actionRules")]
    UnknownAction(ChallengeId, ActionName),
    #[error(
        "challenge \"{0}\": categories apply to purchases and spend goals only, at most {MAX_CATEGORIES}"
    )]
    Categories(ChallengeId),
    #[error("challenge \"{id}\": reward.points must be between 1 and {MAX_POINTS}, got {points}")]
    Reward { id: ChallengeId, points: i64 },
}

/// What reaching a challenge takes, in the unit its progress counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Goal {
    Purchases(u32),
    Spend(Money),
    Actions { action: ActionName, count: u32 },
}

impl Goal {
    /// The target, in the progress's unit: purchases, actions, or minor units spent.
    pub fn target(&self) -> i64 {
        match self {
            Goal::Purchases(count) | Goal::Actions { count, .. } => i64::from(*count),
            Goal::Spend(money) => money.amount_minor(),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Goal::Purchases(_) => "purchases",
            Goal::Spend(_) => "spend",
            Goal::Actions { .. } => "actions",
        }
    }

    pub fn currency(&self) -> Option<Currency> {
        match self {
            Goal::Spend(money) => Some(money.currency()),
            _ => None,
        }
    }
}

/// A checked challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    challenge_id: ChallengeId,
    name: String,
    valid_from: OffsetDateTime,
    valid_to: OffsetDateTime,
    goal: Goal,
    categories: Vec<RuleId>,
    reward: Points,
    badge: Option<Badge>,
}

impl Challenge {
    pub fn challenge_id(&self) -> &ChallengeId {
        &self.challenge_id
    }
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn valid_from(&self) -> OffsetDateTime {
        self.valid_from
    }
    pub fn valid_to(&self) -> OffsetDateTime {
        self.valid_to
    }
    pub fn goal(&self) -> &Goal {
        &self.goal
    }
    pub fn reward(&self) -> Points {
        self.reward
    }
    pub fn badge(&self) -> Option<&Badge> {
        self.badge.as_ref()
    }

    /// Started by `now` and not over.
    pub fn is_running(&self, now: OffsetDateTime) -> bool {
        self.valid_from <= now && now < self.valid_to
    }

    /// What something done at `at` adds to this challenge's progress (0: nothing), when the
    /// challenge is still running at `now`.
    pub fn counts(&self, done: &Done<'_>, now: OffsetDateTime) -> i64 {
        let at = match done {
            Done::Purchase { occurred_at, .. } | Done::Action { occurred_at, .. } => *occurred_at,
        };
        if now >= self.valid_to || !(self.valid_from..self.valid_to).contains(&at) {
            return 0;
        }
        let in_category = |category: Option<&RuleId>| {
            self.categories.is_empty() || category.is_some_and(|c| self.categories.contains(c))
        };
        match (&self.goal, done) {
            (Goal::Purchases(_), Done::Purchase { category, .. }) if in_category(*category) => 1,
            (
                Goal::Spend(goal),
                Done::Purchase {
                    amount, category, ..
                },
            ) if in_category(*category) && amount.currency() == goal.currency() => {
                amount.amount_minor()
            }
            (Goal::Actions { action, .. }, Done::Action { action: done, .. })
                if action == *done =>
            {
                1
            }
            _ => 0,
        }
    }
}

/// Something a member did that challenges may count.
#[derive(Debug, Clone, Copy)]
pub enum Done<'a> {
    Purchase {
        amount: &'a Money,
        category: Option<&'a RuleId>,
        occurred_at: OffsetDateTime,
    },
    Action {
        action: &'a ActionName,
        occurred_at: OffsetDateTime,
    },
}

fn count(raw: i64, id: &ChallengeId) -> Result<u32, InvalidChallenge> {
    u32::try_from(raw)
        .ok()
        .filter(|n| (1..=MAX_GOAL_COUNT).contains(&i64::from(*n)))
        .ok_or_else(|| InvalidChallenge::Goal(id.clone()))
}

/// Checks the challenges: each on its own (a spend goal in a currency the programme takes,
/// an action goal for an action it has a rule for), ids unique, at most [`MAX_CHALLENGES`].
pub fn challenges(
    documents: Vec<ChallengeDocument>,
    currencies: &[Currency],
    actions: &[&ActionName],
) -> Result<Vec<Challenge>, InvalidChallenge> {
    if documents.len() > MAX_CHALLENGES {
        return Err(InvalidChallenge::TooMany(documents.len()));
    }
    let mut checked: Vec<Challenge> = Vec::with_capacity(documents.len());
    for (index, document) in documents.into_iter().enumerate() {
        let identifier = |source| InvalidChallenge::Identifier { index, source };
        let id = ChallengeId::try_from(document.challenge_id).map_err(identifier)?;
        if checked.iter().any(|known| known.challenge_id == id) {
            return Err(InvalidChallenge::Duplicate(id));
        }
        if !is_display_text(&document.name, MAX_NAME_CHARS) {
            return Err(InvalidChallenge::Name(id));
        }
        if document.valid_from >= document.valid_to {
            return Err(InvalidChallenge::Window(id));
        }
        let goal = match document.goal {
            GoalDocument::Purchases(n) => Goal::Purchases(count(n, &id)?),
            GoalDocument::Spend(money) => {
                if money.is_zero() {
                    return Err(InvalidChallenge::Goal(id));
                }
                if !currencies.contains(&money.currency()) {
                    return Err(InvalidChallenge::Currency(id, money.currency()));
                }
                Goal::Spend(money)
            }
            GoalDocument::Actions(goal) => {
                let action = ActionName::try_from(goal.action).map_err(identifier)?;
                if !actions.contains(&&action) {
                    return Err(InvalidChallenge::UnknownAction(id, action));
                }
                Goal::Actions {
                    count: count(goal.count, &id)?,
                    action,
                }
            }
        };
        let for_purchases = !matches!(goal, Goal::Actions { .. });
        if (!document.categories.is_empty() && !for_purchases)
            || document.categories.len() > MAX_CATEGORIES
        {
            return Err(InvalidChallenge::Categories(id));
        }
        let categories = document
            .categories
            .into_iter()
            .map(RuleId::try_from)
            .collect::<Result<Vec<_>, _>>()
            .map_err(identifier)?;
        let reward = Points::new(document.reward.points)
            .filter(|p| p.is_positive())
            .ok_or_else(|| InvalidChallenge::Reward {
                id: id.clone(),
                points: document.reward.points,
            })?;
        let badge = document
            .badge
            .map(Badge::try_from)
            .transpose()
            .map_err(identifier)?;
        checked.push(Challenge {
            challenge_id: id,
            name: document.name,
            valid_from: super::program::utc(document.valid_from),
            valid_to: super::program::utc(document.valid_to),
            goal,
            categories,
            reward,
            badge,
        });
    }
    Ok(checked)
}

impl From<Challenge> for ChallengeDocument {
    fn from(challenge: Challenge) -> Self {
        Self {
            challenge_id: challenge.challenge_id.into(),
            name: challenge.name,
            valid_from: challenge.valid_from,
            valid_to: challenge.valid_to,
            goal: match challenge.goal {
                Goal::Purchases(n) => GoalDocument::Purchases(i64::from(n)),
                Goal::Spend(money) => GoalDocument::Spend(money),
                Goal::Actions { action, count } => GoalDocument::Actions(ActionGoalDocument {
                    action: action.into(),
                    count: i64::from(count),
                }),
            },
            categories: challenge.categories.into_iter().map(Into::into).collect(),
            reward: ChallengeRewardDocument {
                points: challenge.reward.value(),
            },
            badge: challenge.badge.map(Into::into),
        }
    }
}

/// A member's progress on one running challenge; the entry goes when the challenge ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChallengeProgress {
    pub progress: i64,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::domain::rfc3339::option"
    )]
    pub completed_at: Option<OffsetDateTime>,
    #[serde(with = "crate::domain::rfc3339")]
    pub until: OffsetDateTime,
}

pub type ChallengeProgresses = BTreeMap<ChallengeId, ChallengeProgress>;

/// What one purchase added to one challenge, kept with the purchase so a full reversal
/// takes exactly that back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChallengeStep {
    pub challenge_id: ChallengeId,
    pub amount: i64,
}

/// Adds what `done` counts to each running challenge; says what it added (for the
/// purchase's record) and which challenges it completed (each once: a completed one stays
/// completed, whatever comes after).
pub fn advance<'p>(
    challenges: &'p [Challenge],
    progress: &mut ChallengeProgresses,
    done: &Done<'_>,
    now: OffsetDateTime,
) -> (Vec<ChallengeStep>, Vec<&'p Challenge>) {
    let mut steps = Vec::new();
    let mut completed = Vec::new();
    for challenge in challenges {
        let amount = challenge.counts(done, now);
        if amount <= 0 {
            continue;
        }
        let entry = progress
            .entry(challenge.challenge_id.clone())
            .or_insert(ChallengeProgress {
                progress: 0,
                completed_at: None,
                until: challenge.valid_to,
            });
        entry.progress = entry.progress.saturating_add(amount);
        entry.until = challenge.valid_to;
        steps.push(ChallengeStep {
            challenge_id: challenge.challenge_id.clone(),
            amount,
        });
        if entry.completed_at.is_none() && entry.progress >= challenge.goal.target() {
            entry.completed_at = Some(now);
            completed.push(challenge);
        }
    }
    (steps, completed)
}

/// Takes back what a reversed purchase added; says which of those challenges were
/// completed already (their reward stays).
pub fn take_back(progress: &mut ChallengeProgresses, steps: &[ChallengeStep]) -> Vec<ChallengeId> {
    let mut kept = Vec::new();
    for step in steps {
        if let Some(entry) = progress.get_mut(&step.challenge_id) {
            entry.progress = entry.progress.saturating_sub(step.amount).max(0);
            if entry.completed_at.is_some() {
                kept.push(step.challenge_id.clone());
            }
        }
    }
    kept
}

/// A running challenge as the member's app shows it: progress towards the goal, in the
/// goal's unit (purchases, actions, or minor units of `currency`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChallengeStatus {
    pub challenge_id: ChallengeId,
    pub name: String,
    pub kind: &'static str,
    pub progress: i64,
    pub goal: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<Currency>,
    pub completed: bool,
    #[serde(with = "crate::domain::rfc3339")]
    pub valid_from: OffsetDateTime,
    #[serde(with = "crate::domain::rfc3339")]
    pub valid_to: OffsetDateTime,
    pub reward: ChallengeRewardDocument,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub badge: Option<Badge>,
}

/// The challenges running at `now`, in programme order, with the member's progress.
pub fn statuses(
    challenges: &[Challenge],
    progress: &ChallengeProgresses,
    now: OffsetDateTime,
) -> Vec<ChallengeStatus> {
    challenges
        .iter()
        .filter(|challenge| challenge.is_running(now))
        .map(|challenge| {
            let mine = progress.get(&challenge.challenge_id);
            ChallengeStatus {
                challenge_id: challenge.challenge_id.clone(),
                name: challenge.name.clone(),
                kind: challenge.goal.kind(),
                progress: mine.map_or(0, |p| p.progress),
                goal: challenge.goal.target(),
                currency: challenge.goal.currency(),
                completed: mine.is_some_and(|p| p.completed_at.is_some()),
                valid_from: challenge.valid_from,
                valid_to: challenge.valid_to,
                reward: ChallengeRewardDocument {
                    points: challenge.reward.value(),
                },
                badge: challenge.badge.clone(),
            }
        })
        .collect()
}

/// Adds a badge (once); past [`MAX_BADGES`] the oldest goes.
pub fn award_badge(badges: &mut Vec<Badge>, badge: &Badge) {
    if badges.contains(badge) {
        return;
    }
    badges.push(badge.clone());
    if badges.len() > MAX_BADGES {
        badges.remove(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;
    use time::macros::datetime;

    const FROM: OffsetDateTime = datetime!(2026-12-01 0:00 UTC);
    const TO: OffsetDateTime = datetime!(2027-01-01 0:00 UTC);
    const NOW: OffsetDateTime = datetime!(2026-12-10 12:00 UTC);

    fn eur() -> Currency {
        Currency::try_from("EUR").unwrap()
    }

    fn document(id: &str, goal: GoalDocument) -> ChallengeDocument {
        ChallengeDocument {
            challenge_id: id.into(),
            name: "December".into(),
            valid_from: FROM,
            valid_to: TO,
            goal,
            categories: Vec::new(),
            reward: ChallengeRewardDocument { points: 100 },
            badge: Some("december".into()),
        }
    }

    fn check(documents: Vec<ChallengeDocument>) -> Result<Vec<Challenge>, InvalidChallenge> {
        let review = ActionName::try_from("review").unwrap();
        challenges(documents, &[eur()], &[&review])
    }

    fn purchase(money: &Money, at: OffsetDateTime) -> Done<'_> {
        Done::Purchase {
            amount: money,
            category: None,
            occurred_at: at,
        }
    }

    #[test]
    fn refuses_each_bad_field_naming_the_challenge() {
        let bad = |mut d: ChallengeDocument, f: &dyn Fn(&mut ChallengeDocument)| {
            f(&mut d);
            check(vec![d]).unwrap_err()
        };
        let base = document("c1", GoalDocument::Purchases(3));
        assert!(check(vec![base.clone()]).is_ok());
        assert!(matches!(
            bad(base.clone(), &|d| d.valid_to = d.valid_from),
            InvalidChallenge::Window(_)
        ));
        assert!(matches!(
            bad(base.clone(), &|d| d.goal = GoalDocument::Purchases(0)),
            InvalidChallenge::Goal(_)
        ));
        assert!(matches!(
            bad(base.clone(), &|d| d.goal =
                GoalDocument::Spend(Money::zero(eur()))),
            InvalidChallenge::Goal(_)
        ));
        assert!(matches!(
            bad(base.clone(), &|d| {
                d.goal = GoalDocument::Spend(
                    Money::new(100, Currency::try_from("JPY").unwrap()).unwrap(),
                )
            }),
            InvalidChallenge::Currency(..)
        ));
        assert!(matches!(
            bad(base.clone(), &|d| {
                d.goal = GoalDocument::Actions(ActionGoalDocument {
                    action: "survey".into(),
                    count: 2,
                })
            }),
            InvalidChallenge::UnknownAction(..)
        ));
        assert!(matches!(
            bad(base.clone(), &|d| {
                d.goal = GoalDocument::Actions(ActionGoalDocument {
                    action: "review".into(),
                    count: 2,
                });
                d.categories = vec!["coffee".into()];
            }),
            InvalidChallenge::Categories(_)
        ));
        assert!(matches!(
            bad(base.clone(), &|d| d.reward.points = -1),
            InvalidChallenge::Reward { .. }
        ));
        assert!(matches!(
            bad(base.clone(), &|d| d.name = " x".into()),
            InvalidChallenge::Name(_)
        ));
        assert!(matches!(
            bad(base.clone(), &|d| d.badge = Some("a b".into())),
            InvalidChallenge::Identifier { index: 0, .. }
        ));
        assert!(matches!(
            check(vec![base.clone(), base.clone()]),
            Err(InvalidChallenge::Duplicate(_))
        ));
        let original = document(
            "c2",
            GoalDocument::Actions(ActionGoalDocument {
                action: "review".into(),
                count: 2,
            }),
        );
        let parsed = check(vec![original.clone()]).unwrap().remove(0);
        assert_eq!(ChallengeDocument::from(parsed), original);
    }

    #[test]
    fn counts_purchases_in_the_window_and_the_categories_only() {
        let mut d = document("c1", GoalDocument::Purchases(2));
        d.categories = vec!["coffee".into()];
        let c = check(vec![d]).unwrap().remove(0);
        let money = Money::new(300, eur()).unwrap();
        let coffee = RuleId::try_from("coffee").unwrap();
        let in_category = Done::Purchase {
            amount: &money,
            category: Some(&coffee),
            occurred_at: NOW,
        };
        assert_eq!(c.counts(&in_category, NOW), 1);
        assert_eq!(c.counts(&purchase(&money, NOW), NOW), 0, "no category");
        let before = Done::Purchase {
            amount: &money,
            category: Some(&coffee),
            occurred_at: FROM - Duration::seconds(1),
        };
        assert_eq!(c.counts(&before, NOW), 0);
        assert_eq!(
            c.counts(&in_category, TO),
            0,
            "over by the time it is posted"
        );
    }

    #[test]
    fn completes_once_and_a_reversal_takes_progress_but_not_the_completion() {
        let c = check(vec![document(
            "spend",
            GoalDocument::Spend(Money::new(1000, eur()).unwrap()),
        )])
        .unwrap();
        let mut progress = ChallengeProgresses::new();
        let big = Money::new(600, eur()).unwrap();
        let (first, done) = advance(&c, &mut progress, &purchase(&big, NOW), NOW);
        assert!(done.is_empty());
        assert_eq!(first[0].amount, 600);
        let (second, done) = advance(&c, &mut progress, &purchase(&big, NOW), NOW);
        assert_eq!(done.len(), 1);
        let (_, again) = advance(&c, &mut progress, &purchase(&big, NOW), NOW);
        assert!(again.is_empty(), "a completed challenge pays once");
        assert_eq!(
            take_back(&mut progress, &second),
            vec![c[0].challenge_id().clone()]
        );
        assert_eq!(progress[c[0].challenge_id()].progress, 1200);
        assert!(progress[c[0].challenge_id()].completed_at.is_some());
        let usd = Money::new(5000, Currency::try_from("USD").unwrap()).unwrap();
        assert!(
            advance(&c, &mut progress, &purchase(&usd, NOW), NOW)
                .0
                .is_empty()
        );
    }

    #[test]
    fn badges_are_kept_once_and_bounded() {
        let mut badges = Vec::new();
        for i in 0..=MAX_BADGES {
            award_badge(&mut badges, &Badge::try_from(format!("b{i}")).unwrap());
        }
        award_badge(&mut badges, &Badge::try_from("b5").unwrap());
        assert_eq!(badges.len(), MAX_BADGES);
        assert_eq!(badges[0].as_str(), "b1", "the oldest went");
    }
}
