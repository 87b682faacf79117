//! The key that seals partners' secrets at rest. In AWS it is read from Secrets Manager once,
//! at cold start, and kept in memory only: resolved into the function's environment it would
//! be readable by anyone allowed `lambda:GetFunctionConfiguration`. The local stack, which has
//! no Secrets Manager, passes it in `LOYALTY_SECRETS_KEY`.

use aws_sdk_secretsmanager::Client;
use loyalty::webhook::cipher::SecretCipher;
use serde::Deserialize;

use crate::SetupError;

/// The variable naming the secret (its ARN) in AWS.
pub const KEY_ARN_ENV: &str = "LOYALTY_SECRETS_KEY_ARN";

/// The secret's JSON, as the template generates it: `{"key": "<44 random characters>"}`.
#[derive(Deserialize)]
struct SealingSecret {
    key: String,
}

/// Reads the secret `arn` and builds the cipher from it.
pub async fn from_secrets_manager(client: &Client, arn: &str) -> Result<SecretCipher, SetupError> {
    let output = client
        .get_secret_value()
        .secret_id(arn)
        .send()
        .await
        .map_err(|e| {
            tracing::error!(error = %aws_sdk_secretsmanager::error::DisplayErrorContext(&e), "GetSecretValue failed");
            SetupError::SecretUnavailable
        })?;
    let text = output
        .secret_string()
        .ok_or(SetupError::SecretUnavailable)?;
    let secret: SealingSecret =
        serde_json::from_str(text).map_err(|_| SetupError::SecretUnavailable)?;
    Ok(SecretCipher::from_key_material(&secret.key)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_secretsmanager::operation::get_secret_value::{
        GetSecretValueError, GetSecretValueOutput,
    };
    use aws_sdk_secretsmanager::types::error::ResourceNotFoundException;
    use aws_smithy_mocks::{mock, mock_client};
    use loyalty::webhook::secret::SigningKey;

    const ARN: &str =
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:PartnerSecretsKey-AbCdEf";
    const MATERIAL: &str = "k7VQ2mX9pL4rT8wZ1nB6cJ3hF0dS5gA2eY7uI4oP9qR1";

    #[tokio::test]
    async fn the_key_is_read_from_the_secret_named_and_opens_what_it_sealed() {
        let get = mock!(Client::get_secret_value)
            .match_requests(|request| request.secret_id() == Some(ARN))
            .then_output(|| {
                GetSecretValueOutput::builder()
                    .secret_string(format!(r#"{{"key":"{MATERIAL}"}}"#))
                    .build()
            });
        let client = mock_client!(aws_sdk_secretsmanager, [&get]);
        let cipher = from_secrets_manager(&client, ARN).await.unwrap();
        assert_eq!(get.num_calls(), 1);
        // The same material locally seals what the fetched key opens.
        let local = SecretCipher::from_key_material(MATERIAL).unwrap();
        let key = SigningKey::generate();
        let opened = cipher.open(&local.seal(&key, "p:s"), "p:s").unwrap();
        assert_eq!(opened.as_bytes(), key.as_bytes());
    }

    #[tokio::test]
    async fn a_missing_or_malformed_secret_stops_the_function_from_starting() {
        let missing = mock!(Client::get_secret_value).then_error(|| {
            GetSecretValueError::ResourceNotFoundException(
                ResourceNotFoundException::builder().build(),
            )
        });
        let client = mock_client!(aws_sdk_secretsmanager, [&missing]);
        assert!(matches!(
            from_secrets_manager(&client, ARN).await,
            Err(SetupError::SecretUnavailable)
        ));
        let plain = mock!(Client::get_secret_value).then_output(|| {
            GetSecretValueOutput::builder()
                .secret_string(MATERIAL)
                .build()
        });
        let client = mock_client!(aws_sdk_secretsmanager, [&plain]);
        assert!(matches!(
            from_secrets_manager(&client, ARN).await,
            Err(SetupError::SecretUnavailable)
        ));
    }
}
