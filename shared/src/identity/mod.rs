//! Who is calling. In AWS only the claims that API Gateway's JWT authorizer verified are
//! trusted; locally, dev tokens signed with `LOYALTY_DEV_JWT_SECRET` stand in for them.

pub mod dev_token;

use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use time::OffsetDateTime;

use crate::domain::identifier::MemberId;

/// Why a caller may not do what it asks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No identity, or one that does not verify.
    #[error("{0}")]
    Unauthorized(String),
    /// A valid identity that may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The token's subject cannot be a member id.
    #[error("the token's subject is not a valid member id")]
    NotAMemberId,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Point-of-sale and commerce backends.
    Earn,
    /// Operators.
    Admin,
}

impl Scope {
    fn claim(self) -> &'static str {
        match self {
            Scope::Earn => "loyalty/earn",
            Scope::Admin => "loyalty/admin",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    subject: String,
    scopes: Vec<String>,
}

/// How callers prove who they are, fixed at start-up.
#[derive(Clone, Default)]
pub struct AuthConfig {
    dev_secret: Option<Vec<u8>>,
}

impl std::fmt::Debug for AuthConfig {
    // Never print the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthConfig")
            .field("dev_tokens", &self.dev_secret.is_some())
            .finish()
    }
}

impl AuthConfig {
    pub fn with_dev_secret(secret: impl Into<Vec<u8>>) -> Self {
        Self {
            dev_secret: Some(secret.into()),
        }
    }

    pub fn authorizer_only() -> Self {
        Self { dev_secret: None }
    }

    /// `LOYALTY_DEV_JWT_SECRET`, when set and non-empty, enables dev tokens.
    pub fn from_env() -> Self {
        match std::env::var("LOYALTY_DEV_JWT_SECRET") {
            Ok(secret) if !secret.is_empty() => Self::with_dev_secret(secret),
            _ => Self::authorizer_only(),
        }
    }

    pub fn authenticate(
        &self,
        request: &Request,
        now: OffsetDateTime,
    ) -> Result<Caller, AuthError> {
        if let Some(caller) = authorizer_claims(request) {
            return Ok(caller);
        }
        let Some(secret) = &self.dev_secret else {
            return Err(AuthError::Unauthorized(
                "missing or invalid credentials".into(),
            ));
        };
        let token = request
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .ok_or_else(|| AuthError::Unauthorized("missing bearer token".into()))?;
        let claims = dev_token::verify(token.trim(), secret, now)
            .map_err(|e| AuthError::Unauthorized(e.to_string()))?;
        Ok(Caller::new(
            claims.sub,
            claims.scope.as_deref().unwrap_or_default(),
        ))
    }
}

fn authorizer_claims(request: &Request) -> Option<Caller> {
    let RequestContext::ApiGatewayV2(context) = request.request_context_ref()? else {
        return None;
    };
    let claims = &context.authorizer.as_ref()?.jwt.as_ref()?.claims;
    let subject = claims.get("sub")?;
    Some(Caller::new(
        subject.clone(),
        claims.get("scope").map(String::as_str).unwrap_or_default(),
    ))
}

impl Caller {
    pub fn new(subject: impl Into<String>, scopes: &str) -> Self {
        Self {
            subject: subject.into(),
            scopes: scopes.split_whitespace().map(str::to_string).collect(),
        }
    }

    pub fn subject(&self) -> &str {
        &self.subject
    }

    pub fn has(&self, scope: Scope) -> bool {
        self.scopes.iter().any(|s| s == scope.claim())
    }

    pub fn require(&self, scope: Scope) -> Result<(), AuthError> {
        if self.has(scope) {
            Ok(())
        } else {
            Err(AuthError::Forbidden(format!(
                "this operation needs the {} scope",
                scope.claim()
            )))
        }
    }

    /// The caller as a member: its `sub` is the member id.
    pub fn member_id(&self) -> Result<MemberId, AuthError> {
        MemberId::try_from(self.subject.as_str()).map_err(|_| AuthError::NotAMemberId)
    }

    /// Reading a member's data: the member itself, or an operator.
    pub fn may_read(&self, member: &MemberId) -> Result<(), AuthError> {
        if self.subject == member.as_str() || self.has(Scope::Admin) {
            Ok(())
        } else {
            Err(AuthError::Forbidden(
                "a member may only read its own account".into(),
            ))
        }
    }
}
