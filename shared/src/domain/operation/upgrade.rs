//! After any change to a member (from the table's stream): upgrade at once when its
//! qualifying points or a floor reach a higher tier; never downgrade here.

use time::OffsetDateTime;

use super::{Change, OperationError, Record};
use crate::domain::event::DomainEvent;
use crate::domain::member::Member;
use crate::domain::program::Program;

/// `None` when there is nothing to write.
pub fn upgrade(
    mut member: Member,
    program: &Program,
    now: OffsetDateTime,
) -> Result<Option<Change>, OperationError> {
    let entries = member.catch_up(program, now)?;
    let change = member.apply_upgrade(program, now);
    if entries.is_empty() && change.is_none() {
        return Ok(None);
    }
    let records = change
        .map(|c| vec![Record::Event(DomainEvent::tier_changed(&member, &c))])
        .unwrap_or_default();
    Ok(Some(Change::member(member, entries, records)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ledger::Posting;
    use crate::domain::operation::fixtures::{ACTOR, NOW, member, program};

    #[test]
    fn upgrades_when_qualifying_points_reach_the_next_tier_and_only_then() {
        let program = program();
        let m = member(&program);
        assert!(upgrade(m.clone(), &program, NOW).unwrap().is_none());
        let next = program.tiers().nth(1).unwrap();
        let mut rich = m;
        rich.credit_purchase(
            next.qualifying_points(),
            Posting::new("t", ACTOR, NOW),
            NOW,
            &program,
        )
        .unwrap();
        let change = upgrade(rich, &program, NOW).unwrap().unwrap();
        let member = *change.member.unwrap();
        assert_eq!(member.tier().name, next.name().to_string());
        assert!(matches!(change.records.as_slice(), [Record::Event(_)]));
        assert!(upgrade(member, &program, NOW).unwrap().is_none());
    }
}
