//! HTTP(S) to the API: `http://` for the local stack, `https://` (rustls, the system's roots)
//! for a deployed one. The token goes in one header and nowhere else: neither `Debug` nor
//! any message shows it.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::CliError;
use crate::backoff::parse_retry_after;

/// How long one request may take before it counts as failed (and is retried).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

pub struct Api {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    endpoint: String,
    authorization: HeaderValue,
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

/// A response as the commands need it.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub retry_after: Option<Duration>,
    pub body: Bytes,
}

impl Answer {
    /// The API's error message (`{"error": {"code", "message"}}`), or the body as text.
    pub fn message(&self) -> String {
        let parsed: Option<serde_json::Value> = serde_json::from_slice(&self.body).ok();
        match parsed.as_ref().and_then(|v| v.get("error")) {
            Some(error) => format!(
                "{}: {}",
                error["code"].as_str().unwrap_or("error"),
                error["message"].as_str().unwrap_or("")
            ),
            None => String::from_utf8_lossy(&self.body)
                .chars()
                .take(500)
                .collect(),
        }
    }
}

impl Api {
    /// `endpoint` is the API's base URL (`http://localhost:9000`; a trailing `/v1` is fine).
    pub fn new(endpoint: &str, token: &str) -> Result<Self, CliError> {
        let endpoint = endpoint.trim_end_matches('/');
        let endpoint = endpoint.strip_suffix("/v1").unwrap_or(endpoint).to_string();
        if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
            return Err(CliError::BadEndpoint(endpoint));
        }
        let mut authorization = HeaderValue::from_str(&format!("Bearer {}", token.trim()))
            .map_err(|_| CliError::BadToken)?;
        authorization.set_sensitive(true);
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .map_err(|e| CliError::Tls(e.to_string()))?
            .https_or_http()
            .enable_http1()
            .build();
        let client = Client::builder(TokioExecutor::new()).build(connector);
        Ok(Self {
            client,
            endpoint,
            authorization,
        })
    }

    /// Sends one request; a transport failure or timeout is `CliError::Transport`.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<String>,
        headers: &[(&str, &str)],
    ) -> Result<Answer, CliError> {
        let mut request = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.endpoint))
            .header(AUTHORIZATION, self.authorization.clone());
        if body.is_some() {
            request = request.header(CONTENT_TYPE, "application/json");
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .map_err(|e| CliError::Transport(e.to_string()))?;
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| CliError::Transport(e.to_string()))?;
            let status = response.status().as_u16();
            let retry_after = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(parse_retry_after);
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| CliError::Transport(e.to_string()))?
                .to_bytes();
            Ok(Answer {
                status,
                retry_after,
                body,
            })
        };
        tokio::time::timeout(REQUEST_TIMEOUT, exchange)
            .await
            .map_err(|_| CliError::Transport("timed out".into()))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_never_shown() {
        let api = Api::new("http://localhost:9000/v1/", "secret-token-value").unwrap();
        let shown = format!("{api:?}");
        assert!(!shown.contains("secret-token-value"), "{shown}");
        assert_eq!(api.endpoint, "http://localhost:9000");
        assert!(matches!(
            Api::new("localhost:9000", "t"),
            Err(CliError::BadEndpoint(_))
        ));
        assert!(matches!(
            Api::new("http://x", "bad\ntoken"),
            Err(CliError::BadToken)
        ));
    }

    #[test]
    fn error_bodies_read_as_code_and_message() {
        let answer = Answer {
            status: 400,
            retry_after: None,
            body: Bytes::from_static(
                br#"{"error":{"code":"invalid_request","message":"at most 100 members","requestId":"r"}}"#,
            ),
        };
        assert_eq!(answer.message(), "invalid_request: at most 100 members");
    }
}
