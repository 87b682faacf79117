//! A caller, once authenticated: who it is, whether a person signed in, and what it may do.

use super::claims::Claims;
use super::{AuthError, Names};
use crate::domain::identifier::MemberId;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Point-of-sale and commerce backends.
    Earn,
    /// Operators.
    Admin,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    subject: String,
    user: bool,
    earn: bool,
    admin: bool,
}

impl Caller {
    pub fn new(claims: &Claims, names: &Names) -> Self {
        let scope = |role: &str| format!("{}/{role}", names.resource_server);
        let has_scope = |role: &str| claims.scopes().any(|s| s == scope(role));
        Self {
            subject: claims.sub.clone(),
            user: claims.is_user(),
            earn: has_scope("earn"),
            admin: has_scope("admin") || claims.groups.contains(&names.admin_group),
        }
    }

    pub fn subject(&self) -> &str {
        &self.subject
    }

    pub fn has(&self, scope: Scope) -> bool {
        match scope {
            Scope::Earn => self.earn,
            Scope::Admin => self.admin,
        }
    }

    pub fn require(&self, scope: Scope) -> Result<(), AuthError> {
        if self.has(scope) {
            return Ok(());
        }
        Err(AuthError::Forbidden(match scope {
            Scope::Earn => "this operation needs the earn scope".into(),
            Scope::Admin => "this operation needs the admin scope or the operators' group".into(),
        }))
    }

    /// The caller as a member: a person signed in, whose `sub` is the member id. A machine's
    /// token (a till's, a backend's) is refused, whatever its `sub`.
    pub fn member_id(&self) -> Result<MemberId, AuthError> {
        if !self.user {
            return Err(AuthError::Forbidden(
                "member routes need a member's own sign-in, not an app client's token".into(),
            ));
        }
        MemberId::try_from(self.subject.as_str()).map_err(|_| AuthError::NotAMemberId)
    }

    /// Reading a member's data: the member itself, or an operator.
    pub fn may_read(&self, member: &MemberId) -> Result<(), AuthError> {
        if (self.user && self.subject == member.as_str()) || self.admin {
            Ok(())
        } else {
            Err(AuthError::Forbidden(
                "a member may only read its own account".into(),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(json: serde_json::Value) -> Claims {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_machine_client_is_never_a_member_whatever_its_subject() {
        let till = Caller::new(
            &claims(
                serde_json::json!({"sub": "till", "client_id": "till", "scope": "loyalty/earn"}),
            ),
            &Names::default(),
        );
        assert!(till.has(Scope::Earn));
        assert!(matches!(till.member_id(), Err(AuthError::Forbidden(_))));
        let till_id = MemberId::try_from("till").unwrap();
        assert!(till.may_read(&till_id).is_err());
    }

    #[test]
    fn operators_administer_by_scope_or_by_group_under_the_deployments_names() {
        let names = Names {
            resource_server: "rewards".into(),
            admin_group: "ops".into(),
        };
        let scoped =
            claims(serde_json::json!({"sub": "o", "client_id": "o", "scope": "rewards/admin"}));
        assert!(Caller::new(&scoped, &names).has(Scope::Admin));
        let default_scope =
            claims(serde_json::json!({"sub": "o", "client_id": "o", "scope": "loyalty/admin"}));
        assert!(!Caller::new(&default_scope, &names).has(Scope::Admin));
        let grouped = claims(serde_json::json!({"sub": "u", "username": "u",
            "scope": "aws.cognito.signin.user.admin", "cognito:groups": "[ops]"}));
        let operator = Caller::new(&grouped, &names);
        assert!(operator.has(Scope::Admin));
        assert!(!operator.has(Scope::Earn));
        let other_group =
            claims(serde_json::json!({"sub": "u", "username": "u", "cognito:groups": ["staff"]}));
        assert!(!Caller::new(&other_group, &names).has(Scope::Admin));
    }

    #[test]
    fn a_member_reads_only_itself() {
        let ann = Caller::new(
            &claims(serde_json::json!({"sub": "ann", "username": "ann", "client_id": "app"})),
            &Names::default(),
        );
        assert_eq!(ann.member_id().unwrap().as_str(), "ann");
        assert!(ann.may_read(&MemberId::try_from("ann").unwrap()).is_ok());
        assert!(ann.may_read(&MemberId::try_from("ben").unwrap()).is_err());
    }
}
