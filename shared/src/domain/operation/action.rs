//! The business's backend reports an action it has verified (a review, a survey, a completed
//! profile): the programme's rule for it credits points, within its daily and lifetime
//! limits, once per `actionId`, and challenges counting that action move.

use time::OffsetDateTime;

use super::challenges::progress;
use super::{Change, OperationError, Record};
use crate::domain::action_rule::CreditedAction;
use crate::domain::challenge::Done;
use crate::domain::identifier::{ActionId, ActionName, ChallengeId};
use crate::domain::ledger::{EntryType, LedgerEntry, Posting};
use crate::domain::member::Member;
use crate::domain::points::Points;
use crate::domain::program::Program;
use crate::domain::purchase::purchase_time;

#[derive(Debug, Clone)]
pub struct ActionReport {
    pub action_id: ActionId,
    pub action: ActionName,
    /// When it happened; now when the backend does not say.
    pub occurred_at: Option<OffsetDateTime>,
}

#[derive(Debug)]
pub struct ActionCredited {
    pub change: Change,
    /// The `action_bonus` entry.
    pub entry: LedgerEntry,
    pub balance: Points,
    /// The challenges this action completed.
    pub completed: Vec<ChallengeId>,
}

pub fn credit_action(
    mut member: Member,
    program: &Program,
    report: &ActionReport,
    actor: &str,
    now: OffsetDateTime,
) -> Result<ActionCredited, OperationError> {
    let occurred_at = purchase_time(report.occurred_at, now)?;
    let rule = program
        .action_rule(&report.action)
        .ok_or_else(|| OperationError::ActionUnknown(report.action.clone()))?;
    let mut entries = member.catch_up(program, now)?;
    rule.count(&mut member.actions, now)?;
    let posting = Posting::new(report.action_id.to_string(), actor, now).occurred_at(occurred_at);
    let entry =
        member.credit_bonus(EntryType::ActionBonus, rule.points(), posting, now, program)?;
    entries.push(entry.clone());
    let done = Done::Action {
        action: &report.action,
        occurred_at,
    };
    let progressed = progress(&mut member, program, &done, actor, now)?;
    entries.extend(progressed.entries);
    let mut records = vec![Record::NewAction(CreditedAction {
        member_id: member.id().clone(),
        action_id: report.action_id.clone(),
        action: report.action.clone(),
        points: entry.points,
        entry_id: entry.entry_id.clone(),
        occurred_at,
        recorded_at: now,
    })];
    records.extend(progressed.records);
    Ok(ActionCredited {
        balance: member.balance(),
        change: Change::member(member, entries, records),
        entry,
        completed: progressed.completed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::action_rule::LimitReached;
    use crate::domain::event::EventKind;
    use crate::domain::operation::fixtures::{ACTOR, NOW, member, points, program};
    use crate::domain::operation::{OperationError, RecordKind};
    use time::Duration;

    fn report(id: &str, action: &str) -> ActionReport {
        ActionReport {
            action_id: ActionId::try_from(id).unwrap(),
            action: ActionName::try_from(action).unwrap(),
            occurred_at: None,
        }
    }

    /// `member` after its action `id` of kind `action` at `at`.
    fn credited(member: Member, id: &str, action: &str, at: OffsetDateTime) -> ActionCredited {
        credit_action(member, &program(), &report(id, action), ACTOR, at).unwrap()
    }

    #[test]
    fn credits_the_rule_s_points_spendable_at_once_with_a_permanent_record() {
        let program = program();
        let done = credited(member(&program), "a-1", "survey", NOW);
        assert_eq!(done.entry.kind, EntryType::ActionBonus);
        assert_eq!(
            (done.entry.points, done.balance),
            (points(100), points(100))
        );
        assert_eq!(done.entry.reference, "a-1");
        let member = done.change.member.as_deref().unwrap();
        assert_eq!(
            member.lifetime_points(),
            Points::ZERO,
            "an action does not qualify for tiers"
        );
        let kinds: Vec<RecordKind> = done.change.records.iter().map(Record::kind).collect();
        assert_eq!(kinds, vec![RecordKind::NewAction]);
        assert!(matches!(
            &done.change.records[0],
            Record::NewAction(a) if a.entry_id == done.entry.entry_id && a.points == points(100)
        ));
    }

    #[test]
    fn refuses_an_action_without_a_rule_and_past_either_limit() {
        let program = program();
        assert_eq!(
            credit_action(
                member(&program),
                &program,
                &report("a-1", "tweet"),
                ACTOR,
                NOW
            )
            .unwrap_err(),
            OperationError::ActionUnknown(ActionName::try_from("tweet").unwrap())
        );
        // review: once a day, 20 in all.
        let once = credited(member(&program), "r-1", "review", NOW);
        let m = *once.change.member.unwrap();
        assert_eq!(
            credit_action(m.clone(), &program, &report("r-2", "review"), ACTOR, NOW).unwrap_err(),
            OperationError::LimitReached(LimitReached::Daily(1))
        );
        let mut m = credited(m, "r-2", "review", NOW + Duration::days(1))
            .change
            .member
            .map(|m| *m)
            .unwrap();
        // survey: five in all, on any days.
        for i in 0..5 {
            m = *credited(m, &format!("s-{i}"), "survey", NOW)
                .change
                .member
                .unwrap();
        }
        assert_eq!(
            credit_action(
                m,
                &program,
                &report("s-5", "survey"),
                ACTOR,
                NOW + Duration::days(9)
            )
            .unwrap_err(),
            OperationError::LimitReached(LimitReached::Total(5))
        );
    }

    #[test]
    fn the_third_review_completes_the_critic_challenge_once() {
        let program = program();
        let mut m = member(&program);
        for day in 0..2 {
            let done = credited(m, &format!("r-{day}"), "review", NOW + Duration::days(day));
            assert!(done.completed.is_empty());
            m = *done.change.member.unwrap();
        }
        let third = credited(m, "r-2", "review", NOW + Duration::days(2));
        assert_eq!(
            third.completed,
            vec![ChallengeId::try_from("critic").unwrap()]
        );
        let kinds: Vec<EntryType> = third.change.entries.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            vec![EntryType::ActionBonus, EntryType::ChallengeReward]
        );
        assert_eq!(third.change.entries[1].points, points(100));
        assert_eq!(third.change.entries[1].reference, "challenge:critic");
        assert_eq!(third.balance, points(250));
        assert!(third.change.records.iter().any(
            |r| matches!(r, Record::Event(e) if e.kind == EventKind::ChallengeCompleted
                && e.detail["badge"] == "critic" && e.detail["marketingConsent"] == false)
        ));
        let m = *third.change.member.unwrap();
        assert_eq!(
            m.badges().iter().map(|b| b.as_str()).collect::<Vec<_>>(),
            ["critic"]
        );
        let fourth = credited(m, "r-3", "review", NOW + Duration::days(3));
        assert!(fourth.completed.is_empty(), "a challenge pays once");
        assert_eq!(fourth.change.entries.len(), 1);
    }
}
