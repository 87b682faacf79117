//! A partner's customer, one of our members, bought something: the partner's offers active
//! at the purchase give bonus points, one `partner_bonus` entry attributed to the partner
//! and a line of its settlement statement, once per partner transaction.

use time::OffsetDateTime;

use super::{Change, OperationError, Record};
use crate::domain::earn_rules::BreakdownLine;
use crate::domain::identifier::{OfferId, PartnerTransactionId};
use crate::domain::ledger::{LedgerEntry, Posting};
use crate::domain::member::Member;
use crate::domain::money::Money;
use crate::domain::partner::{Partner, PartnerIssue};
use crate::domain::points::Points;
use crate::domain::program::Program;
use crate::domain::purchase::{Purchase, PurchaseRef, purchase_time};

/// A purchase as the partner reports it.
#[derive(Debug, Clone)]
pub struct PartnerPurchaseReport {
    /// The partner's own id for the purchase: credited once, whatever webhook carries it.
    pub partner_transaction_id: PartnerTransactionId,
    pub amount: Money,
    pub occurred_at: OffsetDateTime,
    /// Only this offer counts, when given.
    pub offer_id: Option<OfferId>,
}

#[derive(Debug)]
pub enum PartnerBonus {
    Credited {
        change: Change,
        entry: Box<LedgerEntry>,
    },
    /// The purchase was credited before: nothing changes.
    Duplicate,
    /// No offer of the partner applies: nothing changes.
    NoOfferApplied,
    /// Offers apply, but the member has had all the programme allows from partners today.
    LimitReached,
}

/// `recorded` is whether the member's purchase record for it exists already.
pub fn credit_partner_purchase(
    mut member: Member,
    program: &Program,
    partner: &Partner,
    report: &PartnerPurchaseReport,
    recorded: bool,
    now: OffsetDateTime,
) -> Result<PartnerBonus, OperationError> {
    purchase_time(Some(report.occurred_at), now)?;
    if recorded {
        return Ok(PartnerBonus::Duplicate);
    }
    let by_offer = partner.bonus_for_purchase(
        program,
        &report.amount,
        report.occurred_at,
        report.offer_id.as_ref(),
        |offer| member.partner_offer_points(&partner.partner_id, offer),
    )?;
    if by_offer.is_empty() {
        return Ok(PartnerBonus::NoOfferApplied);
    }
    let limits = program.partner_limits();
    let room = limits
        .per_member_per_day()
        .checked_sub(member.partner_points_today(now))
        .unwrap_or(Points::ZERO)
        .max(Points::ZERO)
        .min(limits.per_purchase());
    let by_offer = within(by_offer, room);
    if by_offer.is_empty() {
        return Ok(PartnerBonus::LimitReached);
    }
    let mut entries = member.catch_up(program, now)?;
    let breakdown: Vec<BreakdownLine> = by_offer
        .iter()
        .map(|(offer, points)| BreakdownLine::new(format!("offer:{offer}"), *points))
        .collect();
    let reference = PurchaseRef::Partner(
        partner.partner_id.clone(),
        report.partner_transaction_id.clone(),
    );
    let posting = Posting::new(
        reference.to_string(),
        format!("partner:{}", partner.partner_id),
        now,
    )
    .occurred_at(report.occurred_at)
    .breakdown(breakdown)
    .amount(Some(report.amount.clone()))
    .reason(partner.name.clone());
    let (placement, entry) =
        member.credit_partner_bonus(partner, &by_offer, posting, now, program)?;
    let purchase = Purchase {
        reference,
        member_id: member.id().clone(),
        amount: report.amount.clone(),
        occurred_at: report.occurred_at,
        earned: entry.points,
        earn_entry_id: entry.entry_id.clone(),
        placement,
        refunded_minor: 0,
        reversed: Default::default(),
        // Stamp cards count the purchases made at the business's own tills.
        stamps: Vec::new(),
        offers: Vec::new(),
        challenges: Vec::new(),
    };
    let issue = PartnerIssue {
        partner_id: partner.partner_id.clone(),
        member_id: member.id().clone(),
        entry_id: entry.entry_id.clone(),
        partner_transaction_id: report.partner_transaction_id.clone(),
        points: entry.points,
        by_offer,
        recorded_at: now,
    };
    entries.push(entry.clone());
    let records = vec![Record::NewPurchase(purchase), Record::PartnerIssued(issue)];
    Ok(PartnerBonus::Credited {
        change: Change::member(member, entries, records),
        entry: Box::new(entry),
    })
}

/// The offers' bonuses, in order, cut so that together they give at most `room`.
fn within(by_offer: Vec<(OfferId, Points)>, room: Points) -> Vec<(OfferId, Points)> {
    let mut left = room;
    by_offer
        .into_iter()
        .filter_map(|(offer, points)| {
            let given = points.min(left);
            left = left.checked_sub(given).unwrap_or(Points::ZERO);
            given.is_positive().then_some((offer, given))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::currency::Currency;
    use crate::domain::identifier::PartnerId;
    use crate::domain::ledger::EntryType;
    use crate::domain::offer::{Offer, OfferDocument};
    use crate::domain::operation::fixtures::{NOW, member, pending_program, points, program};
    use crate::domain::partner::{PartnerError, PartnerStatus};
    use crate::domain::purchase::PurchaseTimeError;
    use time::Duration;

    fn partner(cap: Option<i64>) -> Partner {
        let doc: OfferDocument = serde_json::from_value(serde_json::json!({
            "offerId": "ten", "title": "Ten points", "bonus": {"fixedPoints": 10},
            "validFrom": "2026-11-01T00:00:00Z", "validTo": "2026-12-01T00:00:00Z",
            "perMemberCap": cap,
        }))
        .unwrap();
        Partner {
            partner_id: PartnerId::try_from("bikes").unwrap(),
            name: "Bikes".into(),
            status: PartnerStatus::Active,
            secrets: Vec::new(),
            offers: vec![Offer::try_from(doc).unwrap()],
            created_at: NOW,
            revision: 1,
        }
    }

    fn report(ptx: &str, offer: Option<&str>) -> PartnerPurchaseReport {
        PartnerPurchaseReport {
            partner_transaction_id: PartnerTransactionId::try_from(ptx).unwrap(),
            amount: Money::new(5000, Currency::try_from("EUR").unwrap()).unwrap(),
            occurred_at: NOW,
            offer_id: offer.map(|o| OfferId::try_from(o).unwrap()),
        }
    }

    /// A new member's purchase "p1", credited under `program`.
    fn credited(program: &Program) -> (Change, Box<LedgerEntry>) {
        let outcome = credit_partner_purchase(
            member(program),
            program,
            &partner(None),
            &report("p1", None),
            false,
            NOW,
        )
        .unwrap();
        let PartnerBonus::Credited { change, entry } = outcome else {
            panic!("credited")
        };
        (change, entry)
    }

    #[test]
    fn credits_the_offers_with_a_statement_line_attributed_to_the_partner() {
        let (change, entry) = credited(&program());
        assert_eq!(entry.kind, EntryType::PartnerBonus);
        assert_eq!(entry.points, points(10));
        assert_eq!(entry.actor, "partner:bikes");
        assert!(matches!(
            change.records.as_slice(),
            [Record::NewPurchase(_), Record::PartnerIssued(i)] if i.points == points(10) && i.entry_id == entry.entry_id
        ));
    }

    #[test]
    fn a_partner_s_points_are_pending_like_a_till_s() {
        let (change, entry) = credited(&pending_program(14));
        assert_eq!(entry.available_at, Some(NOW + Duration::days(14)));
        let member = change.member.unwrap();
        assert_eq!(member.balance(), Points::ZERO);
        assert_eq!(member.pending().total(), Some(points(10)));
        assert!(matches!(
            change.records.as_slice(),
            [Record::NewPurchase(p), _] if p.placement.available_at == entry.available_at
        ));
    }

    #[test]
    fn a_recorded_purchase_or_no_applicable_offer_changes_nothing() {
        let program = program();
        let partner = partner(None);
        assert!(matches!(
            credit_partner_purchase(
                member(&program),
                &program,
                &partner,
                &report("p1", None),
                true,
                NOW
            ),
            Ok(PartnerBonus::Duplicate)
        ));
        let mut outside = report("p2", None);
        outside.occurred_at = NOW - Duration::days(60);
        assert!(matches!(
            credit_partner_purchase(member(&program), &program, &partner, &outside, false, NOW),
            Ok(PartnerBonus::NoOfferApplied)
        ));
    }

    #[test]
    fn the_per_member_cap_holds_across_purchases() {
        let program = program();
        let partner = partner(Some(15));
        let first = credit_partner_purchase(
            member(&program),
            &program,
            &partner,
            &report("p1", None),
            false,
            NOW,
        )
        .unwrap();
        let PartnerBonus::Credited { change, .. } = first else {
            panic!("credited")
        };
        let second = credit_partner_purchase(
            *change.member.unwrap(),
            &program,
            &partner,
            &report("p2", None),
            false,
            NOW,
        )
        .unwrap();
        let PartnerBonus::Credited { entry, .. } = second else {
            panic!("credited")
        };
        assert_eq!(entry.points, points(5));
    }

    #[test]
    fn refuses_an_unknown_offer_and_a_purchase_from_the_future() {
        let program = program();
        assert_eq!(
            credit_partner_purchase(
                member(&program),
                &program,
                &partner(None),
                &report("p1", Some("nope")),
                false,
                NOW
            )
            .unwrap_err(),
            OperationError::Partner(PartnerError::UnknownOffer(
                OfferId::try_from("nope").unwrap()
            ))
        );
        let mut future = report("p1", None);
        future.occurred_at = NOW + Duration::hours(1);
        assert_eq!(
            credit_partner_purchase(
                member(&program),
                &program,
                &partner(None),
                &future,
                false,
                NOW
            )
            .unwrap_err(),
            OperationError::PurchaseTime(PurchaseTimeError::Future)
        );
    }

    fn fixed(points: i64) -> Partner {
        let doc: OfferDocument = serde_json::from_value(serde_json::json!({
            "offerId": "mint", "title": "Mint", "bonus": {"fixedPoints": points},
            "validFrom": "2026-11-01T00:00:00Z", "validTo": "2026-12-01T00:00:00Z",
        }))
        .unwrap();
        Partner {
            offers: vec![Offer::try_from(doc).unwrap()],
            ..partner(None)
        }
    }

    #[test]
    fn a_partner_cannot_mint_points_past_the_programmes_limits() {
        let program = program();
        let limits = program.partner_limits();
        let greedy = fixed(1_000_000_000_000);
        let mut m = member(&program);
        let mut credited = Vec::new();
        for n in 0.. {
            let outcome = credit_partner_purchase(
                m.clone(),
                &program,
                &greedy,
                &report(&format!("p{n}"), None),
                false,
                NOW,
            )
            .unwrap();
            let PartnerBonus::Credited { change, entry } = outcome else {
                assert!(matches!(outcome, PartnerBonus::LimitReached), "{outcome:?}");
                break;
            };
            assert!(
                entry.points <= limits.per_purchase(),
                "one purchase gives {}",
                entry.points
            );
            let breakdown: i64 = entry
                .breakdown
                .iter()
                .flatten()
                .map(|l| l.points().value())
                .sum();
            assert_eq!(breakdown, entry.points.value());
            credited.push(entry.points.value());
            m = *change.member.unwrap();
        }
        assert_eq!(
            credited.iter().sum::<i64>(),
            limits.per_member_per_day().value()
        );
        // A new UTC day opens a new allowance.
        let tomorrow = NOW + Duration::days(1);
        let mut next = report("next-day", None);
        next.occurred_at = tomorrow;
        assert!(matches!(
            credit_partner_purchase(m, &program, &greedy, &next, false, tomorrow).unwrap(),
            PartnerBonus::Credited { .. }
        ));
    }

    #[test]
    fn refuses_purchases_older_than_an_earn_may_be() {
        let program = program();
        let mut old = report("p1", None);
        old.occurred_at = NOW - Duration::days(91);
        assert_eq!(
            credit_partner_purchase(member(&program), &program, &partner(None), &old, false, NOW)
                .unwrap_err(),
            OperationError::PurchaseTime(PurchaseTimeError::TooOld)
        );
    }

    #[test]
    fn per_member_caps_of_offers_with_lookalike_ids_are_kept_apart() {
        let program = program();
        let offer = |id: &str| {
            let doc: OfferDocument = serde_json::from_value(serde_json::json!({
                "offerId": id, "title": "Ten", "bonus": {"fixedPoints": 10}, "perMemberCap": 10,
                "validFrom": "2026-11-01T00:00:00Z", "validTo": "2026-12-01T00:00:00Z",
            }))
            .unwrap();
            Offer::try_from(doc).unwrap()
        };
        let a = Partner {
            partner_id: PartnerId::try_from("a").unwrap(),
            offers: vec![offer("b:c")],
            ..partner(None)
        };
        let ab = Partner {
            partner_id: PartnerId::try_from("a:b").unwrap(),
            offers: vec![offer("c")],
            ..partner(None)
        };
        let PartnerBonus::Credited { change, .. } = credit_partner_purchase(
            member(&program),
            &program,
            &a,
            &report("p1", None),
            false,
            NOW,
        )
        .unwrap() else {
            panic!("credited")
        };
        let m = *change.member.unwrap();
        assert_eq!(
            m.partner_offer_points(&a.partner_id, &OfferId::try_from("b:c").unwrap()),
            points(10)
        );
        assert_eq!(
            m.partner_offer_points(&ab.partner_id, &OfferId::try_from("c").unwrap()),
            Points::ZERO
        );
        assert!(matches!(
            credit_partner_purchase(m, &program, &ab, &report("p2", None), false, NOW).unwrap(),
            PartnerBonus::Credited { .. }
        ));
    }

    #[test]
    fn what_a_member_had_from_an_offer_is_forgotten_once_the_offer_ends() {
        let program = program();
        let PartnerBonus::Credited { change, .. } = credit_partner_purchase(
            member(&program),
            &program,
            &partner(Some(15)),
            &report("p1", None),
            false,
            NOW,
        )
        .unwrap() else {
            panic!("credited")
        };
        let mut m = *change.member.unwrap();
        let offer = OfferId::try_from("ten").unwrap();
        assert_eq!(
            m.partner_offer_points(&PartnerId::try_from("bikes").unwrap(), &offer),
            points(10)
        );
        // The offer ran until 2026-12-01.
        m.catch_up(&program, time::macros::datetime!(2026-12-01 0:00 UTC))
            .unwrap();
        assert_eq!(
            m.partner_offer_points(&PartnerId::try_from("bikes").unwrap(), &offer),
            Points::ZERO
        );
    }
}
