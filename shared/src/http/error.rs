//! Every error a client can see, and the one place that maps each to its status, code
//! and body (API.md). Internal details are logged where they happen and never put here.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use serde_json::json;

use crate::domain::earn_rules::EarnError;
use crate::domain::identifier::InvalidIdentifier;
use crate::domain::member::BalanceError;
use crate::domain::metrics::RangeError;
use crate::domain::offer::InvalidOffer;
use crate::domain::operation::OperationError;
use crate::domain::partner::PartnerError;
use crate::domain::program::ProgramError;
use crate::domain::purchase::{PurchaseTimeError, ReversalError};
use crate::domain::reason::InvalidReason;
use crate::domain::referral_code::UnknownReferralCode;
use crate::domain::reward::{InvalidReward, RedeemRefusal};
use crate::domain::targeted_offer::InvalidTargetedOffer;
use crate::domain::voucher_code::InvalidVoucherCode;
use crate::identity::AuthError;
use crate::store::{Missing, OfferWriteError, StoreError};
use crate::write::WriteError;

/// Business refusals: the request was understood and valid, and the answer is no.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    InsufficientPoints,
    RewardUnavailable,
    OutOfStock,
    TierNotEligible,
    AlreadyReversed,
    NotCancellable,
    /// A voucher already used or cancelled, shown at a till again.
    VoucherNotUsable,
    /// A referral code that is no member's.
    ReferralInvalid,
    /// An action the programme has no rule for.
    ActionUnknown,
    /// An action past its rule's daily or lifetime limit.
    LimitReached,
}

impl Refusal {
    fn code(self) -> &'static str {
        match self {
            Refusal::InsufficientPoints => "insufficient_points",
            Refusal::RewardUnavailable => "reward_unavailable",
            Refusal::OutOfStock => "out_of_stock",
            Refusal::TierNotEligible => "tier_not_eligible",
            Refusal::AlreadyReversed => "already_reversed",
            Refusal::NotCancellable => "not_cancellable",
            Refusal::VoucherNotUsable => "voucher_not_usable",
            Refusal::ReferralInvalid => "referral_invalid",
            Refusal::ActionUnknown => "action_unknown",
            Refusal::LimitReached => "limit_reached",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    InvalidRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("a request with this idempotency key is still being processed; retry later")]
    RequestInProgress,
    #[error("{0}")]
    Conflict(String),
    #[error("the request body is larger than 64 KiB")]
    PayloadTooLarge,
    #[error("this idempotency key was already used with a different request")]
    IdempotencyConflict,
    #[error("{message}")]
    Refused { refusal: Refusal, message: String },
    #[error("too many requests right now; retry after the time in retry-after")]
    Throttled,
    #[error("the service is temporarily unavailable; retry after the time in retry-after")]
    Unavailable,
    #[error("an internal error occurred")]
    Internal,
}

impl ApiError {
    pub fn invalid(message: impl Into<String>) -> Self {
        ApiError::InvalidRequest(message.into())
    }

    pub fn refused(refusal: Refusal, message: impl Into<String>) -> Self {
        ApiError::Refused {
            refusal,
            message: message.into(),
        }
    }

    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::InvalidRequest(_) => (StatusCode::BAD_REQUEST, "invalid_request"),
            ApiError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::RequestInProgress => (StatusCode::CONFLICT, "request_in_progress"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            ApiError::IdempotencyConflict => {
                (StatusCode::UNPROCESSABLE_ENTITY, "idempotency_conflict")
            }
            ApiError::Refused { refusal, .. } => (StatusCode::UNPROCESSABLE_ENTITY, refusal.code()),
            ApiError::Throttled => (StatusCode::TOO_MANY_REQUESTS, "throttled"),
            ApiError::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ApiError::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
        }
    }

    pub fn status(&self) -> StatusCode {
        self.status_and_code().0
    }

    pub fn code(&self) -> &'static str {
        self.status_and_code().1
    }

    /// The error body of API.md, with the request id that also tags this request's logs.
    pub fn into_response(self, request_id: &str) -> Response<Body> {
        let (status, code) = self.status_and_code();
        let body =
            json!({"error": {"code": code, "message": self.to_string(), "requestId": request_id}});
        let mut builder = Response::builder()
            .status(status)
            .header("content-type", "application/json");
        if matches!(self, ApiError::Throttled | ApiError::Unavailable) {
            builder = builder.header("retry-after", "1");
        }
        builder
            .body(Body::Text(body.to_string()))
            .unwrap_or_else(|_| Response::new(Body::Text(String::new())))
    }
}

// Every error the rest of the code returns maps to the contract here, once each.

impl From<UnknownReferralCode> for ApiError {
    fn from(error: UnknownReferralCode) -> Self {
        ApiError::refused(Refusal::ReferralInvalid, error.to_string())
    }
}

/// A client-chosen id in the path or body that is not in API.md's alphabet.
impl From<InvalidIdentifier> for ApiError {
    fn from(error: InvalidIdentifier) -> Self {
        ApiError::InvalidRequest(error.to_string())
    }
}

/// Documents an operator or a partner sent that do not validate.
macro_rules! invalid_request_from {
    ($($error:ty),* $(,)?) => {
        $(impl From<$error> for ApiError {
            fn from(error: $error) -> Self {
                ApiError::InvalidRequest(error.to_string())
            }
        })*
    };
}

invalid_request_from!(
    InvalidReason,
    InvalidOffer,
    InvalidTargetedOffer,
    InvalidReward,
    ProgramError,
    EarnError,
    PurchaseTimeError,
    InvalidVoucherCode,
    RangeError,
);

impl From<AuthError> for ApiError {
    fn from(error: AuthError) -> Self {
        match error {
            AuthError::Unauthorized(message) => ApiError::Unauthorized(message),
            AuthError::Forbidden(message) => ApiError::Forbidden(message),
            AuthError::NotAMemberId => ApiError::InvalidRequest(error.to_string()),
        }
    }
}

impl From<Missing> for ApiError {
    fn from(missing: Missing) -> Self {
        match missing {
            // Writes need the programme; until an operator has loaded one they cannot run.
            Missing::Program => {
                tracing::error!("no programme is configured: PUT /v1/program first");
                ApiError::Unavailable
            }
            other => ApiError::NotFound(other.to_string()),
        }
    }
}

impl From<BalanceError> for ApiError {
    fn from(error: BalanceError) -> Self {
        match error {
            BalanceError::InsufficientPoints { .. } => {
                ApiError::refused(Refusal::InsufficientPoints, error.to_string())
            }
            BalanceError::Overflow => ApiError::invalid(error.to_string()),
        }
    }
}

impl From<ReversalError> for ApiError {
    fn from(error: ReversalError) -> Self {
        match error {
            ReversalError::AlreadyReversed => {
                ApiError::refused(Refusal::AlreadyReversed, error.to_string())
            }
            ReversalError::CurrencyMismatch { .. }
            | ReversalError::ExceedsRemainder { .. }
            | ReversalError::Zero => ApiError::invalid(error.to_string()),
        }
    }
}

impl From<RedeemRefusal> for ApiError {
    fn from(refusal: RedeemRefusal) -> Self {
        let kind = match refusal {
            RedeemRefusal::Unavailable => Refusal::RewardUnavailable,
            RedeemRefusal::TierNotEligible(_) => Refusal::TierNotEligible,
            RedeemRefusal::OutOfStock => Refusal::OutOfStock,
            RedeemRefusal::InsufficientPoints { .. } => Refusal::InsufficientPoints,
        };
        ApiError::refused(kind, refusal.to_string())
    }
}

impl From<PartnerError> for ApiError {
    fn from(error: PartnerError) -> Self {
        match error {
            PartnerError::Name => ApiError::invalid(error.to_string()),
            PartnerError::UnknownSecret | PartnerError::UnknownOffer(_) => {
                ApiError::NotFound(error.to_string())
            }
            PartnerError::TooManySecrets
            | PartnerError::LastSecret
            | PartnerError::TooManyOffers => ApiError::Conflict(error.to_string()),
        }
    }
}

impl From<OperationError> for ApiError {
    fn from(error: OperationError) -> Self {
        match error {
            OperationError::Balance(e) => e.into(),
            OperationError::Earn(e) => e.into(),
            OperationError::PurchaseTime(e) => e.into(),
            OperationError::Reversal(e) => e.into(),
            OperationError::Redeem(e) => e.into(),
            OperationError::Partner(e) => e.into(),
            OperationError::NotCancellable(_) => {
                ApiError::refused(Refusal::NotCancellable, error.to_string())
            }
            OperationError::VoucherNotUsable(_) => {
                ApiError::refused(Refusal::VoucherNotUsable, error.to_string())
            }
            OperationError::UnknownTier(_)
            | OperationError::UntilInPast
            | OperationError::UnknownPlan(_) => ApiError::invalid(error.to_string()),
            OperationError::ActionUnknown(_) => {
                ApiError::refused(Refusal::ActionUnknown, error.to_string())
            }
            OperationError::LimitReached(_) => {
                ApiError::refused(Refusal::LimitReached, error.to_string())
            }
            OperationError::NotOffered(_) => ApiError::NotFound(error.to_string()),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Throttled => ApiError::Throttled,
            StoreError::Unavailable => ApiError::Unavailable,
            StoreError::Busy => {
                ApiError::Conflict("the account is busy with other changes; retry".into())
            }
            StoreError::Corrupt(_) | StoreError::Internal => ApiError::Internal,
        }
    }
}

impl From<OfferWriteError> for ApiError {
    fn from(error: OfferWriteError) -> Self {
        match error {
            OfferWriteError::Changed => {
                ApiError::Conflict("the offer was changed meanwhile; retry".into())
            }
            OfferWriteError::Store(store) => store.into(),
        }
    }
}

impl From<WriteError> for ApiError {
    fn from(error: WriteError) -> Self {
        match error {
            WriteError::Store(store) => store.into(),
            WriteError::Contended {
                key_in_flight: true,
            } => ApiError::RequestInProgress,
            WriteError::Contended {
                key_in_flight: false,
            } => ApiError::Conflict("the account is busy with other changes; retry".into()),
            WriteError::KeyReused | WriteError::AlreadyRecorded => ApiError::IdempotencyConflict,
        }
    }
}
