//! `GET /v1/vouchers/{code}` and `POST /v1/vouchers/{code}/use`: the till checks a code and
//! marks it used, once (scope `loyalty/earn`).

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::operation::{self, VoucherUse};
use loyalty::domain::voucher_code::VoucherCode;
use loyalty::http::{ApiError, Decision, Reply, Till, json, write};
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
    till: Till,
    code: VoucherCode,
) -> Result<Response<Body>, ApiError> {
    write(
        context,
        SnapshotRequest::voucher(&code),
        None,
        |mut snapshot, now| {
            Ok(
                match operation::use_voucher(snapshot.voucher()?, till.actor(), now)? {
                    VoucherUse::Used { change, redemption } => {
                        Decision::Commit(change, Reply::ok(TillView::from(&redemption)))
                    }
                    VoucherUse::Repeated(redemption) => {
                        Decision::Answer(Reply::ok(TillView::from(&redemption)))
                    }
                },
            )
        },
    )
    .await
}
