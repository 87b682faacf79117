//! The claims of a verified token, as this service reads them, whichever way they arrived:
//! API Gateway's JWT authorizer hands over a map of strings (a list claim such as
//! `cognito:groups` becomes the text `"[a b]"`), a dev token is JSON.
//!
//! What Cognito puts in its tokens (and what the tests mint):
//! - a user's access token: `sub`, `username`, `client_id` (the app), `token_use: "access"`,
//!   `scope` (`aws.cognito.signin.user.admin` from the SDK sign-in, or the OAuth scopes from
//!   the hosted UI), `cognito:groups`;
//! - a user's ID token: `sub`, `cognito:username`, `aud` (the app), `token_use: "id"`,
//!   `cognito:groups`;
//! - a machine's access token (client credentials: a till, a backend): `sub` equal to
//!   `client_id`, `token_use: "access"`, `scope`, and no user name.

use std::collections::HashMap;

use serde::Deserialize;

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Claims {
    pub sub: String,
    /// Space-separated scopes.
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub client_id: Option<String>,
    /// A user's name in an access token.
    #[serde(default)]
    pub username: Option<String>,
    /// A user's name in an ID token.
    #[serde(default, rename = "cognito:username")]
    pub cognito_username: Option<String>,
    #[serde(default, rename = "cognito:groups", deserialize_with = "groups")]
    pub groups: Vec<String>,
}

impl Claims {
    /// The claims API Gateway's JWT authorizer verified, as its string map.
    pub fn from_authorizer(map: &HashMap<String, String>) -> Option<Self> {
        let text = |name: &str| map.get(name).cloned();
        Some(Self {
            sub: text("sub")?,
            scope: text("scope"),
            client_id: text("client_id"),
            username: text("username"),
            cognito_username: text("cognito:username"),
            groups: map
                .get("cognito:groups")
                .map(|g| bracketed_list(g))
                .unwrap_or_default(),
        })
    }

    /// Whether a person signed in: a user name is there, and the subject is not the app
    /// client itself (which is what a client-credentials token's `sub` is).
    pub fn is_user(&self) -> bool {
        let named = self.username.is_some() || self.cognito_username.is_some();
        named && self.client_id.as_deref() != Some(self.sub.as_str())
    }

    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope.as_deref().unwrap_or_default().split_whitespace()
    }
}

/// `"[a b]"` (how API Gateway renders a list claim), or `"a"`.
fn bracketed_list(text: &str) -> Vec<String> {
    text.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|g| !g.is_empty())
        .map(str::to_string)
        .collect()
}

/// A JSON list of groups, or the authorizer's text form of one.
fn groups<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Groups {
        List(Vec<String>),
        Text(String),
    }
    Ok(match Option::<Groups>::deserialize(deserializer)? {
        Some(Groups::List(list)) => list,
        Some(Groups::Text(text)) => bracketed_list(&text),
        None => Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    }

    #[test]
    fn a_client_credentials_token_is_no_user_and_a_sign_in_is() {
        // Shapes as Cognito documents them, as API Gateway passes them on.
        let machine = Claims::from_authorizer(&map(&[
            ("sub", "5r2n7s1h0e5v3cpks2t9a1qf1o"),
            ("client_id", "5r2n7s1h0e5v3cpks2t9a1qf1o"),
            ("token_use", "access"),
            ("scope", "loyalty/earn"),
        ]))
        .unwrap();
        assert!(!machine.is_user());
        let access = Claims::from_authorizer(&map(&[
            ("sub", "a1b2c3d4-0000-1111-2222-333344445555"),
            ("username", "ann"),
            ("client_id", "7app0client0id0000000000000"),
            ("token_use", "access"),
            ("scope", "aws.cognito.signin.user.admin"),
            ("cognito:groups", "[loyalty-admins support]"),
        ]))
        .unwrap();
        assert!(access.is_user());
        assert_eq!(access.groups, ["loyalty-admins", "support"]);
        let id = Claims::from_authorizer(&map(&[
            ("sub", "a1b2c3d4-0000-1111-2222-333344445555"),
            ("cognito:username", "ann"),
            ("aud", "7app0client0id0000000000000"),
            ("token_use", "id"),
        ]))
        .unwrap();
        assert!(id.is_user());
        // A name is not enough if the subject is the client itself.
        let odd =
            Claims::from_authorizer(&map(&[("sub", "c"), ("client_id", "c"), ("username", "c")]))
                .unwrap();
        assert!(!odd.is_user());
        assert!(Claims::from_authorizer(&map(&[("scope", "x")])).is_none());
    }

    #[test]
    fn groups_arrive_as_a_list_or_as_the_authorizers_text() {
        let list: Claims =
            serde_json::from_str(r#"{"sub": "s", "cognito:groups": ["a", "b"]}"#).unwrap();
        assert_eq!(list.groups, ["a", "b"]);
        let text: Claims =
            serde_json::from_str(r#"{"sub": "s", "cognito:groups": "[a b]"}"#).unwrap();
        assert_eq!(text.groups, ["a", "b"]);
        let none: Claims = serde_json::from_str(r#"{"sub": "s"}"#).unwrap();
        assert!(none.groups.is_empty());
    }
}
