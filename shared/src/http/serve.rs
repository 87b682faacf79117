//! The frame around every HTTP handler: parse the request, authenticate the caller (once,
//! here), run the route within the invocation's deadline, turn any error into the API's
//! error body, and log the outcome with the request id.

use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lambda_http::{Body, Request, RequestExt, Response};

use super::error::ApiError;
use super::request::ApiRequest;
use crate::Context;

pub async fn serve<F, Fut>(context: &Context, request: Request, route: F) -> Response<Body>
where
    F: FnOnce(ApiRequest) -> Fut,
    Fut: Future<Output = Result<Response<Body>, ApiError>>,
{
    let budget = budget(&request);
    let caller = context.auth.authenticate(&request, context.clock.now());
    let api_request = match ApiRequest::new(request, caller) {
        Ok(r) => r,
        Err((error, request_id)) => return error.into_response(&request_id),
    };
    let request_id = api_request.request_id().to_string();
    let method = api_request.method().clone();
    let path = loggable(api_request.segments().as_slice());
    let outcome = match budget {
        Some(budget) => match tokio::time::timeout(budget, route(api_request)).await {
            Ok(outcome) => outcome,
            Err(_) => {
                tracing::warn!(
                    request_id,
                    budget_ms = budget.as_millis(),
                    "request ran out of time"
                );
                Err(ApiError::Unavailable)
            }
        },
        None => route(api_request).await,
    };
    match outcome {
        Ok(response) => {
            tracing::info!(request_id, %method, path, status = response.status().as_u16(), "request served");
            response
        }
        Err(error) => {
            let status = error.status().as_u16();
            if status >= 500 {
                crate::metrics::emit(crate::metrics::Metric::Errors, 1, &[("Code", error.code())]);
                tracing::error!(request_id, %method, path, status, code = error.code(), "request failed");
            } else {
                tracing::info!(request_id, %method, path, status, code = error.code(), "request refused");
            }
            error.into_response(&request_id)
        }
    }
}

/// The path as logs may keep it: a voucher code is as good as the reward it buys, so it is
/// never written out (`/v1/vouchers/{code}/use`).
fn loggable(segments: &[&str]) -> String {
    let shown: Vec<&str> = match segments {
        ["v1", "vouchers", _, rest @ ..] => ["v1", "vouchers", "{code}"]
            .into_iter()
            .chain(rest.iter().copied())
            .collect(),
        other => other.to_vec(),
    };
    format!("/{}", shown.join("/"))
}

/// 2001-09-09T01:46:40Z in milliseconds since the epoch: a Lambda deadline is always later,
/// and a local emulator's relative timeout always earlier.
const EARLIEST_DEADLINE_MS: u64 = 1_000_000_000_000;

/// Time kept back from the invocation's deadline to answer (and log) before Lambda ends it.
const DEADLINE_MARGIN: Duration = Duration::from_millis(1000);

/// How long the route may run: until shortly before the invocation's deadline, so a slow
/// DynamoDB (each call is bounded by the SDK's timeouts, but a write makes several) ends in
/// a 503 with `retry-after` rather than a killed invocation and API Gateway's own error.
/// A write cut short may still have committed; its retry, with the same key, replays it.
/// None when the invocation has no deadline (handlers called directly, in tests), or one
/// that is no point in time: `cargo lambda watch` (the local stack) sends the function's
/// timeout, `600000`, where Lambda sends the deadline in milliseconds since the epoch, and
/// read as a time that is 1970, which would cut every request short with a 503.
fn budget(request: &Request) -> Option<Duration> {
    let deadline_ms = request.lambda_context_ref()?.deadline;
    if deadline_ms < EARLIEST_DEADLINE_MS {
        return None;
    }
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    let left = Duration::from_millis(deadline_ms.saturating_sub(now_ms));
    Some(left.saturating_sub(DEADLINE_MARGIN))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::http::StatusCode;

    fn request_with_deadline(deadline_in: Option<Duration>) -> Request {
        let mut context = lambda_http::Context::default();
        context.request_id = "req-deadline".into();
        if let Some(left) = deadline_in {
            let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
            context.deadline = u64::try_from((now + left).as_millis()).unwrap();
        }
        Request::default().with_lambda_context(context)
    }

    async fn slow_route(_: ApiRequest) -> Result<Response<Body>, ApiError> {
        tokio::time::sleep(Duration::from_secs(60)).await;
        Ok(Response::new(Body::Empty))
    }

    fn context() -> Context {
        let config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
            .build();
        Context {
            store: crate::store::Store::new(aws_sdk_dynamodb::Client::from_conf(config), "t"),
            clock: std::sync::Arc::new(crate::domain::clock::SystemClock),
            auth: crate::identity::AuthConfig::authorizer_only(),
            shared: crate::shared_items::SharedItems::new(crate::shared_items::DEFAULT_TTL),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_route_that_outlives_the_invocation_deadline_ends_in_503_before_it() {
        let started = tokio::time::Instant::now();
        let response = serve(
            &context(),
            request_with_deadline(Some(Duration::from_secs(10))),
            slow_route,
        )
        .await;
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()["retry-after"], "1");
        let waited = started.elapsed();
        assert!(
            waited <= Duration::from_secs(9),
            "answered after {waited:?}"
        );
        assert!(
            waited >= Duration::from_secs(8),
            "answered after {waited:?}"
        );
    }

    #[test]
    fn voucher_codes_never_reach_the_log_line() {
        assert_eq!(
            loggable(&["v1", "vouchers", "7K3M-Q9TX-2HD4P", "use"]),
            "/v1/vouchers/{code}/use"
        );
        assert_eq!(
            loggable(&["v1", "vouchers", "7K3MQ9TX2HD4P"]),
            "/v1/vouchers/{code}"
        );
        assert_eq!(loggable(&["v1", "members", "me"]), "/v1/members/me");
    }

    #[tokio::test(start_paused = true)]
    async fn without_a_deadline_the_route_runs_to_its_end() {
        let response = serve(&context(), request_with_deadline(None), slow_route).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
}
