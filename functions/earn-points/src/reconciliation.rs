//! `GET /v1/metrics/reconciliation?limit=&cursor=`: an operator's check of the figures. Each
//! call adds up the balances of the next page of members (read consistently, through the
//! members index: no Scan) and answers with the figures; the last call compares them. The run's
//! state is the cursor, so it can be stopped, resumed or started again at any time, and it
//! never writes anything.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use loyalty::Context;
use loyalty::domain::identifier::MemberId;
use loyalty::domain::metrics::utc_day;
use loyalty::domain::points::Points;
use loyalty::domain::reconciliation::{Progress, Reconciliation};
use loyalty::http::{ApiError, ApiRequest, Operator, json};
use loyalty::store::keys::MEMBER_SHARDS;
use serde::Serialize;

/// Members read by one call, unless `limit` says otherwise, and at most.
const DEFAULT_LIMIT: u16 = 500;
const MAX_LIMIT: u16 = 1_000;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReconciliationView {
    #[serde(flatten)]
    reconciliation: Reconciliation,
    next_cursor: Option<String>,
}

pub async fn get(
    context: &Context,
    request: &ApiRequest,
    _operator: Operator,
) -> Result<Response<Body>, ApiError> {
    let limit = match request.query("limit") {
        None => DEFAULT_LIMIT,
        Some(raw) => raw
            .parse::<u16>()
            .ok()
            .filter(|l| (1..=MAX_LIMIT).contains(l))
            .ok_or_else(|| ApiError::invalid(format!("limit must be 1 to {MAX_LIMIT}")))?,
    };
    let mut progress = match request.query("cursor") {
        Some(raw) => cursor::decode(&raw)?,
        None => Progress::start(figures(context).await?),
    };
    let after = progress
        .after
        .as_deref()
        .map(MemberId::try_from)
        .transpose()?;
    let page = context
        .store
        .member_balances(progress.shard, after.as_ref(), limit)
        .await?;
    let balances: Vec<Points> = page.balances.iter().map(|(_, b)| *b).collect();
    progress.add(&balances);
    match page.next_after {
        Some(next) => progress.after = Some(next.to_string()),
        None => {
            progress.shard += 1;
            progress.after = None;
        }
    }
    let complete = progress.shard >= MEMBER_SHARDS;
    let view = ReconciliationView {
        reconciliation: Reconciliation::new(&progress, figures(context).await?, complete),
        next_cursor: (!complete).then(|| cursor::encode(&progress)),
    };
    json(StatusCode::OK, &view)
}

/// The figures' totals now (only today's items and the totals are read).
async fn figures(context: &Context) -> Result<loyalty::domain::metrics::Totals, ApiError> {
    let today = utc_day(context.clock.now());
    Ok(context.store.metrics(today).await?.1)
}

/// Reconciliation cursors: the run's progress, opaque to clients and checked when they come
/// back.
mod cursor {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use loyalty::domain::reconciliation::Progress;
    use loyalty::http::ApiError;
    use loyalty::store::keys::MEMBER_SHARDS;

    pub fn encode(progress: &Progress) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(progress).unwrap_or_default())
    }

    pub fn decode(cursor: &str) -> Result<Progress, ApiError> {
        let invalid = || ApiError::invalid("cursor is not one this API returned");
        let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
        let progress: Progress = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
        (progress.shard < MEMBER_SHARDS && progress.members >= 0)
            .then_some(progress)
            .ok_or_else(invalid)
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use loyalty::domain::metrics::Totals;

        #[test]
        fn round_trips_and_refuses_what_it_did_not_write() {
            let progress = Progress::start(Totals::default());
            assert_eq!(decode(&encode(&progress)).unwrap(), progress);
            let beyond = Progress {
                shard: MEMBER_SHARDS,
                ..progress
            };
            assert!(decode(&encode(&beyond)).is_err());
            assert!(decode("not-base64!").is_err());
            assert!(decode(&URL_SAFE_NO_PAD.encode(b"{\"shard\":1}")).is_err());
        }
    }
}
