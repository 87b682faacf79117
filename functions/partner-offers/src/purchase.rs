//! `purchase.completed`: a partner's customer, one of our members, bought something; the
//! partner's offers active at `occurredAt` give bonus points, recorded as `partner_bonus`
//! entries attributed to the partner, once per `partnerTransactionId`.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use loyalty::domain::earn_rules::BreakdownLine;
use loyalty::domain::identifier::{MemberId, OfferId, PartnerId, TransactionId};
use loyalty::domain::ledger::{EntryFacts, EntryType, LedgerEntry};
use loyalty::domain::lots::ExpiryMonth;
use loyalty::domain::member::Placement;
use loyalty::domain::money::Money;
use loyalty::domain::partner::PartnerIssue;
use loyalty::domain::purchase::Purchase;
use loyalty::http::{ApiError, Decision, Idempotency, Planned, execute_write};
use loyalty::store::{Commit, SnapshotRequest, Write};
use serde::Deserialize;
use serde_json::json;
use time::{Duration, OffsetDateTime};

use crate::PartnerContext;
use crate::admin::partner_error;

/// Partners report late, but not from the future.
const MAX_CLOCK_SKEW: Duration = Duration::minutes(5);

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PartnerPurchase {
    member_id: MemberId,
    partner_transaction_id: String,
    amount: Money,
    #[serde(with = "time::serde::rfc3339")]
    occurred_at: OffsetDateTime,
    offer_id: Option<OfferId>,
}

pub async fn complete(
    context: &PartnerContext,
    partner_id: &PartnerId,
    idempotency: Idempotency,
    purchase: PartnerPurchase,
) -> Result<Response<Body>, ApiError> {
    // The member's purchase record for this partner transaction: credited once, whatever
    // the webhook-id it arrives under.
    let transaction = TransactionId::try_from(format!(
        "{partner_id}:{}",
        purchase.partner_transaction_id
    ))
    .map_err(|_| {
        ApiError::invalid(format!(
            "partnerTransactionId must be 1 to {} characters from letters, digits and -_.:@",
            127_usize.saturating_sub(partner_id.as_str().len())
        ))
    })?;
    let read = SnapshotRequest {
        member: Some(&purchase.member_id),
        program: true,
        partner: Some(partner_id),
        purchase: Some(&transaction),
        ..Default::default()
    };
    execute_write(&context.base, read, Some(idempotency), |snapshot, now| {
        if purchase.occurred_at > now + MAX_CLOCK_SKEW {
            return Err(ApiError::invalid("occurredAt is in the future"));
        }
        let program = snapshot.program.ok_or_else(ApiError::program_missing)?;
        let partner = snapshot.partner.ok_or_else(|| ApiError::NotFound("no partner with this id".into()))?;
        let mut member = snapshot.member.ok_or_else(|| ApiError::NotFound("no member with this id".into()))?;
        if snapshot.purchase.is_some() {
            return Ok(Decision::Answer {
                status: StatusCode::OK,
                body: json!({"status": "duplicate", "partnerTransactionId": purchase.partner_transaction_id}),
            });
        }
        let by_offer = partner
            .bonus_for_purchase(&program, &purchase.amount, purchase.occurred_at, purchase.offer_id.as_ref(), |offer| {
                member.partner_offer_points(partner_id, offer)
            })
            .map_err(partner_error)?;
        if by_offer.is_empty() {
            return Ok(Decision::Answer {
                status: StatusCode::OK,
                body: json!({"status": "no_offer_applied", "points": 0, "memberId": purchase.member_id}),
            });
        }
        let expected_revision = member.revision();
        let points = member
            .credit_partner_bonus(partner_id, &by_offer, now, &program)
            .map_err(|e| ApiError::invalid(e.to_string()))?;
        let breakdown: Vec<BreakdownLine> =
            by_offer.iter().map(|(offer, p)| BreakdownLine::new(format!("offer:{offer}"), *p)).collect();
        let entry = LedgerEntry::for_change(
            &member,
            EntryFacts {
                kind: EntryType::PartnerBonus,
                points,
                occurred_at: purchase.occurred_at,
                reference: format!("partner:{transaction}"),
                breakdown: Some(breakdown.clone()),
                amount: Some(purchase.amount.clone()),
                reason: Some(partner.name.clone()),
                actor: format!("partner:{partner_id}"),
            },
            now,
        );
        let record = Purchase {
            transaction_id: transaction.clone(),
            member_id: purchase.member_id.clone(),
            amount: purchase.amount.clone(),
            occurred_at: purchase.occurred_at,
            earned: points,
            earn_entry_id: entry.entry_id.clone(),
            placement: Placement {
                lot: ExpiryMonth::for_points_earned(now, program.points_expiry_months()),
                qualifying_day: now.date(),
            },
            refunded_minor: 0,
            reversed: Default::default(),
        };
        let issue = PartnerIssue {
            partner_id: partner_id.clone(),
            member_id: purchase.member_id.clone(),
            entry_id: entry.entry_id.clone(),
            partner_transaction_id: purchase.partner_transaction_id.clone(),
            points,
            by_offer,
            recorded_at: now,
        };
        let body = json!({
            "status": "processed",
            "memberId": purchase.member_id,
            "entryId": entry.entry_id,
            "points": points,
            "breakdown": breakdown,
        });
        Ok(Decision::from(Planned {
            commit: Commit {
                member,
                expected_revision,
                entries: vec![entry],
                writes: vec![Write::NewPurchase(record), Write::PartnerIssued(issue)],
                idempotency: None,
                now,
            },
            status: StatusCode::OK,
            body,
        }))
    })
    .await
}
