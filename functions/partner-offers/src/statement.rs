//! `GET /v1/partners/{partnerId}/statement?from=&to=`: the points issued on a partner's
//! behalf in a period, for settlement. The lines are written in the same transactions as
//! the members' `partner_bonus` entries, so the statement always matches the ledger.

use std::collections::BTreeMap;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use loyalty::domain::identifier::PartnerId;
use loyalty::domain::points::Points;
use loyalty::http::{ApiError, ApiRequest, Scope, json};
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

/// A statement covers at most a year; longer periods are several statements.
const MAX_PERIOD: Duration = Duration::days(366);

pub async fn get(
    context: &crate::PartnerContext,
    request: &ApiRequest,
    partner: &str,
) -> Result<Response<Body>, ApiError> {
    request.caller(&context.base)?.require(Scope::Admin)?;
    let partner_id = PartnerId::try_from(partner)?;
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
    let (issues, complete) = context
        .base
        .store
        .partner_issues(&partner_id, from, to)
        .await?;
    let mut total = Points::ZERO;
    let mut by_offer: BTreeMap<String, Points> = BTreeMap::new();
    for issue in &issues {
        total = total.checked_add(issue.points).ok_or(ApiError::Internal)?;
        for (offer, points) in &issue.by_offer {
            let sum = by_offer.entry(offer.to_string()).or_default();
            *sum = sum.checked_add(*points).ok_or(ApiError::Internal)?;
        }
    }
    let offers: Vec<Value> = by_offer
        .into_iter()
        .map(|(offer, points)| json!({"offerId": offer, "points": points}))
        .collect();
    let at = |t: OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
    json(
        StatusCode::OK,
        &json!({
            "partnerId": partner_id,
            "from": at(from),
            "to": at(to),
            "pointsIssued": total,
            "purchases": issues.len(),
            "byOffer": offers,
            "complete": complete,
        }),
    )
}
