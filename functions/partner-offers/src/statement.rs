//! `GET /v1/partners/{partnerId}/statement?from=&to=`: the points issued on a partner's
//! behalf in a period, for settlement. The lines are written in the same transactions as
//! the members' `partner_bonus` entries, so the statement always matches the ledger.

use std::collections::BTreeMap;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::identifier::{OfferId, PartnerId};
use loyalty::domain::points::Points;
use loyalty::http::views::timestamp;
use loyalty::http::{ApiError, ApiRequest, Operator, json};
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

/// A statement covers at most a year; longer periods are several statements.
const MAX_PERIOD: Duration = Duration::days(366);

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct StatementView {
    partner_id: PartnerId,
    #[serde(with = "timestamp")]
    from: OffsetDateTime,
    #[serde(with = "timestamp")]
    to: OffsetDateTime,
    points_issued: Points,
    purchases: usize,
    by_offer: Vec<OfferLine>,
    complete: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct OfferLine {
    offer_id: OfferId,
    points: Points,
}

pub async fn get(
    context: &Context,
    request: &ApiRequest,
    _operator: Operator,
    partner_id: PartnerId,
) -> Result<Response<Body>, ApiError> {
    let time = |name: &str| -> Result<OffsetDateTime, ApiError> {
        let raw = request
            .query(name)
            .ok_or_else(|| ApiError::invalid(format!("{name} is required (RFC 3339)")))?;
        OffsetDateTime::parse(&raw, &Rfc3339)
            .map_err(|_| ApiError::invalid(format!("{name} must be an RFC 3339 time")))
    };
    let (from, to) = (time("from")?, time("to")?);
    if from >= to || to - from > MAX_PERIOD {
        return Err(ApiError::invalid(
            "from must be before to, at most 366 days apart",
        ));
    }
    let (issues, complete) = context.store.partner_issues(&partner_id, from, to).await?;
    let mut total = Points::ZERO;
    let mut by_offer: BTreeMap<OfferId, Points> = BTreeMap::new();
    for issue in &issues {
        total = total.checked_add(issue.points).ok_or(ApiError::Internal)?;
        for (offer, points) in &issue.by_offer {
            let sum = by_offer.entry(offer.clone()).or_default();
            *sum = sum.checked_add(*points).ok_or(ApiError::Internal)?;
        }
    }
    let view = StatementView {
        partner_id,
        from,
        to,
        points_issued: total,
        purchases: issues.len(),
        by_offer: by_offer
            .into_iter()
            .map(|(offer_id, points)| OfferLine { offer_id, points })
            .collect(),
        complete,
    };
    json(StatusCode::OK, &view)
}
