//! Challenges move with what members do: a purchase or an action adds to each running
//! challenge it counts for, reaching a goal pays the reward and the badge (once, in the same
//! change), and a full reversal takes its purchase's progress back.

use time::OffsetDateTime;

use super::{OperationError, Record};
use crate::domain::challenge::{ChallengeStep, Done, advance, award_badge, take_back};
use crate::domain::event::DomainEvent;
use crate::domain::identifier::ChallengeId;
use crate::domain::ledger::{EntryType, LedgerEntry, Posting};
use crate::domain::member::Member;
use crate::domain::program::Program;

/// What one purchase or action did to the member's challenges.
#[derive(Debug, Default)]
pub(super) struct Progressed {
    /// The `challenge_reward` entries of the challenges it completed.
    pub entries: Vec<LedgerEntry>,
    /// Their `ChallengeCompleted` events.
    pub records: Vec<Record>,
    /// What it added to each challenge (a purchase keeps them for its reversal).
    pub steps: Vec<ChallengeStep>,
    pub completed: Vec<ChallengeId>,
}

pub(super) fn progress(
    member: &mut Member,
    program: &Program,
    done: &Done<'_>,
    actor: &str,
    now: OffsetDateTime,
) -> Result<Progressed, OperationError> {
    let (steps, completed) = advance(program.challenges(), &mut member.challenges, done, now);
    let mut progressed = Progressed {
        steps,
        ..Progressed::default()
    };
    for challenge in completed {
        let posting = Posting::new(
            format!("challenge:{}", challenge.challenge_id()),
            actor,
            now,
        );
        progressed.entries.push(member.credit_bonus(
            EntryType::ChallengeReward,
            challenge.reward(),
            posting,
            now,
            program,
        )?);
        if let Some(badge) = challenge.badge() {
            award_badge(&mut member.badges, badge);
        }
        progressed
            .records
            .push(Record::Event(DomainEvent::challenge_completed(
                member, challenge, now,
            )));
        progressed.completed.push(challenge.challenge_id().clone());
    }
    Ok(progressed)
}

/// Takes back what a fully reversed purchase added; says which of those challenges it had
/// helped complete (their rewards stay).
pub(super) fn take_back_progress(member: &mut Member, steps: &[ChallengeStep]) -> Vec<ChallengeId> {
    take_back(&mut member.challenges, steps)
}

#[cfg(test)]
mod tests {
    use crate::domain::currency::Currency;
    use crate::domain::identifier::{ChallengeId, RuleId, TransactionId};
    use crate::domain::ledger::EntryType;
    use crate::domain::member::Member;
    use crate::domain::money::Money;
    use crate::domain::operation::fixtures::{ACTOR, NOW, challenge_program, member};
    use crate::domain::operation::{PurchaseReport, Record, earn, reverse};
    use crate::domain::program::Program;
    use crate::domain::purchase::Purchase;
    use crate::domain::targeted_offer::OfferSet;

    fn coffee(id: &str, minor: i64) -> PurchaseReport {
        PurchaseReport {
            transaction_id: TransactionId::try_from(id).unwrap(),
            amount: Money::new(minor, Currency::try_from("EUR").unwrap()).unwrap(),
            category: Some(RuleId::try_from("coffee").unwrap()),
            occurred_at: None,
        }
    }

    fn id(raw: &str) -> ChallengeId {
        ChallengeId::try_from(raw).unwrap()
    }

    /// `m` after buying `report`: the member, its purchase, and what it completed.
    fn buy(
        m: Member,
        program: &Program,
        report: &PurchaseReport,
    ) -> (Member, Purchase, Vec<ChallengeId>) {
        let earned = earn(m, program, &[], &OfferSet::default(), report, ACTOR, NOW).unwrap();
        let purchase = earned
            .change
            .records
            .iter()
            .find_map(|r| match r {
                Record::NewPurchase(p) => Some(p.clone()),
                _ => None,
            })
            .unwrap();
        (
            *earned.change.member.unwrap(),
            purchase,
            earned.challenges_completed,
        )
    }

    #[test]
    fn purchases_complete_each_challenge_once_and_a_full_reversal_takes_back_only_progress() {
        let program = challenge_program();
        let (m, first, done) = buy(member(&program), &program, &coffee("t-1", 300));
        assert!(done.is_empty());
        assert_eq!(first.challenges.len(), 2, "coffee-3 and spend-50");
        let (m, _, done) = buy(m, &program, &coffee("t-2", 300));
        assert!(done.is_empty());
        let (m, third, done) = buy(m, &program, &coffee("t-3", 4400));
        assert_eq!(done, vec![id("coffee-3"), id("spend-50")]);
        assert_eq!(
            m.badges().iter().map(|b| b.as_str()).collect::<Vec<_>>(),
            ["regular"]
        );
        let balance = m.balance();
        // The completing purchase is refunded in full: its progress goes, the rewards stay.
        let reversed = reverse::reverse_whole(m, &program, third).unwrap();
        assert_eq!(
            reversed.challenges_kept,
            vec![id("coffee-3"), id("spend-50")]
        );
        assert!(
            reversed
                .change
                .entries
                .iter()
                .all(|e| e.kind == EntryType::Reverse)
        );
        let m = *reversed.change.member.unwrap();
        assert_eq!(m.challenge_progress()[&id("coffee-3")].progress, 2);
        assert_eq!(m.challenge_progress()[&id("spend-50")].progress, 600);
        assert!(
            m.balance()
                >= balance
                    .checked_sub(reversed.entry.points.negated())
                    .unwrap()
        );
        let (_, _, done) = buy(m, &program, &coffee("t-4", 300));
        assert!(done.is_empty(), "a completed challenge does not pay again");
    }

    #[test]
    fn a_partial_refund_keeps_the_progress_and_a_full_one_before_the_goal_undoes_it() {
        let program = challenge_program();
        let (m, first, _) = buy(member(&program), &program, &coffee("t-1", 300));
        let refund = Money::new(100, Currency::try_from("EUR").unwrap()).unwrap();
        let partial = reverse::reverse_amount(m, &program, first, Some(&refund)).unwrap();
        assert!(partial.challenges_kept.is_empty());
        let m = *partial.change.member.unwrap();
        assert_eq!(m.challenge_progress()[&id("coffee-3")].progress, 1);
        let rest = reverse::reverse_whole(m, &program, partial.purchase).unwrap();
        assert!(rest.challenges_kept.is_empty());
        let m = *rest.change.member.unwrap();
        assert_eq!(m.challenge_progress()[&id("coffee-3")].progress, 0);
        let (m, _, _) = buy(m, &program, &coffee("t-2", 300));
        let (_, _, done) = buy(m, &program, &coffee("t-3", 300));
        assert!(
            done.is_empty(),
            "two purchases since the reversal are not three"
        );
    }
}
