//! A purchase that earned points, kept so refunds can take back exactly what it gave.

use time::{Duration, OffsetDateTime};

use super::challenge::ChallengeStep;
use super::identifier::{MemberId, PartnerId, PartnerTransactionId, TransactionId};
use super::member::Placement;
use super::money::Money;
use super::points::Points;
use super::stamps::Stamp;
use super::targeted_offer::OfferAward;

/// Whose purchase it is, in whose namespace of ids: a till's transaction id and a partner's
/// never name the same purchase, so neither can reverse or pre-empt the other's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PurchaseRef {
    /// A till's or commerce backend's transaction.
    Till(TransactionId),
    /// A partner's transaction.
    Partner(PartnerId, PartnerTransactionId),
}

impl std::fmt::Display for PurchaseRef {
    /// As the ledger names it: the transaction id, or `partner:<partner>:<transaction>`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PurchaseRef::Till(transaction) => write!(f, "{transaction}"),
            PurchaseRef::Partner(partner, transaction) => {
                write!(f, "partner:{partner}:{transaction}")
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purchase {
    pub reference: PurchaseRef,
    pub member_id: MemberId,
    pub amount: Money,
    pub occurred_at: OffsetDateTime,
    pub earned: Points,
    pub earn_entry_id: String,
    pub placement: Placement,
    /// Refunded so far, in minor units of `amount`'s currency, and the points taken back.
    pub refunded_minor: i64,
    pub reversed: Points,
    /// The stamp cards it stamped, and what any of them gave on completion: a full
    /// reversal undoes exactly that.
    pub stamps: Vec<Stamp>,
    /// The targeted offers it got: a reversal gives their points back to their budgets.
    pub offers: Vec<OfferAward>,
    /// What it added to each challenge: a full reversal takes exactly that back.
    pub challenges: Vec<ChallengeStep>,
}

/// Till and partner clocks drift: a purchase a little in the future is accepted, more is a
/// mistake.
const MAX_CLOCK_SKEW: Duration = Duration::minutes(5);
/// Tills that were offline post late; older purchases are refused rather than credited
/// into lots that may already have expired.
const MAX_PURCHASE_AGE: Duration = Duration::days(90);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PurchaseTimeError {
    #[error("occurredAt is in the future")]
    Future,
    #[error("occurredAt is more than 90 days in the past")]
    TooOld,
}

/// When a reported purchase happened: `reported`, or `now` when the report names no time;
/// refused when it is in the future (beyond clock drift) or too old to credit.
pub fn purchase_time(
    reported: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> Result<OffsetDateTime, PurchaseTimeError> {
    let at = reported.unwrap_or(now);
    not_in_future(at, now)?;
    if at < now - MAX_PURCHASE_AGE {
        return Err(PurchaseTimeError::TooOld);
    }
    Ok(at)
}

/// Refuses a time in the future, beyond clock drift.
pub fn not_in_future(at: OffsetDateTime, now: OffsetDateTime) -> Result<(), PurchaseTimeError> {
    if at > now + MAX_CLOCK_SKEW {
        return Err(PurchaseTimeError::Future);
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReversalError {
    #[error("the purchase has already been reversed in full")]
    AlreadyReversed,
    #[error("the refund is in {given}, the purchase was in {expected}")]
    CurrencyMismatch {
        given: &'static str,
        expected: &'static str,
    },
    #[error("the refund of {requested} exceeds the {remaining} not yet refunded")]
    ExceedsRemainder { requested: i64, remaining: i64 },
    #[error("a refund amount must be greater than zero")]
    Zero,
}

/// What one reversal takes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reversal {
    pub points: Points,
    pub refunded_minor_after: i64,
}

impl Purchase {
    /// Points to take back for a refund of `amount` (the whole remainder when `None`).
    /// Points are proportional to the cumulative refunded amount, so several partial
    /// refunds add up to exactly the points earned once the whole purchase is refunded.
    pub fn reversal(&self, amount: Option<&Money>) -> Result<Reversal, ReversalError> {
        let total = self.amount.amount_minor();
        let remaining = total - self.refunded_minor;
        if remaining <= 0 {
            return Err(ReversalError::AlreadyReversed);
        }
        let refund = match amount {
            None => remaining,
            Some(money) => {
                if money.currency() != self.amount.currency() {
                    return Err(ReversalError::CurrencyMismatch {
                        given: money.currency().code(),
                        expected: self.amount.currency().code(),
                    });
                }
                let requested = money.amount_minor();
                if requested == 0 {
                    return Err(ReversalError::Zero);
                }
                if requested > remaining {
                    return Err(ReversalError::ExceedsRemainder {
                        requested,
                        remaining,
                    });
                }
                requested
            }
        };
        let refunded_after = self.refunded_minor + refund;
        let reversed_after = if refunded_after == total {
            self.earned.value()
        } else {
            let scaled = i128::from(self.earned.value()) * i128::from(refunded_after)
                / i128::from(total.max(1));
            i64::try_from(scaled).unwrap_or(self.earned.value())
        };
        let points = Points::new(reversed_after - self.reversed.value()).unwrap_or(Points::ZERO);
        Ok(Reversal {
            points,
            refunded_minor_after: refunded_after,
        })
    }
}
