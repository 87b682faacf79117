//! The business's billing system starts, renews, changes and ends a member's paid
//! membership. While it runs the member's tier is at least the plan's (and the plan's
//! multiplier adds to earn); it ends at `until` by itself, or now when ended.

use time::OffsetDateTime;

use super::{Change, OperationError, Record};
use crate::domain::event::{DomainEvent, MembershipEnd};
use crate::domain::identifier::PlanId;
use crate::domain::member::Member;
use crate::domain::membership::{BillingReference, Membership};
use crate::domain::program::Program;

#[derive(Debug)]
pub struct MembershipChanged {
    pub change: Change,
    /// The member's tier afterwards (its own, or the plan's while it runs).
    pub tier: String,
    /// The membership running now, if any.
    pub membership: Option<Membership>,
    /// For an end: whether one was running.
    pub ended: bool,
}

/// Starts a membership of `plan_id` until `until`, or renews or changes the one running. A
/// new membership, or a change of plan, is announced (`MembershipStarted`); a renewal of
/// the same plan only moves `until`.
pub fn start_membership(
    mut member: Member,
    program: &Program,
    plan_id: &PlanId,
    until: OffsetDateTime,
    reference: BillingReference,
    actor: &str,
    now: OffsetDateTime,
) -> Result<MembershipChanged, OperationError> {
    if program.membership_plan(plan_id).is_none() {
        return Err(OperationError::UnknownPlan(plan_id.clone()));
    }
    if until <= now {
        return Err(OperationError::UntilInPast);
    }
    let entries = member.catch_up(program, now)?;
    let mut records = Vec::new();
    let renewed = match member.membership.take() {
        Some(running) if running.is_running(now) && &running.plan_id == plan_id => Some(running),
        Some(previous) => {
            let why = if previous.is_running(now) {
                MembershipEnd::Replaced
            } else {
                MembershipEnd::Expired
            };
            records.push(Record::Event(DomainEvent::membership_ended(
                &member, &previous, why, now,
            )));
            None
        }
        None => None,
    };
    let membership = Membership {
        plan_id: plan_id.clone(),
        until,
        reference,
        started_at: renewed.as_ref().map_or(now, |running| running.started_at),
        set_by: actor.to_string(),
    };
    if renewed.is_none() {
        records.push(Record::Event(DomainEvent::membership_started(
            &member,
            &membership,
            now,
        )));
    }
    member.membership = Some(membership.clone());
    member.reschedule(program, now);
    Ok(MembershipChanged {
        tier: member.current_tier(program, now).name().to_string(),
        membership: Some(membership),
        ended: false,
        change: Change::member(member, entries, records),
    })
}

/// Ends the membership now (`None`: there was none to end, nothing to write).
pub fn end_membership(
    mut member: Member,
    program: &Program,
    now: OffsetDateTime,
) -> Result<Option<MembershipChanged>, OperationError> {
    let Some(previous) = member.membership.take() else {
        return Ok(None);
    };
    let entries = member.catch_up(program, now)?;
    let ended = previous.is_running(now);
    let why = if ended {
        MembershipEnd::Cancelled
    } else {
        MembershipEnd::Expired
    };
    let records = vec![Record::Event(DomainEvent::membership_ended(
        &member, &previous, why, now,
    ))];
    member.reschedule(program, now);
    Ok(Some(MembershipChanged {
        tier: member.current_tier(program, now).name().to_string(),
        membership: None,
        ended,
        change: Change::member(member, entries, records),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::currency::Currency;
    use crate::domain::event::EventKind;
    use crate::domain::identifier::TransactionId;
    use crate::domain::money::Money;
    use crate::domain::operation::fixtures::{ACTOR, NOW, member, program};
    use crate::domain::operation::{PurchaseReport, daily, earn};
    use crate::domain::targeted_offer::OfferSet;
    use time::Duration;

    fn plus() -> PlanId {
        PlanId::try_from("plus").unwrap()
    }

    fn reference() -> BillingReference {
        BillingReference::try_from("inv-1".to_string()).unwrap()
    }

    fn events(change: &Change) -> Vec<(EventKind, serde_json::Value)> {
        change
            .records
            .iter()
            .filter_map(|r| match r {
                Record::Event(e) => Some((e.kind, e.detail.clone())),
                _ => None,
            })
            .collect()
    }

    fn started(until: OffsetDateTime) -> Member {
        let program = program();
        let set = start_membership(
            member(&program),
            &program,
            &plus(),
            until,
            reference(),
            ACTOR,
            NOW,
        )
        .unwrap();
        assert_eq!(set.tier, "Gold");
        let events = events(&set.change);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].0, EventKind::MembershipStarted);
        assert_eq!(events[0].1["planId"], "plus");
        *set.change.member.unwrap()
    }

    /// The breakdown of a 10.00 EUR purchase (no category) at `at`.
    fn earn_lines(m: Member, at: OffsetDateTime) -> Vec<(String, i64)> {
        let program = program();
        let report = PurchaseReport {
            transaction_id: TransactionId::try_from(format!("t-{}", at.unix_timestamp())).unwrap(),
            amount: Money::new(1000, Currency::try_from("EUR").unwrap()).unwrap(),
            category: None,
            occurred_at: None,
        };
        let earned = earn(m, &program, &[], &OfferSet::default(), &report, ACTOR, at).unwrap();
        assert_eq!(
            earned.tier.as_str(),
            if at < NOW + Duration::days(30) {
                "Gold"
            } else {
                "Member"
            }
        );
        earned
            .entry
            .breakdown
            .unwrap()
            .iter()
            .map(|l| (l.rule().to_string(), l.points().value()))
            .collect()
    }

    #[test]
    fn while_it_runs_the_plan_s_tier_and_multiplier_apply_and_at_until_they_stop_without_a_job() {
        let until = NOW + Duration::days(30);
        let m = started(until);
        let program = program();
        assert_eq!(m.current_tier(&program, NOW).name().as_str(), "Gold");
        assert_eq!(
            m.tier().name,
            "Member",
            "the member's own tier is unchanged"
        );
        let during = earn_lines(m.clone(), until - Duration::seconds(1));
        assert!(during.contains(&("tier:Gold".to_string(), 5)));
        assert!(during.contains(&("membership:plus".to_string(), 2)));
        assert_eq!(m.current_tier(&program, until).name().as_str(), "Member");
        let after = earn_lines(m.clone(), until);
        assert!(
            after
                .iter()
                .all(|(rule, _)| !rule.starts_with("membership:") && rule != "tier:Gold")
        );
        assert!(
            m.due_at().is_some_and(|due| due <= until),
            "the daily run will announce the end"
        );
    }

    #[test]
    fn the_daily_run_announces_the_end_once() {
        let until = NOW + Duration::days(30);
        let program = program();
        let m = started(until);
        let first = daily(m, &program, until + Duration::minutes(15))
            .unwrap()
            .unwrap();
        let ended: Vec<_> = events(&first.change)
            .into_iter()
            .filter(|(kind, _)| *kind == EventKind::MembershipEnded)
            .collect();
        assert_eq!(ended.len(), 1);
        assert_eq!(ended[0].1["reason"], "expired");
        let m = *first.change.member.unwrap();
        assert!(m.membership().is_none());
        let again = daily(m, &program, until + Duration::hours(1)).unwrap();
        assert!(again.is_none_or(|d| {
            events(&d.change)
                .iter()
                .all(|(kind, _)| *kind != EventKind::MembershipEnded)
        }));
    }

    #[test]
    fn a_renewal_moves_until_quietly_a_new_plan_or_an_end_is_announced() {
        let program = program();
        let m = started(NOW + Duration::days(30));
        let renewed = start_membership(
            m,
            &program,
            &plus(),
            NOW + Duration::days(60),
            reference(),
            ACTOR,
            NOW + Duration::days(29),
        )
        .unwrap();
        assert!(events(&renewed.change).is_empty());
        let membership = renewed.membership.unwrap();
        assert_eq!(
            (membership.started_at, membership.until),
            (NOW, NOW + Duration::days(60))
        );
        let m = *renewed.change.member.unwrap();
        let ended = end_membership(m, &program, NOW + Duration::days(40))
            .unwrap()
            .unwrap();
        assert!(ended.ended);
        assert_eq!(ended.tier, "Member");
        assert_eq!(events(&ended.change)[0].1["reason"], "cancelled");
        let m = *ended.change.member.unwrap();
        assert!(
            end_membership(m, &program, NOW + Duration::days(41))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn refuses_an_unknown_plan_and_an_end_in_the_past() {
        let program = program();
        let unknown = PlanId::try_from("platinum").unwrap();
        assert_eq!(
            start_membership(
                member(&program),
                &program,
                &unknown,
                NOW + Duration::days(1),
                reference(),
                ACTOR,
                NOW
            )
            .unwrap_err(),
            OperationError::UnknownPlan(unknown)
        );
        assert_eq!(
            start_membership(
                member(&program),
                &program,
                &plus(),
                NOW,
                reference(),
                ACTOR,
                NOW
            )
            .unwrap_err(),
            OperationError::UntilInPast
        );
    }
}
