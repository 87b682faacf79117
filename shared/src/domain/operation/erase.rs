//! Erasing a member: what it held leaves the programme's figures as an `erase` movement,
//! after anything due has expired (so the figures say "expired" for what had expired).

use time::OffsetDateTime;

use super::OperationError;
use crate::domain::erasure::{ErasedBy, Erasure, erasure_record};
use crate::domain::member::{BalanceError, Member};
use crate::domain::metrics::{Before, Movement};
use crate::domain::program::Program;

/// The erasure to record, and what it moves in the figures. The member item read at
/// `revision` is deleted with it, if still at that revision.
#[derive(Debug)]
pub struct Erased {
    pub erasure: Erasure,
    pub movement: Movement,
    pub revision: u64,
}

pub fn erase(
    mut member: Member,
    program: &Program,
    by: &ErasedBy,
    now: OffsetDateTime,
) -> Result<Erased, OperationError> {
    let revision = member.revision();
    let before = Before::from(&member);
    // Entries that are never written (the ledger goes with the member), but counted.
    let expired = member.catch_up(program, now)?;
    let held = member.held().ok_or(BalanceError::Overflow)?;
    let movement = Movement::of(Some(before), Some(&member), &expired, now).and(Movement::erasure(
        &member,
        held.value(),
        now,
    ));
    let erasure = erasure_record(
        member.id(),
        member.referral_code(),
        member.referral().map(|r| &r.referrer),
        held,
        by,
        now,
    );
    Ok(Erased {
        erasure,
        movement,
        revision,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ledger::EntryType;
    use crate::domain::ledger::Posting;
    use crate::domain::metrics::Counter;
    use crate::domain::metrics::utc_day;
    use crate::domain::operation::fixtures::{self, NOW};

    #[test]
    fn what_the_member_held_leaves_the_liability_and_it_stops_being_a_member() {
        let program = fixtures::program();
        let mut member = fixtures::member(&program);
        member
            .adjust(
                fixtures::points(250),
                Posting::new("r", "ops", NOW),
                NOW,
                &program,
            )
            .unwrap();
        let now = NOW;
        let erased = erase(member, &program, &ErasedBy::Member, now).unwrap();
        assert_eq!(erased.erasure.points_forfeited.value(), 250);
        assert_eq!(erased.movement.liability, -250);
        assert_eq!(erased.movement.members, -1);
        let today = &erased.movement.days[&utc_day(now)];
        assert_eq!(today[&Counter::Debit(EntryType::Erase)], -250);
        assert!(!erased.erasure.is_done());
    }
}
