//! An operator guarantees a member at least a tier until a date, with a reason (a service
//! recovery, a status match). A floor above the current tier upgrades at once; it holds at
//! reviews until it ends.

use time::OffsetDateTime;

use super::{Change, OperationError, Record};
use crate::domain::event::DomainEvent;
use crate::domain::member::{Member, TierFloor};
use crate::domain::program::Program;
use crate::domain::reason::Reason;

#[derive(Debug)]
pub struct FloorSet {
    pub change: Change,
    /// The member's tier after the floor.
    pub tier: String,
    pub floor: TierFloor,
    pub upgraded: bool,
}

pub fn set_tier_floor(
    mut member: Member,
    program: &Program,
    tier: &str,
    until: OffsetDateTime,
    reason: &Reason,
    actor: &str,
    now: OffsetDateTime,
) -> Result<FloorSet, OperationError> {
    if program.tier_rank(tier).is_none() {
        return Err(OperationError::UnknownTier(tier.to_string()));
    }
    if until <= now {
        return Err(OperationError::UntilInPast);
    }
    let entries = member.catch_up(program, now)?;
    let floor = TierFloor {
        tier: tier.to_string(),
        until,
        reason: reason.as_str().to_string(),
        set_by: actor.to_string(),
    };
    let change = member.set_floor(floor.clone(), program, now);
    let records = change
        .as_ref()
        .map(|c| vec![Record::Event(DomainEvent::tier_changed(&member, c))])
        .unwrap_or_default();
    Ok(FloorSet {
        tier: member.tier().name.clone(),
        floor,
        upgraded: change.is_some(),
        change: Change::member(member, entries, records),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::EventKind;
    use crate::domain::operation::fixtures::{NOW, member, program};
    use time::Duration;

    fn reason() -> Reason {
        Reason::try_from("status match".to_string()).unwrap()
    }

    #[test]
    fn a_higher_floor_upgrades_at_once_and_announces_it() {
        let program = program();
        let top = program.tiers().last().unwrap().name().to_string();
        let set = set_tier_floor(
            member(&program),
            &program,
            &top,
            NOW + Duration::days(30),
            &reason(),
            "op",
            NOW,
        )
        .unwrap();
        assert!(set.upgraded);
        assert_eq!(set.tier, top);
        assert!(matches!(
            set.change.records.as_slice(),
            [Record::Event(e)] if e.kind == EventKind::TierChanged
        ));
        assert_eq!(set.change.member.unwrap().floor(), Some(&set.floor));
    }

    #[test]
    fn the_entry_tier_as_floor_changes_no_tier_and_announces_nothing() {
        let program = program();
        let lowest = program.lowest_tier().name().to_string();
        let set = set_tier_floor(
            member(&program),
            &program,
            &lowest,
            NOW + Duration::days(1),
            &reason(),
            "op",
            NOW,
        )
        .unwrap();
        assert!(!set.upgraded);
        assert!(set.change.records.is_empty());
    }

    #[test]
    fn refuses_an_unknown_tier_and_a_floor_that_ended() {
        let program = program();
        assert_eq!(
            set_tier_floor(
                member(&program),
                &program,
                "Platinum",
                NOW + Duration::days(1),
                &reason(),
                "op",
                NOW
            )
            .unwrap_err(),
            OperationError::UnknownTier("Platinum".into())
        );
        let lowest = program.lowest_tier().name().to_string();
        assert_eq!(
            set_tier_floor(
                member(&program),
                &program,
                &lowest,
                NOW,
                &reason(),
                "op",
                NOW
            )
            .unwrap_err(),
            OperationError::UntilInPast
        );
    }
}
