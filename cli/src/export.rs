//! `export MEMBER_ID`: the admin export of one member (`GET /v1/members/{memberId}/export`),
//! printed as the server sends it.

use hyper::Method;

use crate::CliError;
use crate::client::Api;

/// The export's JSON body, or the server's refusal.
pub async fn export(api: &Api, member_id: &str) -> Result<Result<String, String>, CliError> {
    let valid = (1..=128).contains(&member_id.len())
        && member_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':' | b'@'));
    if !valid {
        return Err(CliError::Usage(
            "a member id is 1 to 128 characters from letters, digits and -_.:@".into(),
        ));
    }
    let answer = api
        .send(
            Method::GET,
            &format!("/v1/members/{member_id}/export"),
            None,
            &[],
        )
        .await?;
    if answer.status == 200 {
        Ok(Ok(String::from_utf8_lossy(&answer.body).into_owned()))
    } else {
        Ok(Err(format!("HTTP {}: {}", answer.status, answer.message())))
    }
}
