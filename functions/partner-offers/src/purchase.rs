//! `purchase.completed`: a partner's customer, one of our members, bought something; the
//! partner's offers active at `occurredAt` give bonus points, once per
//! `partnerTransactionId`.

use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::earn_rules::BreakdownLine;
use loyalty::domain::identifier::{MemberId, OfferId, PartnerTransactionId};
use loyalty::domain::money::Money;
use loyalty::domain::operation::{self, PartnerBonus, PartnerPurchaseReport};
use loyalty::domain::partner::Partner;
use loyalty::domain::points::Points;
use loyalty::domain::purchase::PurchaseRef;
use loyalty::http::{ApiError, Decision, Reply, write};
use loyalty::idempotency::Idempotency;
use loyalty::store::SnapshotRequest;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::view::Processed;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PartnerPurchase {
    member_id: MemberId,
    partner_transaction_id: PartnerTransactionId,
    amount: Money,
    #[serde(with = "loyalty::domain::rfc3339")]
    occurred_at: OffsetDateTime,
    offer_id: Option<OfferId>,
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
enum PurchaseView {
    #[serde(rename_all = "camelCase")]
    Credited {
        member_id: MemberId,
        entry_id: String,
        points: Points,
        breakdown: Vec<BreakdownLine>,
    },
    #[serde(rename_all = "camelCase")]
    Duplicate {
        partner_transaction_id: PartnerTransactionId,
    },
    #[serde(rename_all = "camelCase")]
    NothingCredited { points: Points, member_id: MemberId },
}

/// `partner` as the webhook's first read found it (a purchase does not change it). The
/// idempotency record is read again with the member: a concurrent delivery of the same
/// webhook may have committed since, and must get its answer.
pub async fn complete(
    context: &Context,
    partner: &Partner,
    idempotency: Idempotency,
    purchase: PartnerPurchase,
) -> Result<Response<Body>, ApiError> {
    if purchase.amount.amount_minor() == 0 {
        return Err(ApiError::invalid("amount must be greater than zero"));
    }
    let report = PartnerPurchaseReport {
        partner_transaction_id: purchase.partner_transaction_id.clone(),
        amount: purchase.amount,
        occurred_at: purchase.occurred_at,
        offer_id: purchase.offer_id,
    };
    // The member's record of this partner transaction: credited once, whatever the
    // webhook-id it arrives under.
    let reference =
        PurchaseRef::Partner(partner.partner_id.clone(), purchase.partner_transaction_id);
    let read = SnapshotRequest {
        purchase: Some(&reference),
        ..SnapshotRequest::member(&purchase.member_id)
    };
    write(context, read, Some(idempotency), |mut snapshot, now| {
        let (member, program) = snapshot.member_and_program()?;
        let recorded = snapshot.purchase.is_some();
        let outcome =
            operation::credit_partner_purchase(member, &program, partner, &report, recorded, now)?;
        Ok(answer(outcome, &purchase.member_id, &report))
    })
    .await
}

type Answer = Decision<Reply<Processed<PurchaseView>>>;

/// The partner's answer: what was credited, or why nothing was.
fn answer(outcome: PartnerBonus, member_id: &MemberId, report: &PartnerPurchaseReport) -> Answer {
    let nothing = || PurchaseView::NothingCredited {
        points: Points::ZERO,
        member_id: member_id.clone(),
    };
    match outcome {
        PartnerBonus::Credited { change, entry } => {
            let fields = PurchaseView::Credited {
                member_id: member_id.clone(),
                entry_id: entry.entry_id,
                points: entry.points,
                breakdown: entry.breakdown.unwrap_or_default(),
            };
            Decision::Commit(change, Reply::ok(processed("processed", fields)))
        }
        PartnerBonus::Duplicate => {
            let fields = PurchaseView::Duplicate {
                partner_transaction_id: report.partner_transaction_id.clone(),
            };
            Decision::Answer(Reply::ok(processed("duplicate", fields)))
        }
        PartnerBonus::NoOfferApplied => {
            Decision::Answer(Reply::ok(processed("no_offer_applied", nothing())))
        }
        PartnerBonus::LimitReached => {
            Decision::Answer(Reply::ok(processed("limit_reached", nothing())))
        }
    }
}

fn processed(status: &'static str, fields: PurchaseView) -> Processed<PurchaseView> {
    Processed { status, fields }
}
