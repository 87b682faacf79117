//! HS256 tokens for local runs and tests, accepted only when `LOYALTY_DEV_JWT_SECRET` is
//! set (the SAM template never sets it). In AWS, API Gateway's JWT authorizer verifies
//! Cognito's tokens and the functions read its claims instead.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use time::OffsetDateTime;

type HmacSha256 = Hmac<Sha256>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevClaims {
    pub sub: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Expiry, unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
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

#[derive(Deserialize)]
struct Header {
    alg: String,
}

/// Verifies the signature (in constant time) and the expiry, then returns the claims.
pub fn verify(token: &str, secret: &[u8], now: OffsetDateTime) -> Result<DevClaims, DevTokenError> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(DevTokenError::Malformed);
    };
    let header: Header = decode_json(header)?;
    if header.alg != "HS256" {
        return Err(DevTokenError::Algorithm);
    }
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| DevTokenError::Malformed)?;
    let mut mac = HmacSha256::new_from_slice(secret).map_err(|_| DevTokenError::Signature)?;
    mac.update(header_and_payload(token).as_bytes());
    mac.verify_slice(&signature)
        .map_err(|_| DevTokenError::Signature)?;
    let claims: DevClaims = decode_json(payload)?;
    if claims.exp.is_some_and(|exp| exp <= now.unix_timestamp()) {
        return Err(DevTokenError::Expired);
    }
    Ok(claims)
}

/// Signs a dev token; used by the dev stack and tests.
pub fn mint(claims: &DevClaims, secret: &[u8]) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    let signing_input = format!("{header}.{payload}");
    let signature = match HmacSha256::new_from_slice(secret) {
        Ok(mut mac) => {
            mac.update(signing_input.as_bytes());
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    };
    format!("{signing_input}.{signature}")
}

fn header_and_payload(token: &str) -> &str {
    token
        .rsplit_once('.')
        .map(|(signed, _)| signed)
        .unwrap_or_default()
}

fn decode_json<T: serde::de::DeserializeOwned>(part: &str) -> Result<T, DevTokenError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| DevTokenError::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| DevTokenError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-23 12:00 UTC);

    fn claims() -> DevClaims {
        DevClaims {
            sub: "m-1".into(),
            scope: Some("loyalty/earn".into()),
            exp: Some(NOW.unix_timestamp() + 60),
        }
    }

    #[test]
    fn round_trips() {
        let token = mint(&claims(), b"secret");
        assert_eq!(verify(&token, b"secret", NOW), Ok(claims()));
    }

    #[test]
    fn rejects_wrong_secret_tampering_expiry_and_alg_none() {
        let token = mint(&claims(), b"secret");
        assert_eq!(verify(&token, b"other", NOW), Err(DevTokenError::Signature));
        let (signed, sig) = token.rsplit_once('.').unwrap();
        let forged_payload = URL_SAFE_NO_PAD.encode(br#"{"sub":"someone-else"}"#);
        let header = signed.split('.').next().unwrap();
        assert_eq!(
            verify(&format!("{header}.{forged_payload}.{sig}"), b"secret", NOW),
            Err(DevTokenError::Signature)
        );
        assert_eq!(
            verify(&token, b"secret", NOW + time::Duration::minutes(2)),
            Err(DevTokenError::Expired)
        );
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#),
            forged_payload
        );
        assert_eq!(verify(&none, b"secret", NOW), Err(DevTokenError::Algorithm));
        assert_eq!(
            verify("garbage", b"secret", NOW),
            Err(DevTokenError::Malformed)
        );
    }
}
