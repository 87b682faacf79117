//! Engagement: when a member counts as gone quiet, and the signals the daily run sends about
//! it (`MemberInactive` once per quiet spell, `TierAtRisk` once per review that would lower
//! the tier) and the write that ends a spell (`MemberReactivated`). Each signal is decided
//! from the member's own record, so a repeated or late run sends it once.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use super::event::DomainEvent;
use super::member::Member;
use super::metrics::Before;
use super::points::Points;
use super::program::Program;

const DEFAULT_INACTIVE_AFTER_DAYS: i64 = 60;
const DEFAULT_TIER_AT_RISK_DAYS: i64 = 30;
pub const MAX_ENGAGEMENT_DAYS: i64 = 3650;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "engagement.{field} must be a whole number of days from 1 to {MAX_ENGAGEMENT_DAYS}, got {value}"
)]
pub struct InvalidEngagement {
    field: &'static str,
    value: i64,
}

/// `engagement` in the programme, as operators write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EngagementDocument {
    #[serde(default = "default_inactive_after_days")]
    pub inactive_after_days: i64,
    #[serde(default = "default_tier_at_risk_days")]
    pub tier_at_risk_days: i64,
}

fn default_inactive_after_days() -> i64 {
    DEFAULT_INACTIVE_AFTER_DAYS
}

fn default_tier_at_risk_days() -> i64 {
    DEFAULT_TIER_AT_RISK_DAYS
}

impl Default for EngagementDocument {
    fn default() -> Self {
        Self {
            inactive_after_days: DEFAULT_INACTIVE_AFTER_DAYS,
            tier_at_risk_days: DEFAULT_TIER_AT_RISK_DAYS,
        }
    }
}

/// The checked terms: both periods between 1 day and ten years.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Engagement {
    inactive_after: Duration,
    tier_at_risk: Duration,
}

impl Default for Engagement {
    fn default() -> Self {
        Self {
            inactive_after: Duration::days(DEFAULT_INACTIVE_AFTER_DAYS),
            tier_at_risk: Duration::days(DEFAULT_TIER_AT_RISK_DAYS),
        }
    }
}

impl TryFrom<EngagementDocument> for Engagement {
    type Error = InvalidEngagement;

    fn try_from(doc: EngagementDocument) -> Result<Self, Self::Error> {
        let days = |field: &'static str, value: i64| {
            (1..=MAX_ENGAGEMENT_DAYS)
                .contains(&value)
                .then(|| Duration::days(value))
                .ok_or(InvalidEngagement { field, value })
        };
        Ok(Self {
            inactive_after: days("inactiveAfterDays", doc.inactive_after_days)?,
            tier_at_risk: days("tierAtRiskDays", doc.tier_at_risk_days)?,
        })
    }
}

impl From<Engagement> for EngagementDocument {
    fn from(engagement: Engagement) -> Self {
        Self {
            inactive_after_days: engagement.inactive_after.whole_days(),
            tier_at_risk_days: engagement.tier_at_risk.whole_days(),
        }
    }
}

/// Whether a member's last earn or redemption is recent enough.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Status {
    Active,
    Inactive,
}

/// What the daily run found to tell about a member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signal {
    /// The member's quiet spell began: no earn or redemption since `last_activity_at` (none
    /// at all since enrolment when `None`).
    Inactive {
        last_activity_at: Option<OffsetDateTime>,
    },
    /// The review at `review_at` would lower `tier` unless `points_needed` more qualifying
    /// points are earned before it.
    TierAtRisk {
        tier: String,
        review_at: OffsetDateTime,
        points_needed: Points,
    },
}

/// `MemberReactivated`, when a change (an earn or a redemption) turned `before`, whose quiet
/// spell had been announced, into `after`.
pub fn reactivation(
    before: Option<Before>,
    after: Option<&Member>,
    now: OffsetDateTime,
) -> Option<DomainEvent> {
    let after = after?;
    (before?.quiet_announced && !after.quiet_announced())
        .then(|| DomainEvent::member_reactivated(after, now))
}

impl Member {
    /// When the member's current quiet spell begins (or began): `inactiveAfterDays` after its
    /// last earn or redemption, or, when it has had none, after its enrolment (its import).
    pub fn quiet_from(&self, engagement: Engagement) -> OffsetDateTime {
        self.last_seen() + engagement.inactive_after
    }

    /// The last earn or redemption; without one, when the engine began to see the member.
    pub fn last_seen(&self) -> OffsetDateTime {
        self.last_activity_at
            .or(self.activity_seen_since)
            .unwrap_or(self.enrolled_at)
    }

    pub fn status(&self, engagement: Engagement, now: OffsetDateTime) -> Status {
        if now < self.quiet_from(engagement) {
            Status::Active
        } else {
            Status::Inactive
        }
    }

    pub fn marketing_consent(&self) -> bool {
        self.marketing_consent
    }

    pub fn set_marketing_consent(&mut self, consent: bool) {
        self.marketing_consent = consent;
    }

    /// Whether the member's current quiet spell has been announced (`MemberInactive`).
    pub fn quiet_announced(&self) -> bool {
        self.quiet_announced
    }

    /// Marks an earn or a redemption: a quiet spell that was announced is over.
    pub(crate) fn mark_active(&mut self, now: OffsetDateTime) {
        self.last_activity_at = Some(now);
        self.quiet_announced = false;
    }

    /// The signals that are due at `now`, each marked as sent on the member so that no
    /// later run sends it again. Called by the daily run after the tier review, so a review
    /// that has already lowered the tier is not announced as a risk.
    pub(crate) fn engagement_signals(
        &mut self,
        program: &Program,
        now: OffsetDateTime,
    ) -> Vec<Signal> {
        let mut signals = Vec::new();
        if !self.quiet_announced && now >= self.quiet_from(program.engagement()) {
            self.quiet_announced = true;
            signals.push(Signal::Inactive {
                last_activity_at: self.last_activity_at,
            });
        }
        if let Some(review_at) = self.tier.review_at
            && self.at_risk_checked != Some(review_at)
            && now >= review_at - program.engagement().tier_at_risk
        {
            // Checked once per review: qualifying points as of the review date only grow
            // with later earns, so a member not at risk now will not be at risk then.
            self.at_risk_checked = Some(review_at);
            if let Some(points_needed) = self.points_to_keep_tier(program, review_at) {
                signals.push(Signal::TierAtRisk {
                    tier: self.tier.name.clone(),
                    review_at,
                    points_needed,
                });
            }
        }
        signals
    }

    /// How many more qualifying points the member needs by `review_at` to keep its tier,
    /// when the review would lower it (`None`: it keeps the tier, by points or by a floor).
    fn points_to_keep_tier(&self, program: &Program, review_at: OffsetDateTime) -> Option<Points> {
        let tier = program.tier_named(&self.tier.name)?;
        if self.floor.as_ref().is_some_and(|f| {
            f.until > review_at && program.tier_rank(&f.tier) >= program.tier_rank(&self.tier.name)
        }) {
            return None;
        }
        let counted = self.qualifying_points(review_at, program.qualifying_window_days());
        let needed = tier.qualifying_points().value() - counted.value();
        Points::new(needed).filter(|p| p.is_positive())
    }

    /// The next instants the engagement signals need the daily run: the start of an
    /// unannounced quiet spell, and the day a review's risk is to be checked.
    pub(crate) fn engagement_due(&self, program: &Program) -> [Option<OffsetDateTime>; 2] {
        let quiet = (!self.quiet_announced).then(|| self.quiet_from(program.engagement()));
        let at_risk = self
            .tier
            .review_at
            .filter(|review_at| self.at_risk_checked != Some(*review_at))
            .map(|review_at| review_at - program.engagement().tier_at_risk);
        [quiet, at_risk]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::EventKind;
    use crate::domain::ledger::Posting;
    use crate::domain::operation::fixtures::{ACTOR, NOW, member, points, program};
    use crate::domain::operation::{Record, daily};
    use crate::domain::rfc3339;

    fn days(n: i64) -> Duration {
        Duration::days(n)
    }

    fn earn(m: &mut Member, program: &Program, amount: i64, at: OffsetDateTime) {
        m.credit_purchase(points(amount), Posting::new("t", ACTOR, at), at, program)
            .unwrap();
    }

    /// The daily run once a day at 00:15 from `from` for `count` days: the member after,
    /// and every event the runs wrote.
    fn daily_runs(
        mut m: Member,
        program: &Program,
        from: OffsetDateTime,
        count: i64,
    ) -> (Member, Vec<DomainEvent>) {
        let mut events = Vec::new();
        for day in 0..count {
            if let Some(run) = daily(m.clone(), program, from + days(day)).unwrap() {
                events.extend(run.change.records.iter().filter_map(|r| match r {
                    Record::Event(e) => Some(e.clone()),
                    _ => None,
                }));
                m = *run.change.member.unwrap();
            }
        }
        (m, events)
    }

    fn of_kind(events: &[DomainEvent], kind: EventKind) -> Vec<&DomainEvent> {
        events.iter().filter(|e| e.kind == kind).collect()
    }

    #[test]
    fn a_quiet_spell_is_announced_once_and_the_next_earn_ends_it() {
        let program = program();
        let mut m = member(&program);
        earn(&mut m, &program, 100, NOW);
        assert_eq!(
            m.status(program.engagement(), NOW + days(59)),
            Status::Active
        );
        assert!(
            m.due_at() <= Some(NOW + days(60)),
            "filed for the daily run"
        );

        let (m, events) = daily_runs(m, &program, NOW, 200);
        let quiet = of_kind(&events, EventKind::MemberInactive);
        assert_eq!(quiet.len(), 1, "once per spell, however many runs");
        assert_eq!(quiet[0].occurred_at, NOW + days(60));
        assert_eq!(quiet[0].detail["lastActivityAt"], rfc3339::format(NOW));
        assert_eq!(quiet[0].detail["marketingConsent"], false);
        assert_eq!(
            m.status(program.engagement(), NOW + days(200)),
            Status::Inactive
        );
        // A late run long after: still nothing more.
        assert!(
            daily(m.clone(), &program, NOW + days(400))
                .unwrap()
                .is_none_or(|run| {
                    !run.change.records.iter().any(
                        |r| matches!(r, Record::Event(e) if e.kind == EventKind::MemberInactive),
                    )
                })
        );

        let before = Before::from(&m);
        let mut back = m.clone();
        earn(&mut back, &program, 10, NOW + days(210));
        let event = reactivation(Some(before), Some(&back), NOW + days(210)).unwrap();
        assert_eq!(event.kind, EventKind::MemberReactivated);
        assert_eq!(
            back.status(program.engagement(), NOW + days(210)),
            Status::Active
        );
        // Activity without an announced spell before it is no reactivation.
        let again = back.clone();
        earn(&mut back, &program, 10, NOW + days(211));
        assert!(reactivation(Some(Before::from(&again)), Some(&back), NOW).is_none());

        // The next spell is announced again, once.
        let (_, events) = daily_runs(back, &program, NOW + days(211), 100);
        let quiet = of_kind(&events, EventKind::MemberInactive);
        assert_eq!(quiet.len(), 1);
        assert_eq!(quiet[0].occurred_at, NOW + days(211 + 60));
    }

    #[test]
    fn an_imported_member_is_quiet_only_a_spell_after_its_import() {
        let program = program();
        let mut m = member(&program);
        m.enrolled_at = NOW - days(1000);
        m.activity_seen_since = Some(NOW);
        assert_eq!(m.status(program.engagement(), NOW), Status::Active);
        assert_eq!(m.quiet_from(program.engagement()), NOW + days(60));
    }

    #[test]
    fn a_member_who_never_came_back_after_enrolling_is_announced_too() {
        let program = program();
        let mut m = member(&program);
        m.reschedule(&program, NOW);
        assert_eq!(m.due_at(), Some(NOW + days(60)));
        let (_, events) = daily_runs(m, &program, NOW, 100);
        let quiet = of_kind(&events, EventKind::MemberInactive);
        assert_eq!(quiet.len(), 1);
        assert!(quiet[0].detail["lastActivityAt"].is_null());
    }

    /// A Silver member (1000 points at NOW) upgraded 100 days later: its review, a year after
    /// the upgrade, would find the points out of the window.
    fn silver(program: &Program) -> (Member, OffsetDateTime) {
        let mut m = member(program);
        earn(&mut m, program, 1000, NOW);
        m.apply_upgrade(program, NOW + days(100)).unwrap();
        let review_at = m.tier().review_at.unwrap();
        assert_eq!(review_at, NOW + days(465));
        (m, review_at)
    }

    #[test]
    fn a_review_that_would_lower_the_tier_is_announced_once_before_it() {
        let program = program();
        let (mut m, review_at) = silver(&program);
        m.set_marketing_consent(true);
        let (m, events) = daily_runs(m, &program, NOW + days(100), 430);
        let at_risk = of_kind(&events, EventKind::TierAtRisk);
        assert_eq!(at_risk.len(), 1, "{events:?}");
        assert_eq!(at_risk[0].occurred_at, review_at - days(30));
        assert_eq!(at_risk[0].detail["tier"], "Silver");
        assert_eq!(at_risk[0].detail["reviewAt"], rfc3339::format(review_at));
        assert_eq!(at_risk[0].detail["pointsNeeded"], 1000);
        assert_eq!(at_risk[0].detail["marketingConsent"], true);
        // The review itself then lowers the tier, as announced.
        assert_eq!(m.tier().name, "Member");
        assert_eq!(of_kind(&events, EventKind::TierChanged).len(), 1);
    }

    #[test]
    fn a_late_run_announces_the_risk_once_and_a_safe_tier_is_not_announced() {
        let program = program();
        let (m, review_at) = silver(&program);
        let late = daily(m, &program, review_at - days(5)).unwrap().unwrap();
        let m = *late.change.member.unwrap();
        assert!(
            late.change
                .records
                .iter()
                .any(|r| matches!(r, Record::Event(e) if e.kind == EventKind::TierAtRisk))
        );
        let (_, events) = daily_runs(m, &program, review_at - days(4), 4);
        assert!(of_kind(&events, EventKind::TierAtRisk).is_empty());

        // Enough points earned since: the review keeps the tier, nothing to announce.
        let (mut m, _) = silver(&program);
        earn(&mut m, &program, 1000, NOW + days(200));
        let (m, events) = daily_runs(m, &program, NOW + days(200), 300);
        assert!(of_kind(&events, EventKind::TierAtRisk).is_empty());
        assert_eq!(m.tier().name, "Silver");
    }

    #[test]
    fn defaults_and_bounds() {
        let engagement = Engagement::try_from(EngagementDocument::default()).unwrap();
        assert_eq!(engagement, Engagement::default());
        assert_eq!(
            EngagementDocument::from(engagement),
            EngagementDocument {
                inactive_after_days: 60,
                tier_at_risk_days: 30
            }
        );
        for (inactive, at_risk) in [(0, 30), (60, 0), (-1, 30), (60, 3651)] {
            let refused = Engagement::try_from(EngagementDocument {
                inactive_after_days: inactive,
                tier_at_risk_days: at_risk,
            })
            .unwrap_err();
            assert!(refused.to_string().starts_with("engagement."), "{refused}");
        }
    }
}
