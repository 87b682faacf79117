//! The earn-points function: points that tills, commerce backends and operators move,
//! and the programme whose rules decide how many.
//!
//! Routes: `POST /v1/members/{memberId}/earn`, `POST /v1/members/{memberId}/earn/{transactionId}/reverse`,
//! `POST /v1/members/{memberId}/actions`, `POST /v1/members/{memberId}/adjustments`,
//! `PUT /v1/members/{memberId}/tier-floor`, `PUT|DELETE /v1/members/{memberId}/membership`,
//! `GET|PUT /v1/program`, `GET /v1/metrics`, `GET /v1/metrics/journal`,
//! `GET /v1/metrics/reconciliation`, `GET /v1/offers`, `PUT /v1/offers/{offerId}`.

mod actions;
mod adjust;
mod earn;
mod membership;
mod metrics;
mod offers;
mod program;
mod reconciliation;
mod reverse;
mod tier_floor;

use std::convert::Infallible;

use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};
use loyalty::Context;
use loyalty::domain::identifier::{MemberId, OfferId, TransactionId};
use loyalty::http::{ApiError, ApiRequest, serve};

pub async fn handle(context: &Context, request: Request) -> Result<Response<Body>, Infallible> {
    Ok(serve(context, request, |request| route(context, request)).await)
}

/// Each route: who may call it, and whose member it touches.
async fn route(context: &Context, request: ApiRequest) -> Result<Response<Body>, ApiError> {
    let method = request.method().clone();
    let member = |id: &str| MemberId::try_from(id);
    match (method, request.segments().as_slice()) {
        (Method::POST, ["v1", "members", id, "earn"]) => {
            earn::earn(context, &request, request.till()?, member(id)?).await
        }
        (Method::POST, ["v1", "members", id, "earn", transaction, "reverse"]) => {
            let transaction = TransactionId::try_from(*transaction)?;
            reverse::reverse(context, &request, request.till()?, member(id)?, transaction).await
        }
        (Method::POST, ["v1", "members", id, "actions"]) => {
            actions::report(context, &request, request.till()?, member(id)?).await
        }
        (Method::PUT, ["v1", "members", id, "membership"]) => {
            membership::put(context, &request, request.operator()?, member(id)?).await
        }
        (Method::DELETE, ["v1", "members", id, "membership"]) => {
            membership::delete(context, &request, request.operator()?, member(id)?).await
        }
        (Method::POST, ["v1", "members", id, "adjustments"]) => {
            adjust::adjust(context, &request, request.operator()?, member(id)?).await
        }
        (Method::PUT, ["v1", "members", id, "tier-floor"]) => {
            tier_floor::put(context, &request, request.operator()?, member(id)?).await
        }
        (Method::GET, ["v1", "program"]) => program::get(context, request.operator()?).await,
        (Method::PUT, ["v1", "program"]) => {
            program::put(context, &request, request.operator()?).await
        }
        (Method::GET, ["v1", "metrics"]) => {
            metrics::get(context, &request, request.operator()?).await
        }
        (Method::GET, ["v1", "metrics", "journal"]) => {
            metrics::journal_csv(context, &request, request.operator()?).await
        }
        (Method::GET, ["v1", "offers"]) => offers::list(context, request.operator()?).await,
        (Method::PUT, ["v1", "offers", offer]) => {
            let offer = OfferId::try_from(*offer)?;
            offers::put(context, &request, request.operator()?, offer).await
        }
        (Method::GET, ["v1", "metrics", "reconciliation"]) => {
            reconciliation::get(context, &request, request.operator()?).await
        }
        _ => Err(ApiError::NotFound("no such route".into())),
    }
}
