//! `GET /v1/vouchers/{code}` and `POST /v1/vouchers/{code}/use`: the till checks a code and
//! marks it used, once (scope `loyalty/earn`). A retry of a use after a lost response sends
//! the same `idempotency-key` and gets the first answer.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::operation;
use loyalty::domain::voucher_code::VoucherCode;
use loyalty::http::{ApiError, ApiRequest, Decision, Reply, Till, json, write};
use loyalty::store::{Missing, SnapshotRequest};

use crate::view::TillView;

pub async fn lookup(
    context: &Context,
    _till: Till,
    code: VoucherCode,
) -> Result<Response<Body>, ApiError> {
    let redemption = context
        .store
        .voucher(&code)
        .await?
        .ok_or(Missing::Voucher)?;
    json(StatusCode::OK, &TillView::from(&redemption))
}

pub async fn use_voucher(
    context: &Context,
    request: &ApiRequest,
    till: Till,
    code: VoucherCode,
) -> Result<Response<Body>, ApiError> {
    let idempotency = request.idempotency("voucher-use", code.as_str(), till.caller(), None)?;
    write(
        context,
        SnapshotRequest::voucher(&code),
        idempotency,
        |mut snapshot, now| {
            let (change, used) = operation::use_voucher(snapshot.voucher()?, till.actor(), now)?;
            Ok(Decision::Commit(change, Reply::ok(TillView::from(&used))))
        },
    )
    .await
}
