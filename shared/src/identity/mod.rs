//! Who is calling. In AWS only the claims that API Gateway's JWT authorizer verified are
//! trusted; locally, dev tokens signed with `LOYALTY_DEV_JWT_SECRET` stand in for them. A
//! caller is a member only when a person signed in (a machine's client-credentials token
//! cannot act as one); it may earn or administer by its token's scopes, and administer by
//! membership of the operators' group, since operators who sign in with the SDK get no
//! custom scope.

mod caller;
pub mod claims;
pub mod dev_token;

use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use time::OffsetDateTime;

pub use caller::{Caller, Scope};
use claims::Claims;

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

/// The names a deployment gives: the resource server whose scopes grant roles
/// (`<identifier>/earn`, `<identifier>/admin`), and the user pool group of operators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    pub resource_server: String,
    pub admin_group: String,
}

impl Default for Names {
    fn default() -> Self {
        Self {
            resource_server: "loyalty".into(),
            admin_group: "loyalty-admins".into(),
        }
    }
}

impl Names {
    /// `LOYALTY_RESOURCE_SERVER` and `LOYALTY_ADMIN_GROUP` (template parameters), else the
    /// defaults `loyalty` and `loyalty-admins`.
    pub fn from_env() -> Self {
        let defaults = Self::default();
        let var = |name: &str, default: String| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.is_empty())
                .unwrap_or(default)
        };
        Self {
            resource_server: var("LOYALTY_RESOURCE_SERVER", defaults.resource_server),
            admin_group: var("LOYALTY_ADMIN_GROUP", defaults.admin_group),
        }
    }
}

/// How callers prove who they are, fixed at start-up.
#[derive(Clone, Default)]
pub struct AuthConfig {
    dev_secret: Option<Vec<u8>>,
    names: Names,
}

impl std::fmt::Debug for AuthConfig {
    // Never print the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthConfig")
            .field("dev_tokens", &self.dev_secret.is_some())
            .field("names", &self.names)
            .finish()
    }
}

impl AuthConfig {
    pub fn with_dev_secret(secret: impl Into<Vec<u8>>) -> Self {
        Self {
            dev_secret: Some(secret.into()),
            names: Names::default(),
        }
    }

    pub fn authorizer_only() -> Self {
        Self::default()
    }

    pub fn with_names(self, names: Names) -> Self {
        Self { names, ..self }
    }

    /// `LOYALTY_DEV_JWT_SECRET`, when set and non-empty, enables dev tokens.
    pub fn from_env() -> Self {
        let config = match std::env::var("LOYALTY_DEV_JWT_SECRET") {
            Ok(secret) if !secret.is_empty() => Self::with_dev_secret(secret),
            _ => Self::authorizer_only(),
        };
        config.with_names(Names::from_env())
    }

    pub fn authenticate(
        &self,
        request: &Request,
        now: OffsetDateTime,
    ) -> Result<Caller, AuthError> {
        if let Some(claims) = authorizer_claims(request) {
            return Ok(Caller::new(&claims, &self.names));
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
        Ok(Caller::new(&Claims::from(claims), &self.names))
    }
}

fn authorizer_claims(request: &Request) -> Option<Claims> {
    let RequestContext::ApiGatewayV2(context) = request.request_context_ref()? else {
        return None;
    };
    Claims::from_authorizer(&context.authorizer.as_ref()?.jwt.as_ref()?.claims)
}
