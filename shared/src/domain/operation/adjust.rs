//! An operator's manual correction, with a reason that stays on the ledger for audit.

use time::OffsetDateTime;

use super::{Change, OperationError};
use crate::domain::ledger::{LedgerEntry, Posting};
use crate::domain::member::Member;
use crate::domain::points::Points;
use crate::domain::program::Program;
use crate::domain::reason::Reason;

#[derive(Debug)]
pub struct Adjusted {
    pub change: Change,
    pub entry: LedgerEntry,
    pub balance: Points,
}

/// Credits (positive) or debits (negative, never overdrawing) `points`; `reference` names
/// the adjustment on the ledger.
pub fn adjust(
    mut member: Member,
    program: &Program,
    points: Points,
    reason: &Reason,
    reference: String,
    actor: &str,
    now: OffsetDateTime,
) -> Result<Adjusted, OperationError> {
    let mut entries = member.catch_up(program, now)?;
    let posting = Posting::new(reference, actor, now).reason(reason.as_str());
    let entry = member.adjust(points, posting, now, program)?;
    entries.push(entry.clone());
    Ok(Adjusted {
        balance: member.balance(),
        change: Change::member(member, entries, Vec::new()),
        entry,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ledger::EntryType;
    use crate::domain::member::BalanceError;
    use crate::domain::operation::fixtures::{NOW, member, points, program};

    fn reason() -> Reason {
        Reason::try_from("ticket 1234".to_string()).unwrap()
    }

    #[test]
    fn credits_and_debits_with_the_reason_on_the_entry() {
        let program = program();
        let credit = adjust(
            member(&program),
            &program,
            points(50),
            &reason(),
            "adjustment:k1".into(),
            "op",
            NOW,
        )
        .unwrap();
        assert_eq!(credit.entry.kind, EntryType::Adjust);
        assert_eq!(credit.entry.reason.as_deref(), Some("ticket 1234"));
        assert_eq!(credit.entry.reference, "adjustment:k1");
        assert_eq!(credit.balance, points(50));
        let member = *credit.change.member.unwrap();
        let debit = adjust(
            member,
            &program,
            points(-50),
            &reason(),
            "adjustment".into(),
            "op",
            NOW,
        )
        .unwrap();
        assert_eq!(debit.balance, Points::ZERO);
        assert_eq!(debit.entry.seq, 2);
    }

    #[test]
    fn a_debit_never_overdraws() {
        let program = program();
        let refused = adjust(
            member(&program),
            &program,
            points(-1),
            &reason(),
            "a".into(),
            "op",
            NOW,
        );
        assert!(matches!(
            refused,
            Err(OperationError::Balance(
                BalanceError::InsufficientPoints { .. }
            ))
        ));
    }
}
