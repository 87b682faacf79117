//! A partner's customer, one of our members, bought something: the partner's offers active
//! at the purchase give bonus points, one `partner_bonus` entry attributed to the partner
//! and a line of its settlement statement, once per partner transaction.

use time::OffsetDateTime;

use super::{Change, OperationError, Record};
use crate::domain::earn_rules::BreakdownLine;
use crate::domain::identifier::{OfferId, TransactionId};
use crate::domain::ledger::{LedgerEntry, Posting};
use crate::domain::lots::ExpiryMonth;
use crate::domain::member::{Member, Placement};
use crate::domain::money::Money;
use crate::domain::partner::{Partner, PartnerIssue};
use crate::domain::program::Program;
use crate::domain::purchase::{Purchase, not_in_future};

/// A purchase as the partner reports it.
#[derive(Debug, Clone)]
pub struct PartnerPurchaseReport {
    /// The partner's own id for the purchase.
    pub partner_transaction_id: String,
    /// The member's purchase record for it: credited once, whatever webhook carries it.
    pub transaction_id: TransactionId,
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
    not_in_future(report.occurred_at, now)?;
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
    let mut entries = member.catch_up(program, now)?;
    let breakdown: Vec<BreakdownLine> = by_offer
        .iter()
        .map(|(offer, points)| BreakdownLine::new(format!("offer:{offer}"), *points))
        .collect();
    let posting = Posting::new(
        format!("partner:{}", report.transaction_id),
        format!("partner:{}", partner.partner_id),
        now,
    )
    .occurred_at(report.occurred_at)
    .breakdown(breakdown)
    .amount(Some(report.amount.clone()))
    .reason(partner.name.clone());
    let entry =
        member.credit_partner_bonus(&partner.partner_id, &by_offer, posting, now, program)?;
    let purchase = Purchase {
        transaction_id: report.transaction_id.clone(),
        member_id: member.id().clone(),
        amount: report.amount.clone(),
        occurred_at: report.occurred_at,
        earned: entry.points,
        earn_entry_id: entry.entry_id.clone(),
        placement: Placement {
            lot: ExpiryMonth::for_points_earned(now, program.points_expiry_months()),
            qualifying_day: now.date(),
        },
        refunded_minor: 0,
        reversed: Default::default(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::currency::Currency;
    use crate::domain::identifier::PartnerId;
    use crate::domain::ledger::EntryType;
    use crate::domain::offer::{Offer, OfferDocument};
    use crate::domain::operation::fixtures::{NOW, member, points, program};
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
            partner_transaction_id: ptx.into(),
            transaction_id: TransactionId::try_from(format!("bikes:{ptx}")).unwrap(),
            amount: Money::new(5000, Currency::try_from("EUR").unwrap()).unwrap(),
            occurred_at: NOW,
            offer_id: offer.map(|o| OfferId::try_from(o).unwrap()),
        }
    }

    #[test]
    fn credits_the_offers_with_a_statement_line_attributed_to_the_partner() {
        let program = program();
        let outcome = credit_partner_purchase(
            member(&program),
            &program,
            &partner(None),
            &report("p1", None),
            false,
            NOW,
        )
        .unwrap();
        let PartnerBonus::Credited { change, entry } = outcome else {
            panic!("credited")
        };
        assert_eq!(entry.kind, EntryType::PartnerBonus);
        assert_eq!(entry.points, points(10));
        assert_eq!(entry.actor, "partner:bikes");
        assert!(matches!(
            change.records.as_slice(),
            [Record::NewPurchase(_), Record::PartnerIssued(i)] if i.points == points(10) && i.entry_id == entry.entry_id
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
}
