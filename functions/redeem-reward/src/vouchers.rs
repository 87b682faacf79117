//! `GET /v1/vouchers/{code}` and `POST /v1/vouchers/{code}/use`: the till checks a code and
//! marks it used, once (scope `loyalty/earn`).

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::redemption::{Redemption, RedemptionStatus};
use loyalty::domain::voucher_code::VoucherCode;
use loyalty::http::{ApiError, ApiRequest, Refusal, Scope, json};
use loyalty::store::{CommitError, Write};
use serde_json::{Value, json};

use crate::view::redemption_view;

/// A use races only with a cancellation or another till; a few rounds settle it.
const MAX_ATTEMPTS: u32 = 5;

pub async fn lookup(
    context: &Context,
    request: &ApiRequest,
    code: &str,
) -> Result<Response<Body>, ApiError> {
    request.caller(context)?.require(Scope::Earn)?;
    let redemption = find(context, code).await?;
    json(StatusCode::OK, &till_view(&redemption))
}

pub async fn use_voucher(
    context: &Context,
    request: &ApiRequest,
    code: &str,
) -> Result<Response<Body>, ApiError> {
    let caller = request.caller(context)?;
    caller.require(Scope::Earn)?;
    for _ in 0..MAX_ATTEMPTS {
        let mut redemption = find(context, code).await?;
        // The same till asking again (a retry after a lost response) gets the same answer.
        if redemption.status == RedemptionStatus::Used
            && redemption.closed_by.as_deref() == Some(caller.subject())
        {
            return json(StatusCode::OK, &till_view(&redemption));
        }
        let now = context.clock.now();
        if !redemption.close(RedemptionStatus::Used, now, caller.subject()) {
            let status = serde_json::to_value(redemption.status).unwrap_or_default();
            return Err(ApiError::refused(
                Refusal::VoucherNotUsable,
                format!("this voucher is {}", status.as_str().unwrap_or("closed")),
            ));
        }
        let view = till_view(&redemption);
        match context
            .store
            .commit_writes(&[Write::CloseRedemption(redemption)], None, now)
            .await
        {
            Ok(()) => return json(StatusCode::OK, &view),
            Err(CommitError::Contention { .. }) => continue,
            Err(other) => return Err(other.into()),
        }
    }
    Err(ApiError::Conflict("the voucher is changing; retry".into()))
}

async fn find(context: &Context, code: &str) -> Result<Redemption, ApiError> {
    let code = VoucherCode::try_from(code).map_err(|e| ApiError::invalid(e.to_string()))?;
    context
        .store
        .voucher(&code)
        .await?
        .ok_or_else(|| ApiError::NotFound("no voucher with this code".into()))
}

fn till_view(redemption: &Redemption) -> Value {
    let mut view = redemption_view(redemption);
    if let Some(fields) = view.as_object_mut() {
        fields.insert("memberId".into(), json!(redemption.member_id));
        fields.insert(
            "usable".into(),
            json!(redemption.status == RedemptionStatus::Issued),
        );
    }
    view
}
