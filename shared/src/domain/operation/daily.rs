//! The daily look at a member the due-date index names: lots whose month has ended
//! expire, lots about to expire are announced, and at the review date the tier is kept,
//! lowered or raised. The member's next due date moves in the same change, so a repeated
//! run finds nothing left to do.

use time::OffsetDateTime;

use super::{Change, OperationError, Record};
use crate::domain::event::DomainEvent;
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
    Ok(Some(DailyChange {
        lots_expired: outcome.expired.len(),
        warnings: outcome.warnings.len(),
        tier_changed: outcome.tier_change.is_some(),
        change: Change::member(member, outcome.expired, records),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::EventKind;
    use crate::domain::ledger::{EntryType, Posting};
    use crate::domain::operation::fixtures::{ACTOR, NOW, member, points, program};
    use time::macros::datetime;

    fn member_with_a_lot() -> Member {
        let program = program();
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
        let program = program();
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
        assert_eq!(after.due_at(), None);
    }
}
