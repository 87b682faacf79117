//! HS256 tokens for local runs and tests, accepted only when `LOYALTY_DEV_JWT_SECRET` is
//! set (the SAM template never sets it). In AWS, API Gateway's JWT authorizer verifies
//! Cognito's tokens and the functions read its claims instead.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The claims of a dev token: those of a Cognito token this service reads (see
/// `identity::claims`), so the local stack tells members from machine clients as AWS does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevClaims {
    pub sub: String,
    /// Space-separated, as Cognito puts it; an array is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_use: Option<String>,
    #[serde(
        default,
        rename = "cognito:groups",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub groups: Vec<String>,
    /// Expiry, unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
}

/// The app client the dev stack's members sign in through.
pub const DEV_APP_CLIENT: &str = "dev-app-client";

impl DevClaims {
    /// A member signed in to the app, as a user's access token has it.
    pub fn member(sub: &str) -> Self {
        Self {
            sub: sub.to_string(),
            username: Some(sub.to_string()),
            client_id: Some(DEV_APP_CLIENT.to_string()),
            token_use: Some("access".into()),
            scope: Some("aws.cognito.signin.user.admin".into()),
            ..Default::default()
        }
    }

    /// A machine client (a till, a backend) with `scope`, as a client-credentials token
    /// has it: its subject is its client id.
    pub fn client(client_id: &str, scope: &str) -> Self {
        Self {
            sub: client_id.to_string(),
            client_id: Some(client_id.to_string()),
            token_use: Some("access".into()),
            scope: Some(scope.to_string()),
            ..Default::default()
        }
    }

    /// A person signed in who belongs to `group` (an operator in the admin group).
    pub fn user_in_group(sub: &str, group: &str) -> Self {
        Self {
            groups: vec![group.to_string()],
            ..Self::member(sub)
        }
    }
}

impl From<DevClaims> for super::claims::Claims {
    fn from(dev: DevClaims) -> Self {
        Self {
            sub: dev.sub,
            scope: dev.scope,
            client_id: dev.client_id,
            username: dev.username,
            cognito_username: None,
            groups: dev.groups,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DevTokenError {
    #[error("the token is not a well-formed JWT")]
    Malformed,
    #[error("the token is not signed with HS256")]
    Algorithm,
    #[error("the token's signature does not verify")]
    Signature,
    #[error("the token has expired")]
    Expired,
}

/// Verifies the signature (HS256 only) and the expiry against `now` (the injected clock, so
/// tests can travel in time), then returns the claims.
pub fn verify(token: &str, secret: &[u8], now: OffsetDateTime) -> Result<DevClaims, DevTokenError> {
    let mut validation = Validation::new(Algorithm::HS256);
    // `exp` is optional and checked below against the injected clock, not the system's.
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_aud = false;
    let key = DecodingKey::from_secret(secret).map_err(|_| DevTokenError::Signature)?;
    let data = jsonwebtoken::decode::<DevClaims>(token, &key, &validation).map_err(|e| match e
        .kind()
    {
        ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => DevTokenError::Algorithm,
        ErrorKind::InvalidSignature => DevTokenError::Signature,
        _ => DevTokenError::Malformed,
    })?;
    if data
        .claims
        .exp
        .is_some_and(|exp| exp <= now.unix_timestamp())
    {
        return Err(DevTokenError::Expired);
    }
    Ok(data.claims)
}

/// Signs a dev token; used by the dev stack and tests. Empty when the secret is.
pub fn mint(claims: &DevClaims, secret: &[u8]) -> String {
    EncodingKey::from_secret(secret)
        .and_then(|key| jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &key))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-23 12:00 UTC);

    fn claims() -> DevClaims {
        DevClaims {
            exp: Some(NOW.unix_timestamp() + 60),
            ..DevClaims::client("till-1", "loyalty/earn")
        }
    }

    fn part(json: &str) -> String {
        URL_SAFE_NO_PAD.encode(json.as_bytes())
    }

    #[test]
    fn round_trips() {
        let token = mint(&claims(), b"secret");
        assert_eq!(verify(&token, b"secret", NOW), Ok(claims()));
    }

    #[test]
    fn rejects_wrong_secret_tampering_expiry_and_other_algorithms() {
        let token = mint(&claims(), b"secret");
        assert_eq!(verify(&token, b"other", NOW), Err(DevTokenError::Signature));
        let (signed, sig) = token.rsplit_once('.').unwrap();
        let header = signed.split('.').next().unwrap();
        let forged = part(r#"{"sub":"someone-else"}"#);
        assert_eq!(
            verify(&format!("{header}.{forged}.{sig}"), b"secret", NOW),
            Err(DevTokenError::Signature)
        );
        assert_eq!(
            verify(&token, b"secret", NOW + time::Duration::minutes(2)),
            Err(DevTokenError::Expired)
        );
        let none = format!("{}.{forged}.", part(r#"{"alg":"none"}"#));
        assert!(verify(&none, b"secret", NOW).is_err());
        let hs512 = format!("{}.{forged}.{sig}", part(r#"{"alg":"HS512","typ":"JWT"}"#));
        assert_eq!(
            verify(&hs512, b"secret", NOW),
            Err(DevTokenError::Algorithm)
        );
        assert_eq!(
            verify("garbage", b"secret", NOW),
            Err(DevTokenError::Malformed)
        );
    }

    #[test]
    fn refuses_a_scope_that_is_not_a_string() {
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &serde_json::json!({"sub": "m-1", "scope": ["loyalty/admin"]}),
            &EncodingKey::from_secret(b"secret").unwrap(),
        )
        .unwrap();
        assert_eq!(
            verify(&token, b"secret", NOW),
            Err(DevTokenError::Malformed)
        );
    }
}
