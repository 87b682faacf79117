//! `GET /v1/partners/{partnerId}/statement?from=&to=&cursor=`: the points issued on a
//! partner's behalf in a period, for settlement. The lines are written in the same transactions as
//! the members' `partner_bonus` entries, so the statement always matches the ledger.

use std::time::Instant;

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
/// How long one call adds up lines (the function's timeout is 10 s).
const BUDGET: std::time::Duration = std::time::Duration::from_secs(5);

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
    /// False when the period holds more than one call reads in its time: the figures are
    /// those of the lines read, and `nextCursor` continues after them.
    complete: bool,
    next_cursor: Option<String>,
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
    let after = request
        .query("cursor")
        .map(|c| cursor::decode(&c))
        .transpose()?;
    // Stop adding up well before the request's deadline: a busy partner's long period is
    // then several calls, each continuing from the last one's cursor.
    let deadline = Instant::now() + BUDGET;
    let page = context
        .store
        .partner_statement(&partner_id, from, to, after.as_deref(), deadline, None)
        .await?;
    let view = StatementView {
        partner_id,
        from,
        to,
        points_issued: page.statement.points,
        purchases: page.statement.purchases,
        by_offer: page
            .statement
            .by_offer
            .into_iter()
            .map(|(offer_id, points)| OfferLine { offer_id, points })
            .collect(),
        complete: page.next.is_none(),
        next_cursor: page.next.as_deref().map(cursor::encode),
    };
    json(StatusCode::OK, &view)
}

/// Statement cursors: the line to continue after, opaque to clients and checked when they
/// come back.
mod cursor {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use loyalty::http::ApiError;
    use loyalty::store::keys::PARTNER_ISSUE_PREFIX;

    pub fn encode(sort_key: &str) -> String {
        URL_SAFE_NO_PAD.encode(sort_key)
    }

    pub fn decode(cursor: &str) -> Result<String, ApiError> {
        let invalid = || ApiError::invalid("cursor is not one this API returned");
        let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
        let key = String::from_utf8(bytes).map_err(|_| invalid())?;
        let valid = key.starts_with(PARTNER_ISSUE_PREFIX)
            && key.len() <= 200
            && !key.chars().any(char::is_control);
        valid.then_some(key).ok_or_else(invalid)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn round_trips_and_refuses_keys_of_other_items() {
            let key = "ISSUED#2026-11-23T12:00:00.000Z#01JABC";
            assert_eq!(decode(&encode(key)).unwrap(), key);
            assert!(decode(&encode("MEMBER#x")).is_err());
            assert!(decode("not base64!").is_err());
        }
    }
}
