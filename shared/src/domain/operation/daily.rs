//! The daily look at a member the due-date index names: lots whose month has ended
//! expire, a birthday that has come is paid (once per calendar year), lots about to expire
//! are announced, and at the review date the tier is kept,
//! lowered or raised. The member's next due date moves in the same change, so a repeated
//! run finds nothing left to do. A quiet spell that began and a review that would lower the
//! tier are announced (once each) in the same change.

use time::OffsetDateTime;

use super::{Change, OperationError, Record};
use crate::domain::engagement::Signal;
use crate::domain::event::{DomainEvent, MembershipEnd};
use crate::domain::member::Member;
use crate::domain::program::Program;

#[derive(Debug)]
pub struct DailyChange {
    pub change: Change,
    pub lots_expired: usize,
    pub warnings: usize,
    pub tier_changed: bool,
}

/// `None` when the member is not due (a repeated run, or one a concurrent run did).
pub fn daily(
    mut member: Member,
    program: &Program,
    now: OffsetDateTime,
) -> Result<Option<DailyChange>, OperationError> {
    if member.due_at().is_none_or(|due| due > now) {
        return Ok(None);
    }
    let outcome = member.run_daily(program, now)?;
    let mut records: Vec<Record> = outcome
        .warnings
        .iter()
        .map(|w| Record::Event(DomainEvent::points_expiring(&member, w, now)))
        .collect();
    if let Some(change) = &outcome.tier_change {
        records.push(Record::Event(DomainEvent::tier_changed(&member, change)));
    }
    records.extend(outcome.signals.iter().map(|signal| {
        Record::Event(match signal {
            Signal::Inactive { last_activity_at } => {
                DomainEvent::member_inactive(&member, *last_activity_at, now)
            }
            Signal::TierAtRisk {
                tier,
                review_at,
                points_needed,
            } => DomainEvent::tier_at_risk(&member, tier, *review_at, *points_needed, now),
        })
    }));
    if let Some(ended) = &outcome.membership_ended {
        records.push(Record::Event(DomainEvent::membership_ended(
            &member,
            ended,
            MembershipEnd::Expired,
            now,
        )));
    }
    let lots_expired = outcome.expired.len();
    let mut entries = outcome.expired;
    entries.extend(outcome.birthday_bonus);
    Ok(Some(DailyChange {
        lots_expired,
        warnings: outcome.warnings.len(),
        tier_changed: outcome.tier_change.is_some(),
        change: Change::member(member, entries, records),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::birthday::Birthday;
    use crate::domain::event::EventKind;
    use crate::domain::ledger::{EntryType, Posting};
    use crate::domain::operation::fixtures::{
        ACTOR, NOW, member, patient_program, points, program, program_without_birthday_bonus,
    };
    use crate::domain::points::Points;
    use time::macros::{date, datetime};

    fn member_with_a_lot() -> Member {
        let program = patient_program();
        let mut m = member(&program);
        m.credit_purchase(points(100), Posting::new("t", ACTOR, NOW), NOW, &program)
            .unwrap();
        m
    }

    #[test]
    fn nothing_to_do_before_the_member_is_due() {
        let program = program();
        assert!(daily(member(&program), &program, NOW).unwrap().is_none());
        assert!(daily(member_with_a_lot(), &program, NOW).unwrap().is_none());
    }

    #[test]
    fn warns_before_expiry_once_then_expires() {
        let program = patient_program();
        // The lot 2027-11 ends on 2027-12-01; the warning comes 30 days before.
        let warned = daily(
            member_with_a_lot(),
            &program,
            datetime!(2027-11-02 0:15 UTC),
        )
        .unwrap()
        .unwrap();
        assert_eq!((warned.warnings, warned.lots_expired), (1, 0));
        assert!(matches!(
            warned.change.records.as_slice(),
            [Record::Event(e)] if e.kind == EventKind::PointsExpiring
        ));
        let member = *warned.change.member.unwrap();
        assert!(
            daily(member.clone(), &program, datetime!(2027-11-03 0:15 UTC))
                .unwrap()
                .is_none()
        );
        let expired = daily(member, &program, datetime!(2027-12-01 0:15 UTC))
            .unwrap()
            .unwrap();
        assert_eq!(expired.lots_expired, 1);
        assert_eq!(expired.change.entries[0].kind, EntryType::Expire);
        assert_eq!(expired.change.entries[0].points, points(-100));
        let after = *expired.change.member.unwrap();
        assert_eq!(after.balance(), points(0));
        assert_eq!(
            after.due_at(),
            Some(NOW + time::Duration::days(3650)),
            "nothing left but the quiet spell, ten years after the earn"
        );
    }

    /// A member whose birthday, 12-05, was set on NOW (2026-11-23).
    fn with_birthday(program: &Program) -> Member {
        let mut m = member(program);
        m.set_birthday(Birthday::try_from("12-05").unwrap(), program, NOW);
        m
    }

    fn birthday_entries(change: &DailyChange) -> Vec<(EntryType, Points, String)> {
        change
            .change
            .entries
            .iter()
            .filter(|e| e.kind == EntryType::BirthdayBonus)
            .map(|e| (e.kind, e.points, e.reference.clone()))
            .collect()
    }

    #[test]
    fn a_birthday_pays_the_bonus_once_and_moves_on_a_year() {
        let program = program();
        let m = with_birthday(&program);
        assert_eq!(m.due_at(), Some(datetime!(2026-12-05 0:00 UTC)));
        assert!(
            daily(m.clone(), &program, datetime!(2026-12-04 23:59 UTC))
                .unwrap()
                .is_none()
        );
        let paid = daily(m, &program, datetime!(2026-12-05 0:15 UTC))
            .unwrap()
            .unwrap();
        assert_eq!(
            birthday_entries(&paid),
            vec![(
                EntryType::BirthdayBonus,
                points(100),
                "birthday:2026".to_string()
            )]
        );
        let entry = &paid.change.entries[0];
        assert_eq!(entry.occurred_at, datetime!(2026-12-05 0:00 UTC));
        assert_eq!(entry.available_at, None, "spendable at once");
        let after = *paid.change.member.unwrap();
        assert_eq!(after.balance(), points(100));
        assert_eq!(
            after.lots().positive().next().map(|(m, _)| m.to_string()),
            Some("2027-12".into())
        );
        assert_eq!(
            after.qualifying_points(NOW + time::Duration::days(12), 365),
            points(0)
        );
        assert_eq!(after.birthday_due(), Some(date!(2027 - 12 - 05)));
        // The same day again, or a later run the same year: nothing more.
        for at in [
            datetime!(2026-12-05 0:15 UTC),
            datetime!(2026-12-05 23:00 UTC),
        ] {
            let again = daily(after.clone(), &program, at).unwrap();
            assert!(
                again
                    .as_ref()
                    .is_none_or(|c| birthday_entries(c).is_empty()),
                "{at}"
            );
        }
        // The next year's birthday pays again, once.
        let next = daily(after, &program, datetime!(2027-12-05 0:15 UTC))
            .unwrap()
            .unwrap();
        assert_eq!(
            birthday_entries(&next),
            vec![(
                EntryType::BirthdayBonus,
                points(100),
                "birthday:2027".to_string()
            )]
        );
    }

    #[test]
    fn a_late_run_pays_the_missed_birthday_once_even_in_the_next_year() {
        let program = program();
        let late = daily(
            with_birthday(&program),
            &program,
            datetime!(2027-01-03 0:15 UTC),
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            birthday_entries(&late),
            vec![(
                EntryType::BirthdayBonus,
                points(100),
                "birthday:2026".to_string()
            )]
        );
        let after = *late.change.member.unwrap();
        assert_eq!(after.birthday_due(), Some(date!(2027 - 12 - 05)));
        let again = daily(after, &program, datetime!(2027-01-04 0:15 UTC)).unwrap();
        assert!(
            again
                .as_ref()
                .is_none_or(|c| birthday_entries(c).is_empty())
        );
    }

    #[test]
    fn without_a_bonus_in_the_programme_nothing_is_paid_but_the_date_moves_on() {
        let without = program_without_birthday_bonus();
        let passed = daily(
            with_birthday(&without),
            &without,
            datetime!(2026-12-05 0:15 UTC),
        )
        .unwrap()
        .unwrap();
        assert!(passed.change.entries.is_empty());
        let after = *passed.change.member.unwrap();
        assert_eq!(after.balance(), points(0));
        assert_eq!(after.birthday_due(), Some(date!(2027 - 12 - 05)));
        assert_eq!(
            after.due_at(),
            Some(datetime!(2027-01-22 12:00 UTC)),
            "next the quiet spell, 60 days after enrolment, then the birthday"
        );
        // A bonus added later reaches the member on its next birthday.
        let with_bonus = program();
        let next = daily(after, &with_bonus, datetime!(2027-12-05 0:15 UTC))
            .unwrap()
            .unwrap();
        assert_eq!(birthday_entries(&next).len(), 1);
    }

    #[test]
    fn a_changed_birthday_never_pays_twice_in_one_year() {
        let program = program();
        let paid = daily(
            with_birthday(&program),
            &program,
            datetime!(2026-12-05 0:15 UTC),
        )
        .unwrap()
        .unwrap();
        let mut m = *paid.change.member.unwrap();
        let later = datetime!(2026-12-10 9:00 UTC);
        m.set_birthday(Birthday::try_from("12-20").unwrap(), &program, later);
        assert_eq!(m.birthday_due(), Some(date!(2027 - 12 - 20)));
        let run = daily(m, &program, datetime!(2026-12-20 0:15 UTC)).unwrap();
        assert!(run.as_ref().is_none_or(|c| birthday_entries(c).is_empty()));
    }
}
