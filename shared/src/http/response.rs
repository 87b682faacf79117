//! JSON responses, fresh or replayed from an idempotency record, and CSV for accounting.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};

use super::error::ApiError;
use crate::idempotency::{IdempotencyRecord, StoredReply};

pub fn json(status: StatusCode, body: &impl serde::Serialize) -> Result<Response<Body>, ApiError> {
    let text = serde_json::to_string(body).map_err(|_| ApiError::Internal)?;
    raw(status, text, false)
}

/// A CSV document (RFC 4180, a header row first), for tools that import spreadsheets.
pub fn csv(rows: &[Vec<String>]) -> Result<Response<Body>, ApiError> {
    let mut text = String::new();
    for row in rows {
        let fields: Vec<String> = row.iter().map(|field| csv_field(field)).collect();
        text.push_str(&fields.join(","));
        text.push_str("\r\n");
    }
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "text/csv; charset=utf-8")
        .body(Body::Text(text))
        .map_err(|_| ApiError::Internal)
}

/// Quoted when it holds a comma, a quote or a line break; quotes doubled.
fn csv_field(field: &str) -> String {
    if field.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

/// A write's answer, as it is also remembered for retries.
pub fn stored(reply: &StoredReply) -> Result<Response<Body>, ApiError> {
    let status = StatusCode::from_u16(reply.status).map_err(|_| ApiError::Internal)?;
    raw(status, reply.body.clone(), false)
}

/// The first response to an idempotent write, sent again with `idempotent-replayed: true`.
pub fn replay(record: &IdempotencyRecord) -> Result<Response<Body>, ApiError> {
    let status = StatusCode::from_u16(record.status).map_err(|_| ApiError::Internal)?;
    raw(status, record.body.clone(), true)
}

fn raw(status: StatusCode, body: String, replayed: bool) -> Result<Response<Body>, ApiError> {
    let mut builder = Response::builder()
        .status(status)
        .header("content-type", "application/json");
    if replayed {
        builder = builder.header("idempotent-replayed", "true");
    }
    builder
        .body(Body::Text(body))
        .map_err(|_| ApiError::Internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_only_what_needs_it() {
        let rows = vec![
            vec!["date".to_string(), "type".to_string()],
            vec!["2026-12-02".to_string(), "a,\"b\"".to_string()],
        ];
        let response = csv(&rows).expect("a response");
        assert_eq!(
            response.headers()["content-type"],
            "text/csv; charset=utf-8"
        );
        let Body::Text(text) = response.body() else {
            panic!("a text body")
        };
        assert_eq!(text, "date,type\r\n2026-12-02,\"a,\"\"b\"\"\"\r\n");
    }
}
