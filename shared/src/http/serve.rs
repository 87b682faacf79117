//! The frame around every HTTP handler: parse the request, run the route, turn any error
//! into the API's error body, and log the outcome with the request id.

use std::future::Future;

use lambda_http::{Body, Request, Response};

use super::error::ApiError;
use super::request::ApiRequest;

pub async fn serve<F, Fut>(request: Request, route: F) -> Response<Body>
where
    F: FnOnce(ApiRequest) -> Fut,
    Fut: Future<Output = Result<Response<Body>, ApiError>>,
{
    let api_request = match ApiRequest::new(request) {
        Ok(r) => r,
        Err((error, request_id)) => return error.into_response(&request_id),
    };
    let request_id = api_request.request_id().to_string();
    let method = api_request.method().clone();
    let path = api_request.path().to_string();
    match route(api_request).await {
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
