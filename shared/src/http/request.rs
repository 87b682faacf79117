//! A request as the handlers see it: method, decoded path segments, query, a body within
//! the size limit, the request id, and who is calling (authenticated once, by `serve`).
//! Decoding errors become 4xx here, once. A route states what it needs of the caller
//! ([`ApiRequest::till`], [`ApiRequest::operator`], [`ApiRequest::member`],
//! [`ApiRequest::reader_of`]) and gets a typed principal or the one 401/403.

use lambda_http::http::Method;
use lambda_http::{Body, Request, RequestExt};
use serde::de::DeserializeOwned;

use super::error::ApiError;
use super::principal::{Operator, SignedInMember, Till};
use crate::domain::identifier::{IdempotencyKey, MemberId};
use crate::idempotency::{Idempotency, IdempotencyScope, fingerprint};
use crate::identity::{AuthError, Caller, Scope};

pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub struct ApiRequest {
    inner: Request,
    path: String,
    segments: Vec<String>,
    request_id: String,
    caller: Result<Caller, AuthError>,
}

impl ApiRequest {
    pub fn new(
        inner: Request,
        caller: Result<Caller, AuthError>,
    ) -> Result<Self, (ApiError, String)> {
        let request_id = request_id(&inner);
        let path = inner.uri().path().to_string();
        let segments = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(percent_decode)
            .collect::<Option<Vec<_>>>();
        match segments {
            Some(segments) => Ok(Self {
                inner,
                path,
                segments,
                request_id,
                caller,
            }),
            None => Err((
                ApiError::invalid("the path is not valid percent-encoded UTF-8"),
                request_id,
            )),
        }
    }

    pub fn method(&self) -> &Method {
        self.inner.method()
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    /// Path segments, decoded, for matching with slice patterns.
    pub fn segments(&self) -> Vec<&str> {
        self.segments.iter().map(String::as_str).collect()
    }

    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// Whoever signed the request, whatever they may do.
    pub fn caller(&self) -> Result<&Caller, ApiError> {
        self.caller.as_ref().map_err(|e| e.clone().into())
    }

    /// A till or commerce backend (`loyalty/earn`).
    pub fn till(&self) -> Result<Till, ApiError> {
        Ok(Till(self.scoped(Scope::Earn)?))
    }

    /// An operator (`loyalty/admin`).
    pub fn operator(&self) -> Result<Operator, ApiError> {
        Ok(Operator(self.scoped(Scope::Admin)?))
    }

    /// The member signed in: the routes under `/v1/members/me`.
    pub fn member(&self) -> Result<SignedInMember, ApiError> {
        let caller = self.caller()?;
        Ok(SignedInMember {
            id: caller.member_id()?,
            caller: caller.clone(),
        })
    }

    /// A member named in the path, when the caller may read it: itself, or an operator.
    pub fn reader_of(&self, member: &str) -> Result<MemberId, ApiError> {
        let caller = self.caller()?;
        let member = MemberId::try_from(member)?;
        caller.may_read(&member)?;
        Ok(member)
    }

    fn scoped(&self, scope: Scope) -> Result<Caller, ApiError> {
        let caller = self.caller()?;
        caller.require(scope)?;
        Ok(caller.clone())
    }

    pub fn query(&self, name: &str) -> Option<String> {
        self.inner
            .query_string_parameters_ref()
            .and_then(|q| q.first(name).map(str::to_string))
    }

    /// The `limit` query parameter: `default` when absent, 1 to `max` when given.
    pub fn limit(&self, default: u16, max: u16) -> Result<u16, ApiError> {
        match self.query("limit") {
            None => Ok(default),
            Some(raw) => raw
                .parse::<u16>()
                .ok()
                .filter(|l| (1..=max).contains(l))
                .ok_or_else(|| {
                    ApiError::invalid(format!("limit must be a whole number from 1 to {max}"))
                }),
        }
    }

    pub fn body_bytes(&self) -> Result<&[u8], ApiError> {
        let bytes: &[u8] = match self.inner.body() {
            Body::Empty => &[],
            Body::Text(text) => text.as_bytes(),
            Body::Binary(bytes) => bytes,
            _ => &[],
        };
        if bytes.len() > MAX_BODY_BYTES {
            return Err(ApiError::PayloadTooLarge);
        }
        Ok(bytes)
    }

    /// The body as JSON, checked against the size limit. Only an empty body (0 bytes) is
    /// `None`: anything else must be JSON, whitespace alone included.
    pub fn json_value(&self) -> Result<Option<serde_json::Value>, ApiError> {
        let bytes = self.body_bytes()?;
        if bytes.is_empty() {
            return Ok(None);
        }
        serde_json::from_slice(bytes)
            .map(Some)
            .map_err(|e| ApiError::invalid(format!("the body is not valid JSON: {e}")))
    }

    /// Decodes a JSON value into a request type; its `TryFrom` conversions validate. Structs
    /// must be JSON objects (not arrays of their fields), and messages name no Rust type.
    pub fn decode<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
        super::strict::from_value(value).map_err(|e| ApiError::invalid(e.to_string()))
    }

    /// A JSON body that may be absent (then the type's default), with its raw value.
    pub fn json_or_default<T: DeserializeOwned + Default>(
        &self,
    ) -> Result<(T, Option<serde_json::Value>), ApiError> {
        match self.json_value()? {
            Some(value) => Ok((Self::decode(value.clone())?, Some(value))),
            None => Ok((T::default(), None)),
        }
    }

    /// A JSON body that must be present.
    pub fn json<T: DeserializeOwned>(&self) -> Result<(T, serde_json::Value), ApiError> {
        let value = self
            .json_value()?
            .ok_or_else(|| ApiError::invalid("a JSON body is required"))?;
        Ok((Self::decode(value.clone())?, value))
    }

    /// A header's value, when present and visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.inner.headers().get(name).and_then(|v| v.to_str().ok())
    }

    /// What tells a retry of this request from another: its method, path and JSON body.
    pub fn fingerprint(&self, body: Option<&serde_json::Value>) -> String {
        fingerprint(self.method().as_str(), self.path(), body)
    }

    /// The guard of a write the caller may retry with an `idempotency-key`: remembered per
    /// operation, member, caller and key. `None` without the header.
    pub fn idempotency(
        &self,
        operation: &str,
        member: &str,
        caller: &Caller,
        body: Option<&serde_json::Value>,
    ) -> Result<Option<Idempotency>, ApiError> {
        Ok(self.idempotency_key()?.map(|key| {
            Idempotency::new(
                IdempotencyScope::keyed(operation, member, caller.subject(), key.as_str()),
                self.fingerprint(body),
            )
        }))
    }

    /// As [`Self::idempotency`], for a write that may not run without the header.
    pub fn required_idempotency(
        &self,
        operation: &str,
        member: &str,
        caller: &Caller,
        body: Option<&serde_json::Value>,
    ) -> Result<Idempotency, ApiError> {
        self.idempotency(operation, member, caller, body)?
            .ok_or_else(|| {
                ApiError::invalid(format!(
                    "an idempotency-key header is required to {operation}"
                ))
            })
    }

    pub fn idempotency_key(&self) -> Result<Option<IdempotencyKey>, ApiError> {
        match self.inner.headers().get("idempotency-key") {
            None => Ok(None),
            Some(value) => {
                let raw = value
                    .to_str()
                    .map_err(|_| ApiError::invalid("idempotency-key must be ASCII"))?;
                IdempotencyKey::try_from(raw)
                    .map(Some)
                    .map_err(|e| ApiError::invalid(e.to_string()))
            }
        }
    }
}

fn request_id(request: &Request) -> String {
    request
        .lambda_context_ref()
        .map(|c| c.request_id.clone())
        .filter(|id| !id.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

fn percent_decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = segment.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%3Ab%40c").as_deref(), Some("a:b@c"));
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%4"), None);
        assert_eq!(percent_decode("%FF"), None);
    }
}
