//! Referral bonuses. The referred member's side runs inside its purchase and its reversal
//! (same member, same transaction); the referrer's side runs from the stream, on the
//! [`ReferralLink`] the purchase wrote, once per referred member whatever the redeliveries.

use time::OffsetDateTime;

use super::{Change, OperationError, Record};
use crate::domain::event::DomainEvent;
use crate::domain::ledger::{LedgerEntry, Posting};
use crate::domain::member::Member;
use crate::domain::points::Points;
use crate::domain::program::Program;
use crate::domain::purchase::{Purchase, PurchaseRef};
use crate::domain::referral::{Qualified, Referral, ReferralAward, ReferralLink, ReferralStats};

/// Who the ledger names as the cause of a referrer's entry.
const REFERRAL_ACTOR: &str = "system:referral";
const REFERRER: &str = "referrer";
const REFEREE: &str = "referee";

/// What a referral adds to the change of a purchase or its reversal.
#[derive(Debug, Default)]
pub(super) struct RefereeSide {
    pub entries: Vec<LedgerEntry>,
    pub records: Vec<Record>,
}

/// A purchase just credited to `member`: if it is the referred member's first qualifying
/// one, the member's own bonus (pending like the purchase's points) and the link that gives
/// the referrer its part.
pub(super) fn on_purchase(
    member: &mut Member,
    program: &Program,
    purchase: &Purchase,
    actor: &str,
    now: OffsetDateTime,
) -> Result<RefereeSide, OperationError> {
    let (Some(terms), Some(referral), PurchaseRef::Till(transaction_id)) = (
        program.referral(),
        member.referral.as_ref(),
        &purchase.reference,
    ) else {
        return Ok(RefereeSide::default());
    };
    if referral.qualified.is_some()
        || !terms.qualifies(member.enrolled_at, &purchase.amount, purchase.occurred_at)
    {
        return Ok(RefereeSide::default());
    }
    let referrer = referral.referrer.clone();
    let lot = purchase.placement.lot;
    let available_at = purchase.placement.available_at;
    let mut side = RefereeSide::default();
    if terms.referee_points().is_positive() {
        let posting = Posting::new(transaction_id.to_string(), actor, now)
            .occurred_at(purchase.occurred_at)
            .reason("welcome bonus: joined with a referral code");
        let (pending_until, entry) = member.credit_referral_bonus(
            terms.referee_points(),
            lot,
            available_at,
            posting,
            now,
            program,
        )?;
        side.records
            .push(Record::Event(DomainEvent::referral_rewarded(
                member,
                REFEREE,
                terms.referee_points(),
                pending_until,
                now,
            )));
        side.entries.push(entry);
    }
    member.referral = Some(Referral {
        referrer: referrer.clone(),
        qualified: Some(Qualified {
            transaction_id: transaction_id.clone(),
            points: terms.referee_points(),
            lot,
            available_at,
            withdrawn: false,
        }),
    });
    side.records.push(Record::ReferralLink(ReferralLink {
        referee: member.id().clone(),
        referrer,
        transaction_id: transaction_id.clone(),
        referrer_points: terms.referrer_points(),
        lot,
        available_at,
        at: now,
        withdrawn: false,
    }));
    Ok(side)
}

/// A purchase of `member` reversed: if it was the referral's qualifying purchase, is now
/// reversed in full and its points are still pending, both bonuses are withdrawn (the
/// member's here, the referrer's from the link).
pub(super) fn on_reversal(
    member: &mut Member,
    program: &Program,
    purchase: &Purchase,
    actor: &str,
    now: OffsetDateTime,
) -> Result<RefereeSide, OperationError> {
    let fully_reversed = purchase.refunded_minor >= purchase.amount.amount_minor();
    let Some(referral) = member.referral.clone() else {
        return Ok(RefereeSide::default());
    };
    let Some(qualified) = referral.qualified.filter(|q| {
        !q.withdrawn
            && PurchaseRef::Till(q.transaction_id.clone()) == purchase.reference
            && q.available_at.is_some_and(|at| at > now)
    }) else {
        return Ok(RefereeSide::default());
    };
    if !fully_reversed {
        return Ok(RefereeSide::default());
    }
    let mut side = RefereeSide::default();
    let posting = Posting::new(qualified.transaction_id.to_string(), actor, now)
        .reason("welcome bonus withdrawn: its purchase was reversed");
    if let Some(entry) = member.withdraw_referral_bonus(
        qualified.points,
        qualified.lot,
        qualified.available_at,
        posting,
        now,
        program,
    )? {
        side.entries.push(entry);
    }
    side.records.push(Record::ReferralLink(ReferralLink {
        referee: member.id().clone(),
        referrer: referral.referrer.clone(),
        transaction_id: qualified.transaction_id.clone(),
        referrer_points: Points::ZERO,
        lot: qualified.lot,
        available_at: qualified.available_at,
        at: now,
        withdrawn: true,
    }));
    member.referral = Some(Referral {
        referrer: referral.referrer,
        qualified: Some(Qualified {
            withdrawn: true,
            ..qualified
        }),
    });
    Ok(side)
}

/// The referrer's part of a link: its bonus (unless it has had `maxPerReferrer`), or, for a
/// withdrawn link, taking back the bonus while it is pending. `None`: nothing to write (a
/// redelivered record, or a bonus that has become spendable meanwhile).
pub fn reward_referrer(
    mut referrer: Member,
    program: &Program,
    stats: ReferralStats,
    award: Option<ReferralAward>,
    link: &ReferralLink,
    now: OffsetDateTime,
) -> Result<Option<Change>, OperationError> {
    let posting = || Posting::new(link.transaction_id.to_string(), REFERRAL_ACTOR, now);
    match (award, link.withdrawn) {
        // Seen before: a redelivery, or a withdrawal already made.
        (Some(_), false) => Ok(None),
        (Some(award), true) if award.withdrawn || award.points == Points::ZERO => Ok(None),
        (Some(award), true) => {
            let mut entries = referrer.catch_up(program, now)?;
            let Some(entry) = referrer.withdraw_referral_bonus(
                award.points,
                link.lot,
                link.available_at,
                posting().reason("referral bonus withdrawn: the purchase was reversed"),
                now,
                program,
            )?
            else {
                return Ok(None);
            };
            let record = Record::ReferralAward {
                award: ReferralAward {
                    withdrawn: true,
                    ..award
                },
                new: false,
                rewarded: -1,
                points: entry.points.value(),
            };
            entries.push(entry);
            Ok(Some(Change::member(referrer, entries, vec![record])))
        }
        // Withdrawn before the referrer's part was seen: nothing is ever paid for it.
        (None, true) => Ok(Some(unpaid(link, true))),
        (None, false) => {
            let may = program
                .referral()
                .is_none_or(|terms| terms.referrer_may_have_another(stats.rewarded));
            if !may || !link.referrer_points.is_positive() {
                return Ok(Some(unpaid(link, false)));
            }
            let mut entries = referrer.catch_up(program, now)?;
            let (pending_until, entry) = referrer.credit_referral_bonus(
                link.referrer_points,
                link.lot,
                link.available_at,
                posting().reason("referral bonus: a member you referred made a purchase"),
                now,
                program,
            )?;
            let event = DomainEvent::referral_rewarded(
                &referrer,
                REFERRER,
                link.referrer_points,
                pending_until,
                now,
            );
            let award = Record::ReferralAward {
                award: ReferralAward {
                    referrer: link.referrer.clone(),
                    referee: link.referee.clone(),
                    points: link.referrer_points,
                    withdrawn: false,
                },
                new: true,
                rewarded: 1,
                points: link.referrer_points.value(),
            };
            entries.push(entry);
            Ok(Some(Change::member(
                referrer,
                entries,
                vec![award, Record::Event(event)],
            )))
        }
    }
}

/// A referral that pays the referrer nothing, recorded so that it never will.
fn unpaid(link: &ReferralLink, withdrawn: bool) -> Change {
    Change::records(vec![Record::ReferralAward {
        award: ReferralAward {
            referrer: link.referrer.clone(),
            referee: link.referee.clone(),
            points: Points::ZERO,
            withdrawn,
        },
        new: true,
        rewarded: 0,
        points: 0,
    }])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::currency::Currency;
    use crate::domain::identifier::{MemberId, TransactionId};
    use crate::domain::ledger::EntryType;
    use crate::domain::money::Money;
    use crate::domain::operation::fixtures::{
        ACTOR, NOW, member, pending_program, points, program,
    };
    use crate::domain::operation::stamps::StampVouchers;
    use crate::domain::operation::{PurchaseReport, earn, reverse};
    use crate::domain::targeted_offer::OfferSet;
    use time::Duration;

    fn id(raw: &str) -> MemberId {
        MemberId::try_from(raw).unwrap()
    }

    fn referred(program: &Program) -> Member {
        Member::enrol(id("ref"), None, Some(id("rer")), NOW, program.lowest_tier())
    }

    fn report(transaction: &str, minor: i64) -> PurchaseReport {
        PurchaseReport {
            transaction_id: TransactionId::try_from(transaction).unwrap(),
            amount: Money::new(minor, Currency::try_from("EUR").unwrap()).unwrap(),
            category: None,
            occurred_at: None,
        }
    }

    /// The referred member's first qualifying purchase: the member after it and its link.
    fn qualified(program: &Program) -> (Member, ReferralLink, Purchase) {
        let earned = earn(
            referred(program),
            program,
            &[],
            &OfferSet::default(),
            &report("t-1", 2500),
            ACTOR,
            NOW,
        )
        .unwrap();
        let mut link = None;
        let mut purchase = None;
        for record in earned.change.records {
            match record {
                Record::ReferralLink(l) => link = Some(l),
                Record::NewPurchase(p) => purchase = Some(p),
                _ => {}
            }
        }
        (
            *earned.change.member.unwrap(),
            link.unwrap(),
            purchase.unwrap(),
        )
    }

    fn kinds(change: &Change) -> Vec<(EntryType, i64)> {
        change
            .entries
            .iter()
            .map(|e| (e.kind, e.points.value()))
            .collect()
    }

    #[test]
    fn the_first_qualifying_purchase_pays_the_referred_member_and_links_the_referrer() {
        let program = program();
        let small = earn(
            referred(&program),
            &program,
            &[],
            &OfferSet::default(),
            &report("s", 1999),
            ACTOR,
            NOW,
        )
        .unwrap();
        assert_eq!(kinds(&small.change), vec![(EntryType::Earn, 19)]);
        let (paid, link, _) = qualified(&program);
        assert_eq!(link.referrer, id("rer"));
        assert_eq!(link.referrer_points, points(500));
        assert!(!link.withdrawn);
        assert_eq!(paid.balance(), points(25 + 250));
        let qualified = paid.referral().unwrap().qualified.clone().unwrap();
        assert_eq!(qualified.points, points(250));
        // A second qualifying purchase pays nothing more.
        let again = earn(
            paid,
            &program,
            &[],
            &OfferSet::default(),
            &report("t-2", 5000),
            ACTOR,
            NOW,
        )
        .unwrap();
        assert_eq!(kinds(&again.change), vec![(EntryType::Earn, 50)]);
        assert!(
            !again
                .change
                .records
                .iter()
                .any(|r| matches!(r, Record::ReferralLink(_)))
        );
        // A member nobody referred never gets one.
        let alone = earn(
            member(&program),
            &program,
            &[],
            &OfferSet::default(),
            &report("a", 5000),
            ACTOR,
            NOW,
        )
        .unwrap();
        assert_eq!(kinds(&alone.change), vec![(EntryType::Earn, 50)]);
    }

    #[test]
    fn the_referrer_is_paid_once_and_not_beyond_the_maximum() {
        let program = program();
        let (_, link, _) = qualified(&program);
        let referrer = Member::enrol(id("rer"), None, None, NOW, program.lowest_tier());
        let paid = reward_referrer(
            referrer.clone(),
            &program,
            ReferralStats::default(),
            None,
            &link,
            NOW,
        )
        .unwrap()
        .unwrap();
        assert_eq!(kinds(&paid), vec![(EntryType::ReferralBonus, 500)]);
        assert!(matches!(
            paid.records.as_slice(),
            [Record::ReferralAward { new: true, rewarded: 1, points: 500, .. }, Record::Event(e)]
                if e.kind == crate::domain::event::EventKind::ReferralRewarded
        ));
        // Seen again (a redelivery): nothing.
        let award = ReferralAward {
            referrer: id("rer"),
            referee: id("ref"),
            points: points(500),
            withdrawn: false,
        };
        let stats = ReferralStats {
            referred: 1,
            rewarded: 1,
            points_earned: 500,
        };
        let again = reward_referrer(referrer.clone(), &program, stats, Some(award), &link, NOW);
        assert!(again.unwrap().is_none());
        // At the maximum (20 in the demo programme): an award of nothing, no member change.
        let full = ReferralStats {
            referred: 25,
            rewarded: 20,
            points_earned: 10_000,
        };
        let capped = reward_referrer(referrer, &program, full, None, &link, NOW)
            .unwrap()
            .unwrap();
        assert!(capped.member.is_none() && capped.entries.is_empty());
        assert!(matches!(
            capped.records.as_slice(),
            [Record::ReferralAward { new: true, rewarded: 0, award, .. }] if award.points == Points::ZERO
        ));
    }

    #[test]
    fn a_full_reversal_while_pending_withdraws_both_bonuses_and_a_partial_one_does_not() {
        let program = pending_program(14);
        let (member, link, purchase) = qualified(&program);
        assert_eq!(link.available_at, Some(NOW + Duration::days(14)));
        assert_eq!(member.held(), Some(points(25 + 250)));
        let eur = |minor| Money::new(minor, Currency::try_from("EUR").unwrap()).unwrap();
        let partial = reverse(
            member.clone(),
            &program,
            purchase.clone(),
            &StampVouchers::default(),
            Some(&eur(500)),
            ACTOR,
            NOW,
        )
        .unwrap();
        assert_eq!(kinds(&partial.change).len(), 1, "only the reverse entry");
        let full = reverse(
            member,
            &program,
            purchase,
            &StampVouchers::default(),
            None,
            ACTOR,
            NOW,
        )
        .unwrap();
        assert_eq!(
            kinds(&full.change),
            vec![(EntryType::Reverse, -25), (EntryType::ReferralBonus, -250)]
        );
        let withdrawn = full
            .change
            .records
            .iter()
            .find_map(|r| match r {
                Record::ReferralLink(l) => Some(l.clone()),
                _ => None,
            })
            .unwrap();
        assert!(withdrawn.withdrawn);
        assert_eq!(
            full.change.member.as_ref().unwrap().held(),
            Some(Points::ZERO)
        );

        // The referrer, paid meanwhile, has its pending bonus taken back once.
        let referrer = Member::enrol(id("rer"), None, None, NOW, program.lowest_tier());
        let paid = reward_referrer(
            referrer,
            &program,
            ReferralStats::default(),
            None,
            &link,
            NOW,
        )
        .unwrap()
        .unwrap();
        let referrer = *paid.member.unwrap();
        let award = ReferralAward {
            referrer: id("rer"),
            referee: id("ref"),
            points: points(500),
            withdrawn: false,
        };
        let stats = ReferralStats {
            referred: 1,
            rewarded: 1,
            points_earned: 500,
        };
        let taken = reward_referrer(
            referrer.clone(),
            &program,
            stats,
            Some(award.clone()),
            &withdrawn,
            NOW,
        )
        .unwrap()
        .unwrap();
        assert_eq!(kinds(&taken), vec![(EntryType::ReferralBonus, -500)]);
        assert!(matches!(
            taken.records.as_slice(),
            [Record::ReferralAward { new: false, rewarded: -1, points: -500, award }] if award.withdrawn
        ));
        let done = ReferralAward {
            withdrawn: true,
            ..award.clone()
        };
        assert!(
            reward_referrer(
                referrer.clone(),
                &program,
                stats,
                Some(done),
                &withdrawn,
                NOW
            )
            .unwrap()
            .is_none()
        );
        // Once the window has ended the bonus stays.
        let later = NOW + Duration::days(15);
        assert!(
            reward_referrer(referrer, &program, stats, Some(award), &withdrawn, later)
                .unwrap()
                .is_none()
        );
        // Withdrawn before the referrer's part was seen: recorded as never to be paid.
        let unseen = referred(&program);
        let never = reward_referrer(
            unseen,
            &program,
            ReferralStats::default(),
            None,
            &withdrawn,
            NOW,
        )
        .unwrap()
        .unwrap();
        assert!(never.member.is_none());
        assert!(matches!(
            never.records.as_slice(),
            [Record::ReferralAward { award, .. }] if award.withdrawn && award.points == Points::ZERO
        ));
    }

    #[test]
    fn a_reversal_after_the_window_keeps_the_bonus() {
        let program = pending_program(14);
        let (member, _, purchase) = qualified(&program);
        let later = NOW + Duration::days(14) + Duration::minutes(1);
        let reversed = reverse(
            member,
            &program,
            purchase,
            &StampVouchers::default(),
            None,
            ACTOR,
            later,
        )
        .unwrap();
        assert_eq!(kinds(&reversed.change), vec![(EntryType::Reverse, -25)]);
        assert_eq!(reversed.balance, points(250));
    }
}
